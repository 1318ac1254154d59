/* A moment of a video as people write it: 1:05, or 1:05.5 when it has a tenth (the
   clip page, a post's page). */
(function () {
  "use strict";

  function text(seconds) {
    var tenths = Math.round(Math.max(0, seconds) * 10);
    var whole = Math.floor(tenths / 10);
    var m = Math.floor(whole / 60);
    var s = whole % 60;
    return m + ":" + (s < 10 ? "0" : "") + s + (tenths % 10 ? "." + (tenths % 10) : "");
  }

  window.TandemClock = { text: text };
})();
