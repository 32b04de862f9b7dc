// Reloads a page that shows work in progress (data-refresh="<seconds>") until the work is done. Once the user
// has turned to a form in the page's content (clicked or focused it, chosen a file, typed), the page is left
// alone: a reload would lose what they chose. A form changed before this script ran (a file chosen while the page
// was still loading) counts too: it is looked at again just before the reload.
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
  function changed(field) {
    if (field.type === "file") { return field.files && field.files.length > 0; }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    if (field.options) {  // without a "selected" option the first one is shown
      var shown = 0;
      Array.prototype.forEach.call(field.options, function (option, index) { if (option.defaultSelected) { shown = index; } });
      return field.selectedIndex !== shown;
    }
    return "defaultValue" in field && field.type !== "hidden" && field.value !== field.defaultValue;
  }
  setTimeout(function () {
    var fields = document.querySelectorAll("main form input, main form select, main form textarea");
    if (!touched && !Array.prototype.some.call(fields, changed)) { window.location.reload(); }
  }, seconds * 1000);
})();
