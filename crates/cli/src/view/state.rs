//! `weft show --state N`: every field of the state after step N, the changed ones marked, then
//! where each thread is and its locals.

use super::{Paint, Replayed};
use crate::render;
use crate::trace_file::TraceFile;
use anyhow::{bail, Result};
use weft_explorer::Description;

/// The state after step `n` (0 is the initial state) as `field = value` lines, the fields
/// step `n` changed marked with `*`; then each thread's next step and locals.
pub fn render(t: &TraceFile, r: &Replayed, n: usize, paint: Paint) -> Result<String> {
    let Some(state) = r.states.get(n) else {
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
            render::label(s)
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
    out += &description(state, &changed, paint);
    if n == t.steps.len() {
        out += &format!("=> {}\n", crate::render::violation(&t.violation));
    }
    Ok(out)
}

/// A described state as `field = value` lines, the `changed` fields marked with `*`; then each
/// thread's next step (or that it waits, or finished) and its locals.
pub fn description(state: &Description, changed: &[&str], paint: Paint) -> String {
    let mut out = String::new();
    let names: Vec<String> = state.fields.iter().map(render::state_field).collect();
    let width = names.iter().map(|f| f.chars().count()).max().unwrap_or(0);
    for (f, name) in state.fields.iter().zip(&names) {
        let mark = changed.contains(&f.name.as_str());
        let line = format!("{name:<width$} = {}", f.value);
        out += if mark { "* " } else { "  " };
        out += &paint.paint(if mark { "1;33" } else { "" }, &line);
        out.push('\n');
    }
    out += "threads:\n";
    let width = state
        .threads
        .iter()
        .map(|th| th.name.chars().count())
        .max()
        .unwrap_or(0);
    for th in &state.threads {
        let at = match (&th.next, th.blocked) {
            (None, _) => "finished".to_string(),
            (Some(next), false) => format!("next: {next}"),
            (Some(next), true) => format!("waits to run: {next}"),
        };
        out += &format!("  {:<width$}  {at}\n", th.name);
        if !th.locals.is_empty() {
            let locals: Vec<String> = th
                .locals
                .iter()
                .map(|l| format!("{} = {}", l.name, l.value))
                .collect();
            out += &format!("  {:<width$}  locals: {}\n", "", locals.join(", "));
        }
    }
    out
}
