// hookd control panel: small enhancements. Every page works without this.
(function () {
  "use strict";

  // "Select all" in a hook group ticks its boxes here instead of a round trip.
  document.querySelectorAll("[data-select-all]").forEach(function (btn) {
    var group = btn.closest("[data-group]");
    if (!group) return;
    var boxes = group.querySelectorAll('input[type=checkbox][name=hooks]');
    var label = btn.firstChild; // the visible text node
    function refresh() {
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      label.nodeValue = all ? "Clear all" : "Select all";
    }
    btn.addEventListener("click", function (e) {
      e.preventDefault();
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      boxes.forEach(function (b) { b.checked = !all; });
      refresh();
    });
    boxes.forEach(function (b) { b.addEventListener("change", refresh); });
  });

  // Copy buttons, shown only when the script runs.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    var input = document.getElementById(btn.getAttribute("data-copy"));
    if (!input) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      function done() {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 2000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
        try { document.execCommand("copy"); done(); } catch (err) { /* the text stays selected */ }
      }
    });
  });

  // "Send test" without holding the page: post in the background, then ask
  // for the result until the receiver has answered, and show it in place.
  document.querySelectorAll("form[data-send-test]").forEach(function (form) {
    var out = document.getElementById("test");
    var button = form.querySelector("button[type=submit]");
    if (!out || !window.fetch) return;
    function show(status, text) {
      out.textContent = "";
      var box = document.createElement("div");
      box.className = "result result-" + status;
      var p = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = "Test: ";
      p.appendChild(strong);
      p.appendChild(document.createTextNode(text));
      box.appendChild(p);
      out.appendChild(box);
    }
    function poll(url, tries) {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (d.done || tries > 120) {
            show(d.status || "failed", d.text || d.error);
            button.disabled = false;
            // Focus the result unless the person has moved on meanwhile.
            var at = document.activeElement;
            if (!at || at === document.body || at === button) out.focus();
            return;
          }
          setTimeout(function () { poll(url, tries + 1); }, 500);
        })
        .catch(function () { show("failed", "The result could not be read; reload the page to see it."); button.disabled = false; });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      button.disabled = true;
      show("pending", "Sending… you can go on working; the result appears here.");
      fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
        .then(function (res) {
          if (!res.ok || !res.d.id) { show("failed", res.d.error || "The test was not sent."); button.disabled = false; return; }
          poll(form.action + "/" + encodeURIComponent(res.d.id), 0);
        })
        .catch(function () { form.submit(); });
    });
  });

  // After an action, move focus to its message, or after an invalid form to
  // the summary of its errors, so that it is read out and seen first.
  var focus = document.querySelector(".form-error[tabindex], .flash[tabindex], #test .result");
  if (focus) {
    if (focus.closest("#test")) focus = document.getElementById("test");
    focus.focus();
  }
})();
