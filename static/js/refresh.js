// Reloads a page that shows work in progress (data-refresh="<seconds>") until the work is done.
(function () {
  var marked = document.querySelector("[data-refresh]");
  if (!marked) { return; }
  var seconds = parseInt(marked.getAttribute("data-refresh"), 10) || 3;
  setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
