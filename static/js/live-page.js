/* The live parts of every signed-in page, on top of htmx's SSE extension.
 *
 * - The page's stream starts from the cursor the page was rendered with and, when htmx
 *   opens a new EventSource after an error, from the last event this page received:
 *   nothing written after the render or during a drop is missed.
 * - A fragment whose root element is already on the page replaces it instead of being
 *   added again (a replay, a second tab), so every swap is idempotent by element id; a
 *   root marked data-live-move is moved to where the new one goes (a conversation row
 *   rising to the top of the list). A new root marked data-live-order goes before the
 *   first sibling with a greater order (two messages sent at one moment can be announced
 *   in the other order than their ids). An out-of-band one (hx-swap-oob) is htmx's to
 *   swap; one for an element this page does not show is dropped (htmx would log an error).
 * - A `resync` (the cursor is older than what the server keeps) reloads the page.
 * - A stream opened again after a drop says so (`resumed=1`), and its server sends what
 *   the page shows now that no replay brings back: the badges, the presence it shows.
 * - While the stream is down, or a request got no answer, a status says so; if it is
 *   down because this sign-in ended (signed out elsewhere, banned), the page leaves for
 *   one that says what happened. A form sent while the connection is down says it was not
 *   sent (its text stays). After a request got no answer the site is asked again, with a
 *   growing pause, until it answers: then the status goes, and the background requests
 *   that must not be lost (marked data-live-retry: read marks) are sent again. An element
 *   whose data-live-retry names an event (a live search box: "search") gets that event
 *   instead, so its own request runs again with what it holds now.
 */
(function () {
  "use strict";

  var lastCursor = null;
  var streamsOpened = 0;
  var statusTimer = null;
  var ADDING = { beforeend: true, afterbegin: true, beforebegin: true, afterend: true };

  /* The stream's address: from the last event this page got, and following the presence
     of everyone the page shows (each presence slot swaps on "presence-<id>"). */
  function streamUrl(url) {
    var parsed = new URL(url, window.location.href);
    if (lastCursor) { parsed.searchParams.set("cursor", lastCursor); }
    // Opened again after a drop: the server adds what the page shows now that no replay
    // brings back (badges, presence).
    if (streamsOpened > 0) { parsed.searchParams.set("resumed", "1"); }
    streamsOpened += 1;
    parsed.searchParams.delete("presence");
    var seen = {};
    document.querySelectorAll("[sse-swap^='presence-']").forEach(function (slot) {
      var id = slot.getAttribute("sse-swap").slice("presence-".length);
      if (/^[0-9]+$/.test(id) && !seen[id] && Object.keys(seen).length < 100) {
        seen[id] = true;
        parsed.searchParams.append("presence", id);
      }
    });
    return parsed.pathname + parsed.search;
  }

  function statusElement() { return document.getElementById("connection-status"); }

  /* Also said on the root element (data-stream="open" or "down"), for scripts and tests. */
  function markStream(state) { document.documentElement.setAttribute("data-stream", state); }

  var streamDown = false;
  var requestsDown = false;

  function showStatus() {
    if (!streamDown && !requestsDown) {
      if (statusTimer !== null) { window.clearTimeout(statusTimer); statusTimer = null; }
      var shown = statusElement();
      if (shown) { shown.hidden = true; }
      return;
    }
    if (statusTimer !== null) { return; }
    // A blip shorter than a second is not worth a flicker.
    statusTimer = window.setTimeout(function () {
      var element = statusElement();
      if (element) { element.hidden = false; }
    }, 1000);
  }

  function streamIs(down) {
    streamDown = down;
    markStream(down ? "down" : "open");
    showStatus();
  }

  var checking = false;

  /* A form this page sent itself (not through htmx) is taking the person elsewhere: the
     page it leads to says what happened. Logging out here ends this page's stream too,
     and the check below must not send the person to another page over that answer (its
     message would be lost with it). */
  var leaving = false;
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    leaving = true;
    // Still here after a while: the answer was not a page (a download, say).
    window.setTimeout(function () { leaving = false; }, 10000);
  });
  window.addEventListener("pageshow", function () { leaving = false; });

  /* Is this sign-in still alive? If the server says no, go to the page that says why.
     Any answer also says the site can be reached again. */
  var checkAgain = false;
  function check() {
    if (checking) { checkAgain = true; return; }
    checking = true;
    window.fetch("/api/v1/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 && !leaving) { window.location.assign("/signed-out"); return; }
        requestsAnswered();
      })
      .catch(function () { if (requestsDown) { askAgain(); } })
      .then(function () {
        checking = false;
        // Asked for while this one was out: its answer may predate what asked.
        if (checkAgain) { checkAgain = false; check(); }
      });
  }

  var askTimer = null;
  var askDelay = 1000;
  var retries = [];

  function askAgain() {
    if (askTimer !== null) { return; }
    askTimer = window.setTimeout(function () { askTimer = null; check(); }, askDelay);
    askDelay = Math.min(askDelay * 2, 10000);
  }

  function requestFailed(element) {
    requestsDown = true;
    if (element && element.hasAttribute("data-live-retry") && retries.indexOf(element) < 0) {
      retries.push(element);
    }
    showStatus();
    check();
  }

  function requestsAnswered() {
    if (askTimer !== null) { window.clearTimeout(askTimer); askTimer = null; }
    askDelay = 1000;
    if (!requestsDown) { return; }
    requestsDown = false;
    showStatus();
    var pending = retries;
    retries = [];
    pending.forEach(function (element) {
      if (!element.isConnected) { return; }
      var again = element.getAttribute("data-live-retry");
      if (again) { window.htmx.trigger(element, again); return; }
      window.htmx.ajax("POST", element.getAttribute("hx-post"), { source: element, swap: "none" });
    });
  }

  window.TandemSession = { check: check };

  function install() {
    if (!window.htmx) { return; }
    var create = window.htmx.createEventSource;
    window.htmx.createEventSource = function (url) {
      var source = create ? create(streamUrl(url)) : new window.EventSource(streamUrl(url));
      source.addEventListener("resync", function () { window.location.reload(); });
      return source;
    };
  }

  function fragmentRoot(html) {
    var template = document.createElement("template");
    template.innerHTML = String(html).trim();
    var root = template.content.firstElementChild;
    return root && template.content.childElementCount === 1 ? root : null;
  }

  /* Put `root` before the first child of `container` that comes after it; false when it
     belongs at the end anyway (htmx's own swap then adds it). */
  function placeInOrder(container, root) {
    var order = Number(root.getAttribute("data-live-order"));
    if (!root.hasAttribute("data-live-order") || !isFinite(order)) { return false; }
    var children = container.children;
    for (var i = 0; i < children.length; i += 1) {
      var other = Number(children[i].getAttribute("data-live-order"));
      if (children[i].hasAttribute("data-live-order") && other > order) {
        container.insertBefore(root, children[i]);
        window.htmx.process(root);
        return true;
      }
    }
    return false;
  }

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var message = event.detail;
    if (message && message.lastEventId) { lastCursor = message.lastEventId; }
    var root = fragmentRoot(message.data);
    if (root && root.id && root.hasAttribute("hx-swap-oob")) {
      // htmx swaps it out of band; changing what this page does not show is nothing to do.
      if (!document.getElementById(root.id)) { event.preventDefault(); }
      return;
    }
    var target = event.target;
    var style = (target.getAttribute("hx-swap") || "innerHTML").split(" ")[0];
    if (!ADDING[style]) { return; }
    if (!root || !root.id) { return; }
    var existing = document.getElementById(root.id);
    if (!existing) {
      if (style === "beforeend" && placeInOrder(target, root)) { event.preventDefault(); }
      return;
    }
    if (root.hasAttribute("data-live-move")) {
      existing.remove();  // the swap puts the new one where it belongs
      return;
    }
    event.preventDefault();
    existing.replaceWith(root);
    window.htmx.process(root);
  });

  /* An htmx request the person made that was refused swaps nothing: say what went wrong,
     in the server's words. */
  var alertTimer = null;
  function showAlert(text) {
    var element = document.getElementById("page-alert");
    if (!element) { return; }
    element.textContent = text;
    element.hidden = false;
    if (alertTimer !== null) { window.clearTimeout(alertTimer); }
    alertTimer = window.setTimeout(function () { element.hidden = true; alertTimer = null; }, 8000);
  }
  /* Something the person sent (a form, a button), not a request of the page's own (a
     typing signal, a read mark, a refresh): only theirs are answered with an alert. */
  function personAsked(detail) {
    var trigger = (detail.requestConfig || {}).triggeringEvent;
    return Boolean(trigger && (trigger.type === "submit" || trigger.type === "click"));
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 401) { check(); return; }
    // A refused typing signal (a mute, a block) would repeat what the form says.
    if (!personAsked(event.detail)) { return; }
    var plain = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
    showAlert(plain && xhr.responseText ? xhr.responseText : "That did not work. Please try again.");
  });
  /* No answer at all: the connection is down. Something the person sent (a form, a
     button) says it did not go through; background requests (typing, read marks) only
     show the reconnecting status. */
  document.addEventListener("htmx:sendError", function (event) {
    requestFailed(event.detail.elt);
    if (personAsked(event.detail)) {
      showAlert("Not sent: there is no connection. Try again when you are back online.");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr && event.detail.xhr.status > 0) { requestsAnswered(); }
  });
  window.addEventListener("online", check);

  document.addEventListener("htmx:sseOpen", function () { streamIs(false); });
  document.addEventListener("htmx:sseError", function () {
    streamIs(true);
    check();
  });

  if (window.htmx) { install(); } else { document.addEventListener("DOMContentLoaded", install); }
}());
