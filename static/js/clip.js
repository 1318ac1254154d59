/* A clip's page: the video plays from the clip's start and stops at its end, with Play,
   Replay and the time within the clip. The player is the watch party's (players.js), so
   YouTube links and video files behave alike. Without this script a video file plays its
   range through the browser's own controls (a media fragment). */
(function () {
  "use strict";

  var dataNode = document.getElementById("clip-data");
  var box = document.getElementById("clip-player");
  if (!dataNode || !box || !window.TandemPlayers) { return; }
  var clip = JSON.parse(dataNode.textContent);
  var controls = document.getElementById("clip-controls");
  var playButton = document.getElementById("clip-play");
  var replayButton = document.getElementById("clip-replay");
  var progress = document.getElementById("clip-progress");
  var clockLine = document.getElementById("clip-clock");
  var statusLine = document.getElementById("clip-status");
  var TICK_MS = 50;
  var length = clip.end - clip.start;

  var player = window.TandemPlayers.create(box, clip.video_url, {
    onError: function (error) { say(error.message); }
  });
  var finished = false;
  var timer = null;

  function say(text) { if (statusLine.textContent !== text) { statusLine.textContent = text; } }

  function render() {
    var at = Math.min(Math.max(player.currentTime(), clip.start), clip.end);
    progress.value = at - clip.start;
    // Whole seconds while it plays (tenths would flicker), the exact moment when stopped.
    var clock = window.TandemClock.text;
    clockLine.textContent = clock(player.paused() ? at : Math.floor(at)) + " / " + clock(clip.end);
    playButton.textContent = player.paused() ? "Play" : "Pause";
  }

  /* Stops the video at the clip's end (the player's own end counts too). */
  function tick() {
    if (!player.paused() && player.currentTime() >= clip.end) { finish(); }
    render();
  }

  function finish() {
    player.pause();
    player.seek(clip.end);
    finished = true;
    say("The clip is over. Replay to watch it again.");
    render();
  }

  function playFromStart() {
    finished = false;
    player.seek(clip.start);
    play();
  }

  function play() {
    say("");
    player.play().catch(function () { say("Press Play to start the clip."); });
  }

  player.onEnded(function () { finish(); });
  player.onPlayState(function () { render(); });
  player.onReady(function () {
    player.seek(clip.start);
    controls.hidden = false;
    render();
    if (timer === null) { timer = window.setInterval(tick, TICK_MS); }
    play();
  });

  playButton.addEventListener("click", function () {
    if (!player.paused()) { player.pause(); return; }
    var at = player.currentTime();
    if (finished || at < clip.start - 0.5 || at >= clip.end) { playFromStart(); } else { play(); }
  });
  replayButton.addEventListener("click", playFromStart);
  window.TandemClip = { player: player, clip: clip, length: length };
})();
