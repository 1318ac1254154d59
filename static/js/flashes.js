/* The notices at the top of a page ("You joined …", "Your profile is saved.") each get a
 * Dismiss button, so one that is done with does not sit above a page that stays open for
 * long (a party, a conversation). Focus goes on to the next notice, or to the page's
 * content. Without this script a notice goes with the next page. */
(function () {
  "use strict";
  const main = document.getElementById("main");
  document.querySelectorAll(".flashes .flash").forEach((flash) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "flash-dismiss";
    button.setAttribute("aria-label", "Dismiss this notice");
    button.addEventListener("click", () => {
      const next = flash.nextElementSibling || flash.previousElementSibling;
      flash.remove();
      const target = next ? next.querySelector(".flash-dismiss") : main;
      if (target) target.focus();
    });
    flash.append(button);
  });
})();
