/* The new-party form: a start time is typed in the browser's own time zone, so send its
   UTC offset (for that date) along with it. */
(function () {
  "use strict";

  var form = document.getElementById("new-party-form");
  var when = document.getElementById("party-when");
  var offset = document.getElementById("tz-offset");
  if (!form || !when || !offset) { return; }

  form.addEventListener("submit", function () {
    var moment = when.value ? new Date(when.value) : new Date();
    offset.value = isNaN(moment.getTime()) ? "" : String(moment.getTimezoneOffset());
  });
})();
