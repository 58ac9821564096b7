//! `weft show --format html`: one self-contained, offline HTML file to step through a
//! counterexample: swimlanes, step buttons, a slider and the Left/Right keys, the full state
//! at each step with the changed fields highlighted, and every check's status.
//!
//! The page's script honours `#step=N` (open at step N) and `?keys=RRL` (press Right, Right,
//! Left after loading; `H`ome and `E`nd too), which is how the browser test drives it.
//! Highlighted state rows are `<tr data-field="…" class="changed">`.

use super::swimlanes::{lanes, show_value};
use super::Replayed;
use crate::render;
use crate::trace_file::TraceFile;
use serde_json::json;
use std::fmt::Write;

/// A kernel expression for a narrow column: escaped, with break opportunities after `(`
/// and `,`, and `->` kept whole.
fn code_html(s: &str) -> String {
    esc(s)
        .replace("-&gt;", "-\u{2060}&gt;")
        .replace('(', "(<wbr>")
        .replace(", ", ", <wbr>")
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const LANE_COLOURS: [&str; 6] = [
    "#0e7490", "#a21caf", "#b45309", "#15803d", "#1d4ed8", "#b91c1c",
];

/// The report. `explain` holds one paragraph per step and a conclusion (see
/// [`super::explain::paragraphs`]). `graph_svg` is an optional inline SVG state graph, and
/// `graph_path` the DOT ids of its nodes along the counterexample (one per state, from the
/// initial one), so the page marks the current state in the graph; shown
/// in its own section when given.
pub fn render(
    t: &TraceFile,
    r: &Replayed,
    explain: &[String],
    graph_svg: Option<&str>,
    graph_path: &[String],
) -> String {
    let lanes = lanes(t);
    let n = t.steps.len();
    let mut h = String::new();
    let title = format!("weft: {}", t.scenario.name);
    write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}",
        esc(&title)
    )
    .unwrap();
    for (i, _) in lanes.iter().enumerate() {
        let c = LANE_COLOURS[i % LANE_COLOURS.len()];
        writeln!(
            h,
            ".lane{i} {{ --lane: {c}; }}\ntd.lane{i}.act {{ border-left: 4px solid {c}; }}"
        )
        .unwrap();
    }
    h += "</style>\n</head>\n<body data-step=\"0\">\n<header>\n";
    writeln!(h, "<h1>{}</h1>", esc(&t.scenario.name)).unwrap();
    writeln!(
        h,
        "<p class=\"meta\">model <b>{}</b> · variant <b>{}</b> · {} steps · found by {}</p>",
        esc(&t.model),
        esc(&t.variant),
        n,
        esc(&t.engine)
    )
    .unwrap();
    if !r.summary.is_empty() {
        writeln!(h, "<p class=\"summary\">{}</p>", esc(&r.summary)).unwrap();
    }
    writeln!(
        h,
        "<p class=\"verdict\" id=\"verdict\"><span class=\"badge\">VIOLATION</span> of \
         <code>{}</code>: {}</p>\n</header>",
        esc(&t.violation.check),
        esc(&t.violation.message)
    )
    .unwrap();

    // Controls.
    writeln!(
        h,
        "<nav id=\"controls\">\n\
         <button id=\"first\" title=\"first step (Home)\">« First</button>\
         <button id=\"prev\" title=\"previous step (Left arrow)\">◀ Prev</button>\
         <input type=\"range\" id=\"slider\" min=\"0\" max=\"{n}\" value=\"0\" \
         aria-label=\"step\">\
         <button id=\"next\" title=\"next step (Right arrow)\">Next ▶</button>\
         <button id=\"last\" title=\"last step (End)\">Last »</button>\n\
         <span id=\"pos\">step 0 of {n}</span><span class=\"hint\">keys: ← → Home End</span>\n\
         </nav>"
    )
    .unwrap();
    h += "<section id=\"current\"><div id=\"step-title\"></div><div id=\"step-source\"></div>\
          <p id=\"step-explain\"></p></section>\n";

    // Swimlanes.
    h += "<main>\n<section id=\"lanes\">\n<table class=\"swim\">\n<thead><tr><th class=\"num\">#</th>";
    for (i, (_, name)) in lanes.iter().enumerate() {
        write!(h, "<th class=\"lane{i} lanehead\">{}</th>", esc(name)).unwrap();
    }
    h += "<th class=\"chg\">changed (before → after)</th></tr></thead>\n<tbody>\n";
    writeln!(
        h,
        "<tr id=\"row-0\" data-step=\"0\" class=\"init\"><td class=\"num\">0</td>\
         <td colspan=\"{}\" class=\"initlabel\">initial state</td><td></td></tr>",
        lanes.len()
    )
    .unwrap();
    for (k, s) in t.steps.iter().enumerate() {
        let lane = lanes.iter().position(|(i, _)| *i == s.thread).unwrap_or(0);
        let cls = if k + 1 == n { " final" } else { "" };
        write!(
            h,
            "<tr id=\"row-{0}\" data-step=\"{0}\" class=\"step{cls}\"><td class=\"num\">{0}</td>",
            k + 1
        )
        .unwrap();
        for i in 0..lanes.len() {
            if i == lane {
                write!(
                    h,
                    "<td class=\"lane{i} act\"><code>{}</code>",
                    code_html(&s.label)
                )
                .unwrap();
                if let Some(note) = &s.note {
                    write!(h, "<span class=\"note\">{}</span>", esc(note)).unwrap();
                }
                h += "</td>";
            } else {
                write!(h, "<td class=\"lane{i} idle\"></td>").unwrap();
            }
        }
        h += "<td class=\"chg\">";
        for c in &s.changes {
            let ghost = if c.is_ghost() { " ghost" } else { "" };
            write!(
                h,
                "<div class=\"delta{ghost}\"><span class=\"f\">{}</span> \
                 <span class=\"b\">{}</span> → <span class=\"a\">{}</span></div>",
                esc(&render::field(c)),
                esc(show_value(&c.before)),
                esc(show_value(&c.after))
            )
            .unwrap();
        }
        h += "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n</section>\n";

    // State and checks.
    h += "<aside>\n<h2>Checks</h2>\n<ul id=\"checks\"></ul>\n<h2 id=\"state-title\">State</h2>\n\
          <table id=\"state\"><thead><tr><th>field</th><th>value</th></tr></thead>\
          <tbody></tbody></table>\n\
          <p class=\"legend\"><span class=\"swatch\"></span> changed by this step \
          · <i>(ghost)</i> fields are the model's bookkeeping, not kernel memory</p>\n\
          </aside>\n</main>\n";

    // Optional slot: an SVG state graph, provided by the caller.
    h += "<!-- weft: optional state-graph slot (graph_svg) -->\n";
    if let Some(svg) = graph_svg {
        write!(
            h,
            "<section id=\"graph\" class=\"graph\">\n<h2>State graph</h2>\n{svg}\n</section>\n"
        )
        .unwrap();
    }

    let data = json!({
        "graph_path": graph_path,
        "lanes": lanes.iter().map(|(_, n)| n).collect::<Vec<_>>(),
        "steps": t.steps.iter().map(|s| json!({
            "thread": s.thread_name,
            "label": render::label(s),
            "source": s.source,
            "changes": s.changes,
        })).collect::<Vec<_>>(),
        // Each state as [field, value, ghost] rows.
        "states": r.states.iter().map(|d| d.fields.iter().map(|f| {
            json!([f.name, f.value, f.is_ghost()])
        }).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "checks": r.checks,
        "violation": t.violation,
        "explain": explain,
    });
    // `<` escaped so that no string can close the script element.
    let data = data.to_string().replace('<', "\\u003c");
    write!(
        h,
        "<script type=\"application/json\" id=\"weft-data\">{data}</script>\n\
         <script>\n{JS}</script>\n</body>\n</html>\n"
    )
    .unwrap();
    h
}

const CSS: &str = r##"
:root { --bg: #fbfbf9; --fg: #1f2328; --muted: #6b7280; --line: #d8dadf; --hl: #fff1a8;
        --hl-line: #e0b400; --bad: #b91c1c; --ok: #15803d; --cur: #e8f0fe; }
* { box-sizing: border-box; }
body { margin: 0; padding: 14px 20px 40px; background: var(--bg); color: var(--fg);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
code, .mono, td.chg, #state td { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
       "DejaVu Sans Mono", monospace; font-size: 12.5px; }
header h1 { margin: 0 0 2px; font-size: 22px; }
.meta { margin: 0; color: var(--muted); }
.summary { margin: 4px 0; }
.verdict { margin: 6px 0 10px; color: var(--bad); }
.badge { background: var(--bad); color: white; border-radius: 4px; padding: 1px 6px;
         font-weight: 600; font-size: 12px; letter-spacing: .04em; }
#controls { position: sticky; top: 0; z-index: 2; display: flex; gap: 6px; align-items: center;
            background: var(--bg); padding: 8px 0; border-bottom: 1px solid var(--line); }
#controls button { font: inherit; padding: 4px 10px; border: 1px solid var(--line);
            border-radius: 6px; background: white; cursor: pointer; }
#controls button:hover { background: var(--cur); }
#controls button:disabled { opacity: .4; cursor: default; }
#slider { flex: 1; min-width: 120px; }
#pos { font-weight: 600; min-width: 8em; text-align: right; }
.hint { color: var(--muted); font-size: 12px; }
#current { margin: 10px 0; padding: 10px 12px; background: white; border: 1px solid var(--line);
           border-left: 5px solid var(--lane, var(--muted)); border-radius: 6px; min-height: 4.5em; }
#step-title { font-weight: 600; }
#step-title code { font-size: 13.5px; }
#step-source { color: var(--muted); font-size: 12px; }
#step-explain { margin: 6px 0 0; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(340px, 0.62fr); gap: 16px;
       align-items: start; }
#lanes { max-height: 72vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px;
         background: white; }
table { border-collapse: collapse; width: 100%; }
.swim th { position: sticky; top: 0; background: #f1f2f4; text-align: left; padding: 5px 8px;
           border-bottom: 1px solid var(--line); z-index: 1; }
.swim th.lanehead { color: var(--lane); }
.swim td { vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eef0f2; }
.swim td.num { color: var(--muted); text-align: right; width: 2.5em; }
.swim td.act code { color: var(--lane); overflow-wrap: anywhere; }
.swim td.idle { background: #fafbfc; }
.swim .note { display: block; color: var(--muted); font-size: 12px; }
.swim td.chg { color: #374151; white-space: normal; }
.delta .b { color: var(--muted); }
.delta .a { font-weight: 600; }
.delta.ghost { color: var(--muted); font-style: italic; }
.swim tr { cursor: pointer; }
.swim tr.future td { opacity: .38; }
.swim tr.cur td { background: var(--cur); opacity: 1; }
.swim tr.cur td.num { color: var(--fg); font-weight: 700; }
.swim tr.final.cur td { background: #fde8e8; }
.initlabel { color: var(--muted); font-style: italic; }
aside { position: sticky; top: 52px; }
aside h2 { font-size: 15px; margin: 0 0 6px; }
aside h2 + table, aside ul { margin-bottom: 14px; }
#state { background: white; border: 1px solid var(--line); border-radius: 6px; }
#state th { text-align: left; background: #f1f2f4; padding: 4px 8px; font-size: 12px; }
#state td { padding: 2px 8px; border-bottom: 1px solid #f0f1f3; vertical-align: top; }
#state td.v { word-break: break-word; }
#state tr.ghost td { color: var(--muted); }
#state tr.changed td { background: var(--hl); color: var(--fg); }
#state tr.changed td:first-child { box-shadow: inset 4px 0 0 var(--hl-line); font-weight: 600; }
#state .was { color: var(--muted); font-size: 11.5px; margin-left: 6px; }
.legend { color: var(--muted); font-size: 12px; margin: 4px 0 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; background: var(--hl);
          border-left: 3px solid var(--hl-line); vertical-align: -1px; }
#checks { list-style: none; padding: 0; margin: 0 0 14px; display: flex; flex-wrap: wrap; gap: 4px; }
#checks li { padding: 2px 8px; border-radius: 10px; font-size: 12.5px; background: #eef7f0;
             border: 1px solid #cfe8d5; }
#checks li.holds::before { content: "✓ "; color: var(--ok); font-weight: 700; }
#checks li.fails { background: #fde8e8; border-color: #f5b5b5; color: var(--bad); font-weight: 600;
                   flex-basis: 100%; border-radius: 6px; }
#checks li.fails::before { content: "✗ "; }
#checks li .why { display: block; font-weight: 400; font-size: 12px; }
.graph { margin-top: 20px; border-top: 1px solid var(--line); padding-top: 10px; overflow: auto; }
.graph g.node.here polygon, .graph g.node.here path, .graph g.node.here ellipse { stroke: #ff7f0e; stroke-width: 5px; fill: #ffe8a8; }
"##;

const JS: &str = r##"(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("weft-data").textContent);
  var N = D.steps.length;
  var cur = 0;
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
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
    // Keep the current row visible by scrolling the lanes box only, never the page.
    var cr = $("row-" + n), box = $("lanes");
    if (cr) {
      var head = box.querySelector("thead").offsetHeight;
      var top = cr.offsetTop - head, bottom = cr.offsetTop + cr.offsetHeight;
      if (top < box.scrollTop) box.scrollTop = top;
      else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
    }
    // State.
    var changed = {};
    if (step) step.changes.forEach(function (c) { changed[c.field] = c; });
    var body = document.querySelector("#state tbody");
    body.textContent = "";
    var rows = D.states[n].slice();
    // A field the step removed is shown too, as "-", so every change is visible.
    if (step) step.changes.forEach(function (c) {
      if (!rows.some(function (fv) { return fv[0] === c.field; })) rows.push([c.field, "-", c.kind === "ghost"]);
    });
    rows.forEach(function (fv) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-field", fv[0]);
      var cls = [];
      if (fv[2]) cls.push("ghost");
      if (changed[fv[0]]) cls.push("changed");
      if (cls.length) tr.setAttribute("class", cls.join(" "));
      tr.appendChild(el("td", "f", fv[2] ? fv[0] + " (ghost)" : fv[0]));
      var v = el("td", "v", fv[1] === "" ? "-" : fv[1]);
      if (changed[fv[0]]) v.appendChild(el("span", "was", "was " + (changed[fv[0]].before || "-")));
      tr.appendChild(v);
      body.appendChild(tr);
    });
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
"##;
