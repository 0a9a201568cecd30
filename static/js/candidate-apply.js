/* Application form (FR.APL.01): show "earlier certification" only for Sertifikasi Ulang and
 * "other purpose" only for Lainnya. Without JS both stay visible with their help text. */
(function () {
  "use strict";

  function update(container) {
    var checked = container.querySelector("input[name$='purpose']:checked");
    var purpose = checked ? checked.value : "";
    container.querySelectorAll("[data-purpose-only]").forEach(function (block) {
      var show = block.getAttribute("data-purpose-only") === purpose;
      // A block holding an error stays visible so the message is never hidden.
      var hasError = block.querySelector(".is-invalid, .invalid-feedback") !== null;
      block.hidden = !(show || hasError);
    });
  }

  document.querySelectorAll("[data-purpose-toggle]").forEach(function (container) {
    container.addEventListener("change", function (event) {
      if (event.target.name && /purpose$/.test(event.target.name)) {
        update(container);
      }
    });
    update(container);
  });
})();
