// The roster page follows a running solve: it asks the console for the progress once
// a second, draws objective and bound as they improve, and reloads when it is done.
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section) return;
  var url = section.getAttribute("data-url");
  var points = [];

  function figure(name, text) {
    var node = section.querySelector('[data-figure="' + name + '"]');
    if (node) node.textContent = text;
  }

  function fixed(value, digits) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
  }

  function draw() {
    var values = [];
    points.forEach(function (p) {
      if (p.objective !== null) values.push(p.objective);
      if (p.bound !== null) values.push(p.bound);
    });
    if (!values.length) return;
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    if (high === low) { high += 1; low -= 1; }
    var last = Math.max(points[points.length - 1].t, 1);
    function x(t) { return 40 + (350 * t) / last; }
    function y(v) { return 140 - (130 * (v - low)) / (high - low); }
    ["objective", "bound"].forEach(function (key) {
      var line = document.getElementById("line-" + key);
      var coords = points.filter(function (p) { return p[key] !== null; })
        .map(function (p) { return x(p.t).toFixed(1) + "," + y(p[key]).toFixed(1); });
      line.setAttribute("points", coords.join(" "));
    });
    document.getElementById("chart-top").textContent = Math.round(high);
    document.getElementById("chart-bottom").textContent = Math.round(low);
    document.getElementById("chart-time").textContent = last.toFixed(1) + " s";
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("stopped");
        return response.json();
      })
      .then(function (data) {
        if (!data.running) {
          window.location.reload();
          return;
        }
        var p = data.progress;
        if (p) {
          figure("elapsed", fixed(p.elapsed_seconds, 1));
          figure("filled", p.seats_filled === null ? "–" : String(p.seats_filled));
          figure("coverage", p.coverage === null ? "–" : fixed(p.coverage * 100, 0));
          figure("objective", fixed(p.best_objective, 0));
          figure("bound", fixed(p.best_bound, 0));
          var previous = points[points.length - 1];
          if (!previous || previous.t !== p.elapsed_seconds) {
            points.push({ t: p.elapsed_seconds, objective: p.best_objective, bound: p.best_bound });
            draw();
          }
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  poll();
})();
