//! `weft replay`: re-execute a saved counterexample against its model, on the model or on
//! shuttle threads, and confirm every step.

use crate::exit::Exit;
use crate::render;
use crate::stdout::outln;
use crate::trace_file::TraceFile;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use weft_model::Scenario;

/// `weft replay`'s options.
#[derive(Args)]
pub struct ReplayArgs {
    /// A trace file written by `weft check --trace-out`.
    trace: PathBuf,
    /// `shuttle`: re-execute the trace's shuttle schedule (from `--engine random`, `pct` or
    /// `dfs-shuttle`) as real shuttle threads through shuttle's replay scheduler.
    #[arg(long, value_enum, default_value_t = ReplayEngine::Model)]
    engine: ReplayEngine,
}

/// How `weft replay` re-executes a trace.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayEngine {
    /// Step the model through the trace's schedule.
    Model,
    /// Run the trace's shuttle schedule on real shuttle threads (shuttle's replay scheduler),
    /// then step the model as well.
    Shuttle,
}

/// `weft replay`: confirms the trace step by step, or refuses it and says where it differs.
pub fn run(args: &ReplayArgs) -> Result<Exit> {
    let path = &args.trace;
    let file = TraceFile::read(path)?;
    let scenario = embedded_scenario(&file)?;
    let on_shuttle = args.engine == ReplayEngine::Shuttle;
    if on_shuttle {
        let Some(schedule) = &file.shuttle_schedule else {
            bail!(
                "refused: {} has no shuttle schedule (it was found by the {} engine); \
                 `weft check --engine random|pct|dfs-shuttle --trace-out FILE` writes one",
                path.display(),
                file.engine
            );
        };
        confirm_on_shuttle(&file, &scenario, schedule, path)?;
    }
    let steps = confirm_on_model(&file, &scenario, path)?;
    if let Some(current) = Scenario::shipped_text(&file.scenario.name) {
        if current != file.scenario.text {
            eprintln!(
                "note: the shipped scenario {} has changed since this trace was written; \
                 the trace's own copy was replayed",
                file.scenario.name
            );
        }
    }
    outln!(
        "confirmed: {steps} steps of {} (variant {}) re-execute exactly{} and end in {}",
        file.scenario.name,
        file.variant,
        if on_shuttle {
            " on shuttle threads (shuttle's replay scheduler) and in the model"
        } else {
            ""
        },
        render::violation(&file.violation)
    );
    Ok(Exit::Pass)
}

/// The trace's embedded scenario, loaded, if it is the model and variant the trace names and
/// the trace's steps are its schedule's.
fn embedded_scenario(file: &TraceFile) -> Result<Scenario> {
    let scenario = Scenario::parse(
        &file.scenario.name,
        &file.scenario.path,
        &file.scenario.text,
    )
    .map_err(|e| anyhow::anyhow!("the trace's embedded scenario no longer loads: {e}"))?;
    if scenario.model != file.model || scenario.variant != file.variant {
        bail!(
            "refused: the trace says model {} variant {}, but its scenario is model {} variant {}",
            file.model,
            file.variant,
            scenario.model,
            scenario.variant
        );
    }
    if file.steps.len() != file.schedule.len() {
        bail!(
            "refused: the trace lists {} steps but its schedule has {}",
            file.steps.len(),
            file.schedule.len()
        );
    }
    Ok(scenario)
}

/// Runs the shuttle schedule on shuttle threads: it must give the trace's schedule and end in
/// its violation.
fn confirm_on_shuttle(
    file: &TraceFile,
    scenario: &Scenario,
    schedule: &str,
    path: &Path,
) -> Result<()> {
    let replayed = scenario
        .model()
        .replay_on_shuttle(schedule)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("refused: {} does not replay on shuttle", path.display()))?;
    let names = scenario.model().thread_names();
    let threads: Vec<String> = replayed
        .schedule
        .iter()
        .map(|&t| names[t].clone())
        .collect();
    if threads != file.schedule {
        bail!(
            "refused: on shuttle threads the schedule ran {} steps [{}], the trace says {} [{}]",
            threads.len(),
            threads.join(" "),
            file.schedule.len(),
            file.schedule.join(" ")
        );
    }
    same_end(
        "on shuttle threads the schedule",
        replayed.violation.as_ref(),
        file,
    )
}

/// Re-executes the schedule on the model: every step's thread, label and changes, and the
/// violation at the end, must be the trace's. Returns how many steps ran.
fn confirm_on_model(file: &TraceFile, scenario: &Scenario, path: &Path) -> Result<usize> {
    let replayed = file
        .schedule_for(scenario.model())
        .and_then(|schedule| {
            scenario
                .model()
                .trace(&schedule)
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .with_context(|| format!("refused: {} does not re-execute", path.display()))?;
    for (i, (got, want)) in replayed.steps.iter().zip(&file.steps).enumerate() {
        if got.thread_name != want.thread_name || got.label != want.label || got.note != want.note {
            bail!(
                "refused: step {} differs: the trace says {} `{}`, the model does {} `{}`",
                i + 1,
                want.thread_name,
                render::label(want),
                got.thread_name,
                render::label(got)
            );
        }
        if got.changes != want.changes {
            let show = |cs: &[weft_explorer::Change]| {
                cs.iter()
                    .map(|c| format!("{} {} -> {}", render::field(c), c.before, c.after))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            bail!(
                "refused: step {} ({}) changes different fields: the trace says [{}], the model [{}]",
                i + 1,
                render::label(want),
                show(&want.changes),
                show(&got.changes)
            );
        }
    }
    same_end("the schedule", replayed.violation.as_ref(), file)?;
    Ok(replayed.steps.len())
}

/// Whether a replay ended in the trace's violation.
fn same_end(what: &str, got: Option<&weft_explorer::Violation>, file: &TraceFile) -> Result<()> {
    match got {
        Some(v) if *v == file.violation => Ok(()),
        Some(v) => bail!(
            "refused: {what} ends in {} but the trace says {}",
            render::violation(v),
            render::violation(&file.violation)
        ),
        None => bail!(
            "refused: {what} ends in no violation, but the trace says {}",
            render::violation(&file.violation)
        ),
    }
}
