//! `weft replay TRACE --variant V`: the trace's schedule on another variant of its scenario.
//! It answers a learner's and a patch author's question, "does this fix block this
//! interleaving?": the steps both variants take alike, the first step where they part, the
//! state there, and whether the violation comes back.

use crate::exit::Exit;
use crate::render;
use crate::stdout::{out, outln};
use crate::trace_file::TraceFile;
use crate::view::{state::description, Paint};
use anyhow::{Context, Result};
use weft_explorer::{Followed, TraceStep};
use weft_model::Scenario;

/// Where the schedule on the other variant first parts from the trace.
enum Departure<'a> {
    /// Step `step` (0-based) has another label or other effects.
    Effect {
        step: usize,
        was: &'a TraceStep,
        is: &'a TraceStep,
    },
    /// Step `step`'s thread cannot move on the other variant.
    NotEnabled { step: usize, why: String },
}

/// Runs `file`'s schedule on `variant` of `scenario` and reports it; exit 1 if the run ends in
/// a violation, 0 if it does not.
pub fn run(file: &TraceFile, scenario: &Scenario, variant: &str, paint: Paint) -> Result<Exit> {
    let variants = scenario.variants();
    if !variants.contains(&variant) {
        let hint = weft_model::scenario::did_you_mean(variant, variants.iter().copied())
            .map(|v| format!(" (did you mean `{v}`?)"))
            .unwrap_or_default();
        anyhow::bail!(
            "--variant {variant}: the {} model has no such variant{hint}; its variants: {}",
            scenario.model,
            variants.join(", ")
        );
    }
    let other = scenario
        .with_variant(variant)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("--variant {variant}"))?;
    let schedule = file.schedule_for(other.model())?;
    let followed = other.model().follow(&schedule);
    outln!(
        "{}: the {}-step schedule found on variant {}, run on variant {variant}",
        file.scenario.name,
        file.steps.len(),
        file.variant
    );
    let departure = departure(&file.steps, &followed);
    let alike = match &departure {
        Some(Departure::Effect { step, .. } | Departure::NotEnabled { step, .. }) => *step,
        None => followed.trace.steps.len(),
    };
    match alike {
        0 => outln!("  no step is the same on both variants"),
        1 => outln!("  step 1 is the same on both variants"),
        n => outln!("  steps 1-{n} are the same on both variants"),
    }
    if let Some(d) = &departure {
        report_departure(d, &other, &schedule, paint)?;
    }
    let unfinished = match followed.cannot_move {
        None if followed.trace.violation.is_none() => unfinished(&other, &schedule)?,
        _ => Vec::new(),
    };
    Ok(verdict(file, &followed, variant, &unfinished))
}

/// The threads with steps left after the whole schedule ran.
fn unfinished(other: &Scenario, schedule: &[usize]) -> Result<Vec<String>> {
    let states = other
        .model()
        .describe_along(schedule)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let last = states
        .last()
        .expect("the initial state is always described");
    Ok(last
        .threads
        .iter()
        .filter(|th| th.next.is_some())
        .map(|th| th.name.clone())
        .collect())
}

/// The first step at which the run on the other variant differs from the trace.
fn departure<'a>(trace: &'a [TraceStep], followed: &'a Followed) -> Option<Departure<'a>> {
    let taken = &followed.trace.steps;
    let differs = |(was, is): &(&TraceStep, &TraceStep)| {
        was.label != is.label || was.note != is.note || was.changes != is.changes
    };
    if let Some(step) = trace.iter().zip(taken).position(|p| differs(&p)) {
        return Some(Departure::Effect {
            step,
            was: &trace[step],
            is: &taken[step],
        });
    }
    followed
        .cannot_move
        .as_ref()
        .map(|e| Departure::NotEnabled {
            step: e.step,
            why: e.message.clone(),
        })
}

/// The departing step, on both variants, and the state it starts from on the other one.
fn report_departure(
    d: &Departure<'_>,
    other: &Scenario,
    schedule: &[usize],
    paint: Paint,
) -> Result<()> {
    let step = match d {
        Departure::Effect { step, was, is } => {
            outln!(
                "  step {} departs: {} takes another step",
                step + 1,
                is.thread_name
            );
            outln!("    on the trace's variant: {}", one_step(was));
            outln!("    on variant {}: {}", other.variant, one_step(is));
            outln!("    (the schedule goes on: the same thread moves at each later step)");
            *step
        }
        Departure::NotEnabled { step, why } => {
            outln!(
                "  step {} departs: {why} on variant {}",
                step + 1,
                other.variant
            );
            *step
        }
    };
    let states = other
        .model()
        .describe_along(&schedule[..step])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let before = states
        .last()
        .expect("the initial state is always described");
    outln!(
        "the state before step {} on variant {}:",
        step + 1,
        other.variant
    );
    out!("{}", indent(&description(before, &[], paint)));
    Ok(())
}

/// A step as `thread: label [note] (changes)`.
fn one_step(s: &TraceStep) -> String {
    let changes: Vec<String> = s
        .changes
        .iter()
        .map(|c| format!("{} {} -> {}", render::field(c), c.before, c.after))
        .collect();
    let effect = if changes.is_empty() {
        "changes nothing".to_string()
    } else {
        changes.join("; ")
    };
    format!("`{}`: {effect}", render::label(s))
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// The last line: whether the violation recurs, and the exit code that says it.
fn verdict(file: &TraceFile, followed: &Followed, variant: &str, unfinished: &[String]) -> Exit {
    let explore = format!(
        "other schedules may still fail: `weft compare {} --variants all` explores them all",
        file.scenario.name
    );
    match (&followed.trace.violation, &followed.cannot_move) {
        (Some(v), _) => {
            let same = if v.check == file.violation.check {
                "the violation recurs"
            } else {
                "another violation"
            };
            let at = followed.trace.steps.len();
            outln!(
                "=> {same} on variant {variant} at step {at}: {}",
                render::violation(v)
            );
            Exit::Violation
        }
        (None, Some(e)) => {
            outln!(
                "=> the violation does not recur: on variant {variant} the schedule cannot go on \
                 at step {}: {} ({explore})",
                e.step + 1,
                e.message
            );
            Exit::Pass
        }
        (None, None) => {
            let left = match unfinished {
                [] => "every thread finished".to_string(),
                names => format!("{} still had steps to take", names.join(", ")),
            };
            outln!(
                "=> the violation does not recur: all {} steps run on variant {variant}, no \
                 check fails along them, and {left} ({explore})",
                followed.trace.steps.len()
            );
            Exit::Pass
        }
    }
}
