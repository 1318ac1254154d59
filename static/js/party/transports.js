/* How the party page talks to the server: over Socket.IO, or, when sockets are refused or
 * blocked, over Server-Sent Events and plain HTTP requests.
 *
 * Both give the page one interface, so party.js and the sync engine (sync.js) do not know
 * which one they use:
 *
 *   kind                      "socket" or "sse"
 *   cursor                    the last durable event's cursor seen (the page's at first)
 *   on(name, handler)         a server event (party:state, party:message, ...)
 *   onOpen(cb), onClose(cb)   the connection came up or went down
 *   start()                   connect (handlers may be added before)
 *   connected()               whether events flow now
 *   supports(name)            whether call(name) can do anything on this transport
 *   call(name, payload, done) a client event; done(ack) gets {"ok": true, ...} or
 *                             {"ok": false, "error": {"code", "message"}}
 *   close()
 *
 *   onRefused(cb(code, message))  the server would not have this connection: the socket's
 *                             connect_error (data.code), or an event stream the browser
 *                             gave up on ("closed": an error answer, such as a 401)
 *
 * Over SSE the stream starts from the cursor the page was rendered with, and the browser
 * resumes with Last-Event-ID when it reconnects by itself; right after either the server
 * sends the party's current state. Calls over SSE go to HTTP: `time:ping` to
 * GET /api/v1/time, chat to the JSON API, reactions to the page's form. Playback commands,
 * heartbeats and typing have no HTTP door and answer `unavailable`.
 */
(function () {
  "use strict";

  var ACK_TIMEOUT_MS = 10000;
  var RETRY_MS = [2000, 5000, 10000, 30000];

  function listeners() {
    var list = [];
    return {
      add: function (cb) { list.push(cb); },
      fire: function () {
        var args = arguments;
        list.slice().forEach(function (cb) { cb.apply(null, args); });
      }
    };
  }

  function failure(code, message) { return { ok: false, error: { code: code, message: message } }; }

  // -- Socket.IO ------------------------------------------------------------------------------
  /* The socket resumes from `cursor` (the page's), then from the last one it saw. */
  function SocketTransport(cursor) {
    var self = this;
    this.kind = "socket";
    this.cursor = cursor || null;
    var socket = window.io({
      auth: function (send) { send(self.cursor ? { cursor: self.cursor } : {}); }
    });
    this.socket = socket;
    socket.onAny(function (name, data) { if (data && data.cursor) { self.cursor = data.cursor; } });
    // A socket the server closed is not reconnected by the client by itself; connecting
    // again tells why (a sign-out or a ban is refused with its code) or carries on.
    socket.on("disconnect", function (reason) {
      if (reason === "io server disconnect") { window.setTimeout(function () { socket.connect(); }, 1000); }
    });
  }

  SocketTransport.prototype = {
    on: function (name, handler) { this.socket.on(name, handler); },
    onOpen: function (cb) { this.socket.on("connect", cb); },
    onClose: function (cb) { this.socket.on("disconnect", cb); },
    onRefused: function (cb) {
      this.socket.on("connect_error", function (error) {
        var code = error && error.data && error.data.code ? error.data.code : "unreachable";
        cb(code, error && error.message ? error.message : "The live connection was refused.");
      });
    },
    connected: function () { return this.socket.connected; },
    supports: function () { return true; },
    start: function () { /* io() connects by itself */ },
    /* No answer in time counts as an error. */
    call: function (name, payload, done) {
      this.socket.timeout(ACK_TIMEOUT_MS).emit(name, payload, function (error, ack) {
        if (!done) { return; }
        if (error) { done(failure("timeout", "No answer from the server; try again.")); return; }
        done(ack || failure("internal_error", "No answer."));
      });
    },
    close: function () { this.socket.close(); }
  };

  // -- Server-Sent Events and HTTP ----------------------------------------------------------
  /* options: urls {stream, time, messages}, cursor (the page's), csrfToken(),
     reactionForm (the page's reaction <form>) */
  function SseTransport(options) {
    this.kind = "sse";
    this.options = options;
    this.cursor = options.cursor || null;
    this.handlers = {};
    this.source = null;
    this.open = false;
    this.closed = false;
    this.failures = 0;
    this.opened = listeners();
    this.lost = listeners();
    this.refused = listeners();
  }

  function answer(response) {
    return response.json().then(function (body) { return body; }, function () { return {}; })
      .then(function (body) {
        if (response.ok) { return body; }
        var error = body && body.error ? body.error : { code: "http_" + response.status, message: "The server said no (" + response.status + ")." };
        throw error;
      });
  }

  SseTransport.prototype = {
    on: function (name, handler) {
      if (!this.handlers[name]) {
        this.handlers[name] = listeners();
        if (this.source) { this._listen(this.source, name); }
      }
      this.handlers[name].add(handler);
    },
    onOpen: function (cb) { this.opened.add(cb); },
    onClose: function (cb) { this.lost.add(cb); },
    onRefused: function (cb) { this.refused.add(cb); },
    connected: function () { return this.open; },
    supports: function (name) { return name === "time:ping" || name === "party:message" || name === "party:reaction"; },
    /* Opens the stream; handlers given to on() before or after are called. */
    start: function () {
      if (this.source || this.closed) { return; }
      var self = this;
      var url = this.options.urls.stream + (this.cursor ? "?cursor=" + encodeURIComponent(this.cursor) : "");
      var source = new window.EventSource(url);
      this.source = source;
      Object.keys(this.handlers).forEach(function (name) { self._listen(source, name); });
      source.onopen = function () {
        self.failures = 0;
        self.open = true;
        self.opened.fire();
      };
      source.onerror = function () {
        var was = self.open;
        self.open = false;
        if (was) { self.lost.fire(); }
        if (source.readyState !== window.EventSource.CLOSED || self.closed) { return; }
        // The browser gave up (an error answer, such as a sign-in that has ended): say
        // so, and open again from the last cursor seen, a little later each time.
        self.source = null;
        self.refused.fire("closed", "The live updates were refused.");
        var wait = RETRY_MS[Math.min(self.failures, RETRY_MS.length - 1)];
        self.failures += 1;
        window.setTimeout(function () { self.start(); }, wait);
      };
    },
    _listen: function (source, name) {
      var self = this;
      source.addEventListener(name, function (message) {
        if (source !== self.source) { return; }
        var data;
        try { data = JSON.parse(message.data); } catch (e) { return; }
        if (data && data.cursor) { self.cursor = data.cursor; }
        self.handlers[name].fire(data);
      });
    },
    call: function (name, payload, done) {
      var request;
      if (name === "time:ping") {
        request = this._fetch(this.options.urls.time, { method: "GET" })
          .then(answer).then(function (body) { return { ok: true, server_time: body.server_time }; });
      } else if (name === "party:message") {
        request = this._fetch(this.options.urls.messages, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": this.options.csrfToken() },
          body: JSON.stringify({ body: payload.body, video_time: payload.video_time, client_id: payload.client_id })
        }).then(answer).then(function (body) { return { ok: true, message: body.message }; });
      } else if (name === "party:reaction") {
        // The page's own form; its answer is a redirect back to the page, not followed.
        var form = new window.FormData();
        form.append("csrf_token", this.options.csrfToken());
        form.append("emoji", payload.emoji);
        request = this._fetch(this.options.reactionForm.action, { method: "POST", body: form, redirect: "manual" })
          .then(function (response) {
            if (response.type === "opaqueredirect" || response.ok) { return { ok: true }; }
            throw { code: "http_" + response.status, message: response.status === 429 ? "Too many reactions; wait a moment." : "The reaction did not go through." };
          });
      } else {
        if (done) { done(failure("unavailable", "This needs the live socket connection, which this page does not have; reload to try again.")); }
        return;
      }
      request.then(function (ack) { if (done) { done(ack); } }, function (error) {
        if (!done) { return; }
        if (error && error.code && error.message) { done({ ok: false, error: error }); return; }
        done(failure("timeout", "No answer from the server; try again."));
      });
    },
    _fetch: function (url, init) {
      init.credentials = "same-origin";
      init.headers = init.headers || {};
      init.headers.Accept = "application/json";
      var controller = window.AbortController ? new window.AbortController() : null;
      if (controller) {
        init.signal = controller.signal;
        window.setTimeout(function () { controller.abort(); }, ACK_TIMEOUT_MS);
      }
      return window.fetch(url, init);
    },
    close: function () {
      this.closed = true;
      this.open = false;
      if (this.source) { this.source.close(); this.source = null; }
    }
  };

  window.TandemPartyTransports = {
    socket: function (cursor) { return new SocketTransport(cursor); },
    sse: function (options) { return new SseTransport(options); }
  };
})();
