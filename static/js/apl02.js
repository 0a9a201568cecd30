/* FR.APL.02: with htmx each element saves itself when an answer or an evidence box changes, so
 * the per-element Save buttons (needed without JS) are hidden; the "Saving…" indicator and the
 * "Saved" mark replace them. */
(function () {
  "use strict";

  function hideSaveButtons(root) {
    root.querySelectorAll("[data-apl02-save]").forEach(function (button) {
      button.hidden = true;
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(hideSaveButtons);
  }
})();
