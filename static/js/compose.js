/* A conversation's message box sends itself in place, and is never replaced under the
 * person typing in it.
 *
 * - At the moment of sending, the request takes its own copy of the form (text, file, the
 *   message it replies to, its client_id) and the box is emptied of just that: whatever is
 *   typed next stays, with the focus and caret. The next message gets a fresh client_id.
 * - Messages go one after another, in the order they were sent. The message itself
 *   arrives through the live stream, like everyone else's.
 * - A refused send puts its text (and file, and reply) back and says why in the form's
 *   alert; texts given back line up in the order they were sent, and text typed meanwhile
 *   is kept after them. A text given back keeps its client_id only while it is unchanged:
 *   sent again as it is, a message that did arrive after all is not stored twice; changed,
 *   it is a new message. Without scripts the form is a plain POST.
 * - Starting or cancelling a reply swaps the form (htmx): the text being typed moves over.
 * - What is typed and not yet sent is kept for this tab (sessionStorage, by the form's
 *   address): a reload, or coming back to the conversation, finds it in the box.
 */
(function () {
  "use strict";

  var NOT_SENT = "Not sent: there is no connection. Try again when you are back online.";
  var FAILED = "Not sent: that did not work. Please try again.";
  var queue = Promise.resolve();
  var sends = 0;
  var failedAt = 0; // the latest send whose refusal the alert shows
  // What refusals gave back at the start of the box: {text, clientId}; clientId is the
  // one that goes with exactly that text (null once two texts were joined).
  var returned = null;

  /* The message form; null once the page has none (its place may hold why: the viewer
     left the conversation, or the other person's account is gone). */
  function form() {
    var element = document.getElementById("compose");
    return element && element.tagName === "FORM" ? element : null;
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function showError(text) {
    var current = form();
    var alert = document.getElementById("compose-error");
    if (!current || !alert) { return; }
    alert.textContent = text;
    alert.hidden = !text;
    if (text) { current.elements.body.setAttribute("aria-invalid", "true"); }
    else { current.elements.body.removeAttribute("aria-invalid"); }
  }

  function draftKey(current) { return "tandem-draft:" + current.getAttribute("action"); }

  function keepDraft(current) {
    try {
      var text = current.elements.body.value;
      if (text) { window.sessionStorage.setItem(draftKey(current), text); }
      else { window.sessionStorage.removeItem(draftKey(current)); }
    } catch (error) { /* storage refused (private mode, full): the draft is not kept */ }
  }

  function restoreDraft() {
    var current = form();
    if (!current || !current.elements.body || current.elements.body.value) { return; }
    try {
      var saved = window.sessionStorage.getItem(draftKey(current));
      if (saved) { current.elements.body.value = saved; }
    } catch (error) { /* as above */ }
  }

  /* The form's values as they are now, taken out of the form. */
  function takeSent(current) {
    var box = current.elements.body;
    if (returned && !(returned.clientId && box.value === returned.text)) {
      current.elements.client_id.value = newClientId();
    }
    returned = null;
    var picker = current.elements.file;
    var sent = {
      number: ++sends,
      data: new FormData(current),
      body: box.value,
      clientId: current.elements.client_id.value,
      file: picker && picker.files.length ? picker.files[0] : null,
      reply: current.querySelector(".compose-reply"),
      replyTo: current.elements.reply_to || null
    };
    box.value = "";
    keepDraft(current);
    if (picker) { picker.value = ""; }
    current.elements.client_id.value = newClientId();
    if (sent.reply) { sent.reply.remove(); }
    if (sent.replyTo) { sent.replyTo.remove(); }
    return sent;
  }

  /* A refused message back in the form, before anything typed since. */
  function giveBack(sent) {
    var current = form();
    if (!current || !current.elements.body) { return; }
    var box = current.elements.body;
    if (returned && box.value.indexOf(returned.text) === 0) {
      var typed = box.value.slice(returned.text.length);
      returned = { text: returned.text + " " + sent.body, clientId: null };
      box.value = returned.text + typed;
    } else {
      returned = { text: sent.body, clientId: box.value ? null : sent.clientId };
      box.value = box.value ? sent.body + " " + box.value : sent.body;
    }
    if (returned.clientId) {
      // The same message again: a retry of one that did arrive is not stored twice.
      current.elements.client_id.value = returned.clientId;
    }
    keepDraft(current);
    var picker = current.elements.file;
    if (sent.file && picker && !picker.files.length && window.DataTransfer) {
      var files = new window.DataTransfer();
      files.items.add(sent.file);
      picker.files = files.files;
    }
    if (sent.replyTo && !current.elements.reply_to) {
      var alert = document.getElementById("compose-error");
      current.insertBefore(sent.replyTo, alert);
      if (sent.reply) { current.insertBefore(sent.reply, alert); }
    }
  }

  function refused(sent, text) {
    giveBack(sent);
    failedAt = sent.number;
    showError(text);
  }

  function answered(sent, response) {
    var redirect = response.headers.get("HX-Redirect");
    if (redirect) { window.location.assign(redirect); return null; }
    if (response.ok) {
      if (sent.number > failedAt) { showError(""); }
      return null;
    }
    var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
    return (plain ? response.text() : Promise.resolve("")).then(function (text) {
      refused(sent, text || FAILED);
    });
  }

  function send(url, sent) {
    return window.fetch(url, {
      method: "POST",
      body: sent.data,
      credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (response) {
      return answered(sent, response);
    }, function () {
      refused(sent, NOT_SENT);
    });
  }

  // Capture: before the page's other submit listeners, which must see it handled here.
  document.addEventListener("submit", function (event) {
    var current = event.target;
    if (current !== form() || !current.elements.body || !window.fetch) { return; }
    event.preventDefault();
    var sent = takeSent(current);
    if (document.activeElement !== current.elements.body) { current.elements.body.focus(); }
    var url = current.action;
    queue = queue.then(function () { return send(url, sent); });
  }, true);

  /* Back online: "there is no connection" is no longer true (the text is still in the
     box, to send again). A refusal in the server's words stays. */
  function connectionBack() {
    var alert = document.getElementById("compose-error");
    if (alert && alert.textContent === NOT_SENT) { showError(""); }
  }
  window.addEventListener("online", connectionBack);
  document.addEventListener("htmx:sseOpen", connectionBack);

  document.addEventListener("input", function (event) {
    var current = form();
    if (current && event.target === current.elements.body) { keepDraft(current); }
  });
  restoreDraft();  // deferred: the page is parsed

  /* A reply started or cancelled swaps in a new form: the text being typed goes with it. */
  var draft = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var current = form();
    if (current && event.detail.target === current && current.elements.body) {
      draft = current.elements.body.value;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var current = form();
    if (draft === null || !current || !current.elements.body) { return; }
    if (!current.elements.body.value) { current.elements.body.value = draft; }
    draft = null;
  });
}());
