// Photos in the newsroom, on top of forms that work without it:
// - the upload form takes a photo dropped on it (the same multipart POST as the file input);
// - on a photo's page, a click on the photo sets the focal point fields.
(function () {
  "use strict";
  var form = document.querySelector("form[data-dropzone]");
  if (form) {
    var input = form.querySelector("input[type=file]");
    var hint = form.querySelector(".photo-drop-hint");
    if (hint) hint.hidden = false;
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("photo-upload--over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function () { form.classList.remove("photo-upload--over"); });
    });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length || !input) return;
      input.files = e.dataTransfer.files;
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }
  var img = document.getElementById("photo-preview");
  var fx = document.getElementById("f-focal_x");
  var fy = document.getElementById("f-focal_y");
  if (img && fx && fy) {
    img.style.cursor = "crosshair";
    img.addEventListener("click", function (e) {
      var r = img.getBoundingClientRect();
      fx.value = (Math.round((e.clientX - r.left) / r.width * 1000) / 10).toString();
      fy.value = (Math.round((e.clientY - r.top) / r.height * 1000) / 10).toString();
      fx.dispatchEvent(new Event("change"));
    });
  }
})();
