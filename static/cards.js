// Entity hover/focus cards. Entity links (<a class="ent" data-entity="id">) work as plain links
// without JavaScript; with it, hovering or focusing one shows a card with the Chinese and English
// names, the pinyin and a one-line summary, loaded once from {lang}/entities/cards.json.
(function () {
  "use strict";
  var CARD_ID = "ent-card";
  var cards = null;      // id -> card data, once loaded
  var loading = null;    // the pending fetch
  var card = null;       // the tooltip element
  var current = null;    // the link the card belongs to
  var hideTimer = null;

  function root() { return document.documentElement.getAttribute("data-root") || "./"; }
  function lang() { return document.documentElement.getAttribute("lang") || "en"; }
  function labels() {
    try { return JSON.parse(document.body.getAttribute("data-card-labels") || "{}"); } catch (e) { return {}; }
  }

  function load() {
    if (cards) return Promise.resolve(cards);
    if (!loading) {
      var url = new URL(root() + lang() + "/entities/cards.json", location.href);
      loading = fetch(url.href, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { cards = data || {}; return cards; })
        .catch(function () { cards = {}; return cards; });
    }
    return loading;
  }

  function el(tag, cls, text, langAttr) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    if (langAttr) e.setAttribute("lang", langAttr);
    return e;
  }

  function ensureCard() {
    if (card) return card;
    card = el("div", "ent-card");
    card.id = CARD_ID;
    card.setAttribute("role", "tooltip");
    card.hidden = true;
    card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    card.addEventListener("mouseleave", function () { scheduleHide(); });
    // Inside <main>, so that the card, like all content, sits in a landmark.
    (document.querySelector("main") || document.body).appendChild(card);
    return card;
  }

  function fill(data) {
    var L = labels();
    var c = ensureCard();
    c.textContent = "";
    var names = el("p", "ent-card-names");
    names.appendChild(el("span", "", data.zh, "zh"));
    if (data.en) names.appendChild(el("span", "", data.en, "en"));
    c.appendChild(names);
    if (data.pinyin) {
      var py = el("p", "ent-card-pinyin", data.pinyin, "zh-Latn-pinyin");
      py.setAttribute("aria-label", (L.pinyin || "Pinyin") + ": " + data.pinyin);
      c.appendChild(py);
    }
    if (data.type) {
      var type = el("p", "ent-card-type");
      type.appendChild(el("span", "tag", L["type_" + data.type] || data.type));
      c.appendChild(type);
    }
    if (data.summary) c.appendChild(el("p", "ent-card-summary", data.summary));
  }

  function place(link) {
    var r = link.getBoundingClientRect();
    var c = card;
    var top = window.scrollY + r.bottom + 6;
    var left = window.scrollX + r.left;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - c.offsetWidth - 8;
    c.style.top = top + "px";
    c.style.left = Math.max(window.scrollX + 8, Math.min(left, maxLeft)) + "px";
  }

  function show(link) {
    var id = link.getAttribute("data-entity");
    if (!id) return;
    clearTimeout(hideTimer);
    current = link;
    load().then(function (data) {
      if (current !== link || !data[id]) return;
      fill(data[id]);
      card.hidden = false;
      place(link);
      link.setAttribute("aria-describedby", CARD_ID);
    });
  }

  function hide() {
    clearTimeout(hideTimer);
    if (card) card.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }
  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 250);
  }

  function entLink(target) {
    return target && target.closest ? target.closest("a.ent[data-entity]") : null;
  }

  document.addEventListener("mouseover", function (e) { var a = entLink(e.target); if (a) show(a); });
  document.addEventListener("mouseout", function (e) {
    var a = entLink(e.target);
    if (a && !(e.relatedTarget && (a.contains(e.relatedTarget) || (card && card.contains(e.relatedTarget))))) scheduleHide();
  });
  document.addEventListener("focusin", function (e) { var a = entLink(e.target); if (a) show(a); });
  document.addEventListener("focusout", function (e) { if (entLink(e.target)) scheduleHide(); });
  document.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && card && !card.hidden) { hide(); }
  });
})();
