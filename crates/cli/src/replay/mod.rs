//! `weft replay`: re-execute a saved counterexample against its model, on the model or on
//! shuttle threads, and confirm every step; or run its schedule on another variant
//! (`--variant`) to see whether that variant blocks the interleaving.

mod variant;

use crate::exit::Exit;
use crate::render;
use crate::stdout::outln;
use crate::trace_file::{check as trace_check, TraceFile};
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
    /// Run the same schedule on variant V of the trace's scenario (a candidate fix), as far
    /// as it stays possible: report the first step where it departs from the trace (its
    /// thread cannot move, or the step has another effect), the state there, and whether the
    /// violation recurs. Exit 1 if it does, 0 if not.
    #[arg(long, value_name = "V", conflicts_with = "engine")]
    variant: Option<String>,
    /// Colour the state shown with --variant: auto, always, never.
    #[arg(long, value_enum, default_value_t = crate::view::ColorWhen::Auto)]
    color: crate::view::ColorWhen,
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
    let scenario = trace_check::check(&file)
        .with_context(|| format!("{} does not match its model", path.display()))?;
    if let Some(variant) = &args.variant {
        let paint = crate::view::Paint {
            on: args.color.enabled(false),
        };
        return variant::run(&file, &scenario, variant, paint);
    }
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
        "confirmed: {} steps of {} (variant {}) re-execute exactly{} and end in {}",
        file.steps.len(),
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
        .map(|&t| names.get(t).cloned().unwrap_or_else(|| format!("#{t}")))
        .collect();
    if threads != file.schedule {
        bail!(
            "refused: field `shuttle_schedule`: on shuttle threads it ran {} steps [{}], \
             the trace says {} [{}]",
            threads.len(),
            threads.join(" "),
            file.schedule.len(),
            file.schedule.join(" ")
        );
    }
    trace_check::same_end(
        "on shuttle threads the schedule",
        replayed.violation.as_ref(),
        &file.violation,
    )
}
