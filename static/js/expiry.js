/* Things shown only until a moment (an announcement until it expires) leave the page by
 * themselves. The server renders each with `data-expires-in`, the whole seconds left when
 * it rendered, so the browser's own clock does not matter; elements a live fragment adds
 * later are found on htmx's `htmx:load`. Later pages do not render them at all.
 */
(function () {
  "use strict";

  // setTimeout overflows past about 24.8 days: long waits go in steps.
  var STEP_MS = 60 * 60 * 1000;
  var watched = new WeakSet();

  function watch(element) {
    if (watched.has(element)) { return; }
    var seconds = Number(element.getAttribute("data-expires-in"));
    if (!(seconds >= 0)) { return; }
    watched.add(element);
    var deadline = Date.now() + seconds * 1000;
    (function wait() {
      var left = deadline - Date.now();
      if (left <= 0) { element.remove(); return; }
      window.setTimeout(wait, Math.min(left, STEP_MS));
    })();
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches("[data-expires-in]")) { watch(root); }
    root.querySelectorAll("[data-expires-in]").forEach(watch);
  }

  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document.body); });
  } else {
    scan(document.body);
  }
})();
