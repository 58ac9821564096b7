//! `weft check`: explore scenarios, print verdicts and counterexamples, save traces.
//!
//! - [`args`]: the command's options, grouped as `--help` shows them, and the search they ask
//!   for;
//! - [`report`]: exploring a scenario's model into a [`Report`];
//! - [`print`](mod@print): the human summary and the `--json` document;
//! - [`cluster`]: the timely engine's processes and hostfile.

mod args;
mod cluster;
mod json;
mod print;
mod report;

pub use args::{CheckArgs, Engine};
pub use json::schedules_json;
pub use report::{explore, Report};

use crate::exit::Exit;
use crate::output;
use crate::progress::{self, Spinner, INTERRUPTED};
use crate::trace_file::TraceFile;
use anyhow::Result;
use std::collections::HashSet;
use std::path::PathBuf;
use weft_explorer::{Limits, Progress, Reduction, SearchError};
use weft_model::Scenario;

/// Checks every scenario `args` names; the exit code combines their results.
pub fn run(args: &CheckArgs) -> Result<Exit> {
    args.validate()?;
    progress::handle_ctrl_c();
    let limits = args.limits()?;
    let engine = args.explorer_engine()?;
    let scenarios = crate::input::expand(&args.scenarios)?;
    // With --continue, one scenario may save a trace per check it violates.
    let several = scenarios.len() > 1 || args.search.go_on;
    // Where traces go is checked before any search: a bad path is not found an hour later.
    match (several, &args.output.trace_out) {
        (true, Some(dir)) if dir.extension().is_some_and(|x| x == "json") => anyhow::bail!(
            "--trace-out {} names a file, but {} save a trace each: give a folder",
            dir.display(),
            if args.search.go_on {
                "with --continue the checks violated".to_string()
            } else {
                format!("{} scenarios", scenarios.len())
            }
        ),
        (true, Some(dir)) => output::check_dir(dir)?,
        (false, Some(file)) => output::check_file(file)?,
        (_, None) => {}
    }
    let mut trace_names = HashSet::new();
    let mut out = print::Output::new(args, scenarios.len() > 1);
    let mut exit = Exit::Pass;
    for arg in &scenarios {
        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            exit = exit.combine(Exit::Stopped);
            break;
        }
        let Some(scenario) = crate::input::load_scenario(arg) else {
            exit = exit.combine(Exit::BadInput);
            continue;
        };
        crate::memory::arm();
        let reports = match rounds(args, &engine, &limits, &scenario) {
            Ok(reports) => reports,
            Err(e) => match e.downcast_ref::<SearchError>() {
                Some(SearchError::Timely(_)) => {
                    eprintln!("error: {e:#}");
                    return Ok(exit.combine(Exit::Stopped));
                }
                Some(refused) => {
                    eprintln!(
                        "error: {}: {}",
                        scenario.name,
                        args::explain(refused, args.engine())
                    );
                    return Ok(exit.combine(Exit::BadInput));
                }
                None => return Err(e),
            },
        };
        for report in &reports {
            exit = exit.combine(if args.output.as_expected {
                grade(&scenario, report)
            } else {
                Exit::of(&report.outcome.verdict)
            });
            if !args.prints() {
                continue;
            }
            // The verdict and summary are printed even when the trace cannot be saved.
            let trace = match save_trace(args, several, &scenario, report, &mut trace_names) {
                Ok(path) => path,
                Err(e) => {
                    eprintln!("error: {}: the trace was not saved: {e:#}", scenario.name);
                    exit = exit.combine(Exit::BadInput);
                    None
                }
            };
            out.add(&scenario, report, trace.as_deref());
        }
        if args.search.go_on && args.prints() {
            out.continued(&scenario, &reports);
        }
    }
    if args.prints() {
        out.finish()?;
    }
    Ok(exit)
}

/// The searches of one scenario: one, or with `--continue` one per check violated and a
/// last one that finds no other (or stops).
fn rounds(
    args: &CheckArgs,
    engine: &weft_explorer::Engine,
    limits: &Limits,
    scenario: &Scenario,
) -> Result<Vec<Report>> {
    let asked = (!args.search.checks.is_empty()).then(|| args.search.checks.clone());
    if !args.search.go_on {
        return Ok(vec![check(args, engine, limits, scenario, asked)?]);
    }
    let mut looked_for = asked.unwrap_or_else(|| all_checks(scenario));
    let mut reports = Vec::new();
    let mut only = (!args.search.checks.is_empty()).then(|| looked_for.clone());
    loop {
        let report = check(args, engine, limits, scenario, only)?;
        let violated = match &report.outcome.verdict {
            weft_explorer::Verdict::Violation(c) => Some(c.violation.check.clone()),
            _ => None,
        };
        reports.push(report);
        let Some(violated) = violated else {
            return Ok(reports);
        };
        looked_for.retain(|c| *c != violated);
        if looked_for.is_empty() || INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(reports);
        }
        only = Some(looked_for.clone());
    }
}

/// Every check of the scenario's model, with `deadlock`.
fn all_checks(scenario: &Scenario) -> Vec<String> {
    let mut checks: Vec<String> = scenario
        .model()
        .checks()
        .iter()
        .map(|c| c.to_string())
        .collect();
    if !checks.iter().any(|c| c == weft_explorer::DEADLOCK) {
        checks.push(weft_explorer::DEADLOCK.into());
    }
    checks
}

/// One scenario's result graded against its `[expect]`, with a line on stderr when it is not
/// as expected.
fn grade(scenario: &Scenario, report: &Report) -> Exit {
    let verdict = &report.outcome.verdict;
    let judgement = scenario
        .expect
        .as_ref()
        .and_then(|e| e.judge(&report.outcome));
    let exit = Exit::graded(judgement, verdict);
    if exit != Exit::Pass {
        let mut got = print::got(verdict);
        if let weft_explorer::Verdict::Stopped(r) = verdict {
            got += &format!(" ({r})");
        }
        match &scenario.expect {
            None => eprintln!("not graded: {}: no [expect] (got {got})", scenario.name),
            Some(e) if judgement.is_none() => eprintln!(
                "not graded: {}: expected {e}, got {got}, which cannot be judged",
                scenario.name
            ),
            Some(e) => eprintln!("mismatch: {}: expected {e}, got {got}", scenario.name),
        }
    }
    exit
}

/// Explores one scenario as `args` say, with progress on stderr.
fn check(
    args: &CheckArgs,
    engine: &weft_explorer::Engine,
    limits: &Limits,
    scenario: &Scenario,
    only: Option<Vec<String>>,
) -> Result<Report> {
    let timely = args.engine() == Engine::Timely;
    let quiet = args.output.quiet || !args.prints();
    let spinner = Spinner::new(
        !args.output.quiet && !args.output.json && !timely,
        &scenario.name,
    );
    let levels = cluster::LevelLines::default();
    let update = |p: &Progress| match (timely, quiet) {
        (true, false) => levels.print(p),
        (true, true) => {}
        (false, _) => spinner.update(p),
    };
    let checker = args.checker(engine.clone(), limits, &update, only.clone());
    let model = scenario.model();
    // The breadth-first engine counts schedules when nothing reduces them, and only those
    // of the whole model: with --check, dead ends would count as schedules.
    let count = args.engine() == Engine::Bfs && only.is_none() && !model.reduces(&checker)?;
    let report = explore(model, &checker.count_schedules(count));
    spinner.finish();
    let mut report = report?;
    if args.reduce.por_stats {
        let reduction = if report.outcome.reduced {
            Reduction::Off
        } else {
            Reduction::On
        };
        let other = args.checker(engine.clone(), limits, &|_| {}, only);
        report.other = Some(
            model
                .check(&other.reduction(reduction))
                .ok()
                .map(|o| o.stats),
        );
    }
    Ok(report)
}

/// Saves the counterexample where `--trace-out` says, if there is one; the path written.
fn save_trace(
    args: &CheckArgs,
    several: bool,
    scenario: &Scenario,
    report: &Report,
    taken: &mut HashSet<String>,
) -> Result<Option<PathBuf>> {
    let (Some(trace), Some(out)) = (&report.trace, &args.output.trace_out) else {
        return Ok(None);
    };
    let path = if several {
        let mut stem = scenario.name.replace('/', "_");
        if args.search.go_on {
            stem += &format!(".{}", trace.violation.as_ref().map_or("", |v| &v.check));
        }
        output::unique_in(out, &stem, ".trace.json", taken)
    } else {
        out.clone()
    };
    let mut file = TraceFile::new(scenario, args.engine().name(), &report.threads, trace);
    file.shuttle_schedule = report
        .outcome
        .sampling
        .as_ref()
        .and_then(|s| s.shuttle_schedule.clone());
    file.write(&path)?;
    Ok(Some(path))
}
