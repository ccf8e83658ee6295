// One small script. Pages work without it; it only enhances.
(function () {
  "use strict";
  // Plugins register enhancers here: window.COP.enhance(selector, fn).
  var enhancers = [];
  window.COP = {
    enhance: function (selector, fn) {
      // Run once: now if the page is parsed, else when it is.
      if (document.readyState === "loading") enhancers.push([selector, fn]);
      else document.querySelectorAll(selector).forEach(fn);
    },
  };
  document.addEventListener("DOMContentLoaded", function () {
    enhancers.forEach(function (pair) { document.querySelectorAll(pair[0]).forEach(pair[1]); });
  });
})();
