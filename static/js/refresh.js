// Reloads a page that shows work in progress (data-refresh="<seconds>") until the work is done. Once the user
// has turned to a form in the page's content (clicked or focused it, chosen a file, typed), the page is left
// alone: a reload would lose what they chose.
(function () {
  var marked = document.querySelector("[data-refresh]");
  if (!marked) { return; }
  var seconds = parseInt(marked.getAttribute("data-refresh"), 10) || 3;
  var touched = false;
  ["focusin", "click", "input", "change", "submit"].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      if (event.target && event.target.closest && event.target.closest("main form")) { touched = true; }
    }, true);
  });
  setTimeout(function () {
    if (!touched) { window.location.reload(); }
  }, seconds * 1000);
})();
