//! Text rendering of counterexamples: numbered steps with thread, kernel label and changes.

use std::fmt::Write;
use weft_explorer::{TraceStep, Violation};

/// The steps as numbered lines, each followed by its kernel source (if asked) and the fields
/// it changed.
pub fn steps(steps: &[TraceStep], with_source: bool) -> String {
    let width = steps.iter().map(|s| s.thread_name.len()).max().unwrap_or(0);
    let num = steps.len().to_string().len();
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        writeln!(
            out,
            "  {:>num$}. {:<width$}  {}",
            i + 1,
            s.thread_name,
            s.label
        )
        .unwrap();
        if with_source && !s.source.function.is_empty() {
            writeln!(
                out,
                "  {:num$}  {:width$}    in {} ({} @ {})",
                "", "", s.source.function, s.source.file, s.source.commit
            )
            .unwrap();
        }
        for c in &s.changes {
            writeln!(
                out,
                "  {:num$}  {:width$}    {} {} -> {}",
                "", "", c.field, c.before, c.after
            )
            .unwrap();
        }
    }
    out
}

/// One line naming the violated check and what it saw.
pub fn violation(v: &Violation) -> String {
    format!("violation of {}: {}", v.check, v.message)
}
