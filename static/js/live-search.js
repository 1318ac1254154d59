/* A search box that redraws its results as one types: a query the server refuses (400,
 * a bad date, an unknown kind) comes back as the page saying why, and that answer takes
 * the results' place like any other, so the results never stand for a query that is no
 * longer in the box. htmx leaves 4xx answers unswapped unless told. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    const source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 400 && source && source.closest("form[role=search]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
