/* The live-stream page: renders each event of the signed-in user's stream. */
(function () {
  "use strict";

  var feed = document.getElementById("feed");
  var status = document.getElementById("stream-status");
  if (!feed || !feed.dataset.transport) { return; }

  function render(name, data) {
    var item = document.createElement("li");
    item.className = "feed-item";
    var label = document.createElement("span");
    label.className = "feed-name";
    label.textContent = name;
    var time = document.createElement("time");
    time.className = "feed-time";
    time.textContent = new Date().toLocaleTimeString();
    var body = document.createElement("code");
    body.className = "feed-data";
    body.textContent = JSON.stringify(data);
    item.append(label, " ", time, " ", body);
    feed.prepend(item);
  }

  window.TandemStream.open({
    transport: feed.dataset.transport,
    events: JSON.parse(feed.dataset.events),
    onEvent: render,
    onStatus: function (text) { status.textContent = text; }
  });
})();
