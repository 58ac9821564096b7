//! `weft show --state N`: every field of the state after step N, the changed ones marked.

use super::{Paint, Replayed};
use crate::trace_file::TraceFile;
use anyhow::{bail, Result};

/// The state after step `n` (0 is the initial state) as `field = value` lines; the fields
/// step `n` changed are marked with `*`.
pub fn render(t: &TraceFile, r: &Replayed, n: usize, paint: Paint) -> Result<String> {
    let Some(fields) = r.states.get(n) else {
        bail!(
            "--state {n}: the trace has {} steps (0 is the initial state)",
            t.steps.len()
        );
    };
    let mut out = if n == 0 {
        format!("{}: the initial state\n", t.scenario.name)
    } else {
        let s = &t.steps[n - 1];
        format!(
            "{}: the state after step {n} of {} ({} {})\n",
            t.scenario.name,
            t.steps.len(),
            s.thread_name,
            s.label
        )
    };
    let changed: Vec<&str> = if n == 0 {
        Vec::new()
    } else {
        t.steps[n - 1]
            .changes
            .iter()
            .map(|c| c.field.as_str())
            .collect()
    };
    let width = fields
        .iter()
        .map(|(f, _)| f.chars().count())
        .max()
        .unwrap_or(0);
    for (f, v) in fields {
        let mark = changed.contains(&f.as_str());
        let line = format!("{f:<width$} = {v}");
        out += if mark { "* " } else { "  " };
        out += &paint.paint(if mark { "1;33" } else { "" }, &line);
        out.push('\n');
    }
    if n == t.steps.len() {
        out += &format!("=> {}\n", crate::render::violation(&t.violation));
    }
    Ok(out)
}
