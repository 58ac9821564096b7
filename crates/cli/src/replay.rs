//! `weft show` and `weft replay`: read a saved trace, print it, or re-execute it.

use crate::trace_file::TraceFile;
use crate::{render, view, Exit, ShowFormat};
use anyhow::{bail, Context, Result};
use std::path::Path;
use weft_model::Scenario;

/// `weft show`: the saved counterexample in the asked format (swimlanes by default).
pub fn show(
    path: &Path,
    format: ShowFormat,
    out: Option<&Path>,
    opts: view::ShowOptions,
) -> Result<Exit> {
    let t = TraceFile::read(path)?;
    let paint = view::Paint {
        on: opts.color.enabled(out.is_some()),
    };
    const WIDTH: usize = 100;
    let text = if let Some(n) = opts.state {
        let replayed = view::replay(&t)?;
        match format {
            ShowFormat::Json => {
                let fields = replayed.states.get(n).with_context(|| {
                    format!("--state {n}: the trace has {} steps", t.steps.len())
                })?;
                serde_json::to_string_pretty(&serde_json::json!({
                    "step": n,
                    "fields": fields,
                    "changed": if n == 0 { Vec::new() } else { t.steps[n - 1].changes.clone() },
                }))? + "\n"
            }
            _ => view::state::render(&t, &replayed, n, paint)?,
        }
    } else if opts.explain && !matches!(format, ShowFormat::Html) {
        view::explain::render(&t, WIDTH)
    } else {
        match format {
            ShowFormat::Json => serde_json::to_string_pretty(&t)? + "\n",
            ShowFormat::Text => view::swimlanes::render(&t, WIDTH, paint),
            ShowFormat::List => {
                let mut s = format!(
                    "{}  (model {}, variant {}, found by {})\n",
                    t.scenario.name, t.model, t.variant, t.engine
                );
                s += &format!("{} steps:\n", t.steps.len());
                s += &render::steps(&t.steps, true);
                s += &format!("  => {}\n", render::violation(&t.violation));
                s
            }
            ShowFormat::Html => {
                let replayed = view::replay(&t)?;
                let story = view::explain::paragraphs(&t);
                view::html::render(&t, &replayed, &story, None, &[])
            }
        }
    };
    match out {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(Exit::Pass)
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

pub fn run(path: &Path, engine: ReplayEngine) -> Result<Exit> {
    let file = TraceFile::read(path)?;
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
    let on_shuttle = engine == ReplayEngine::Shuttle;
    if on_shuttle {
        let Some(schedule) = &file.shuttle_schedule else {
            bail!(
                "refused: {} has no shuttle schedule (it was found by the {} engine); \
                 `weft check --engine random|pct|dfs-shuttle --trace-out FILE` writes one",
                path.display(),
                file.engine
            );
        };
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
        let violation = replayed.violation;
        if threads != file.schedule {
            bail!(
                "refused: on shuttle threads the schedule ran {} steps [{}], the trace says {} [{}]",
                threads.len(),
                threads.join(" "),
                file.schedule.len(),
                file.schedule.join(" ")
            );
        }
        match violation {
            Some(v) if v == file.violation => {}
            Some(v) => bail!(
                "refused: on shuttle threads the schedule ends in {} but the trace says {}",
                render::violation(&v),
                render::violation(&file.violation)
            ),
            None => bail!(
                "refused: on shuttle threads the schedule ends in no violation, but the trace says {}",
                render::violation(&file.violation)
            ),
        }
    }
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
                    .map(|c| format!("{} {} -> {}", c.field, c.before, c.after))
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
    match &replayed.violation {
        Some(v) if *v == file.violation => {}
        Some(v) => bail!(
            "refused: the schedule ends in {} but the trace says {}",
            render::violation(v),
            render::violation(&file.violation)
        ),
        None => bail!(
            "refused: the schedule ends in no violation, but the trace says {}",
            render::violation(&file.violation)
        ),
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
    println!(
        "confirmed: {} steps of {} (variant {}) re-execute exactly{} and end in {}",
        replayed.steps.len(),
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
