/* Typing lines that get no "stopped" signal (the comments under a post): each person's
 * "is typing…" stays as long as signals keep coming, and goes a few seconds after the
 * last. A newer signal replaces the person's earlier one rather than adding a second. */
(function () {
  "use strict";

  var timers = {};

  function settle(typer) {
    var line = typer.parentNode;
    if (!line) { return; }
    Array.prototype.forEach.call(line.querySelectorAll(".typer"), function (other) {
      if (other !== typer && other.id === typer.id) { other.remove(); }
    });
    window.clearTimeout(timers[typer.id]);
    var seconds = Number(typer.getAttribute("data-expires-in")) || 6;
    timers[typer.id] = window.setTimeout(function () {
      if (typer.isConnected) { typer.remove(); }
    }, seconds * 1000);
  }

  function added(records) {
    records.forEach(function (record) {
      Array.prototype.forEach.call(record.addedNodes, function (node) {
        if (node.nodeType === 1 && node.matches(".typer[data-expires-in]")) { settle(node); }
      });
    });
  }

  new MutationObserver(added).observe(document.body, { childList: true, subtree: true });
})();
