// The roster page's recruitment section while its advice is being worked out: ask the
// console for the section every 1.5 s and put it in place when it is ready (200; 202
// while the search runs). Gives up after two minutes, saying so.
(function () {
  "use strict";
  var section = document.querySelector("#recruitment[data-url]");
  if (!section) return;
  var url = section.getAttribute("data-url");
  var tries = 0;

  function giveUp() {
    var waiting = section.querySelector(".recruitment-pending");
    if (waiting) waiting.textContent = section.getAttribute("data-gave-up");
  }

  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || (response.status !== 200 && response.status !== 202)) {
          throw new Error("stopped");
        }
        return response.text().then(function (text) { return { status: response.status, text: text }; });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          var holder = document.createElement("div");
          holder.innerHTML = answer.text;
          var ready = holder.querySelector(".recruitment-body");
          // The body's content only: the body stays, a live region that announces it.
          if (ready) section.querySelector(".recruitment-body").innerHTML = ready.innerHTML;
          section.removeAttribute("data-url");
          return;
        }
        if (tries < 80) window.setTimeout(poll, 1500);
        else giveUp();
      })
      .catch(giveUp);
  }

  window.setTimeout(poll, 1000);
})();
