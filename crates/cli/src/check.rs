//! `weft check`: explore scenarios, print verdicts and counterexamples, save traces.

use crate::progress::{self, Spinner, INTERRUPTED};
use crate::trace_file::TraceFile;
use crate::{render, Exit};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use weft_explorer::{explore, Limits, Model, Options, Outcome, Trace, Verdict};
use weft_model::{Scenario, WithModel};

#[derive(Args)]
pub struct CheckArgs {
    /// Scenario files or shipped names (see `weft list`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Search engine: bfs explores level by level and finds a shortest counterexample.
    #[arg(long, value_enum, default_value_t = Engine::Bfs)]
    engine: Engine,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Stop with exit code 3 once this many distinct states are stored.
    #[arg(long, value_name = "N")]
    max_states: Option<u64>,
    /// Do not explore past this many steps; exit code 3 if states remain beyond it.
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    /// Stop with exit code 3 after this many seconds.
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// Save the counterexample here (with several scenarios: a directory, one file each).
    #[arg(long, value_name = "PATH")]
    trace_out: Option<PathBuf>,
    /// One JSON document on stdout (an array with several scenarios).
    #[arg(long)]
    json: bool,
    /// Only the verdict line per scenario.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Engine {
    /// Breadth-first, parallel, deterministic; shortest counterexamples.
    Bfs,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Bfs => "bfs",
        }
    }
}

/// What exploring one scenario produced.
struct Report {
    outcome: Outcome,
    trace: Option<Trace>,
    threads: Vec<String>,
}

struct Job<'a> {
    options: Options<'a>,
}

impl WithModel for Job<'_> {
    type Output = Result<Report>;
    fn run<M: Model>(self, model: &M) -> Result<Report> {
        let outcome = explore(model, &self.options);
        let trace = match &outcome.verdict {
            Verdict::Violation(cex) => Some(
                cex.trace(model)
                    .context("internal error: the counterexample does not re-execute")?,
            ),
            _ => None,
        };
        let threads = (0..model.thread_count())
            .map(|t| model.thread_name(t).to_string())
            .collect();
        Ok(Report {
            outcome,
            trace,
            threads,
        })
    }
}

pub fn run(args: &CheckArgs) -> Result<Exit> {
    progress::handle_ctrl_c();
    let limits = Limits {
        max_states: args.max_states,
        max_depth: args.max_depth,
        time_limit: args
            .time_limit
            .map(|s| Duration::try_from_secs_f64(s).context("--time-limit takes seconds"))
            .transpose()?,
    };
    let several = args.scenarios.len() > 1;
    if let (true, Some(dir)) = (several, &args.trace_out) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the trace directory {}", dir.display()))?;
    }
    let mut exit = Exit::Pass;
    let mut docs = Vec::new();
    let (mut matched, mut expected) = (0, 0);
    for arg in &args.scenarios {
        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            exit = exit.worst(Exit::Stopped);
            break;
        }
        let scenario = match Scenario::resolve(arg) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{:?}", miette::Report::new(e));
                exit = exit.worst(Exit::BadInput);
                continue;
            }
        };
        let spinner = Spinner::new(!args.quiet && !args.json, &scenario.name);
        let update = |p: &weft_explorer::Progress| spinner.update(p);
        let job = Job {
            options: Options {
                threads: args.threads,
                limits: limits.clone(),
                stop: Some(&INTERRUPTED),
                progress: Some(&update),
            },
        };
        let report = scenario.with_model(job);
        spinner.finish();
        let report = report?;
        let trace_path = match (&report.trace, &args.trace_out) {
            (Some(trace), Some(out)) => {
                let path = if several {
                    out.join(format!("{}.trace.json", scenario.name.replace('/', "_")))
                } else {
                    out.clone()
                };
                TraceFile::new(&scenario, args.engine.name(), &report.threads, trace)
                    .write(&path)?;
                Some(path)
            }
            _ => None,
        };
        let failed = match &report.outcome.verdict {
            Verdict::Violation(c) => Some(c.violation.check.as_str()),
            _ => None,
        };
        let as_expected = match (&report.outcome.verdict, &scenario.expect) {
            (Verdict::Stopped(_), _) | (_, None) => None,
            (_, Some(e)) => Some(e.matches(failed)),
        };
        if let Some(ok) = as_expected {
            expected += 1;
            matched += ok as usize;
        }
        exit = exit.worst(match report.outcome.verdict {
            Verdict::Pass => Exit::Pass,
            Verdict::Violation(_) => Exit::Violation,
            Verdict::Stopped(_) => Exit::Stopped,
        });
        if args.json {
            docs.push(json_doc(
                &scenario,
                &report,
                args.engine,
                trace_path.as_deref(),
                as_expected,
            ));
        } else {
            print_human(&scenario, &report, args, trace_path.as_deref(), as_expected);
        }
    }
    if args.json {
        let doc = if several {
            serde_json::Value::Array(docs)
        } else {
            docs.pop().unwrap_or(serde_json::Value::Null)
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if several && expected > 0 {
        println!("{matched} of {expected} scenarios with an [expect] gave the expected verdict");
    }
    Ok(exit)
}

fn verdict_words(outcome: &Outcome) -> String {
    match &outcome.verdict {
        Verdict::Pass => "PASS: no violation in any schedule".into(),
        Verdict::Violation(c) => format!("VIOLATION of {}", c.violation.check),
        Verdict::Stopped(r) => format!("STOPPED before a verdict: {r}"),
    }
}

fn print_human(
    scenario: &Scenario,
    report: &Report,
    args: &CheckArgs,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) {
    let o = &report.outcome;
    let s = &o.stats;
    let mark = match as_expected {
        Some(true) => "  (as expected)",
        Some(false) => "  (NOT as expected)",
        None => "",
    };
    println!("{}: {}{mark}", scenario.name, verdict_words(o));
    if args.quiet {
        return;
    }
    println!("  model {}, variant {}", scenario.model, scenario.variant);
    if !scenario.summary.is_empty() {
        println!("  {}", scenario.summary);
    }
    if let Verdict::Violation(c) = &o.verdict {
        println!("  {}", c.violation.message);
    }
    let partial = if matches!(o.verdict, Verdict::Pass) {
        ""
    } else {
        "so far: "
    };
    println!(
        "  explored {partial}{} states, {} transitions, depth {}, {} terminal states, {:.3}s on {} thread{}",
        s.states,
        s.transitions,
        s.depth,
        s.terminal_states,
        s.elapsed.as_secs_f64(),
        s.threads,
        if s.threads == 1 { "" } else { "s" }
    );
    if let Some(e) = &scenario.expect {
        let got = match &o.verdict {
            Verdict::Pass => "pass".to_string(),
            Verdict::Violation(c) => format!("violation of {}", c.violation.check),
            Verdict::Stopped(_) => "no verdict".to_string(),
        };
        println!("  expected {e}, got {got}{mark}");
    }
    if let Some(trace) = &report.trace {
        println!(
            "\n  counterexample ({} steps, shortest):",
            trace.steps.len()
        );
        print!("{}", render::steps(&trace.steps, false));
        if let Some(v) = &trace.violation {
            println!("  => {}", render::violation(v));
        }
        match trace_path {
            Some(p) => println!(
                "\n  trace saved to {0}  (view: weft show {0}; confirm: weft replay {0})",
                p.display()
            ),
            None => println!(
                "\n  save it with --trace-out FILE, then `weft show FILE` or `weft replay FILE`"
            ),
        }
    }
    println!();
}

fn json_doc(
    scenario: &Scenario,
    report: &Report,
    engine: Engine,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) -> serde_json::Value {
    let o = &report.outcome;
    let s = &o.stats;
    let (verdict, check, message, stop) = match &o.verdict {
        Verdict::Pass => ("pass", None, None, None),
        Verdict::Violation(c) => (
            "violation",
            Some(c.violation.check.clone()),
            Some(c.violation.message.clone()),
            None,
        ),
        Verdict::Stopped(r) => ("stopped", None, None, Some(r.to_string())),
    };
    json!({
        "scenario": scenario.name,
        "path": scenario.path,
        "model": scenario.model,
        "variant": scenario.variant,
        "engine": engine.name(),
        "verdict": verdict,
        "check": check,
        "message": message,
        "stopped": stop,
        "states": s.states,
        "transitions": s.transitions,
        "depth": s.depth,
        "terminal_states": s.terminal_states,
        "elapsed": s.elapsed.as_secs_f64(),
        "threads": s.threads,
        "trace_length": report.trace.as_ref().map(|t| t.steps.len()),
        "trace": trace_path.map(|p| p.display().to_string()),
        "expected": scenario.expect.as_ref().map(|e| e.to_string()),
        "as_expected": as_expected,
    })
}
