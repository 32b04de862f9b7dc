// Code suggestions for ICD-10, ICD-O and ATC fields: a datalist filled from /codes/<list>/?q=…
// Only an aid: the fields work the same without JavaScript, and the server checks every value.
(function () {
  var counter = 0;
  document.querySelectorAll("input[data-codes]").forEach(function (input) {
    var name = input.getAttribute("data-codes");
    if (!name) { return; }
    var list = document.createElement("datalist");
    list.id = "codes-" + (++counter);
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { return; }
      timer = setTimeout(function () {
        fetch("/codes/" + encodeURIComponent(name) + "/?q=" + encodeURIComponent(query), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : {codes: []}; })
          .then(function (data) {
            list.replaceChildren();
            data.codes.forEach(function (entry) {
              var option = document.createElement("option");
              option.value = entry.code;
              option.label = entry.code + " – " + entry.name;
              list.appendChild(option);
            });
          });
      }, 200);
    });
  });
})();
