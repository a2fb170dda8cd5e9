// The week grid: a tap on a half-hour cycles it (not available -> available ->
// preferred -> not available) instead of opening the select's list; the keyboard keeps
// the selects' own behaviour (arrow keys). The colours come from CSS (:has), so they follow either way.
"use strict";

(function () {
  const grid = document.getElementById("week-grid");
  if (!grid) return;
  const order = ["", "a", "p"];
  grid.classList.add("tappable");
  grid.addEventListener("click", (event) => {
    const cell = event.target.closest("td");
    const select = cell && cell.querySelector("select");
    if (!select) return;
    select.value = order[(order.indexOf(select.value) + 1) % order.length];
    select.focus({ preventScroll: true });
  });
})();
