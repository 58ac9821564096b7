//! Whether a trace file says what its model does: every field of the file is compared with
//! its embedded scenario and with the schedule re-executed on the model, so that `weft replay`
//! never confirms, and `weft show` never draws, a step the model does not take.
//!
//! A trace is only data: it may have been edited by hand, cut short or written by another
//! version of weft. Each refusal names the step and the field that differ.

use crate::render;
use crate::trace_file::TraceFile;
use anyhow::{bail, ensure, Result};
use weft_explorer::{AnyModel, Change, Trace, TraceStep, Violation};
use weft_model::Scenario;

/// The engines `weft check` names in a trace (and `step`, for a schedule chosen by hand in
/// `weft step`), and whether each is a shuttle engine (which alone writes a shuttle schedule).
pub const ENGINES: [(&str, bool); 7] = [
    ("bfs", false),
    ("dfs", false),
    ("timely", false),
    ("random", true),
    ("pct", true),
    ("dfs-shuttle", true),
    ("step", false),
];

/// `file`'s embedded scenario, loaded, once every field of `file` has been found to agree
/// with it and with its schedule re-executed on the model.
pub fn check(file: &TraceFile) -> Result<Scenario> {
    let scenario = embedded_scenario(file)?;
    check_header(file, &scenario)?;
    let replayed = re_execute(file, scenario.model())?;
    check_steps(&file.steps, &replayed.steps)?;
    same_end("the schedule", replayed.violation.as_ref(), &file.violation)?;
    Ok(scenario)
}

/// The scenario the trace embeds, loaded as `weft check` would load it.
pub fn embedded_scenario(file: &TraceFile) -> Result<Scenario> {
    Scenario::parse(
        &file.scenario.name,
        &file.scenario.path,
        &file.scenario.text,
    )
    .map_err(|e| anyhow::anyhow!("refused: the trace's embedded scenario does not load: {e}"))
}

/// The fields outside the steps: model, variant, parameters, engine and its shuttle schedule,
/// and the schedule's length and thread names.
pub fn check_header(file: &TraceFile, scenario: &Scenario) -> Result<()> {
    let field = |name: &str, said: &str, is: &str| -> Result<()> {
        ensure!(
            said == is,
            "refused: field `{name}`: the trace says `{said}`, its scenario `{is}`"
        );
        Ok(())
    };
    field("model", &file.model, &scenario.model)?;
    field("variant", &file.variant, &scenario.variant)?;
    ensure!(
        file.params == scenario.params,
        "refused: field `params`: the trace says `{}`, its scenario `{}`",
        params(&file.params),
        params(&scenario.params)
    );
    check_engine(file)?;
    ensure!(
        file.steps.len() == file.schedule.len(),
        "refused: field `schedule`: the trace lists {} steps but its schedule has {}",
        file.steps.len(),
        file.schedule.len()
    );
    for (i, (step, name)) in file.steps.iter().zip(&file.schedule).enumerate() {
        ensure!(
            step.thread_name == *name,
            "refused: step {}, field `schedule`: the schedule names thread `{name}`, the step `{}`",
            i + 1,
            step.thread_name
        );
    }
    Ok(())
}

/// Parameters as one comparable line, `a=1, b=2`.
fn params(p: &std::collections::BTreeMap<String, i64>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The engine is one `weft check` has, and only a shuttle engine carries a shuttle schedule.
fn check_engine(file: &TraceFile) -> Result<()> {
    let Some(&(_, shuttle)) = ENGINES.iter().find(|(name, _)| *name == file.engine) else {
        let names: Vec<&str> = ENGINES.iter().map(|(n, _)| *n).collect();
        bail!(
            "refused: field `engine`: `{}` is not an engine of weft ({})",
            file.engine,
            names.join(", ")
        );
    };
    if file.shuttle_schedule.is_some() && !shuttle {
        bail!(
            "refused: field `shuttle_schedule`: the trace was found by {}, which writes none",
            file.engine
        );
    }
    Ok(())
}

/// The schedule re-executed on `model`, thread names resolved through the model.
fn re_execute(file: &TraceFile, model: &dyn AnyModel) -> Result<Trace> {
    let schedule = file
        .schedule_for(model)
        .map_err(|e| anyhow::anyhow!("refused: {e:#}"))?;
    model
        .trace(&schedule)
        .map_err(|e| anyhow::anyhow!("refused: the schedule does not re-execute: {e}"))
}

/// Every step of the trace against the model's: thread (index and name), label, note,
/// source and changes.
fn check_steps(said: &[TraceStep], did: &[TraceStep]) -> Result<()> {
    ensure!(
        said.len() == did.len(),
        "refused: the trace lists {} steps, the model ran {}",
        said.len(),
        did.len()
    );
    for (i, (want, got)) in said.iter().zip(did).enumerate() {
        if let Some((field, said, is)) = first_difference(want, got) {
            bail!(
                "refused: step {} ({} `{}`), field `{field}`: the trace says {said}, the model {is}",
                i + 1,
                got.thread_name,
                render::label(got)
            );
        }
    }
    Ok(())
}

/// The first field in which a step of the trace differs from the model's, with both values.
fn first_difference(want: &TraceStep, got: &TraceStep) -> Option<(&'static str, String, String)> {
    let quote = |s: &str| format!("`{s}`");
    let note = |n: &Option<String>| n.as_deref().map_or("no note".into(), quote);
    let source =
        |s: &weft_explorer::Source| format!("`{}` in `{}` at `{}`", s.function, s.file, s.version);
    Some(if want.thread != got.thread {
        ("thread", want.thread.to_string(), got.thread.to_string())
    } else if want.thread_name != got.thread_name {
        (
            "thread_name",
            quote(&want.thread_name),
            quote(&got.thread_name),
        )
    } else if want.label != got.label {
        ("label", quote(&want.label), quote(&got.label))
    } else if want.note != got.note {
        ("note", note(&want.note), note(&got.note))
    } else if want.source != got.source {
        ("source", source(&want.source), source(&got.source))
    } else if want.changes != got.changes {
        ("changes", changes(&want.changes), changes(&got.changes))
    } else {
        return None;
    })
}

/// Changes as one line, `[a 0 -> 1; b (ghost) x -> y]`.
fn changes(cs: &[Change]) -> String {
    let each: Vec<String> = cs
        .iter()
        .map(|c| format!("{} {} -> {}", render::field(c), c.before, c.after))
        .collect();
    format!("[{}]", each.join("; "))
}

/// Whether a re-execution ended in the trace's violation.
pub fn same_end(what: &str, got: Option<&Violation>, want: &Violation) -> Result<()> {
    match got {
        Some(v) if v == want => Ok(()),
        Some(v) => bail!(
            "refused: field `violation`: {what} ends in {} but the trace says {}",
            render::violation(v),
            render::violation(want)
        ),
        None => bail!(
            "refused: field `violation`: {what} ends in no violation, but the trace says {}",
            render::violation(want)
        ),
    }
}
