/* Tandem's event stream in the browser, over any of its transports.
 *
 * TandemStream.open({transport, events, onEvent, onStatus}) connects with the session
 * cookie, resumes from the last cursor this tab saw (kept in sessionStorage), and calls
 * onEvent(name, data) for each event. The cursor is shared by all transports, so a page
 * can fall back from WebSocket to SSE or long-polling and carry on.
 */
(function () {
  "use strict";

  var CURSOR_KEY = "tandem.cursor";

  function loadCursor() {
    try { return window.sessionStorage.getItem(CURSOR_KEY); } catch (e) { return null; }
  }

  function saveCursor(cursor) {
    if (!cursor) { return; }
    try { window.sessionStorage.setItem(CURSOR_KEY, cursor); } catch (e) { /* private mode */ }
  }

  function handle(options, name, data) {
    if (data && data.cursor) { saveCursor(data.cursor); }
    options.onEvent(name, data);
  }

  function openSocket(options) {
    var socket = window.io({
      transports: [options.transport === "polling" ? "polling" : "websocket"],
      auth: function (send) {
        var cursor = loadCursor();
        send(cursor ? { cursor: cursor } : {});
      }
    });
    socket.on("connect", function () { options.onStatus("Connected over " + options.transport + "."); });
    socket.on("disconnect", function () { options.onStatus("Disconnected; reconnecting…"); });
    socket.on("connect_error", function (error) {
      options.onStatus("Could not connect: " + (error && error.message ? error.message : "unknown error"));
    });
    socket.onAny(function (name, data) { handle(options, name, data); });
    return { close: function () { socket.close(); }, socket: socket };
  }

  function openEventSource(options) {
    var cursor = loadCursor();
    var url = "/api/v1/events/stream" + (cursor ? "?cursor=" + encodeURIComponent(cursor) : "");
    var source = new window.EventSource(url);
    source.onopen = function () { options.onStatus("Connected over Server-Sent Events."); };
    source.onerror = function () { options.onStatus("Disconnected; reconnecting…"); };
    options.events.forEach(function (name) {
      source.addEventListener(name, function (message) {
        handle(options, name, JSON.parse(message.data));
      });
    });
    return { close: function () { source.close(); } };
  }

  function openLongPoll(options) {
    var stopped = false;
    var failures = 0;

    function poll() {
      if (stopped) { return; }
      var cursor = loadCursor();
      var url = "/api/v1/events?timeout=25" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (body) {
          failures = 0;
          options.onStatus("Connected over long-polling.");
          body.events.forEach(function (event) { handle(options, event.event, event.data); });
          saveCursor(body.cursor);
          poll();
        })
        .catch(function (error) {
          failures += 1;
          options.onStatus("Connection lost (" + error.message + "); retrying…");
          window.setTimeout(poll, Math.min(1000 * failures, 10000));
        });
    }

    poll();
    return { close: function () { stopped = true; } };
  }

  window.TandemStream = {
    open: function (options) {
      if (options.transport === "sse") { return openEventSource(options); }
      if (options.transport === "longpoll") { return openLongPoll(options); }
      return openSocket(options);
    }
  };
})();
