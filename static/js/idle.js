/* Automatic away: after PRESENCE_IDLE_SECONDS without keyboard, pointer or visibility
 * activity in any tab of this browser, the navigation's status control (#status-control)
 * posts `away` marked automatic; the next activity posts `online` marked automatic. The
 * server applies an automatic change only over `online` or over an automatic away, so a
 * status chosen by hand stays. The tabs share the time of the last activity and whether
 * the away is automatic through localStorage; the server's answer is the control itself,
 * swapped in place.
 */
(function () {
  "use strict";

  var ACTIVE_KEY = "tandem:last-activity";
  var AWAY_KEY = "tandem:auto-away";
  var first = document.getElementById("status-control");
  var idleMs = first ? Number(first.getAttribute("data-idle-seconds")) * 1000 : 0;
  if (!(idleMs > 0)) { return; }

  var localActivity = Date.now();
  var lastShared = 0;
  var sending = false;

  function read(key) {
    try { return window.localStorage.getItem(key); } catch (error) { return null; }
  }
  function write(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (error) { /* private mode: this tab alone decides */ }
  }

  function control() { return document.getElementById("status-control"); }
  function shown(name) { var element = control(); return element ? element.getAttribute(name) : null; }
  function autoAway() { return shown("data-status") === "away" && shown("data-auto") === "true"; }

  /* The server's word on the automatic away, for the other tabs. */
  function remember() { write(AWAY_KEY, autoAway() ? "1" : null); }

  function post(status) {
    var element = control();
    var form = element && element.querySelector("form");
    if (!form || sending) { return; }
    sending = true;
    var body = new URLSearchParams();
    body.set("csrf_token", form.elements.csrf_token.value);
    body.set("next", form.elements.next.value);
    body.set("status", status);
    body.set("auto", "1");
    window.fetch(element.getAttribute("data-action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (response) {
      if (!response.ok) { return null; }
      return response.text();
    }).then(function (html) {
      var current = control();
      if (html && current && !current.open) {
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.firstElementChild;
        if (fresh && fresh.id === "status-control") {
          current.replaceWith(fresh);
          if (window.htmx) { window.htmx.process(fresh); }
        }
      }
      remember();
    }).catch(function () { /* offline: the next check tries again */ })
      .then(function () { sending = false; });
  }

  function active() {
    var now = Date.now();
    localActivity = now;
    if (now - lastShared > 2000) {
      lastShared = now;
      write(ACTIVE_KEY, String(now));
    }
    if (autoAway() || read(AWAY_KEY) === "1") {
      write(AWAY_KEY, null);
      post("online");
    }
  }

  function check() {
    var last = Math.max(localActivity, Number(read(ACTIVE_KEY)) || 0);
    if (Date.now() - last < idleMs) { return; }
    if (shown("data-status") === "online" && read(AWAY_KEY) !== "1") { post("away"); }
  }

  ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "focus"].forEach(function (name) {
    window.addEventListener(name, active, { passive: true, capture: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { active(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "status-control") { remember(); }
  });

  remember();
  active();  // opening a page is activity: it ends an automatic away
  window.setInterval(check, Math.max(1000, Math.min(idleMs / 4, 15000)));
}());
