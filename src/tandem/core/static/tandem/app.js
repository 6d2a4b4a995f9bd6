// Tandem's own browser behaviour. Loaded with `defer` from base.html; no inline script
// anywhere, because the Content-Security-Policy has no 'unsafe-inline'.
(function () {
  "use strict";

  // Move focus to an error summary (or anything marked data-tandem-focus) so screen
  // reader and keyboard users land on what went wrong instead of the top of the page.
  function focusMarked(root) {
    var target = root.querySelector("[data-tandem-focus]");
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusMarked(document);
  });

  // htmx swaps: the same rule for fragments that carry an error summary.
  document.addEventListener("htmx:afterSettle", function (event) {
    focusMarked(event.target);
  });
})();
