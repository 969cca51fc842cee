// launcher preview: the switch between locales and platforms. Without this script every card
// is shown and the switch stays hidden. Allowed by the page's Content-Security-Policy through
// its sha256 hash: change one character and launcher computes the new hash.
(function () {
  "use strict";
  var nav = document.getElementById("switch");
  var shown = document.getElementById("shown");
  if (!nav || !shown) return;
  var state = { locale: "", platform: "" };
  var cards = document.querySelectorAll("article[data-locale][data-platform]");
  var groups = document.querySelectorAll("[data-group]");
  var buttons = nav.querySelectorAll("button[data-filter]");
  var slotCounts = document.querySelectorAll(".slot .count");
  var total = document.querySelectorAll("article.post").length;

  function apply() {
    var count = 0;
    cards.forEach(function (card) {
      var ok = (!state.locale || card.dataset.locale === state.locale) &&
        (!state.platform || card.dataset.platform === state.platform);
      card.hidden = !ok;
      if (ok && card.classList.contains("post")) count += 1;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("article:not([hidden])");
    });
    slotCounts.forEach(function (el) {
      var n = el.closest(".slot").querySelectorAll("article.post:not([hidden])").length;
      el.textContent = n + (n === 1 ? " post" : " posts");
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(state[b.dataset.filter] === b.dataset.value));
    });
    shown.textContent = count + " of " + total + " posts shown";
  }

  nav.addEventListener("click", function (event) {
    var b = event.target.closest("button[data-filter]");
    if (!b) return;
    state[b.dataset.filter] = b.dataset.value;
    apply();
  });
  nav.hidden = false;
  apply();
})();
