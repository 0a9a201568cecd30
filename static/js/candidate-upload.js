/* Upload forms: refuse a file that is over the size limit as soon as it is chosen, before a
 * phone spends its data sending it (the server refuses it anyway). The limit and message come
 * from the input's data-max-bytes and data-too-large; MP4 has the larger video limit on the
 * evidence form, which the server states in data-max-bytes already. */
(function () {
  "use strict";

  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var file = input.files && input.files[0];
    var message = "";
    if (file && max && file.size > max) {
      message = input.getAttribute("data-too-large") || "The file is too large.";
    }
    input.setCustomValidity(message);
    var feedback = input.parentNode.querySelector("[data-size-feedback]");
    if (!feedback) {
      feedback = document.createElement("div");
      feedback.className = "invalid-feedback";
      feedback.setAttribute("data-size-feedback", "");
      feedback.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", feedback);
    }
    feedback.textContent = message;
    feedback.classList.toggle("d-block", Boolean(message));
    input.classList.toggle("is-invalid", Boolean(message));
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "file" && input.hasAttribute("data-max-bytes")) {
      check(input);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload-form")) {
      return;
    }
    var bad = form.querySelector("input[type=file]:invalid");
    if (bad) {
      event.preventDefault();
      bad.focus();
      return;
    }
    // One click is enough: a slow phone upload must not be sent twice.
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  });
})();
