/* Watch-party players: one small interface over two kinds of media.
 *
 *   play() -> Promise, pause(), seek(seconds), currentTime(), setRate(rate), paused(),
 *   onEnded(cb), onBuffering(cb(isBuffering)), destroy()
 *
 * plus what the page needs around them: isReady(), onReady(cb), onPlayState(cb(playing)),
 * ended(), buffering(), duration(), setMuted(bool), setVolume(0..1), and `fineRate` (whether
 * small playbackRate nudges take effect: <video> yes, YouTube no, it rounds to its steps).
 *
 * VideoAdapter wraps a <video>; YouTubeAdapter loads the YouTube IFrame API only when a
 * party plays a YouTube link.
 */
(function () {
  "use strict";

  var YOUTUBE_HOSTS = [
    "youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com",
    "youtu.be", "www.youtube-nocookie.com"
  ];
  var YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
  var IFRAME_API = "https://www.youtube.com/iframe_api";

  /* The video id of a YouTube link, or null for any other link (the server's rules). */
  function youtubeId(url) {
    var parts;
    try { parts = new URL(url); } catch (e) { return null; }
    var host = parts.hostname.toLowerCase();
    if (YOUTUBE_HOSTS.indexOf(host) === -1) { return null; }
    var candidate;
    if (host === "youtu.be") {
      candidate = parts.pathname.replace(/^\/+/, "").split("/")[0];
    } else if (/^\/(embed|shorts|live)\//.test(parts.pathname)) {
      candidate = parts.pathname.split("/")[2];
    } else {
      candidate = parts.searchParams.get("v") || "";
    }
    return YOUTUBE_ID.test(candidate || "") ? candidate : null;
  }

  function listeners() {
    var list = [];
    return {
      add: function (cb) { if (typeof cb === "function") { list.push(cb); } },
      fire: function () {
        var args = arguments;
        list.slice().forEach(function (cb) {
          try { cb.apply(null, args); } catch (e) { window.console.error(e); }
        });
      },
      clear: function () { list.length = 0; }
    };
  }

  function notAllowed(message) {
    var error = new Error(message);
    error.name = "NotAllowedError";
    return error;
  }

  // -- <video> ----------------------------------------------------------------------------
  function VideoAdapter(video) {
    var self = this;
    this.kind = "direct";
    this.fineRate = true;
    this.video = video;
    this._buffering = false;
    this._ended = listeners();
    this._bufferingChanged = listeners();
    this._playState = listeners();
    this._ready = listeners();
    this._bound = [];

    function on(name, handler) {
      video.addEventListener(name, handler);
      self._bound.push([name, handler]);
    }
    function setBuffering(value) {
      if (self._buffering === value) { return; }
      self._buffering = value;
      self._bufferingChanged.fire(value);
    }
    on("ended", function () { self._ended.fire(); });
    on("waiting", function () { setBuffering(true); });
    on("stalled", function () { if (!video.paused && video.readyState < 3) { setBuffering(true); } });
    on("playing", function () { setBuffering(false); });
    on("canplay", function () { setBuffering(false); });
    on("seeked", function () { if (video.readyState >= 3) { setBuffering(false); } });
    on("play", function () { self._playState.fire(true); });
    on("pause", function () { self._playState.fire(false); });
    on("loadedmetadata", function () { self._ready.fire(); });
  }

  VideoAdapter.prototype = {
    isReady: function () { return this.video.readyState >= 1; },
    onReady: function (cb) { if (this.isReady()) { cb(); } else { this._ready.add(cb); } },
    play: function () {
      var result;
      try { result = this.video.play(); } catch (e) { return Promise.reject(e); }
      return result && typeof result.then === "function" ? result : Promise.resolve();
    },
    pause: function () { this.video.pause(); },
    seek: function (seconds) {
      var target = Math.max(0, seconds);
      var end = this.duration();
      if (end > 0) { target = Math.min(target, end); }
      this.video.currentTime = target;
    },
    currentTime: function () { return this.video.currentTime || 0; },
    setRate: function (rate) {
      if (Math.abs(this.video.playbackRate - rate) > 1e-6) { this.video.playbackRate = rate; }
    },
    rate: function () { return this.video.playbackRate; },
    paused: function () { return this.video.paused; },
    ended: function () { return this.video.ended; },
    buffering: function () { return this._buffering || this.video.seeking; },
    duration: function () {
      var d = this.video.duration;
      return isFinite(d) && d > 0 ? d : 0;
    },
    setMuted: function (muted) { this.video.muted = !!muted; },
    setVolume: function (volume) { this.video.volume = Math.max(0, Math.min(1, volume)); },
    onEnded: function (cb) { this._ended.add(cb); },
    onBuffering: function (cb) { this._bufferingChanged.add(cb); },
    onPlayState: function (cb) { this._playState.add(cb); },
    element: function () { return this.video; },
    destroy: function () {
      var video = this.video;
      this._bound.forEach(function (pair) { video.removeEventListener(pair[0], pair[1]); });
      this._bound = [];
      [this._ended, this._bufferingChanged, this._playState, this._ready].forEach(function (l) { l.clear(); });
      try { video.pause(); } catch (e) { /* already gone */ }
      video.removeAttribute("src");
      try { video.load(); } catch (e) { /* nothing to unload */ }
    }
  };

  // -- the YouTube IFrame API -------------------------------------------------------------
  var apiPromise = null;

  function loadYouTubeApi() {
    if (window.YT && typeof window.YT.Player === "function") { return Promise.resolve(window.YT); }
    if (apiPromise) { return apiPromise; }
    apiPromise = new Promise(function (resolve, reject) {
      var previous = window.onYouTubeIframeAPIReady;
      window.onYouTubeIframeAPIReady = function () {
        if (typeof previous === "function") { previous(); }
        resolve(window.YT);
      };
      var script = document.createElement("script");
      script.src = IFRAME_API;
      script.async = true;
      script.onerror = function () {
        apiPromise = null;
        reject(new Error("The YouTube player could not be loaded."));
      };
      document.head.appendChild(script);
    });
    return apiPromise;
  }

  var PLAY_CONFIRM_MS = 3000;

  function YouTubeAdapter(slot, videoId, options) {
    var self = this;
    options = options || {};
    this.kind = "youtube";
    this.fineRate = false;
    this.player = null;
    this.YT = null;
    this._state = -1;
    this._ready = false;
    this._rate = 1;
    this._destroyed = false;
    this._waiters = [];
    this._ended = listeners();
    this._bufferingChanged = listeners();
    this._playState = listeners();
    this._readyListeners = listeners();

    loadYouTubeApi().then(function (YT) {
      if (self._destroyed) { return; }
      self.YT = YT;
      self.player = new YT.Player(slot, {
        videoId: videoId,
        width: "100%",
        height: "100%",
        playerVars: {
          // Never YouTube's own controls either: the page's make one seek of one drag.
          controls: 0,
          disablekb: 1,
          playsinline: 1,
          rel: 0,
          enablejsapi: 1,
          origin: window.location.origin
        },
        events: {
          onReady: function () {
            self._ready = true;
            self._readyListeners.fire();
          },
          onStateChange: function (event) { self._onState(event.data); },
          onError: function (event) {
            if (options.onError) { options.onError(new Error("YouTube could not play this video (" + event.data + ").")); }
          }
        }
      });
    }, function (error) {
      if (options.onError) { options.onError(error); }
    });
  }

  YouTubeAdapter.prototype = {
    _states: function () {
      var s = (this.YT && this.YT.PlayerState) || {};
      return {
        ENDED: s.ENDED === undefined ? 0 : s.ENDED,
        PLAYING: s.PLAYING === undefined ? 1 : s.PLAYING,
        PAUSED: s.PAUSED === undefined ? 2 : s.PAUSED,
        BUFFERING: s.BUFFERING === undefined ? 3 : s.BUFFERING
      };
    },
    _onState: function (code) {
      var S = this._states();
      var was = this._state;
      this._state = code;
      if (code === S.PLAYING || code === S.BUFFERING) {
        this._waiters.splice(0).forEach(function (w) { w.resolve(); });
      }
      if (code === S.ENDED) { this._ended.fire(); }
      if (code === S.BUFFERING) { this._bufferingChanged.fire(true); }
      if (was === S.BUFFERING && code !== S.BUFFERING) { this._bufferingChanged.fire(false); }
      var playingNow = code === S.PLAYING || code === S.BUFFERING;
      var playingBefore = was === S.PLAYING || was === S.BUFFERING;
      if (playingNow && !playingBefore) { this._playState.fire(true); }
      if (code === S.PAUSED && playingBefore) { this._playState.fire(false); }
    },
    isReady: function () { return this._ready && !this._destroyed; },
    onReady: function (cb) { if (this.isReady()) { cb(); } else { this._readyListeners.add(cb); } },
    /* Resolves once YouTube says it plays (or buffers); a browser that refuses to autoplay
       leaves it paused, which is reported as NotAllowedError after a few seconds. */
    play: function () {
      var self = this;
      if (!this.isReady()) { return Promise.reject(new Error("The player is not ready yet.")); }
      var S = this._states();
      if (this._state === S.PLAYING || this._state === S.BUFFERING) { return Promise.resolve(); }
      return new Promise(function (resolve, reject) {
        var waiter = { resolve: function () { window.clearTimeout(timer); resolve(); } };
        var timer = window.setTimeout(function () {
          var i = self._waiters.indexOf(waiter);
          if (i !== -1) { self._waiters.splice(i, 1); }
          reject(notAllowed("The browser did not let the video start by itself."));
        }, PLAY_CONFIRM_MS);
        self._waiters.push(waiter);
        self.player.playVideo();
      });
    },
    pause: function () { if (this.isReady()) { this.player.pauseVideo(); } },
    seek: function (seconds) { if (this.isReady()) { this.player.seekTo(Math.max(0, seconds), true); } },
    currentTime: function () {
      if (!this.isReady()) { return 0; }
      var t = this.player.getCurrentTime();
      return typeof t === "number" && isFinite(t) ? t : 0;
    },
    setRate: function (rate) {
      if (!this.isReady() || Math.abs(this._rate - rate) < 1e-6) { return; }
      this._rate = rate;
      this.player.setPlaybackRate(rate);
    },
    rate: function () { return this._rate; },
    paused: function () {
      if (!this.isReady()) { return true; }
      var S = this._states();
      var state = this.player.getPlayerState();
      return state !== S.PLAYING && state !== S.BUFFERING;
    },
    ended: function () { return this.isReady() && this.player.getPlayerState() === this._states().ENDED; },
    buffering: function () { return this.isReady() && this.player.getPlayerState() === this._states().BUFFERING; },
    duration: function () {
      if (!this.isReady() || typeof this.player.getDuration !== "function") { return 0; }
      var d = this.player.getDuration();
      return isFinite(d) && d > 0 ? d : 0;
    },
    setMuted: function (muted) {
      if (!this.isReady()) { return; }
      if (muted && this.player.mute) { this.player.mute(); }
      if (!muted && this.player.unMute) { this.player.unMute(); }
    },
    setVolume: function (volume) {
      if (this.isReady() && this.player.setVolume) { this.player.setVolume(Math.round(volume * 100)); }
    },
    onEnded: function (cb) { this._ended.add(cb); },
    onBuffering: function (cb) { this._bufferingChanged.add(cb); },
    onPlayState: function (cb) { this._playState.add(cb); },
    element: function () { return this.player && this.player.getIframe ? this.player.getIframe() : null; },
    destroy: function () {
      this._destroyed = true;
      [this._ended, this._bufferingChanged, this._playState, this._readyListeners].forEach(function (l) { l.clear(); });
      this._waiters = [];
      if (this.player && typeof this.player.destroy === "function") {
        try { this.player.destroy(); } catch (e) { /* already gone */ }
      }
      this.player = null;
    }
  };

  /* The element `selector` finds in `box`; else, the box emptied, a new <tag> with that id
     and class, given to `setUp` before it goes in. */
  function child(box, selector, tag, id, className, setUp) {
    var element = box.querySelector(selector);
    if (!element) {
      box.textContent = "";
      element = document.createElement(tag);
      element.id = id;
      element.className = className;
      if (setUp) { setUp(element); }
      box.appendChild(element);
    }
    return element;
  }

  /* A player for `url` inside `box` (emptied first): YouTube links through the IFrame API
     (without its own controls), anything else in a <video>. An existing
     <video> or slot is reused. */
  function create(box, url, options) {
    options = options || {};
    var id = youtubeId(url);
    if (id) {
      var slot = child(box, "#party-youtube", "div", "party-youtube", "youtube-slot");
      return new YouTubeAdapter(slot, id, options);
    }
    var video = child(box, "video", "video", "party-video", "party-video", function (made) {
      made.setAttribute("playsinline", "");
      made.preload = "auto";
    });
    if (video.getAttribute("src") !== url) { video.src = url; }
    // Never the browser's own controls: a drag along them is many seeks, and the page's
    // controls make one seek of one drag.
    video.controls = false;
    return new VideoAdapter(video);
  }

  window.TandemPlayers = {
    VideoAdapter: VideoAdapter,
    YouTubeAdapter: YouTubeAdapter,
    create: create,
    youtubeId: youtubeId,
    loadYouTubeApi: loadYouTubeApi
  };
})();
