/* A post's page: a comment's moment ("at 1:23") plays the post's video from there, and
   "Comment at this moment" writes where the video is into the comment form. The player
   is a <video> or YouTube's embed, driven through its message interface (no script of
   YouTube's is loaded into the page). Without this script the moments are links to the
   video at that time, and the moment is typed. */
(function () {
  "use strict";

  var player = document.getElementById("post-video");
  if (!player) { return; }
  var youtube = player.tagName === "IFRAME";
  var youtubeNow = 0;

  function tell(message) {
    if (player.contentWindow) { player.contentWindow.postMessage(JSON.stringify(message), "*"); }
  }

  if (youtube) {
    // Asked to listen, the embed reports its state, the current time among it.
    window.addEventListener("message", function (event) {
      if (event.source !== player.contentWindow || typeof event.data !== "string") { return; }
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && data.info && typeof data.info.currentTime === "number") {
        youtubeNow = data.info.currentTime;
      }
    });
    player.addEventListener("load", function () { tell({ event: "listening", id: player.id }); });
  }

  function seek(seconds) {
    if (youtube) {
      tell({ event: "command", func: "seekTo", args: [seconds, true] });
      tell({ event: "command", func: "playVideo", args: [] });
    } else {
      player.currentTime = seconds;
      var started = player.play();
      if (started && started.catch) { started.catch(function () { /* a click on Play will do */ }); }
    }
    player.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", function (event) {
    var moment = event.target.closest("[data-seek]");
    if (moment) {
      event.preventDefault();
      seek(parseFloat(moment.getAttribute("data-seek")) || 0);
      return;
    }
    var button = event.target.closest("[data-moment-for]");
    if (button) {
      var field = document.getElementById(button.getAttribute("data-moment-for"));
      if (field) {
        field.value = window.TandemClock.text(youtube ? youtubeNow : player.currentTime);
        field.focus();
      }
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-moment-for]"), function (button) {
    button.hidden = false;
  });
})();
