/* A playlist's order, changed in place (templates/playlists/show.html).
 *
 * - The Move up / Move down buttons are sent without leaving the page, and items can be
 *   dragged into place. Each move names the version of the list the page shows and the
 *   place it goes to, both read when it is sent (moves go one after another). The answer
 *   is the list as it is now; a 409 means another change came first: the current order
 *   is shown and the status says so.
 * - Live redraws from the layout's stream (sse-swap) go through here too: a list older
 *   than the one shown is never put back, and the focus stays on the moved item.
 * Without this script the buttons are plain forms and the page comes back with the list.
 */
(function () {
  "use strict";

  var dragged = null;
  var queue = Promise.resolve();

  function list() { return document.getElementById("playlist-items"); }
  function versionOf(element) { return Number(element && element.getAttribute("data-version")) || 0; }
  function items() { var shown = list(); return shown ? Array.prototype.slice.call(shown.querySelectorAll(".playlist-item")) : []; }

  function say(text) {
    var status = document.getElementById("playlist-status");
    if (status) { status.textContent = text; }
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = String(html).trim();
    return template.content.querySelector("#playlist-items");
  }

  function itemTitle(item) {
    var link = item && item.querySelector(".playlist-item-title");
    return link ? link.textContent.trim() : "";
  }

  /* Where the focus goes back to after a redraw: the same control, else the moved item's
     other button, else the item itself. */
  function focusPlan() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest(".playlist-item") : null;
    if (!item || !list() || !list().contains(item)) { return []; }
    var id = item.getAttribute("data-item-id");
    return [active.id, "move-up-" + id, "move-down-" + id, item.id];
  }

  function restoreFocus(plan) {
    for (var i = 0; i < plan.length; i += 1) {
      var element = plan[i] && document.getElementById(plan[i]);
      if (element) { element.focus(); return; }
    }
  }

  /* Show `fresh` unless the page already shows a newer list. */
  function put(fresh, plan) {
    var current = list();
    if (!fresh || !current || versionOf(fresh) < versionOf(current)) { return false; }
    current.replaceWith(fresh);
    prepare(fresh);
    restoreFocus(plan);
    return true;
  }

  function prepare(shown) {
    if (!shown || shown.getAttribute("data-editable") !== "yes") { return; }
    shown.querySelectorAll(".playlist-item").forEach(function (item) {
      if (item.querySelector(".move-form")) { item.setAttribute("draggable", "true"); }
    });
  }

  /* Send a move of the item `itemId` to the place `placeOf(item)` gives (from 0), once
     the moves before it are answered: both are read from the list shown by then. */
  function move(itemId, placeOf, plan) {
    queue = queue.then(function () {
      var item = document.getElementById(itemId);
      var form = item && list() && list().contains(item) ? item.querySelector(".move-form") : null;
      var place = form ? placeOf(item) : -1;
      if (!form || place < 0 || place >= items().length) { return null; }
      var body = new FormData(form);
      body.set("position", String(place));
      body.set("version", String(versionOf(list())));
      return window.fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "HX-Request": "true" }
      }).then(function (response) {
        return response.text().then(function (text) { answered(response, text, item, place, plan); });
      }).catch(function () { say("Not moved: there is no connection. Try again when you are back online."); });
    });
  }

  function answered(response, text, item, place, plan) {
    if (response.ok || response.status === 409) {
      var fresh = parse(text);
      put(fresh, plan);
      if (response.status === 409) {
        say((fresh && fresh.getAttribute("data-notice")) || "The list changed; here is the current order.");
      } else {
        say("Moved “" + itemTitle(item) + "” to place " + (place + 1) + " of " + items().length + ".");
      }
      return;
    }
    var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
    say(plain && text ? text : "That move did not work. Please try again.");
  }

  function placeOf(item) { return items().indexOf(item); }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("move-form") || !list()) { return; }
    event.preventDefault();
    var item = form.closest(".playlist-item");
    var button = form.querySelector("button");
    var step = button && button.getAttribute("data-move") === "move-up" ? -1 : 1;
    var plan = [button ? button.id : "", "move-up-" + item.getAttribute("data-item-id"),
                "move-down-" + item.getAttribute("data-item-id"), item.id];
    move(item.id, function (current) { return placeOf(current) + step; }, plan);
  }, true);

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".playlist-item[draggable=true]");
    if (!item) { return; }
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });

  function dropTarget(event) {
    var target = event.target.closest && event.target.closest(".playlist-item");
    return dragged && target && list() && list().contains(target) ? target : null;
  }

  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event);
    if (!target) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    items().forEach(function (item) { item.classList.toggle("drop-target", item === target); });
  });

  document.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    if (!target) { return; }
    event.preventDefault();
    var targetId = target.id;
    if (target !== dragged) {
      move(dragged.id, function () { return placeOf(document.getElementById(targetId)); }, [dragged.id]);
    }
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    items().forEach(function (item) { item.classList.remove("drop-target"); });
  });

  /* The live list from the layout's stream: shown here, newest only, focus kept. */
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (!event.target || event.target.id !== "playlist-items-region") { return; }
    event.preventDefault();
    put(parse(event.detail.data), focusPlan());
  });

  function start() {
    var shown = list();
    prepare(shown);
    var hint = document.getElementById("playlist-hint");
    if (hint && shown && shown.getAttribute("data-editable") === "yes") {
      hint.textContent = "Move videos with their buttons, or drag them into place.";
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
