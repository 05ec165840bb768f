// Comment forms: a live count of the characters left. The forms work without it (the limit is
// written under each box and enforced by the server); this only shows it as the reader types.
"use strict";
document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
  var max = parseInt(box.getAttribute("maxlength"), 10);
  var out = document.createElement("p");
  out.className = "field-hint comment-counter";
  out.setAttribute("aria-live", "polite");
  box.insertAdjacentElement("afterend", out);
  function update() {
    // Count characters as the server does (code points, not UTF-16 units).
    var left = max - Array.from(box.value.trim()).length;
    out.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
    out.classList.toggle("field-error", left < 0);
  }
  box.addEventListener("input", update);
  update();
});
