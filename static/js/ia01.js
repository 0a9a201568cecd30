/* FR.IA.01 observation checklist (templates/assessments/assessor/observe.html).
 *
 * Each KUK row is a form that htmx posts on every change (hx-sync queues a second change of the
 * same row behind the first). This script adds what htmx does not:
 *  - a TUK connection is poor: an answer that could not be sent (network error, gateway error)
 *    is kept in localStorage under kompeten.ia01.<assessment>.<criterion>, the row shows a
 *    "Not sent yet" badge, and it is sent again on the `online` event, every 20 s and when the
 *    page is opened again; it is forgotten once the server has answered for that row;
 *  - a change made while the row was saving is not overwritten by the response: the row keeps
 *    what is on screen, takes the new version, and the queued save sends it;
 *  - a conflict (409) or a refusal (400/403) replaces the row, which then says what happened
 *    (htmx would otherwise treat it as an error and leave the row as it was); a response
 *    that is not a row (the login page after the session ended) keeps the answer as unsent;
 *  - keyboard: j / ArrowDown next row, k / ArrowUp previous, y Ya and t Tidak (then the next
 *    row), n the note, Escape back to the row, ? the help.
 * No inline script: everything comes from data- attributes.
 */
(function () {
  "use strict";

  var list = document.querySelector("[data-ia01-list]");
  if (!list) {
    return;
  }
  var PREFIX = "kompeten.ia01." + list.getAttribute("data-assessment") + ".";
  var RETRY_MS = 20000;
  // Statuses after which the answer is kept and sent again: the request never reached the app
  // (0), or a proxy / the app could not handle it now. A 4xx is the app's answer: not retried.
  var RETRY_STATUSES = [0, 408, 429, 500, 502, 503, 504];
  var CURRENT_CLASSES = ["bg-primary-subtle", "ia01-current"];

  // Storage: private browsing or a full quota must not break saving.
  function load(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key));
    } catch (e) {
      return null;
    }
  }
  function keep(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* nothing more we can do: the badge still shows it is unsent */ }
  }
  function forget(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) { /* ignore */ }
  }

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll("[data-ia01-row]"));
  }
  function rowOf(element) {
    var row = element && element.closest ? element.closest("[data-ia01-row]") : null;
    return row && list.contains(row) ? row : null;
  }
  function formOf(row) {
    return row.querySelector("form[data-ia01-form]");
  }
  function keyOf(row) {
    return PREFIX + row.getAttribute("data-criterion");
  }

  // What a form holds: the main row form (radios) or the conflict form (hidden inputs).
  function valuesOf(form) {
    var achieved = form.querySelector(
      "input[name=achieved]:checked, input[type=hidden][name=achieved]");
    var note = form.querySelector("[name=note]");
    var version = form.querySelector("[name=version]");
    return {
      achieved: achieved ? achieved.value : "",
      note: note ? note.value : "",
      version: version ? version.value : "0"
    };
  }
  function fill(form, values) {
    form.querySelectorAll("input[name=achieved]").forEach(function (radio) {
      radio.checked = radio.value === values.achieved;
    });
    form.querySelector("[name=note]").value = values.note;
    form.querySelector("[name=version]").value = values.version;
  }

  // Unsent answers -----------------------------------------------------------------------------

  function showUnsent(row, unsent) {
    var badge = row.querySelector("[data-ia01-unsent]");
    if (badge) {
      badge.hidden = !unsent;
    }
    row.toggleAttribute("data-ia01-pending", unsent);
    var count = list.querySelectorAll("[data-ia01-pending]").length;
    var summary = document.querySelector("[data-ia01-unsent-summary]");
    if (summary) {
      summary.hidden = count === 0;
      var number = summary.querySelector("[data-ia01-unsent-count]");
      if (number) {
        number.textContent = String(count);
      }
    }
  }

  function keepUnsent(event) {
    var detail = event.detail || {};
    var form = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    var row = rowOf(form);
    if (!row) {
      return;
    }
    // Keep what the assessor wants now: the row's current inputs (they may have changed since
    // the request left), or the conflict form's answer when that is what failed.
    var values = valuesOf(form);
    values.savedAt = new Date().toISOString();
    keep(keyOf(row), values);
    showUnsent(row, true);
  }

  function resend() {
    if (navigator.onLine === false || !window.htmx) {
      return;
    }
    rows().forEach(function (row) {
      var values = load(keyOf(row));
      var form = formOf(row);
      if (!values || !form || !form.hasAttribute("hx-post")) {
        return;
      }
      if (form.classList.contains("htmx-request")) {
        return; // on its way already
      }
      fill(form, values);
      window.htmx.trigger(form, "change");
    });
  }

  list.addEventListener("htmx:sendError", keepUnsent);
  list.addEventListener("htmx:timeout", keepUnsent);
  list.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && RETRY_STATUSES.indexOf(xhr.status) !== -1 && rowOf(event.detail.elt)) {
      keepUnsent(event);
      // The row's badge and the summary say it; no alert per row (kompeten.js listens above).
      event.stopPropagation();
    }
  });

  // Responses ----------------------------------------------------------------------------------

  // After signing in again (in another tab) Django has rotated the CSRF token: send the current
  // one from the cookie, not the one this page was rendered with, so that kept answers go out.
  var CSRF_COOKIE = list.getAttribute("data-csrf-cookie") || "csrftoken";

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + CSRF_COOKIE + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  list.addEventListener("htmx:configRequest", function (event) {
    var row = rowOf(event.detail.elt);
    if (!row) {
      return;
    }
    row.ia01Sent = valuesOf(event.detail.elt); // the form that sends
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
      event.detail.parameters.csrfmiddlewaretoken = token;
    }
  });

  var newerAnswers = {};

  function offerNewerAnswer(row) {
    var mine = newerAnswers[row.id];
    var box = row.querySelector("[data-ia01-conflict]");
    delete newerAnswers[row.id];
    if (!mine || !box) {
      return;
    }
    var form = box.querySelector("form");
    if (form) {
      form.querySelector("[name=achieved]").value = mine.achieved;
      form.querySelector("[name=note]").value = mine.note;
    }
    box.querySelector("[data-ia01-mine]").textContent =
      box.getAttribute("data-label-" + (mine.achieved || "none"));
    box.querySelector("[data-ia01-mine-note]").textContent =
      mine.note ? ": \u201c" + mine.note + "\u201d" : "";
  }

  list.addEventListener("htmx:beforeSwap", function (event) {
    var row = rowOf(event.detail.target);
    var xhr = event.detail.xhr;
    if (!row || !xhr || [200, 400, 403, 409].indexOf(xhr.status) === -1) {
      return;
    }
    var fresh = new DOMParser()
      .parseFromString(event.detail.serverResponse, "text/html")
      .getElementById(row.id);
    var signedOut = document.querySelector("[data-ia01-signed-out]");
    if (!fresh) {
      // Not a row: the login page (the session ended) or a refused CSRF token. Nothing was
      // saved, so the answer is kept and sent again once the assessor has signed in again.
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      keepUnsent(event);
      if (signedOut) {
        signedOut.hidden = false;
      }
      return;
    }
    if (signedOut) {
      signedOut.hidden = true;
    }
    forget(keyOf(row));
    showUnsent(row, false);
    var form = formOf(row);
    var now = form ? valuesOf(form) : null;
    var sent = row.ia01Sent;
    var changed = sent && now && (sent.achieved !== now.achieved || sent.note !== now.note);
    if (xhr.status !== 200) {
      // The server answered: the row shows the stored answer, what was not saved and why.
      // If the assessor changed the row while it was on its way, that newer answer is the
      // one the conflict offers to keep (the queued save dies with the replaced row).
      if (xhr.status === 409 && changed) {
        newerAnswers[row.id] = now;
      }
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    var version = fresh.querySelector("form[data-ia01-form] [name=version]");
    if (changed && version) {
      // Changed while saving: keep the screen, take the new version; the queued save (or the
      // note's change event when it loses focus) sends the newer answer against it.
      form.querySelector("[name=version]").value = version.value;
      event.detail.shouldSwap = false;
    }
  });

  // Counters from the rows on screen: each save's response carries counts too, but responses
  // for different rows may arrive out of order and the last one is not always the newest.
  function setCount(box, observed, total) {
    box.querySelector("[data-ia01-observed]").textContent = String(observed);
    box.querySelector("[data-ia01-total]").textContent = String(total);
  }

  function recount() {
    var observed = 0;
    var total = 0;
    list.querySelectorAll("[data-ia01-unit]").forEach(function (unit) {
      var unitRows = unit.querySelectorAll("[data-ia01-row]");
      var done = unit.querySelectorAll("[data-ia01-row]:not([data-answer=''])").length;
      var badge = unit.querySelector("[data-ia01-unit-count]");
      if (badge) {
        setCount(badge, done, unitRows.length);
        var complete = done === unitRows.length;
        badge.classList.toggle("text-bg-success", complete);
        badge.classList.toggle("text-bg-light", !complete);
        badge.classList.toggle("border", !complete);
      }
      observed += done;
      total += unitRows.length;
    });
    var progress = document.getElementById("ia01-progress");
    if (!progress || !total) {
      return;
    }
    setCount(progress, observed, total);
    progress.setAttribute("data-observed", String(observed));
    progress.querySelector("[data-ia01-percent]").textContent =
      String(Math.round(100 * observed / total));
    var bar = progress.querySelector("progress");
    bar.max = total;
    bar.value = observed;
  }

  // Rows that arrive (page load, swaps): hide the no-JS Save buttons, show kept answers.
  function prepare(root) {
    root.querySelectorAll("[data-ia01-save]").forEach(function (button) {
      button.hidden = true;
    });
    var found = root.matches && root.matches("[data-ia01-row]") ? [root] : [];
    found = found.concat(Array.prototype.slice.call(root.querySelectorAll("[data-ia01-row]")));
    found.forEach(function (row) {
      if (!rowOf(row)) {
        return;
      }
      var values = load(keyOf(row));
      var form = formOf(row);
      if (values && form && form.hasAttribute("hx-post")) {
        fill(form, values);
        showUnsent(row, true);
      } else {
        showUnsent(row, false);
      }
      offerNewerAnswer(row);
      if (document.activeElement && row.contains(document.activeElement)) {
        markCurrent(row);
      }
    });
    recount();
  }

  // Keyboard -----------------------------------------------------------------------------------

  var current = null;

  function markCurrent(row) {
    if (current && current !== row) {
      CURRENT_CLASSES.forEach(function (c) { current.classList.remove(c); });
    }
    current = row;
    if (row && !row.querySelector("[data-ia01-conflict]")) {
      CURRENT_CLASSES.forEach(function (c) { row.classList.add(c); });
    }
  }

  list.addEventListener("focusin", function (event) {
    markCurrent(rowOf(event.target));
  });

  function focusRow(row) {
    if (!row) {
      return;
    }
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });
  }

  function move(row, step) {
    var all = rows();
    if (!all.length) {
      return;
    }
    if (!row) {
      var open = all.filter(function (r) { return !r.getAttribute("data-answer"); });
      focusRow(open[0] || all[0]);
      return;
    }
    var index = all.indexOf(row) + step;
    focusRow(all[Math.max(0, Math.min(all.length - 1, index))]);
  }

  function answer(row, value) {
    var radio = row.querySelector("input[name=achieved][value=" + value + "]");
    if (!radio || radio.disabled) {
      return false;
    }
    if (!radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    move(row, 1);
    return true;
  }

  function isTyping(element) {
    if (!element || !element.tagName) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && ["radio", "checkbox", "button", "submit", "hidden"]
      .indexOf(element.type) === -1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    var row = rowOf(target);
    if (isTyping(target)) {
      if (event.key === "Escape" && row) {
        event.preventDefault();
        focusRow(row); // leaving the note fires its change: the note is saved
      }
      return;
    }
    var handled = true;
    switch (event.key) {
      case "j":
      case "ArrowDown":
        if (event.key === "ArrowDown" && !row) {
          return; // arrows scroll the page as usual outside the checklist
        }
        move(row, 1);
        break;
      case "k":
      case "ArrowUp":
        if (event.key === "ArrowUp" && !row) {
          return;
        }
        move(row, -1);
        break;
      case "y":
      case "Y":
        handled = row ? answer(row, "ya") : false;
        break;
      case "t":
      case "T":
        handled = row ? answer(row, "tidak") : false;
        break;
      case "n":
      case "N":
        var note = row && row.querySelector("textarea[name=note]");
        handled = Boolean(note) && !note.readOnly;
        if (handled) {
          note.focus();
        }
        break;
      case "?":
        var help = document.querySelector("[data-ia01-help]");
        handled = Boolean(help);
        if (help) {
          help.open = !help.open;
        }
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });

  // Start ----------------------------------------------------------------------------------------

  var started = false;
  function start(root) {
    prepare(root);
    if (!started) {
      // htmx calls this once it has wired the page: only then can a kept answer be resent.
      started = true;
      window.setTimeout(resend, 0);
    }
  }

  if (window.htmx) {
    window.htmx.onLoad(start);
  } else {
    prepare(document);
  }
  window.addEventListener("online", resend);
  window.setInterval(resend, RETRY_MS);
})();
