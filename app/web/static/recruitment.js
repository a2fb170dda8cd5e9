// The roster page's recruitment section: ask the console for it at once, and while its
// advice is being worked out (202) every 1.5 s, putting each answer in place; stop at
// the advice (200). Gives up after two minutes, saying so.
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
        var holder = document.createElement("div");
        holder.innerHTML = answer.text;
        var body = holder.querySelector(".recruitment-body");
        var shown = section.querySelector(".recruitment-body");
        // The body's content only, and only when it changed: the body stays, a live
        // region that announces each new text once.
        if (body && shown.innerHTML !== body.innerHTML) shown.innerHTML = body.innerHTML;
        if (answer.status === 200) {
          section.removeAttribute("data-url");
          return;
        }
        if (tries < 80) window.setTimeout(poll, 1500);
        else giveUp();
      })
      .catch(giveUp);
  }

  poll();
})();
