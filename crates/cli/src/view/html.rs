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

/// What a page shows besides the trace: the state graph and a link to the glossary.
#[derive(Default)]
pub struct Extras<'a> {
    /// An inline SVG state graph, shown in its own scrollable section.
    pub graph_svg: Option<&'a str>,
    /// The DOT ids of the graph's nodes along the counterexample (one per state, from the
    /// initial one), so the page marks the current state in the graph.
    pub graph_path: &'a [String],
    /// The glossary's address relative to the page, linked from the legend.
    pub glossary: Option<&'a str>,
}

/// The report. `explain` holds one paragraph per step and a conclusion (see
/// [`super::explain::paragraphs`]).
pub fn render(t: &TraceFile, r: &Replayed, explain: &[String], extras: &Extras) -> String {
    let lanes = lanes(t);
    let n = t.steps.len();
    let mut h = head(t, lanes.len(), "");
    writeln!(h, "<body data-step=\"0\">\n<header>").unwrap();
    title(&mut h, t);
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
    controls(&mut h, n);
    h += "<section id=\"current\"><div id=\"step-title\"></div><div id=\"step-source\"></div>\
          <p id=\"step-explain\"></p></section>\n";
    h += "<main>\n<section id=\"lanes\">\n";
    swimlanes(&mut h, t, &lanes);
    h += "</section>\n";
    aside(&mut h, r, extras.glossary, true);
    h += "</main>\n";
    // Optional slot: an SVG state graph, provided by the caller.
    h += "<!-- weft: optional state-graph slot (graph_svg) -->\n";
    if let Some(svg) = extras.graph_svg {
        write!(
            h,
            "<section id=\"graph\" class=\"graph\">\n<h2>State graph</h2>\n\
             <div class=\"graph-scroll\">\n{svg}\n</div>\n</section>\n"
        )
        .unwrap();
    }
    let mut data = data(t, r);
    data["graph_path"] = json!(extras.graph_path);
    data["explain"] = json!(explain);
    script(&mut h, &data, JS);
    h
}

/// The document head with the shared style, one colour per lane, and `css` after them.
pub(super) fn head(t: &TraceFile, lanes: usize, css: &str) -> String {
    let mut h = String::new();
    write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}",
        esc(&format!("weft: {}", t.scenario.name))
    )
    .unwrap();
    for i in 0..lanes {
        let c = LANE_COLOURS[i % LANE_COLOURS.len()];
        writeln!(
            h,
            ".lane{i} {{ --lane: {c}; }}\ntd.lane{i}.act {{ border-left: 4px solid {c}; }}"
        )
        .unwrap();
    }
    h += css;
    h += "</style>\n</head>\n";
    h
}

/// The scenario's name and the line under it: model, variant, steps and engine.
fn title(h: &mut String, t: &TraceFile) {
    writeln!(h, "<h1>{}</h1>", esc(&t.scenario.name)).unwrap();
    writeln!(
        h,
        "<p class=\"meta\">model <b>{}</b> · variant <b>{}</b> · {} steps · found by {}</p>",
        esc(&t.model),
        esc(&t.variant),
        t.steps.len(),
        esc(&t.engine)
    )
    .unwrap();
}

/// The step buttons, the slider and the position.
fn controls(h: &mut String, n: usize) {
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
}

/// The swimlane table: a column per thread, a row per step, the changes on the right.
fn swimlanes(h: &mut String, t: &TraceFile, lanes: &[(usize, String)]) {
    *h += "<table class=\"swim\">\n<thead><tr><th class=\"num\">#</th>";
    for (i, (_, name)) in lanes.iter().enumerate() {
        write!(h, "<th class=\"lane{i} lanehead\">{}</th>", esc(name)).unwrap();
    }
    *h += "<th class=\"chg\">changed (before → after)</th></tr></thead>\n<tbody>\n";
    writeln!(
        h,
        "<tr id=\"row-0\" data-step=\"0\" class=\"init\"><td class=\"num\">0</td>\
         <td colspan=\"{}\" class=\"initlabel\">initial state</td><td></td></tr>",
        lanes.len()
    )
    .unwrap();
    let n = t.steps.len();
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
            if i != lane {
                write!(h, "<td class=\"lane{i} idle\"></td>").unwrap();
                continue;
            }
            write!(
                h,
                "<td class=\"lane{i} act\"><code>{}</code>",
                code_html(&s.label)
            )
            .unwrap();
            if let Some(note) = &s.note {
                write!(h, "<span class=\"note\">{}</span>", esc(note)).unwrap();
            }
            *h += "</td>";
        }
        *h += "<td class=\"chg\">";
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
        *h += "</td></tr>\n";
    }
    *h += "</tbody>\n</table>\n";
}

/// The side panel: the checks (when `checks`), the state, where each thread is, and the
/// legend. The script fills the lists and tables in.
pub(super) fn aside(h: &mut String, r: &Replayed, glossary: Option<&str>, checks: bool) {
    *h += "<aside>\n";
    if checks {
        *h += "<h2>Checks</h2>\n<ul id=\"checks\"></ul>\n";
    }
    *h += "<h2 id=\"state-title\">State</h2>\n\
           <table id=\"state\"><thead><tr><th>field</th><th>value</th></tr></thead>\
           <tbody></tbody></table>\n\
           <p class=\"legend\"><span class=\"swatch\"></span> changed by this step \
           · <i>(ghost)</i> fields are the model's bookkeeping, not kernel memory</p>\n\
           <h2>Threads</h2>\n\
           <table id=\"threads\"><thead><tr><th>thread</th><th>next step</th></tr></thead>\
           <tbody></tbody></table>\n";
    *h += &super::legend::html(r, glossary);
    *h += "</aside>\n";
}

/// The data both pages' scripts read: lanes, steps, every state's fields and threads, the
/// checks and the violation.
pub(super) fn data(t: &TraceFile, r: &Replayed) -> serde_json::Value {
    json!({
        "lanes": lanes(t).iter().map(|(_, n)| n).collect::<Vec<_>>(),
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
        "threads": r.states.iter().map(|d| &d.threads).collect::<Vec<_>>(),
        "checks": r.checks,
        "violation": t.violation,
    })
}

/// The data as a JSON script element, then `js`, then the end of the page.
pub(super) fn script(h: &mut String, data: &serde_json::Value, js: &str) {
    // `<` escaped so that no string can close the script element.
    let data = data.to_string().replace('<', "\\u003c");
    write!(
        h,
        "<script type=\"application/json\" id=\"weft-data\">{data}</script>\n\
         <script>\n{PANEL_JS}{js}</script>\n</body>\n</html>\n"
    )
    .unwrap();
}

/// The page's style, shared with the quiz page.
pub(super) const CSS: &str = include_str!("html.css");

/// The side panel's script, shared with the quiz page.
pub(super) const PANEL_JS: &str = include_str!("panel.js");

/// The stepper's script: reads the `weft-data` JSON and drives the controls.
const JS: &str = include_str!("html.js");
