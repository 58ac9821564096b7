//! The default text view: one column per thread, one row per step, and the fields each step
//! changed in a right-hand column.

use super::{wrap, Paint};
use crate::render;
use crate::trace_file::TraceFile;

/// The threads that move in the trace, as (index, name), in the model's order.
pub fn lanes(t: &TraceFile) -> Vec<(usize, String)> {
    let mut lanes: Vec<(usize, String)> = Vec::new();
    for s in &t.steps {
        if !lanes.iter().any(|(i, _)| *i == s.thread) {
            lanes.push((s.thread, s.thread_name.clone()));
        }
    }
    lanes.sort();
    lanes
}

const SEP: &str = " │ ";

/// A cell's lines with their SGR style.
type Cell = Vec<(String, String)>;

/// The swimlane view, at most `width` characters per line (not counting colour codes).
pub fn render(t: &TraceFile, width: usize, paint: Paint) -> String {
    let lanes = lanes(t);
    let k = lanes.len().max(1);
    let nw = t.steps.len().to_string().len() + 1;
    let avail = width.saturating_sub(nw + (k + 1) * SEP.chars().count());
    let widest_change = t
        .steps
        .iter()
        .flat_map(|s| &s.changes)
        .map(|c| change_text(c).chars().count())
        .max()
        .unwrap_or(0)
        .max("changed (before -> after)".len());
    let mut ch_w = widest_change.min(avail * 2 / 5).max(18);
    let widest_label = t
        .steps
        .iter()
        .map(|s| render::label(s).chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut lane_w = ((avail.saturating_sub(ch_w)) / k).max(8);
    if lane_w > widest_label {
        lane_w = widest_label;
        ch_w = avail.saturating_sub(lane_w * k).max(18);
    }
    // Lanes wide enough that no word of a label or note is cut, when the width allows it.
    let unbroken = t
        .steps
        .iter()
        .flat_map(|s| {
            let note = s
                .note
                .as_ref()
                .map(|n| super::widest_piece(&format!("[{n}]")) + 1);
            [super::widest_piece(&s.label) + 2].into_iter().chain(note)
        })
        .max()
        .unwrap_or(0);
    if lane_w < unbroken && unbroken * k + 18 <= avail {
        lane_w = unbroken;
        ch_w = avail - lane_w * k;
    }

    let mut out = String::new();
    let head = format!(
        "{}  (model {}, variant {}, found by {})",
        t.scenario.name, t.model, t.variant, t.engine
    );
    for l in wrap(&head, width, 2) {
        out += &paint.paint("1", &l);
        out.push('\n');
    }
    out += &format!("{} steps:\n", t.steps.len());

    // Header row.
    let mut cells: Vec<Cell> = vec![Vec::new()];
    for (i, (_, name)) in lanes.iter().enumerate() {
        let bold = format!("1;{}", Paint::thread_code(i));
        cells.push(
            wrap(name, lane_w, 0)
                .into_iter()
                .map(|l| (l, bold.clone()))
                .collect(),
        );
    }
    cells.push(vec![("changed (before -> after)".into(), "2".into())]);
    let widths = (nw, lane_w, ch_w);
    emit_row(&mut out, &cells, k, widths, paint);
    let mut rule = "─".repeat(nw);
    for _ in 0..k {
        rule += "─┼─";
        rule += &"─".repeat(lane_w);
    }
    rule += "─┼─";
    rule += &"─".repeat(ch_w);
    out += &paint.paint("2", &rule);
    out.push('\n');

    let last = t.steps.len();
    let mut prev_tall = false;
    for (n, s) in t.steps.iter().enumerate() {
        let lane = lanes.iter().position(|(i, _)| *i == s.thread).unwrap_or(0);
        let code = Paint::thread_code(lane);
        let num_style = if n + 1 == last { "1;31" } else { "2" };
        let mut cells: Vec<Cell> = vec![vec![(format!("{}.", n + 1), num_style.into())]];
        for i in 0..k {
            if i == lane {
                let mut lines: Cell = wrap(&s.label, lane_w, 2)
                    .into_iter()
                    .map(|l| (l, code.to_string()))
                    .collect();
                if let Some(note) = &s.note {
                    for l in wrap(&format!("[{note}]"), lane_w, 1) {
                        lines.push((l, "2".into()));
                    }
                }
                cells.push(lines);
            } else {
                cells.push(Vec::new());
            }
        }
        let mut changes = Vec::new();
        for c in &s.changes {
            let style = if c.is_ghost() { "2" } else { "" };
            let whole = change_text(c);
            let lines = if whole.chars().count() <= ch_w {
                vec![whole]
            } else {
                // The field on its own line(s), then `before -> after` kept together.
                let mut lines = wrap(&render::field(c), ch_w, 2);
                let delta = format!("{} -> {}", show_value(&c.before), show_value(&c.after));
                lines.extend(
                    wrap(&delta, ch_w - 2, 2)
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
                lines
            };
            for l in lines {
                changes.push((l, style.to_string()));
            }
        }
        cells.push(changes);
        let tall = cells.iter().any(|c| c.len() > 1);
        if n > 0 && (tall || prev_tall || t.steps[n - 1].thread != s.thread) {
            emit_row(&mut out, &[], k, widths, paint);
        }
        emit_row(&mut out, &cells, k, widths, paint);
        prev_tall = tall;
    }
    out.push('\n');
    for l in wrap(&format!("=> {}", render::violation(&t.violation)), width, 3) {
        out += &paint.paint("1;31", &l);
        out.push('\n');
    }
    out
}

fn change_text(c: &weft_explorer::Change) -> String {
    format!(
        "{} {} -> {}",
        render::field(c),
        show_value(&c.before),
        show_value(&c.after)
    )
}

/// An empty value shown as `-`.
pub fn show_value(v: &str) -> &str {
    if v.trim().is_empty() {
        "-"
    } else {
        v
    }
}

/// One table row: the cells' lines side by side (number, lanes, changes); a row of empty
/// cells draws only the column bars.
fn emit_row(
    out: &mut String,
    cells: &[Cell],
    k: usize,
    widths: (usize, usize, usize),
    paint: Paint,
) {
    let (nw, lane_w, ch_w) = widths;
    let height = cells.iter().map(|c| c.len()).max().unwrap_or(0).max(1);
    for row in 0..height {
        let mut line = String::new();
        let mut pending = 0usize; // spaces not yet written (trailing spaces are dropped)
        for col in 0..k + 2 {
            let w = if col == 0 {
                nw
            } else if col <= k {
                lane_w
            } else {
                ch_w
            };
            if col > 0 {
                line += &" ".repeat(pending);
                line += &paint.paint("2", SEP.trim_end());
                pending = 1;
            }
            let (text, style) = cells
                .get(col)
                .and_then(|c| c.get(row))
                .map(|(t, s)| (t.as_str(), s.as_str()))
                .unwrap_or(("", ""));
            let len = text.chars().count();
            if col == 0 {
                line += &" ".repeat(w.saturating_sub(len));
                line += &paint.paint(style, text);
                pending = 0;
            } else if len > 0 {
                line += &" ".repeat(pending);
                line += &paint.paint(style, text);
                pending = w.saturating_sub(len);
            } else {
                pending += w;
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
}
