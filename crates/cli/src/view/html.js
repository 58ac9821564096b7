(function () {
  "use strict";
  var D = WeftPanel.data();
  var N = D.steps.length;
  var cur = 0;
  var $ = function (id) { return document.getElementById(id); };
  var el = WeftPanel.el;
  function show(n) {
    n = Math.max(0, Math.min(N, n | 0));
    cur = n;
    document.body.setAttribute("data-step", String(n));
    $("slider").value = String(n);
    $("pos").textContent = "step " + n + " of " + N;
    $("prev").disabled = $("first").disabled = n === 0;
    $("next").disabled = $("last").disabled = n === N;
    var step = n > 0 ? D.steps[n - 1] : null;
    var lane = step ? D.lanes.indexOf(step.thread) : -1;
    var cb = $("current");
    cb.className = lane >= 0 ? "lane" + lane : "";
    var t = $("step-title");
    t.textContent = "";
    if (step) {
      t.appendChild(el("span", "", "Step " + n + " · " + step.thread + ": "));
      t.appendChild(el("code", "", step.label));
      var s = step.source || {};
      $("step-source").textContent = s.function ? "in " + s.function + " (" + s.file + " @ " + s.version + ")" : "";
    } else {
      t.textContent = "Initial state: no thread has moved yet.";
      $("step-source").textContent = "";
    }
    var ex = n > 0 ? (D.explain[n - 1] || "") : "Press → (or Next) to run the first step.";
    if (n === N && D.explain.length > N) ex += " " + D.explain[N];
    $("step-explain").textContent = ex;
    // The current state in the state graph (graphviz titles its nodes with their DOT ids).
    var nodes = document.querySelectorAll("#graph g.node");
    for (var g = 0; g < nodes.length; g++) {
      var title = nodes[g].querySelector("title");
      nodes[g].classList.toggle("here", !!title && title.textContent === D.graph_path[n]);
    }
    // Swimlane rows.
    for (var i = 0; i <= N; i++) {
      var row = $("row-" + i);
      row.classList.toggle("cur", i === n);
      row.classList.toggle("future", i > n);
    }
    // Keep the current row in view (rows keep a margin for the sticky header).
    $("row-" + n).scrollIntoView({ block: "nearest" });
    WeftPanel.state(D.states[n], step);
    WeftPanel.threads(D.threads[n]);
    $("state-title").textContent = n === 0 ? "State: initial" : "State after step " + n;
    // Checks: all hold until the last step, where the violated one fails.
    var ul = $("checks");
    ul.textContent = "";
    D.checks.forEach(function (c) {
      var fails = n === N && c === D.violation.check;
      var li = el("li", fails ? "fails" : "holds", c);
      li.setAttribute("data-check", c);
      if (fails) li.appendChild(el("span", "why", D.violation.message));
      ul.appendChild(li);
    });
    try { history.replaceState(null, "", "#step=" + n); } catch (e) { /* file: URLs may refuse */ }
  }
  function onKey(e) {
    if (e.target && e.target.id === "slider" && e.isTrusted) return; // the slider moves itself
    if (e.key === "ArrowRight") show(cur + 1);
    else if (e.key === "ArrowLeft") show(cur - 1);
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(N);
    else return;
    e.preventDefault();
  }
  document.addEventListener("keydown", onKey);
  $("slider").addEventListener("input", function () { show(+this.value); });
  $("prev").onclick = function () { show(cur - 1); };
  $("next").onclick = function () { show(cur + 1); };
  $("first").onclick = function () { show(0); };
  $("last").onclick = function () { show(N); };
  for (var i = 0; i <= N; i++) {
    (function (k) { $("row-" + k).addEventListener("click", function () { show(k); }); })(i);
  }
  function fromHash() {
    var m = /step=(\d+)/.exec(location.hash);
    return m ? +m[1] : 0;
  }
  window.addEventListener("hashchange", function () { show(fromHash()); });
  show(fromHash());
  // ?keys=RRL: press Right, Right, Left (H Home, E End) as real keyboard events.
  var q = /[?&]keys=([RLHE]*)/.exec(location.search);
  if (q) {
    var names = { R: "ArrowRight", L: "ArrowLeft", H: "Home", E: "End" };
    q[1].split("").forEach(function (k) {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: names[k], bubbles: true, cancelable: true }));
    });
  }
})();
