// Shows the transfer of a package upload in a progress bar. Without JavaScript the form posts as usual.
(function () {
  var form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files || !input.files.length) { return; }  // the server explains what is missing
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    bar.hidden = false;
    status.textContent = "Übertragung beginnt …";
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) { return; }
      var percent = Math.floor((progress.loaded / progress.total) * 100);
      bar.value = percent;
      status.textContent = percent + " % übertragen";
    });
    request.addEventListener("load", function () {
      status.textContent = "Übertragen. Die Seite wird geladen …";
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.assign(request.responseURL);
      } else {
        document.open();
        document.write(request.responseText);  // the form with its error messages, as without JavaScript
        document.close();
      }
    });
    request.addEventListener("error", function () {
      status.textContent = "Die Übertragung ist abgebrochen. Bitte versuchen Sie es erneut.";
    });
    request.send(new FormData(form));
  });
})();
