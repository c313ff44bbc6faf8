// The case sheet's print button (no inline handlers under the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("sheet-print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
