//! Text rendering of counterexamples: numbered steps with thread, kernel label and changes.

use std::fmt::Write;
use weft_explorer::{Change, Field, FieldKind, TraceStep, Violation};

/// A step's label with its note in brackets: `put_page(page0)  [identity recheck failed]`.
pub fn label(step: &TraceStep) -> String {
    match &step.note {
        None => step.label.clone(),
        Some(note) => format!("{}  [{note}]", step.label),
    }
}

/// A field's name as the views show it: ghost fields marked `(ghost)`.
pub fn field_name(name: &str, kind: FieldKind) -> String {
    match kind {
        FieldKind::Memory => name.to_string(),
        FieldKind::Ghost => format!("{name} (ghost)"),
    }
}

/// A changed field's name as the views show it.
pub fn field(change: &Change) -> String {
    field_name(&change.field, change.kind)
}

/// A state's field's name as the views show it.
pub fn state_field(field: &Field) -> String {
    field_name(&field.name, field.kind)
}

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
            label(s)
        )
        .unwrap();
        if with_source && !s.source.function.is_empty() {
            writeln!(
                out,
                "  {:num$}  {:width$}    in {} ({} @ {})",
                "", "", s.source.function, s.source.file, s.source.version
            )
            .unwrap();
        }
        for c in &s.changes {
            writeln!(
                out,
                "  {:num$}  {:width$}    {} {} -> {}",
                "",
                "",
                field(c),
                c.before,
                c.after
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
