/* The application's step navigation scrolls sideways on a phone: bring the current step into
 * view so the candidate sees where they are. */
(function () {
  "use strict";
  var current = document.querySelector("[data-steps] [aria-current=step]");
  if (current && current.scrollIntoView) {
    current.scrollIntoView({block: "nearest", inline: "center"});
  }
})();
