// Shows a page's print button (Eingangsbestätigung, Prüfbericht); without JavaScript the page names the shortcut
// instead.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
