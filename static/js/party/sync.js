/* Keeping a player in time with a party.
 *
 * The server holds the one truth: {playing, position, rate, at, version}, where `at` is the
 * server's clock (epoch seconds) when `position` was true. Where the video should be now is
 * position + (serverNow - at) * rate while playing, position while paused.
 *
 * Clock: estimates the offset to the server's clock from time:ping round trips, keeping the
 * sample with the lowest round trip (offset = server_time - (sent + rtt / 2)).
 *
 * Engine: every TICK_MS compares the player with where it should be and corrects: a seek
 * when more than a second off, otherwise a gentle playbackRate nudge (±5%) until back
 * within a tenth of a second; and play or pause to match. Drivers (host and co-hosts) who
 * play, pause or seek with the player's own controls move the whole party; what the engine
 * does itself is never mistaken for that, so no command echoes back and forth.
 */
(function () {
  "use strict";

  var TICK_MS = 250;
  var SEEK_THRESHOLD = 1.0;       // seconds: further off than this, seek
  var COARSE_SEEK_THRESHOLD = 0.5; // players that cannot nudge their rate seek sooner
  var NUDGE_START = 0.1;          // seconds: nudge the rate when further off than this
  var NUDGE_STOP = 0.04;          // ...and stop once this close (so it does not flutter)
  var NUDGE = 0.05;               // rate * (1 ± NUDGE)
  var PAUSED_TOLERANCE = 0.1;     // a paused player this far off is moved exactly
  var SEEK_SETTLE_MS = 1000;      // after our own seek, give the player time before judging
  var OWN_ACTION_MS = 600;        // play/pause events this soon after ours are ours
  var USER_JUMP = 1.0;            // a jump this large that we did not make is the user's

  function nowMs() { return window.performance && window.performance.now ? window.performance.now() : Date.now(); }
  function wallSeconds() { return Date.now() / 1000; }

  /* Never past the end of the media once the server knows its duration. */
  function expectedPosition(state, serverNow) {
    if (!state) { return 0; }
    if (!state.playing) { return state.position; }
    var now = Math.max(0, state.position + (serverNow - state.at) * state.rate);
    return state.duration ? Math.min(now, state.duration) : now;
  }

  // -- the clock --------------------------------------------------------------------------
  function Clock() {
    this.offset = 0;
    this.rtt = null;
    this.known = false;
    this.samples = [];
  }

  Clock.prototype = {
    now: function () { return wallSeconds() + this.offset; },
    /* One measured round trip: `sent` wall-clock seconds, `rtt` seconds, the server's time. */
    add: function (sent, rtt, serverTime) {
      if (typeof serverTime !== "number" || !isFinite(serverTime) || rtt < 0) { return; }
      var sample = { offset: serverTime - (sent + rtt / 2), rtt: rtt };
      this.samples.push(sample);
      if (!this.known || rtt <= this.rtt) {
        this.offset = sample.offset;
        this.rtt = rtt;
        this.known = true;
      }
    },
    /* `ping(done)` asks the server once and calls done(server_time) or done(null).
       Takes `count` samples one after another, then keeps the best of them. */
    calibrate: function (ping, count, done) {
      var self = this;
      var best = null;
      var left = count || 5;
      function once() {
        var sent = wallSeconds();
        var started = nowMs();
        ping(function (serverTime) {
          var rtt = (nowMs() - started) / 1000;
          if (typeof serverTime === "number" && isFinite(serverTime) && (best === null || rtt < best.rtt)) {
            best = { sent: sent, rtt: rtt, serverTime: serverTime };
          }
          left -= 1;
          if (left > 0) { once(); return; }
          if (best) {
            // A fresh calibration replaces the old estimate: clocks drift, networks change.
            self.known = false;
            self.add(best.sent, best.rtt, best.serverTime);
          }
          if (done) { done(self.known); }
        });
      }
      once();
    }
  };

  // -- the engine -------------------------------------------------------------------------
  /* options: clock, emit(name, payload, ack), partyId, onBlocked(), onUnblocked(),
     onStatus(text), onCommandError(message) */
  function Engine(options) {
    this.options = options;
    this.clock = options.clock;
    this.player = null;
    this.state = null;        // what the engine follows (the server's, or our own command's)
    this.serverState = null;  // the last state the server sent
    this.driver = false;
    this.syncOn = true;
    this.stopped = false;
    this.blocked = false;
    this.playPending = false;
    this.nudging = false;
    this.lastSeekMs = -Infinity;
    this.lastOwnPlayMs = -Infinity;
    this.lastStateMs = -Infinity;
    this.last = null;
    this.timer = null;
  }

  Engine.prototype = {
    start: function () {
      var self = this;
      if (this.timer === null) {
        this.timer = window.setInterval(function () { self.tick(); }, TICK_MS);
      }
    },
    stop: function () {
      this.stopped = true;
      if (this.timer !== null) { window.clearInterval(this.timer); this.timer = null; }
    },
    setPlayer: function (player) {
      var self = this;
      this.player = player;
      this.last = null;
      this.blocked = false;
      this.playPending = false;
      if (!player) { return; }
      player.onPlayState(function (playing) { self._userPlayState(playing); });
      player.onReady(function () { self.lastStateMs = nowMs(); self.tick(); });
    },
    setDriver: function (driver) { this.driver = !!driver; },
    setSync: function (on) {
      this.syncOn = !!on;
      this.last = null;
      if (on) { this.lastStateMs = nowMs(); this.tick(); }
    },
    /* A state from the server; older versions than the last one seen are ignored. */
    setState: function (state) {
      if (!state) { return false; }
      if (this.serverState && state.version < this.serverState.version) { return false; }
      this.serverState = state;
      this.state = state;
      this.lastStateMs = nowMs();
      this.nudging = false;
      this.tick();
      return true;
    },
    expected: function () { return expectedPosition(this.state, this.clock.now()); },
    /* The whole party: play, pause, seek or rate, sent by a driver. The engine follows the
       command at once (so nothing flickers while it travels) and the server's answer
       replaces it; a refusal puts the last server state back. */
    command: function (name, extra) {
      var self = this;
      if (!this.state) { return; }
      extra = extra || {};
      var next = {};
      Object.keys(this.state).forEach(function (key) { next[key] = self.state[key]; });
      var here = this.expected();
      var payload = { party_id: this.options.partyId };
      if (name === "play" || name === "pause") {
        var at = typeof extra.position === "number" ? extra.position : here;
        next.playing = name === "play";
        next.position = at;
        payload.position = at;
      } else if (name === "seek") {
        next.position = Math.max(0, extra.position);
        payload.position = next.position;
      } else if (name === "rate") {
        next.position = here;
        next.rate = extra.rate;
        payload.rate = extra.rate;
      }
      next.at = this.clock.now();
      this.state = next;
      this.lastStateMs = nowMs();
      this.nudging = false;
      this.tick();
      this.options.emit("party:" + name, payload, function (ack) {
        if (ack && ack.ok) {
          if (ack.state) { self.setState(ack.state); }
          return;
        }
        if (self.serverState) { self.state = self.serverState; self.lastStateMs = nowMs(); self.tick(); }
        if (self.options.onCommandError) {
          self.options.onCommandError(ack && ack.error ? ack.error.message : "The party did not take that.");
        }
      });
    },
    /* The viewer pressed the overlay's button: a user gesture, so playback may start. */
    unblock: function () {
      var player = this.player;
      if (!player || !player.isReady()) { return; }
      this.blocked = false;
      if (this.state && this.state.playing) {
        this._seek(this.expected());
        this._startPlaying();
      } else if (this.options.onUnblocked) {
        this.options.onUnblocked();
      }
    },
    _seek: function (position) {
      this.player.seek(position);
      this.lastSeekMs = nowMs();
      this.last = { ms: nowMs(), local: position, playing: !this.player.paused(), rate: this.player.rate ? this.player.rate() : 1 };
    },
    _play: function () {
      if (this.blocked || this.playPending) { return; }
      this._startPlaying();
    },
    /* Ask the player to play; a refusal for want of a user gesture marks the viewer
       blocked (the overlay's button asks again). */
    _startPlaying: function () {
      var self = this;
      this.playPending = true;
      this.lastOwnPlayMs = nowMs();
      this.player.play().then(function () {
        self.playPending = false;
        if (self.options.onUnblocked) { self.options.onUnblocked(); }
      }, function (error) {
        self.playPending = false;
        if (error && error.name === "NotAllowedError") {
          self.blocked = true;
          if (self.options.onBlocked) { self.options.onBlocked(); }
        }
        // Anything else (a pause or a new source cut it short) is retried by the next tick.
      });
    },
    _pause: function () {
      this.lastOwnPlayMs = nowMs();
      this.player.pause();
    },
    /* The player started or stopped. When the engine did not ask for it and the party is
       not already doing it, the person did: a driver's choice moves the party. */
    _userPlayState: function (playing) {
      if (!this.driver || !this.syncOn || this.stopped || !this.state || !this.player) { return; }
      if (nowMs() - this.lastOwnPlayMs < OWN_ACTION_MS) { return; }
      // Browsers pause some videos in hidden tabs by themselves; that is nobody's choice.
      if (!playing && document.hidden) { return; }
      if (playing && !this.state.playing) {
        this.command("play", { position: this.player.currentTime() });
      } else if (!playing && this.state.playing && !this.player.ended() && !this.blocked) {
        this.command("pause", { position: this.player.currentTime() });
      }
    },
    atEnd: function (position) {
      var end = this.player ? this.player.duration() : 0;
      return end > 0 && position >= end - 0.3;
    },
    tick: function () {
      var player = this.player;
      var state = this.state;
      if (this.stopped || !player || !state || !player.isReady() || !this.clock.known) { return; }
      var ms = nowMs();
      var exp = this.expected();
      var local = player.currentTime();
      var paused = player.paused();
      var rate = state.rate || 1;

      // A driver who dragged the player's own position bar moves the party there.
      if (this.driver && this.syncOn && this.last && !player.buffering() && !this.playPending &&
          ms - this.lastSeekMs > SEEK_SETTLE_MS) {
        var elapsed = (ms - this.last.ms) / 1000;
        var predicted = this.last.local + (this.last.playing ? elapsed * this.last.rate : 0);
        if (Math.abs(local - predicted) > USER_JUMP && Math.abs(local - exp) > USER_JUMP) {
          this.last = { ms: ms, local: local, playing: !paused, rate: player.rate() };
          this.command("seek", { position: local });
          return;
        }
      }
      this.last = { ms: ms, local: local, playing: !paused, rate: player.rate() };
      if (!this.syncOn) { return; }

      if (state.playing) {
        if (paused) {
          // Past the end of this video the party waits for the next one: stay ended.
          if (this.atEnd(exp)) { return; }
          if (!this.blocked && !this.playPending) {
            if (Math.abs(local - exp) > PAUSED_TOLERANCE) { this._seek(exp); }
            player.setRate(rate);
            this._play();
          }
          return;
        }
      } else if (!paused) {
        this._pause();
      }

      var diff = local - exp;
      var off = Math.abs(diff);
      var seekAt = player.fineRate ? SEEK_THRESHOLD : COARSE_SEEK_THRESHOLD;
      if (!state.playing) {
        if (off > PAUSED_TOLERANCE && ms - this.lastSeekMs > 250) { this._seek(exp); }
        player.setRate(rate);
        this.nudging = false;
        return;
      }
      if (player.buffering() || ms - this.lastSeekMs < 300) {
        // Too soon to judge the position, but a new rate is known: take it now.
        if (!this.nudging) { player.setRate(rate); }
        return;
      }
      if (off > seekAt) {
        if (ms - this.lastSeekMs > SEEK_SETTLE_MS || ms - this.lastStateMs < SEEK_SETTLE_MS) {
          this._seek(exp);
          player.setRate(rate);
          this.nudging = false;
        }
        return;
      }
      if (player.fineRate && (off > NUDGE_START || (this.nudging && off > NUDGE_STOP))) {
        this.nudging = true;
        player.setRate(rate * (diff > 0 ? 1 - NUDGE : 1 + NUDGE));
        return;
      }
      this.nudging = false;
      player.setRate(rate);
    }
  };

  window.TandemSync = {
    Clock: Clock,
    Engine: Engine,
    expectedPosition: expectedPosition,
    TICK_MS: TICK_MS
  };
})();
