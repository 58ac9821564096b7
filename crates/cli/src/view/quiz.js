(function () {
  "use strict";
  var D = WeftPanel.data();
  var N = D.steps.length;
  var el = WeftPanel.el;
  var $ = function (id) { return document.getElementById(id); };
  var cur = 0;        // steps revealed so far
  var phase = "ask";  // ask: predicting step cur+1 · shown: step cur revealed · done
  var qs = [];        // the open questions: text, options, right answers, chosen option
  var right = 0, asked = 0;
  var NONE = "none of these";

  // The questions about step k+1, asked in the state after step k.
  function questionsFor(k) {
    var step = D.steps[k], out = [];
    var movable = D.threads[k].filter(function (th) { return th.next !== null && !th.blocked; })
      .map(function (th) { return th.name; });
    if (movable.indexOf(step.thread) < 0) movable.push(step.thread);
    if (movable.length > 1) {
      out.push({ text: "Which thread takes step " + (k + 1) + "?", options: movable, right: [step.thread] });
    }
    var fields = D.states[k].filter(function (fv) { return !fv[2]; }).map(function (fv) { return fv[0]; });
    var changed = step.changes.filter(function (c) { return c.kind !== "ghost" && fields.indexOf(c.field) >= 0; })
      .map(function (c) { return c.field; });
    out.push({
      text: "Which kernel field will step " + (k + 1) + " change? (any one it changes counts)",
      options: fields.concat([NONE]), right: changed.length ? changed : [NONE]
    });
    out.push({
      text: "Will step " + (k + 1) + " break one of the model's checks?",
      options: ["yes", "no"], right: [k + 1 === N ? "yes" : "no"]
    });
    return out;
  }

  function status() {
    document.body.setAttribute("data-step", String(cur));
    document.body.setAttribute("data-phase", phase);
    document.body.setAttribute("data-score", right + "/" + asked);
    $("pos").textContent = "step " + cur;
    $("score").textContent = asked ? "score " + right + " / " + asked : "";
    $("go").textContent = phase === "ask" ? "Reveal step " + (cur + 1) + " ▶" : "Next question ▶";
    $("go").disabled = phase === "done";
  }

  function ask() {
    phase = "ask";
    qs = questionsFor(cur);
    var box = $("quiz");
    box.textContent = "";
    box.appendChild(el("h2", "", "Predict step " + (cur + 1)));
    qs.forEach(function (q, qi) {
      q.node = el("div", "q");
      q.node.appendChild(el("div", "text", q.text));
      var opts = el("div", "opts");
      q.buttons = q.options.map(function (o, oi) {
        var b = el("button", "", (oi < 10 ? ((oi + 1) % 10) + " · " : "") + o);
        b.setAttribute("data-option", o);
        b.onclick = function () { choose(qi, oi); };
        opts.appendChild(b);
        return b;
      });
      q.node.appendChild(opts);
      box.appendChild(q.node);
    });
    status();
  }

  function choose(qi, oi) {
    if (phase !== "ask" || !qs[qi]) return;
    qs[qi].chosen = oi;
    qs[qi].buttons.forEach(function (b, i) { b.classList.toggle("chosen", i === oi); });
  }

  // Marks each answer right or wrong, then shows the step.
  function reveal() {
    qs.forEach(function (q) {
      var ok = q.chosen !== undefined && q.right.indexOf(q.options[q.chosen]) >= 0;
      asked++;
      if (ok) right++;
      q.node.classList.add(ok ? "right" : "wrong");
      q.buttons.forEach(function (b, i) {
        b.disabled = true;
        if (q.right.indexOf(q.options[i]) >= 0) b.classList.add("right");
      });
      var mark = ok ? "✓ right" : (q.chosen === undefined ? "✗ not answered" : "✗ wrong") +
        ": " + q.right.join(" or ");
      q.node.querySelector(".text").appendChild(el("span", "mark", mark));
    });
    cur++;
    addRow(cur);
    showState(cur);
    phase = cur === N ? "done" : "shown";
    if (phase === "done") finish();
    status();
  }

  // The revealed step's swimlane row, made only now so no future step is in the page.
  function addRow(k) {
    var step = D.steps[k - 1], lane = D.lanes.indexOf(step.thread);
    var prev = document.querySelector(".swim tr.cur");
    if (prev) prev.classList.remove("cur");
    var tr = el("tr", "step cur" + (k === N ? " final" : ""));
    tr.id = "row-" + k;
    tr.setAttribute("data-step", String(k));
    tr.appendChild(el("td", "num", String(k)));
    D.lanes.forEach(function (_, i) {
      var td = el("td", "lane" + i + (i === lane ? " act" : " idle"));
      if (i === lane) td.appendChild(el("code", "", step.label));
      tr.appendChild(td);
    });
    var chg = el("td", "chg");
    step.changes.forEach(function (c) {
      var d = el("div", "delta" + (c.kind === "ghost" ? " ghost" : ""));
      d.appendChild(el("span", "f", c.field + (c.kind === "ghost" ? " (ghost)" : "")));
      d.appendChild(document.createTextNode(" " + (c.before || "-") + " → "));
      d.appendChild(el("span", "a", c.after || "-"));
      chg.appendChild(d);
    });
    tr.appendChild(chg);
    document.querySelector(".swim tbody").appendChild(tr);
    tr.scrollIntoView({ block: "nearest" });
  }

  // The step box, the state and the threads after step k.
  function showState(k) {
    var step = k > 0 ? D.steps[k - 1] : null;
    var t = $("step-title");
    t.textContent = "";
    if (step) {
      $("current").className = "lane" + D.lanes.indexOf(step.thread);
      t.appendChild(el("span", "", "Step " + k + " · " + step.thread + ": "));
      t.appendChild(el("code", "", step.label));
      var s = step.source || {};
      $("step-source").textContent = s.function ? "in " + s.function + " (" + s.file + " @ " + s.version + ")" : "";
      $("step-explain").textContent = D.explain[k - 1] || "";
    } else {
      t.textContent = "Initial state: no thread has moved yet.";
    }
    WeftPanel.state(D.states[k], step);
    WeftPanel.threads(D.threads[k]);
    $("state-title").textContent = k === 0 ? "State: initial" : "State after step " + k;
  }

  // The end: the violation, the check's message, the story's conclusion, every check's
  // status and the score.
  function finish() {
    var end = $("end");
    end.hidden = false;
    var v = el("p", "verdict");
    v.appendChild(el("span", "badge", "VIOLATION"));
    v.appendChild(document.createTextNode(" of "));
    v.appendChild(el("code", "", D.violation.check));
    v.appendChild(document.createTextNode(": " + D.violation.message));
    end.appendChild(v);
    if (D.explain.length > N) end.appendChild(el("p", "", D.explain[N]));
    var ul = el("ul");
    ul.id = "checks";
    D.checks.forEach(function (c) {
      var fails = c === D.violation.check;
      var li = el("li", fails ? "fails" : "holds", c);
      li.setAttribute("data-check", c);
      ul.appendChild(li);
    });
    end.appendChild(ul);
    end.appendChild(el("p", "final-score", "You predicted " + right + " of " + asked + " right."));
  }

  function go() {
    if (phase === "ask") reveal();
    else if (phase === "shown") ask();
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") go();
    else if (/^[0-9]$/.test(e.key)) {
      var open = qs.filter(function (q) { return q.chosen === undefined; })[0];
      var oi = (+e.key + 9) % 10;
      if (phase === "ask" && open && oi < open.options.length) choose(qs.indexOf(open), oi);
    } else return;
    e.preventDefault();
  });
  $("go").onclick = go;
  showState(0);
  ask();
  // ?keys=1 2 R: press digits (choose) and R (Right: reveal, then next) after loading.
  var q = /[?&]keys=([R0-9]*)/.exec(location.search);
  if (q) {
    q[1].split("").forEach(function (k) {
      var key = k === "R" ? "ArrowRight" : k;
      document.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true, cancelable: true }));
    });
  }
})();
