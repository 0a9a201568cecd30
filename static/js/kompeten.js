/* Kompeten's own script. No inline scripts anywhere (a strict Content-Security-Policy comes
 * later): behaviour is attached here through data- attributes. */
(function () {
  "use strict";

  // <form data-confirm="Are you sure?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A failed htmx request shows a visible alert instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.querySelector(".messages");
    if (!box) {
      box = document.createElement("div");
      box.className = "messages";
      box.setAttribute("aria-live", "polite");
      var container = document.querySelector("main .container") || document.body;
      container.insertBefore(box, container.firstChild);
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : "";
    alert.textContent = (document.body.getAttribute("data-error-text") || "Something went wrong.") +
      (status ? " (" + status + ")" : "");
    box.appendChild(alert);
  });

  // <div data-width-percent="40">: widths set through the CSSOM, which the Content-Security-
  // Policy allows (style="" attributes would need 'unsafe-inline'). htmx:load fires for the
  // page and for every swapped fragment (the batch progress bar polls itself).
  document.addEventListener("htmx:load", function (event) {
    var root = event.target || document;
    var nodes = root.querySelectorAll ? root.querySelectorAll("[data-width-percent]") : [];
    Array.prototype.forEach.call(nodes, function (node) {
      node.style.width = node.getAttribute("data-width-percent") + "%";
    });
  });
})();
