/* The "waiting for the host" page: moves on by itself once the host decides. */
(function () {
  "use strict";

  var card = document.querySelector("[data-waiting]");
  if (!card || !window.io) { return; }
  var partyId = Number(card.getAttribute("data-party-id"));
  var state = document.getElementById("invite-state");
  var socket = window.io();

  socket.on("party:member_decided", function (event) {
    if (event.party_id !== partyId) { return; }
    if (event.approved) {
      state.textContent = "The host let you in. Opening the party…";
      window.location.assign(card.getAttribute("data-party-url"));
    } else {
      state.textContent = "The host did not let you in. You can ask again in " +
        card.getAttribute("data-ask-again-minutes") + " minutes.";
      socket.close();
    }
  });
})();
