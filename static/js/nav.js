/* The main navigation on a narrow screen: the Menu button folds the links under the bar
 * and unfolds them (aria-expanded says which); Escape, a click elsewhere or tabbing out
 * folds them again. Without this script the button stays hidden and the links wrap under
 * the bar. */
(function () {
  "use strict";
  const nav = document.querySelector("[data-nav]");
  const toggle = nav && nav.querySelector(".nav-toggle");
  if (!toggle) return;
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("nav-open", open);
  };
  nav.classList.add("nav-folds");
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("nav-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target)) setOpen(false);
  });
  // Tabbing on past the last link folds the menu instead of leaving it over the page.
  nav.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !nav.contains(event.relatedTarget)) setOpen(false);
  });
})();
