/* The assessor's event pages: "select all" for attendance and "no relationship with any of
 * them" for the impartiality declaration. Progressive enhancement: the controls are hidden in
 * the HTML and shown here, so without JavaScript the pages work one field at a time. */
(function () {
  "use strict";

  // <input type="checkbox" data-select-all="present"> ticks every enabled checkbox named
  // "present" of the same form.
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    var name = master.getAttribute("data-select-all");
    var formId = master.getAttribute("form");
    var boxes = function () {
      return Array.prototype.filter.call(
        document.querySelectorAll('input[type="checkbox"][name="' + name + '"]'),
        function (box) { return !box.disabled && (!formId || box.getAttribute("form") === formId); }
      );
    };
    if (!boxes().length) { return; }
    master.hidden = false;
    master.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = master.checked; });
    });
    document.addEventListener("change", function (event) {
      if (event.target.name !== name) { return; }
      var all = boxes();
      var ticked = all.filter(function (box) { return box.checked; }).length;
      master.checked = ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    });
  });

  // <button data-set-all="none" data-target="#form"> sets every still-unchosen select of the
  // form to that value: an explicit action by the assessor, never a default.
  document.querySelectorAll("[data-set-all]").forEach(function (button) {
    var form = document.querySelector(button.getAttribute("data-target"));
    if (!form) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-set-all");
      form.querySelectorAll("select").forEach(function (select) {
        if (!select.value) { select.value = value; }
      });
    });
  });
})();
