/* The party page: the player kept in sync, the controls, chat, reactions and the people.
 *
 * Reads the page's <script type="application/json" id="party-data">, connects with io()
 * (the session cookie signs the socket in), joins the party and follows its state with
 * TandemSync. When the Socket.IO script is blocked or the socket is refused, the page
 * follows the party over Server-Sent Events instead, from the cursor it was rendered with
 * (transports.js); chat and reactions then go over HTTP, and playback can only be
 * followed, not driven. A refusal because the sign-in has ended goes to the site's
 * session check. Everything people write is put on the page with textContent. The page's
 * forms stay as the fallback: while nothing is connected they post as they would without
 * JavaScript.
 *
 * window.TandemParty exposes the player and the sync state for tests and curious people.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("party-data");
  if (!dataNode || !window.TandemPlayers || !window.TandemSync || !window.TandemPartyTransports) { return; }
  var data = JSON.parse(dataNode.textContent);
  var partyId = data.party_id;
  var me = data.me;
  var DRIVERS = ["host", "co-host"];
  var HEARTBEAT_MS = 5000;
  var RECALIBRATE_MS = 5 * 60 * 1000;

  function $(id) { return document.getElementById(id); }
  var box = $("player-box");
  var frame = $("player-frame");
  var overlay = $("autoplay-overlay");
  var statusLine = $("sync-status");
  var linkLine = $("party-link");
  var clockLine = $("player-clock");
  var banner = $("party-banner");
  var chatList = $("chat-list");
  var chatForm = $("chat-form");
  var chatInput = $("chat-body");
  var chatError = $("chat-error");
  var chatVideoTime = $("chat-video-time");
  var typingLine = $("typing-line");
  var syncBox = $("stay-in-sync");
  var driverControls = $("driver-controls");
  var playButton = $("play-button");
  var seekSlider = $("seek-slider");
  var progressBar = $("party-progress");
  var nowPlaying = $("now-playing");
  var rateSelect = $("rate-select");
  var reactionLayer = $("reaction-layer");
  var reactionForm = $("reaction-form");

  var role = data.role;
  var hostId = data.host_id;
  var queueItems = data.queue || [];
  var members = {};
  var drifts = {};
  var joined = false;
  var over = false;
  var notice = null;
  var noticeUntil = 0;
  var muted = false;
  var volume = 1;
  var sliderHeld = false;
  var mediaUrl = data.state.media_url;

  var transport = null;
  var clock = new window.TandemSync.Clock();
  var engine = new window.TandemSync.Engine({
    clock: clock,
    partyId: partyId,
    emit: function (name, payload, done) { call(name, payload, done); },
    onBlocked: function () { overlay.hidden = false; },
    onUnblocked: function () { overlay.hidden = true; },
    onCommandError: function (message) { say(message); }
  });
  var player = null;

  // -- small helpers ----------------------------------------------------------------------
  function isDriver() { return DRIVERS.indexOf(role) !== -1; }

  /* A host or co-host on a connection that can move the party (not the SSE fallback). */
  function drives() { return isDriver() && !!transport && transport.supports("party:play"); }

  function live() { return !!transport && transport.connected() && joined; }

  /* Without the live connection a form is posted the plain way, which leaves the page:
     with no network at all that would be to the browser's error page, party lost. */
  function offline() { return navigator.onLine === false; }
  var NOT_SENT = "Not sent: there is no connection. Try again when you are back online.";

  /* A client event with its acknowledgement, over whichever transport is in use. */
  function call(name, payload, done) {
    if (transport) { transport.call(name, payload, done); return; }
    if (done) { done({ ok: false, error: { code: "unavailable", message: "Not connected yet." } }); }
  }

  function clockText(seconds) {
    var whole = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = whole % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function nameOf(user) { return user ? (user.display_name || user.username) : "Someone"; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  /* A short message in the status line, for a few seconds. */
  function say(text) {
    notice = text;
    noticeUntil = Date.now() + 5000;
    renderStatus();
  }

  function position() {
    if (player && player.isReady()) { return player.currentTime(); }
    return engine.expected();
  }

  function videoTime() {
    var t = position();
    return isFinite(t) && t >= 0 ? Math.round(t * 10) / 10 : null;
  }

  // -- the player -------------------------------------------------------------------------
  function makePlayer(url, fresh) {
    if (player) { engine.setPlayer(null); player.destroy(); player = null; }
    if (fresh) { box.textContent = ""; }
    mediaUrl = url;
    player = window.TandemPlayers.create(box, url, {
      onError: function (error) { say(error.message); }
    });
    player.onEnded(function () { ended(); });
    player.onBuffering(function () { renderStatus(); });
    player.onReady(function () {
      player.setMuted(muted);
      player.setVolume(volume);
      reportDuration();
      updateClock();
    });
    engine.setPlayer(player);
    overlay.hidden = true;
  }

  var durationSentFor = null;
  /* The party learns the media's length from its players: a driver's word, or the first
     anyone reports (the server decides which it keeps). */
  function reportDuration() {
    if (over || !joined || !player || !player.isReady() || !engine.state) { return; }
    if (!transport.supports("party:duration") || durationSentFor === mediaUrl) { return; }
    if (engine.state.duration && !drives()) { return; }
    var length = player.duration();
    if (!isFinite(length) || length <= 0 || length > 24 * 3600) { return; }
    if (engine.state.duration && Math.abs(engine.state.duration - length) < 0.01) { return; }
    durationSentFor = mediaUrl;
    call("party:duration", { party_id: partyId, media_url: mediaUrl, duration: length }, function (ack) {
      if (ack.ok) { applyState(ack.state, true); } else { durationSentFor = null; }
    });
  }

  var endReportedFor = null;
  /* The video ended here. The server checks it against its own clock and moves everyone
     on once: the next queued item, or a pause at the end. */
  function ended() {
    if (over || !joined || !engine.state || !engine.syncOn || !transport.supports("party:media_end")) { return; }
    var version = engine.state.version;
    if (endReportedFor === version) { return; }
    endReportedFor = version;
    call("party:media_end", { party_id: partyId, version: version }, function (ack) {
      if (ack.ok) { applyState(ack.state, true); }
    });
  }

  /* Paused at the end of the media: nothing more plays until someone picks what is next. */
  function finished() {
    var state = engine.state;
    return !!state && !!state.duration && !state.playing && state.position >= state.duration - 0.5;
  }

  function applyState(state, strict) {
    if (!state || state.party_id !== partyId) { return; }
    // It started: the page drawn for an upcoming party is drawn again as it is now.
    if (state.status === "live" && data.status === "upcoming" && !over) {
      data.status = "live";
      window.location.reload();
      return;
    }
    if (strict && engine.serverState && state.version <= engine.serverState.version) { return; }
    if (state.host_id && state.host_id !== hostId) { hostChanged(state.host_id); }
    if (state.media_url && state.media_url !== mediaUrl) { makePlayer(state.media_url, true); }
    if (nowPlaying && state.media_title && nowPlaying.textContent !== state.media_title) {
      nowPlaying.textContent = state.media_title;
    }
    engine.setState(state);
    reportDuration();
    updateClock();
    renderControls();
  }

  // -- status line, clock, controls -------------------------------------------------------
  function renderStatus() {
    if (!statusLine || over) { return; }
    var text;
    if (notice && Date.now() < noticeUntil) {
      text = notice;
    } else if (refusal) {
      text = refusal;
    } else if (!transport || !transport.connected()) {
      text = everConnected ? "Reconnecting…" : "Connecting…";
    } else if (!joined) {
      text = "Joining…";
    } else if (!engine.syncOn) {
      text = "Sync is off: you are watching on your own.";
    } else if (engine.blocked) {
      text = "Your browser waits for a click to start the video.";
    } else if (!player || !player.isReady()) {
      text = "Loading the video…";
    } else if (player.buffering()) {
      text = "Buffering…";
    } else if (finished()) {
      text = drives() ? "Finished: pick something next" : "Finished: the host picks what is next";
    } else if (!engine.state || !engine.state.playing) {
      text = "Paused";
    } else {
      var off = player.currentTime() - engine.expected();
      text = Math.abs(off) <= 0.25 ? "In sync" : "Catching up (" + Math.abs(off).toFixed(1) + " s " + (off > 0 ? "ahead" : "behind") + ")…";
    }
    if (statusLine.textContent !== text) { statusLine.textContent = text; }
    renderLink();
  }

  /* Says how the page is connected when it is not the usual socket. */
  function renderLink() {
    if (!linkLine) { return; }
    var text = "";
    if (transport && transport.kind === "sse") {
      text = "Live updates without a socket connection (Server-Sent Events)";
      text += isDriver() ? ": you follow the party, but cannot drive playback from this page." : ".";
    }
    if (linkLine.textContent !== text) { linkLine.textContent = text; }
    linkLine.hidden = !text;
  }

  function updateClock() {
    var t = position();
    var end = (engine.state && engine.state.duration) || (player && player.isReady() ? player.duration() : 0);
    if (!isFinite(end)) { end = 0; }
    if (end) { t = finished() ? end : Math.min(t, end); }
    var text = clockText(t) + (end ? " / " + clockText(end) : "");
    if (clockLine) { clockLine.textContent = text; }
    if (seekSlider && !sliderHeld) {
      if (end && Number(seekSlider.max) !== Math.floor(end)) { seekSlider.max = String(Math.floor(end)); }
      seekSlider.value = String(Math.floor(t));
      seekSlider.setAttribute("aria-valuetext", text);
    }
    if (progressBar) {
      progressBar.max = end || 1;
      progressBar.value = end ? t : 0;
      progressBar.setAttribute("aria-valuetext", text);
    }
  }

  function renderControls() {
    if (driverControls) { driverControls.hidden = over || !drives(); }
    if (progressBar) { progressBar.hidden = over || drives(); }
    if (playButton && engine.state) { playButton.textContent = engine.state.playing ? "Pause" : "Play"; }
    if (rateSelect && engine.state && document.activeElement !== rateSelect) {
      rateSelect.value = String(engine.state.rate);
      if (rateSelect.value !== String(engine.state.rate)) { rateSelect.selectedIndex = -1; }
    }
    document.querySelectorAll("[data-host-only]").forEach(function (node) {
      node.hidden = over || role !== "host";
    });
    document.querySelectorAll("[data-guest-only]").forEach(function (node) {
      node.hidden = role === "host";  // one does not report one's own party
    });
  }

  function setRole(next) {
    var was = role;
    role = next;
    engine.setDriver(drives());
    renderControls();
    if (was !== next) {
      refresh("party-people");
      refresh("party-queue");
      if (next === "host") { say("You are the host now."); }
      else if (next === "co-host") { say("You are a co-host now: you can drive playback."); }
      else if (was && DRIVERS.indexOf(was) !== -1) { say("You are a viewer now."); }
    }
  }

  function hostChanged(newHost) {
    hostId = newHost;
    var who = members[newHost];
    var link = $("party-host");
    if (who && link) { link.textContent = nameOf(who); link.href = "/u/" + encodeURIComponent(who.username); }
    if (newHost === me.id) { setRole("host"); }
    else if (role === "host") { setRole("viewer"); }
    systemLine((who ? nameOf(who) : "Someone") + " is the host now.");
    refresh("party-people");
  }

  function finish(text) {
    over = true;
    joined = false;
    engine.stop();
    if (player) { try { player.pause(); } catch (e) { /* gone */ } }
    overlay.hidden = true;
    if (banner) { banner.textContent = text; banner.hidden = false; }
    if (statusLine) { statusLine.textContent = text; }
    renderControls();
    [chatForm, reactionForm].forEach(function (form) {
      if (!form) { return; }
      form.querySelectorAll("input, button").forEach(function (node) { node.disabled = true; });
    });
    var bar = $("player-bar");
    if (bar) { bar.hidden = true; }
  }

  /* The party ended: the page as the server renders an ended party is the one place that
     says so (what was watched, a way to start another), so the page becomes that. */
  function showEnded() {
    if (over) { return; }
    finish("This party has ended.");
    window.location.replace(data.urls.party);
  }

  // -- panels: the server renders them; we ask for a fresh copy ---------------------------
  var refreshTimers = {};
  function refresh(id) {
    if (over || !window.htmx) { return; }
    window.clearTimeout(refreshTimers[id]);
    refreshTimers[id] = window.setTimeout(function () {
      var panel = $(id);
      if (panel && panel.getAttribute("hx-get")) { window.htmx.trigger(panel, "party-refresh"); }
    }, 250);
  }

  /* How many people are in the party (the people panel's heading). */
  function setCount(count) {
    if (typeof count !== "number") { return; }
    document.querySelectorAll(".party-count").forEach(function (node) {
      node.textContent = String(count);
    });
  }

  /* How many have the party's page open, and whether one person does. */
  function setWatching(count, userId, watching) {
    var node = $("party-count");
    if (node && typeof count === "number") { node.textContent = String(count); }
    if (typeof userId !== "number") { return; }
    document.querySelectorAll('.party-person[data-user-id="' + userId + '"] [data-watching]').forEach(function (tag) {
      tag.hidden = !watching;
    });
  }

  function driftText(report) {
    if (report.buffering) { return "buffering"; }
    if (!report.playing && engine.state && engine.state.playing) { return "not playing"; }
    var d = report.drift;
    if (Math.abs(d) <= 0.25) { return "in sync"; }
    return Math.abs(d).toFixed(1) + " s " + (d > 0 ? "ahead" : "behind");
  }

  function renderDrifts() {
    document.querySelectorAll("[data-drift-user]").forEach(function (node) {
      var report = drifts[node.getAttribute("data-drift-user")];
      if (!report) { return; }
      node.textContent = driftText(report);
      node.classList.toggle("drift-off", report.buffering || Math.abs(report.drift) > 1);
    });
  }

  document.body.addEventListener("htmx:afterSwap", function () { renderDrifts(); });

  // -- chat ---------------------------------------------------------------------------------
  function messageNode(m) {
    var mine = m.sender && m.sender.id === me.id;
    var item = el("li", "chat-message" + (mine ? " chat-mine" : ""));
    item.id = "chat-message-" + m.id;
    item.setAttribute("data-message-id", String(m.id));
    var meta = el("p", "chat-meta");
    var sender;
    if (m.sender && !m.sender.deleted) {
      sender = el("a", "chat-sender");
      sender.appendChild(el("bdi", null, nameOf(m.sender)));
      sender.href = "/u/" + encodeURIComponent(m.sender.username);
      sender.setAttribute("data-username", m.sender.username);
      sender.setAttribute("data-name", nameOf(m.sender));
      sender.setAttribute("aria-haspopup", "dialog");
    } else {
      sender = el("span", "chat-sender", "Deleted account");
    }
    meta.appendChild(sender);
    if (m.sender && m.sender.display_name) {
      // As templates/macros.html `handle`: the @username beside a chosen name.
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", "muted handle", "@" + m.sender.username));
    }
    if (typeof m.video_time === "number") {
      var jump = el("button", "chat-time", clockText(m.video_time));
      jump.type = "button";
      jump.setAttribute("data-seek", String(m.video_time));
      jump.title = "Go to " + clockText(m.video_time) + " in the video";
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(jump);
    }
    var when = el("time", null, "just now");
    when.setAttribute("datetime", m.created_at || "");
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(when);
    item.appendChild(meta);
    item.appendChild(el("p", "chat-body", m.body));
    return item;
  }

  function addMessage(m) {
    if (!chatList || !data.live_chat || !m || m.party_id !== partyId) { return; }
    if ($("chat-message-" + m.id)) { return; }
    var empty = $("chat-empty");
    if (empty) { empty.remove(); }
    chatList.appendChild(messageNode(m));
  }

  function systemLine(text) {
    if (!chatList || !data.live_chat) { return; }
    var empty = $("chat-empty");
    if (empty) { empty.remove(); }
    chatList.appendChild(el("li", "chat-system", text));
  }

  function showChatError(text) {
    if (!chatError) { return; }
    chatError.textContent = text || "";
    chatError.hidden = !text;
    if (chatInput) {
      if (text) { chatInput.setAttribute("aria-invalid", "true"); } else { chatInput.removeAttribute("aria-invalid"); }
    }
  }

  var typingSentAt = 0;
  function sendTyping(typing) {
    if (!joined || over || !transport.supports("party:typing")) { return; }
    typingSentAt = typing ? Date.now() : 0;
    call("party:typing", { party_id: partyId, typing: typing }, null);
  }

  /* Chat messages go one after another, in the order they were sent; refused ones come
     back into the box in that order, before anything typed since. A text given back keeps
     its client_id while it stays as it was: if its answer was lost after all (a timeout),
     sending it again finds the stored message instead of storing it twice; changed, it is
     a new message. */
  var chatSending = Promise.resolve();
  var chatSent = 0;
  var chatFailedAt = 0; // the latest message whose refusal the alert shows
  // What refusals gave back at the start of the box: {text, clientId}; clientId is the
  // one that goes with exactly that text (null once two texts were joined).
  var returned = null;

  function clientIdFor(body) {
    var kept = returned && returned.text === body ? returned.clientId : null;
    returned = null;
    return kept || newClientId();
  }

  function giveBack(payload) {
    var box = chatInput.value;
    if (returned && box.indexOf(returned.text) === 0) {
      var typed = box.slice(returned.text.length);
      returned = { text: returned.text + " " + payload.body, clientId: null };
      chatInput.value = returned.text + typed;
    } else {
      returned = { text: payload.body, clientId: box ? null : payload.client_id };
      chatInput.value = box ? payload.body + " " + box : payload.body;
    }
  }

  function sendChat(payload) {
    var number = ++chatSent;
    return new Promise(function (resolve) {
      call("party:message", payload, function (ack) {
        resolve();
        if (ack.ok) {
          if (number > chatFailedAt) { showChatError(""); }
          addMessage(ack.message);
          return;
        }
        giveBack(payload);
        chatFailedAt = number;
        showChatError(ack.error.message);
      });
    });
  }

  if (chatForm) {
    chatForm.addEventListener("submit", function (event) {
      var t = videoTime();
      if (chatVideoTime) { chatVideoTime.value = t === null ? "" : String(t); }
      if (!live() && !offline()) { return; } // the plain form post carries it
      event.preventDefault();
      if (!live()) { showChatError(NOT_SENT); return; }
      var body = chatInput.value;
      if (!body.trim()) { showChatError("Write something first."); return; }
      var payload = { party_id: partyId, body: body, client_id: clientIdFor(body) };
      if (t !== null) { payload.video_time = t; }
      chatInput.value = ""; // the payload has the text: what is typed next stays
      chatSending = chatSending.then(function () { return sendChat(payload); });
      if (typingSentAt) { sendTyping(false); }
    });
  }
  if (chatInput) {
    chatInput.addEventListener("input", function () {
      if (chatInput.value && Date.now() - typingSentAt > 2000) { sendTyping(true); }
    });
  }

  var typers = {};
  function renderTyping() {
    if (!typingLine) { return; }
    var names = Object.keys(typers).map(function (id) { return typers[id].name; });
    var text = "";
    if (names.length === 1) { text = names[0] + " is typing…"; }
    else if (names.length === 2) { text = names[0] + " and " + names[1] + " are typing…"; }
    else if (names.length > 2) { text = "Several people are typing…"; }
    typingLine.textContent = text;
  }

  function typing(event) {
    if (!event.user || event.user.id === me.id) { return; }
    var id = String(event.user.id);
    if (typers[id]) { window.clearTimeout(typers[id].timer); delete typers[id]; }
    if (event.typing) {
      typers[id] = {
        name: nameOf(event.user),
        timer: window.setTimeout(function () { delete typers[id]; renderTyping(); }, 4000)
      };
    }
    renderTyping();
  }

  /* A chat timestamp: in sync, a driver moves the party there; a viewer steps out of sync
     first (and is told so); out of sync, only your own player moves. */
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest(".chat-time") : null;
    if (!target || over) { return; }
    var seconds = parseFloat(target.getAttribute("data-seek"));
    if (!isFinite(seconds) || !player) { return; }
    if (engine.syncOn && drives()) {
      engine.command("seek", { position: seconds });
      say("Everyone goes to " + clockText(seconds) + ".");
      return;
    }
    if (engine.syncOn) {
      setSync(false);
      say("Sync is off: you went to " + clockText(seconds) + " on your own. Tick “Stay in sync” to rejoin the party.");
    }
    if (player.isReady()) { player.seek(seconds); }
  });

  // -- a name in the chat opens a small card, so the party page stays open --------------------
  var card = null;
  function closeCard(focusBack) {
    if (!card) { return; }
    card.node.remove();
    card.opener.setAttribute("aria-expanded", "false");
    if (focusBack) { card.opener.focus(); }
    card = null;
  }

  function openCard(link) {
    closeCard(false);
    var name = link.getAttribute("data-name");
    var node = el("div", "person-card");
    node.id = "person-card";
    node.setAttribute("role", "dialog");
    node.setAttribute("aria-label", name);
    node.appendChild(el("p", "person-card-name", name));
    node.appendChild(el("p", "muted handle", "@" + link.getAttribute("data-username")));
    var actions = el("p", "person-card-actions");
    var profile = el("a", "button secondary small", "Profile (new tab)");
    profile.href = link.getAttribute("href");
    profile.target = "_blank";
    profile.rel = "noopener";
    actions.appendChild(profile);
    var close = el("button", "button secondary small", "Close");
    close.type = "button";
    close.addEventListener("click", function () { closeCard(true); });
    actions.appendChild(close);
    node.appendChild(actions);
    link.closest(".chat-meta").after(node);
    link.setAttribute("aria-expanded", "true");
    card = { node: node, opener: link };
    profile.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.chat-sender[data-username]") : null;
    if (link) {
      event.preventDefault();
      if (card && card.opener === link) { closeCard(true); } else { openCard(link); }
      return;
    }
    if (card && !card.node.contains(event.target)) { closeCard(false); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && card) { closeCard(true); }
  });

  // -- reactions ------------------------------------------------------------------------------
  var lane = 0;
  function floatReaction(event) {
    if (!reactionLayer) { return; }
    while (reactionLayer.childElementCount >= 30) { reactionLayer.firstElementChild.remove(); }
    var node = el("span", "reaction-float lane-" + (lane++ % 6));
    node.appendChild(el("span", "reaction-emoji", event.emoji));
    node.appendChild(el("span", "reaction-name", nameOf(event.user)));
    var gone = function () { if (node.parentNode) { node.remove(); } };
    node.addEventListener("animationend", gone);
    window.setTimeout(gone, 3600);
    reactionLayer.appendChild(node);
  }

  if (reactionForm) {
    reactionForm.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button[name=emoji]") : null;
      if (!button || (!live() && !offline())) { return; } // the plain form post
      event.preventDefault();
      if (!live()) { say(NOT_SENT); return; }
      var payload = { party_id: partyId, emoji: button.value };
      var t = videoTime();
      if (t !== null) { payload.video_time = t; }
      call("party:reaction", payload, function (ack) {
        if (!ack.ok) { say(ack.error.message); }
      });
    });
  }

  // -- controls -----------------------------------------------------------------------------
  function setSync(on) {
    if (syncBox) { syncBox.checked = on; }
    engine.setSync(on);
    if (on) { overlay.hidden = !engine.blocked; }
    renderStatus();
  }

  if (syncBox) {
    syncBox.addEventListener("change", function () {
      setSync(syncBox.checked);
      if (syncBox.checked) { say("Back in sync with the party."); }
    });
  }

  if (playButton) {
    playButton.addEventListener("click", function () {
      if (!engine.state) { return; }
      if (engine.state.playing) {
        engine.command("pause", { position: position() });
      } else {
        // The engine starts the player right inside this click, which browsers that
        // want a gesture for playback accept.
        if (engine.blocked) { engine.unblock(); }
        // Play after the end starts the media again.
        engine.command("play", { position: finished() ? 0 : engine.expected() });
      }
      renderControls();
    });
  }

  document.querySelectorAll("[data-skip]").forEach(function (button) {
    button.addEventListener("click", function () {
      var step = parseFloat(button.getAttribute("data-skip"));
      var end = player && player.isReady() ? player.duration() : 0;
      var target = Math.max(0, engine.expected() + step);
      if (end) { target = Math.min(target, end); }
      engine.command("seek", { position: target });
    });
  });

  if (seekSlider) {
    seekSlider.addEventListener("input", function () { sliderHeld = true; });
    seekSlider.addEventListener("change", function () {
      sliderHeld = false;
      engine.command("seek", { position: parseFloat(seekSlider.value) || 0 });
    });
  }

  if (rateSelect) {
    rateSelect.addEventListener("change", function () {
      var rate = parseFloat(rateSelect.value);
      if (isFinite(rate)) { engine.command("rate", { rate: rate }); }
    });
  }

  var nextButton = $("next-button");
  if (nextButton) {
    nextButton.addEventListener("click", function () {
      call("party:next", { party_id: partyId }, function (ack) {
        if (!ack.ok) { say(ack.error.message); }
      });
    });
  }

  var muteButton = $("mute-button");
  if (muteButton) {
    muteButton.addEventListener("click", function () {
      muted = !muted;
      if (player) { player.setMuted(muted); }
      muteButton.textContent = muted ? "Unmute" : "Mute";
      muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
    });
  }
  var volumeInput = $("volume");
  if (volumeInput) {
    volumeInput.addEventListener("input", function () {
      volume = parseFloat(volumeInput.value);
      if (player && isFinite(volume)) { player.setVolume(volume); }
    });
  }
  var fullscreenButton = $("fullscreen-button");
  if (fullscreenButton) {
    if (!frame.requestFullscreen) { fullscreenButton.hidden = true; }
    fullscreenButton.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else { frame.requestFullscreen(); }
    });
  }

  $("autoplay-button").addEventListener("click", function () {
    if (!engine.syncOn) { setSync(true); }
    engine.unblock();
  });

  var copyButton = $("copy-invite");
  var inviteInput = $("invite-link");
  if (copyButton && inviteInput && navigator.clipboard) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      navigator.clipboard.writeText(inviteInput.value).then(function () {
        copyButton.textContent = "Copied";
        window.setTimeout(function () { copyButton.textContent = "Copy"; }, 2000);
      }, function () { inviteInput.select(); });
    });
  }

  // -- the connection: Socket.IO, or Server-Sent Events when sockets are out of reach -------
  function join() {
    call("party:join", { party_id: partyId }, function (ack) {
      if (!ack.ok) {
        var code = ack.error.code;
        if (code === "ended") { showEnded(); }
        else if (code === "removed") { finish("You were removed from this party."); }
        else if (code === "pending") { finish("Your request to join is waiting for the host."); }
        else if (["timeout", "rate_limited", "internal_error"].indexOf(code) === -1) { finish(ack.error.message); }
        else {
          // Passing trouble: try again in a moment.
          say(ack.error.message);
          window.setTimeout(function () { if (transport.connected() && !joined && !over) { join(); } }, 3000);
        }
        return;
      }
      joined = true;
      (ack.members || []).forEach(function (member) { members[member.user.id] = member.user; });
      setCount((ack.members || []).length);
      var watching = ack.watching || [];
      setWatching(watching.length);
      Object.keys(members).forEach(function (id) {
        setWatching(null, Number(id), watching.indexOf(Number(id)) !== -1);
      });
      if (ack.role && ack.role !== role) { setRole(ack.role); }
      applyState(ack.state, false);
      if (ack.party && ack.party.status === "ended") { showEnded(); }
      renderStatus();
    });
  }

  /* Over SSE the page is in the party already (it was rendered for a participant) and
     the stream brings the current state; the names of the people come from the API. */
  function enterWithoutSocket() {
    joined = true;
    window.fetch(data.urls.participants, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { participants: [] }; })
      .then(function (body) {
        (body.participants || []).forEach(function (member) { members[member.user.id] = member.user; });
      }, function () { /* names only; the people panel has them too */ });
  }

  /* Until one sample comes back (a limit, a dropped request), the engine cannot place the
     video, so a calibration that learnt nothing is tried again shortly. */
  function calibrate() {
    clock.calibrate(function (done) {
      call("time:ping", {}, function (ack) { done(ack.ok ? ack.server_time : null); });
    }, 5, function (known) {
      if (known) { engine.tick(); return; }
      window.setTimeout(function () { if (!over && transport && transport.connected()) { calibrate(); } }, 5000);
    });
  }

  var everConnected = false;
  var refusal = null; // why the server will not have this page connected, once it said so

  /* The page's handlers on one transport; a transport given up on calls nothing more. */
  function wire(link) {
    function on(name, handler) {
      link.on(name, function (event) { if (link === transport && event) { handler(event); } });
    }
    link.onOpen(function () {
      if (link !== transport || over) { return; }
      everConnected = true;
      calibrate();
      if (link.kind === "socket") { join(); } else { enterWithoutSocket(); }
      renderStatus();
    });
    link.onClose(function () { if (link === transport) { joined = false; renderStatus(); } });

    on("party:state", function (state) { applyState(state, false); });
    on("party:message", function (m) { addMessage(m); });
    on("party:typing", function (event) { if (event.party_id === partyId) { typing(event); } });
    on("party:reaction", function (event) { if (event.party_id === partyId) { floatReaction(event); } });

    on("party:member_joined", function (event) {
      if (event.party_id !== partyId) { return; }
      members[event.user.id] = event.user;
      setCount(event.count);
      if (event.user.id !== me.id) { systemLine(nameOf(event.user) + " joined."); }
      refresh("party-people");
    });
    on("party:member_left", function (event) {
      if (event.party_id !== partyId) { return; }
      if (event.user.id === me.id) {
        if (event.reason === "removed") { finish("You were removed from this party."); }
        else { finish("You left this party."); }
        return;
      }
      setCount(event.count);
      systemLine(nameOf(event.user) + (event.reason === "removed" ? " was removed." : " left."));
      refresh("party-people");
    });
    on("party:member_updated", function (event) {
      if (event.party_id !== partyId) { return; }
      members[event.user.id] = event.user;
      if (event.user.id === me.id) { setRole(event.role); }
      refresh("party-people");
    });
    on("party:member_count", function (event) {
      if (event.party_id === partyId) { setWatching(event.count, event.user_id, event.watching); }
    });
    on("party:member_requested", function (event) {
      if (event.party_id !== partyId) { return; }
      say(nameOf(event.user) + " asks to join.");
      refresh("party-people");
    });
    on("party:host_changed", function (event) {
      if (event.party_id === partyId && event.host_id !== hostId) { hostChanged(event.host_id); }
    });
    on("party:ended", function (event) {
      if (event.party_id === partyId) { showEnded(); }
    });
    on("party:queue", function (event) {
      if (event.party_id !== partyId) { return; }
      queueItems = event.items || [];
      refresh("party-queue");
    });
    on("party:drift", function (event) {
      if (event.party_id !== partyId) { return; }
      drifts[String(event.user_id)] = event;
      renderDrifts();
    });
    // The cursor was too old to replay from: the page itself is the fresh state.
    on("resync", function () { if (!over) { window.location.reload(); } });
  }

  function csrfToken() {
    var field = document.querySelector("#party-page input[name=csrf_token]");
    return field ? field.value : "";
  }

  /* The sign-in may have ended: the site's session module says what happened, when the
     page has it; otherwise a reload does (a signed-out reload lands on the login). */
  function checkSession() {
    if (window.TandemSession && window.TandemSession.check) { window.TandemSession.check(); }
    else { window.location.reload(); }
  }

  /* Both transports start from the page's cursor; a fallback carries on from the last
     cursor the socket saw. */
  function useEventStream() {
    var cursor = transport && transport.cursor ? transport.cursor : data.stream_cursor;
    if (transport) { transport.close(); }
    joined = false;
    transport = window.TandemPartyTransports.sse({
      urls: data.urls,
      cursor: cursor,
      csrfToken: csrfToken,
      reactionForm: reactionForm
    });
    var link = transport;
    wire(link);
    link.onRefused(function () {
      if (link !== transport || over) { return; }
      if (window.TandemSession && window.TandemSession.check) { window.TandemSession.check(); return; }
      // Reload only when the refusal was the sign-in's; otherwise the stream retries.
      window.fetch(data.urls.participants, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (response.status === 401) { checkSession(); } }, function () { /* offline: retry */ });
    });
    link.start();
    setRole(role); // the controls follow what this transport can do
    renderStatus();
  }

  /* The socket gives way to the event stream only when it cannot be had at all (a proxy
     that lets neither WebSocket nor polling through): after SOCKET_TRIES failed attempts
     without it ever opening. One that has opened on this page rides out a network drop
     by reconnecting (Socket.IO's own backoff), so a host keeps the controls. */
  var SOCKET_TRIES = 3;
  function useSocket() {
    var link = window.TandemPartyTransports.socket(data.stream_cursor);
    var opened = false;
    var failures = 0;
    transport = link;
    wire(link);
    link.onOpen(function () { opened = true; });
    link.onRefused(function (code) {
      if (link !== transport || over) { return; }
      if (code === "unauthenticated" || code === "banned") {
        link.close();
        refusal = code === "banned" ? "Not connected: this account is banned." : "Not connected: you are not signed in any more.";
        renderStatus();
        checkSession();
        return;
      }
      failures += 1;
      if (opened || failures < SOCKET_TRIES) { renderStatus(); return; }
      useEventStream();
    });
    link.start();
  }

  // -- timers ---------------------------------------------------------------------------------
  window.setInterval(function () {
    if (!joined || over || !player || !player.isReady() || !transport.supports("party:heartbeat")) { return; }
    var at = Math.max(0, player.currentTime());
    call("party:heartbeat", {
      party_id: partyId,
      position: at,
      playing: !player.paused(),
      buffering: !!player.buffering()
    }, function (ack) {
      if (ack.ok && ack.state) { applyState(ack.state, true); }
    });
  }, HEARTBEAT_MS);

  window.setInterval(function () { if (transport && transport.connected() && !over) { calibrate(); } }, RECALIBRATE_MS);
  window.setInterval(function () {
    if (!over) { reportDuration(); updateClock(); renderStatus(); renderControls(); }
  }, 500);

  // -- start ----------------------------------------------------------------------------------
  ["player-bar", "player-status"].forEach(function (id) {
    var shown = $(id);
    if (shown) { shown.hidden = false; }
  });
  if (window.io) { useSocket(); } else { useEventStream(); }
  makePlayer(mediaUrl, false);
  engine.setDriver(drives());
  engine.setState(data.state);
  engine.start();
  renderControls();

  window.TandemParty = {
    get player() { return player; },
    engine: engine,
    clock: clock,
    get transport() { return transport; },
    offset: function () { return clock.offset; },
    expected: function () { return engine.expected(); },
    serverNow: function () { return clock.now(); },
    state: function () { return engine.state; },
    role: function () { return role; },
    synced: function () { return engine.syncOn; }
  };
})();
