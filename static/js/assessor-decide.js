/* The assessor's evidence review, decision, feedback and report pages. No inline scripts (CSP):
 * behaviour is attached through data- attributes. */
(function () {
  "use strict";

  // A stale form answers 409 Conflict with the card showing the saved version beside what the
  // assessor typed: swap it in like a success instead of reporting an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // <button data-phrase="..." data-phrase-target="textarea-id"> inserts the phrase at the
  // cursor (or at the end) and selects the "..." placeholder so that typing replaces it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-phrase-target]");
    if (!button) {
      return;
    }
    var area = document.getElementById(button.getAttribute("data-phrase-target"));
    if (!area) {
      return;
    }
    var phrase = button.getAttribute("data-phrase") || "";
    var start = typeof area.selectionStart === "number" ? area.selectionStart : area.value.length;
    var end = typeof area.selectionEnd === "number" ? area.selectionEnd : area.value.length;
    if (!area.hasAttribute("data-cursor-set")) {
      start = end = area.value.length;  // never focused: its cursor is at 0, append instead
    }
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var separator = before && !/\s$/.test(before) ? " " : "";
    area.value = before + separator + phrase + after;
    var offset = before.length + separator.length;
    var placeholder = phrase.indexOf("...");
    area.focus();
    if (placeholder >= 0) {
      area.setSelectionRange(offset + placeholder, offset + placeholder + 3);
    } else {
      area.setSelectionRange(offset + phrase.length, offset + phrase.length);
    }
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.tagName === "TEXTAREA") {
      event.target.setAttribute("data-cursor-set", "");
    }
  });

  // <button data-confirm-button="Question?"> asks before submitting its form with that button.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm-button]");
    if (button && !window.confirm(button.getAttribute("data-confirm-button"))) {
      event.preventDefault();
    }
  });
})();
