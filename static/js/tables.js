// A table's scroll region is a Tab stop only while it scrolls sideways (its arrow keys then move the table); where
// the whole table shows, Tab goes straight to the table's links. Without JavaScript every region stays a Tab stop.
(function () {
  var regions = document.querySelectorAll(".table-scroll[tabindex]");
  function update() {
    regions.forEach(function (region) {
      if (region.scrollWidth > region.clientWidth || region === document.activeElement) {
        region.setAttribute("tabindex", "0");
      } else {
        region.removeAttribute("tabindex");
      }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
