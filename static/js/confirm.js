// Destructive forms ask first. A form sent with a .danger button opens the browser's own
// confirm dialog (its question: the form's data-confirm, else the button's words): OK adds
// confirm=yes, the server's sign that the person is sure; Cancel sends nothing. It listens
// in the capture phase, so a cancelled form never reaches htmx. Without this script the
// server asks on a confirmation page instead (blueprints/confirm.py).
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-sure")) return;
    const button = event.submitter || form.querySelector("button:not([type]), [type=submit]");
    if (!button || !button.classList.contains("danger")) return;
    const words = button.textContent.trim().replace(/\s+/g, " ");
    if (!window.confirm(form.dataset.confirm || `${words}?`)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    const sure = document.createElement("input");
    sure.type = "hidden";
    sure.name = "confirm";
    sure.value = "yes";
    form.append(sure);
    // The browser and htmx read the fields while this event runs; a form that stays on
    // the page asks again next time.
    setTimeout(() => sure.remove());
  },
  true,
);
