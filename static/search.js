// Search page: queries the Pagefind index of this page's language and merges the other
// language's index, so one search finds pages in Chinese and in English. Chinese queries are
// cut into words in the browser the same way the index was (see docs/search.md).
(function () {
  "use strict";
  var form = document.querySelector("form[data-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector(".search-status");
  var list = document.querySelector(".search-results");
  var pagefind = null;
  var ready = null;
  var seq = 0;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function bundleUrl(attr) { return new URL(form.getAttribute(attr), location.href); }

  function init() {
    if (ready) return ready;
    var primary = bundleUrl("data-bundle");
    var other = bundleUrl("data-bundle-other");
    var base = new URL(document.documentElement.getAttribute("data-root") || "./", location.href).pathname;
    ready = import(primary.href).then(function (pf) {
      pagefind = pf;
      return pf.options({ baseUrl: base, excerptLength: 24 });
    }).then(function () {
      var dir = other.pathname.replace(/[^/]*$/, "");
      return pagefind.mergeIndex(dir, { language: form.getAttribute("data-lang-other"), baseUrl: base });
    });
    return ready;
  }

  // Excerpts come from Pagefind with <mark> around the matched words; rebuild them as DOM nodes
  // so that no markup from the index is ever parsed as HTML.
  function excerptNode(text) {
    var p = document.createElement("p");
    p.className = "result-excerpt";
    var parts = String(text || "").split(/(<mark>|<\/mark>)/);
    var inMark = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { inMark = true; return; }
      if (part === "</mark>") { inMark = false; return; }
      var t = document.createTextNode(decode(part));
      if (inMark) { var m = document.createElement("mark"); m.appendChild(t); p.appendChild(m); }
      else p.appendChild(t);
    });
    return p;
  }
  function decode(s) {
    return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  }
  function langOf(url) {
    var rel = url.indexOf(initBase()) === 0 ? url.slice(initBase().length) : url.replace(/^\//, "");
    return rel.slice(0, 3) === "zh/" ? "zh" : "en";
  }
  function initBase() { return new URL(document.documentElement.getAttribute("data-root") || "./", location.href).pathname; }

  var PAGE = 20;
  var more = null;  // the "more results" button

  function render(results, total, append) {
    if (!append) list.textContent = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var l = langOf(r.url);
      li.setAttribute("lang", l);
      var a = document.createElement("a");
      a.className = "result-title";
      a.href = r.url;
      a.textContent = (r.meta && r.meta.title) || r.url;
      li.appendChild(a);
      var tag = document.createElement("span");
      tag.className = "tag result-lang";
      tag.textContent = form.getAttribute("data-label-" + l);
      li.appendChild(tag);
      li.appendChild(excerptNode(r.excerpt));
      list.appendChild(li);
    });
    var n = total;
    status.textContent = n === 0 ? msg("none") : n === 1 ? msg("one") : msg("count").replace("{n}", n);
  }

  function showMore(search, from, mine) {
    if (more) { more.remove(); more = null; }
    var slice = search.results.slice(from, from + PAGE);
    return Promise.all(slice.map(function (r) { return r.data(); })).then(function (results) {
      if (mine !== seq) return;
      render(results, search.results.length, from > 0);
      if (from + PAGE < search.results.length) {
        more = document.createElement("button");
        more.type = "button";
        more.className = "button button-quiet search-more";
        more.textContent = msg("more");
        more.addEventListener("click", function () {
          var focusIndex = from + PAGE;
          showMore(search, from + PAGE, mine).then(function () {
            var links = list.querySelectorAll("a.result-title");
            if (links[focusIndex]) links[focusIndex].focus();
          });
        });
        list.parentNode.insertBefore(more, list.nextSibling);
      }
    });
  }

  function run(query) {
    var mine = ++seq;
    query = query.trim();
    if (!query) {
      list.textContent = ""; status.textContent = "";
      if (more) { more.remove(); more = null; }
      return;
    }
    status.textContent = msg("loading");
    init().then(function () { return pagefind.search(query); })
      .then(function (search) {
        if (mine !== seq) return;
        return showMore(search || { results: [] }, 0, mine);
      })
      .catch(function () { if (mine === seq) status.textContent = msg("error"); });
  }

  if (form.getAttribute("data-available") !== "yes") return;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    var url = new URL(location.href);
    url.searchParams.set("q", q);
    history.replaceState(null, "", url.href);
    run(q);
  });
  var initial = new URL(location.href).searchParams.get("q");
  if (initial) { input.value = initial; run(initial); }
})();
