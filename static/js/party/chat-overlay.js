/* On a phone the party's chat can lie over the video, so people can talk and watch at
 * once: a switch beside the chat's title (shown only where the layout stacks them)
 * puts the chat panel over the player and back. */
(function () {
  "use strict";

  var toggle = document.getElementById("chat-over-toggle");
  var page = document.querySelector(".party-page");
  if (!toggle || !page) { return; }
  var phone = window.matchMedia("(max-width: 40rem)");

  function set(over) {
    page.classList.toggle("chat-over-video", over);
    toggle.setAttribute("aria-pressed", over ? "true" : "false");
    toggle.textContent = over ? "Below the video" : "Over the video";
  }

  function follow() {
    toggle.hidden = !phone.matches;
    if (!phone.matches) { set(false); }
  }

  toggle.addEventListener("click", function () {
    set(toggle.getAttribute("aria-pressed") !== "true");
  });
  phone.addEventListener("change", follow);
  follow();
}());
