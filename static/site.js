// Progressive enhancement only: every page is fully readable without it.
(function () {
  "use strict";

  // Language switch: keep the reader's place by carrying the current section anchor.
  function currentSection() {
    var secs = document.querySelectorAll("[data-section]");
    if (location.hash) {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = document.getElementById(id);
      if (target && target.hasAttribute("data-section")) {
        var r = target.getBoundingClientRect();
        if (r.bottom > 0 && r.top < window.innerHeight) return id;
      }
    }
    // The section being read: the last one that starts above the top third of what is visible below the header.
    var header = document.querySelector(".site-header");
    var line = (header ? header.getBoundingClientRect().bottom : 0) + Math.min(120, window.innerHeight / 4);
    var best = null;
    for (var i = 0; i < secs.length; i++) {
      var rect = secs[i].getBoundingClientRect();
      if (rect.height === 0) continue;
      if (rect.top <= line) best = secs[i].id; else break;
    }
    return best;
  }
  function updateSwitch() {
    var links = document.querySelectorAll("[data-lang-switch]");
    // A scroll while the switch itself has focus was caused by reaching it, not by reading: keep the place.
    if (document.activeElement && document.activeElement.hasAttribute("data-lang-switch")) return;
    var id = currentSection();
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      var base = a.getAttribute("href").split("#")[0];
      a.setAttribute("href", id ? base + "#" + encodeURIComponent(id) : base);
    }
  }
  var pending = false;
  function onScroll() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; updateSwitch(); });
  }

  // Parallel view: show both languages, or only one (the page itself shows both without JS).
  function setupParallel() {
    var art = document.querySelector("[data-parallel]");
    var grid = art && art.querySelector(".par-grid");
    if (!grid) return;
    var tools = document.createElement("div");
    tools.className = "par-tools";
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", art.getAttribute("data-label-group"));
    var label = document.createElement("span");
    label.textContent = art.getAttribute("data-label-group");
    label.setAttribute("aria-hidden", "true");
    tools.appendChild(label);
    var buttons = [];
    ["both", "zh", "en"].forEach(function (mode) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = art.getAttribute("data-label-" + mode);
      b.setAttribute("data-show", mode);
      b.setAttribute("aria-pressed", mode === "both" ? "true" : "false");
      b.addEventListener("click", function () {
        grid.setAttribute("data-show", mode);
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
      });
      buttons.push(b);
      tools.appendChild(b);
    });
    grid.parentNode.insertBefore(tools, grid);
  }

  function init() {
    setupParallel();
    updateSwitch();
    window.addEventListener("hashchange", updateSwitch);
    window.addEventListener("scroll", onScroll, { passive: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
