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

  // After "Send test", move focus to the result so it is announced.
  var result = document.querySelector(".result[tabindex]");
  if (result) result.focus();
})();
