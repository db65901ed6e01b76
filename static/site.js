// Progressive enhancement only: the pages are fully readable without it.
(function () {
  "use strict";
  // Keep the reader's place when switching language: carry the current section anchor.
  function currentSection() {
    if (location.hash) return location.hash.slice(1);
    var secs = document.querySelectorAll("[data-section], .par-row[id]");
    var best = null;
    for (var i = 0; i < secs.length; i++) {
      var r = secs[i].getBoundingClientRect();
      if (r.top <= 120) best = secs[i].id; else break;
    }
    return best;
  }
  function updateSwitch() {
    var links = document.querySelectorAll("[data-lang-switch]");
    var id = currentSection();
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      var base = a.getAttribute("href").split("#")[0];
      a.setAttribute("href", id ? base + "#" + id : base);
    }
  }
  window.addEventListener("hashchange", updateSwitch);
  window.addEventListener("scroll", function () {
    if (!updateSwitch.pending) {
      updateSwitch.pending = true;
      window.requestAnimationFrame(function () { updateSwitch.pending = false; updateSwitch(); });
    }
  }, { passive: true });
  document.addEventListener("DOMContentLoaded", updateSwitch);
})();
