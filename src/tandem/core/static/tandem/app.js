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

  // Age timers on the board: <time class="tandem-age" datetime="ISO"> counts up each
  // second between the board's two-second refreshes.
  function formatAge(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h > 0 ? h + "h " + pad(m) + "m" : m + "m " + pad(s % 60) + "s";
  }

  function tickAges() {
    var now = Date.now();
    document.querySelectorAll("time.tandem-age").forEach(function (el) {
      var since = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(since)) {
        el.textContent = formatAge((now - since) / 1000);
      }
    });
  }

  setInterval(tickAges, 1000);
  document.addEventListener("DOMContentLoaded", tickAges);
  document.addEventListener("htmx:afterSettle", tickAges);
})();
