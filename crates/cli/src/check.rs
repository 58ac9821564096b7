//! `weft check`: explore scenarios, print verdicts and counterexamples, save traces.

use crate::progress::{self, Spinner, INTERRUPTED};
use crate::trace_file::TraceFile;
use crate::{render, Exit};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use weft_explorer::dfs::explore_dfs;
use weft_explorer::preemption::{self, Bounded, Fewer};
use weft_explorer::shuttle_engine::{explore_shuttle, ShuttleOptions, Strategy, Summary};
use weft_explorer::timely_engine::{explore_timely, Cluster, TimelyError};
use weft_explorer::{explore, Limits, Model, Options, Outcome, Schedules, Trace, Verdict};
use weft_model::scenario::WithSerialModel;
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
    /// Explore only schedules with at most K preemptions (switches away from a thread that
    /// could have continued); the verdict then holds up to K.
    #[arg(long, value_name = "K")]
    preemptions: Option<u32>,
    /// Do not look for a counterexample with fewer preemptions (saves bounded re-searches).
    #[arg(long)]
    no_fewest_preemptions: bool,
    /// Turn partial-order reduction off: explore every interleaving (and count schedules).
    #[arg(long)]
    no_por: bool,
    /// Also explore the other way (with reduction if it was off, without if it was on) and
    /// print both state counts.
    #[arg(long)]
    por_stats: bool,
    /// Bitstate hashing (SPIN's supertrace) with a fixed visited set of MB megabytes: for
    /// state spaces that do not fit; the search may miss states, and says how many it expects.
    #[arg(long, value_name = "MB")]
    bitstate: Option<usize>,
    /// With --engine timely: worker threads in this process.
    #[arg(long, value_name = "W", default_value_t = 1)]
    workers: usize,
    /// With --engine timely: processes in the run (list them with --hostfile).
    #[arg(long, value_name = "N", default_value_t = 1)]
    processes: usize,
    /// With --engine timely: this process's index, 0 to N-1 (process 0 prints the result).
    #[arg(long, value_name = "I", default_value_t = 0)]
    process: usize,
    /// With --engine timely: one host:port per line, process 0 first; each process listens
    /// on its own line's port.
    #[arg(long, value_name = "FILE")]
    hostfile: Option<PathBuf>,
    /// With --engine timely: give up (exit code 3) if a peer has not connected by then.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    connect_timeout: f64,
    /// random, pct, dfs-shuttle: executions to run (random and pct default to 1000; dfs-shuttle
    /// runs every schedule unless given).
    #[arg(long, value_name = "N")]
    iterations: Option<usize>,
    /// random, pct: the scheduler's seed; the same seed gives the same executions.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,
    /// pct: the bug depth to aim at (priority change points + 1).
    #[arg(long, default_value_t = 3, value_name = "D")]
    pct_depth: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Breadth-first, parallel, deterministic; shortest counterexamples.
    Bfs,
    /// Depth-first, one thread, memory for the visited set and the current path only;
    /// counterexamples are not necessarily shortest.
    Dfs,
    /// Breadth-first on timely-dataflow workers, threads or processes or machines
    /// (--workers, --processes, --process, --hostfile); shortest counterexamples; every
    /// interleaving (no partial-order reduction).
    Timely,
    /// Real shuttle threads, a uniformly random schedule per execution (--iterations, --seed).
    Random,
    /// Real shuttle threads under PCT: a bug of depth d shows up with probability at least
    /// 1/(n*k^(d-1)) per execution (--pct-depth, --iterations, --seed).
    Pct,
    /// Real shuttle threads under shuttle's stateless depth-first search: every schedule, one
    /// execution each (small scenarios only).
    DfsShuttle,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Bfs => "bfs",
            Engine::Dfs => "dfs",
            Engine::Timely => "timely",
            Engine::Random => "random",
            Engine::Pct => "pct",
            Engine::DfsShuttle => "dfs-shuttle",
        }
    }

    /// The shuttle scheduler behind a shuttle engine.
    pub fn shuttle(self, pct_depth: usize) -> Option<Strategy> {
        match self {
            Engine::Random => Some(Strategy::Random),
            Engine::Pct => Some(Strategy::Pct { depth: pct_depth }),
            Engine::DfsShuttle => Some(Strategy::Dfs),
            _ => None,
        }
    }
}

/// What exploring one scenario produced.
pub struct Report {
    pub outcome: Outcome,
    pub trace: Option<Trace>,
    pub threads: Vec<String>,
    /// Preemptions the reported counterexample uses.
    pub preemptions: Option<u32>,
    /// A counterexample that needs fewer preemptions than the reported one.
    pub fewer: Option<Fewer>,
    /// Per thread, the names of the model's coverage points.
    pub coverage_points: Vec<Vec<String>>,
    /// The preemption bound explored under, if any.
    pub bound: Option<u32>,
    /// Partial-order reduction was on.
    pub por: bool,
    /// With `--por-stats`: the counts of the search made the other way.
    pub other: Option<weft_explorer::Stats>,
}

/// Runs a scenario's model on shuttle threads (engines random, pct, dfs-shuttle).
struct ShuttleJob(ShuttleOptions);

impl WithModel for ShuttleJob {
    type Output = Result<(Report, Summary)>;
    fn run<M: Model>(self, model: &M) -> Result<(Report, Summary)> {
        let out = explore_shuttle(model, &self.0);
        let (preemptions, trace) = match &out.outcome.verdict {
            Verdict::Violation(cex) => (
                preemption::count(model, &cex.schedule),
                Some(
                    cex.trace(model)
                        .context("internal error: the counterexample does not re-execute")?,
                ),
            ),
            _ => (None, None),
        };
        let report = Report {
            outcome: out.outcome,
            trace,
            threads: (0..model.thread_count())
                .map(|t| model.thread_name(t).to_string())
                .collect(),
            preemptions,
            fewer: None,
            coverage_points: (0..model.thread_count())
                .map(|t| model.coverage_points(t))
                .collect(),
            bound: None,
            por: false,
            other: None,
        };
        Ok((report, out.summary))
    }
}

/// Explores a scenario's model with these options.
pub struct Job<'a> {
    pub options: Options<'a>,
    /// Explore only schedules with at most this many preemptions.
    pub bound: Option<u32>,
    /// Look for a shortest counterexample with the fewest preemptions.
    pub fewest: bool,
    /// Also explore with reduction toggled, for `--por-stats`.
    pub por_stats: bool,
    /// Which engine explores.
    pub engine: Engine,
}

impl WithModel for Job<'_> {
    type Output = Result<Report>;
    fn run<M: Model>(self, model: &M) -> Result<Report> {
        let start = std::time::Instant::now();
        let mut outcome = match (self.engine, self.bound) {
            (Engine::Bfs, None) => explore(model, &self.options),
            (Engine::Bfs, Some(bound)) => explore(&Bounded { model, bound }, &self.options),
            (Engine::Dfs, None) => explore_dfs(model, &self.options),
            (Engine::Dfs, Some(bound)) => explore_dfs(&Bounded { model, bound }, &self.options),
            (Engine::Timely, _) => unreachable!("the timely engine runs through TimelyJob"),
            (_, _) => unreachable!("the shuttle engines run through ShuttleJob"),
        };
        let por = self.options.por && !self.options.count_schedules && self.bound.is_none();
        let other = self.por_stats.then(|| {
            let toggled = Options {
                threads: self.options.threads,
                limits: self.options.limits.clone(),
                stop: self.options.stop,
                por: !por,
                ..Options::default()
            };
            match self.engine {
                Engine::Bfs | Engine::Timely => explore(model, &toggled).stats,
                _ => explore_dfs(model, &toggled).stats,
            }
        });
        let (mut preemptions, mut fewer) = (None, None);
        if let Verdict::Violation(cex) = &mut outcome.verdict {
            if self.fewest && self.engine == Engine::Bfs {
                let quiet = Options {
                    threads: self.options.threads,
                    limits: self.options.limits.remaining_since(start),
                    stop: self.options.stop,
                    ..Options::default()
                };
                let found = preemption::fewest(model, &quiet, cex);
                *cex = found.counterexample;
                preemptions = Some(found.preemptions);
                fewer = found.fewer;
            } else {
                preemptions = preemption::count(model, &cex.schedule);
            }
        }
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
        let coverage_points = (0..model.thread_count())
            .map(|t| model.coverage_points(t))
            .collect();
        Ok(Report {
            outcome,
            trace,
            threads,
            preemptions,
            fewer,
            coverage_points,
            bound: self.bound,
            por,
            other,
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
        let spinner = Spinner::new(
            !args.quiet && !args.json && args.engine != Engine::Timely,
            &scenario.name,
        );
        let update = |p: &weft_explorer::Progress| spinner.update(p);
        let job = Job {
            options: Options {
                threads: args.threads,
                limits: limits.clone(),
                stop: Some(&INTERRUPTED),
                progress: Some(&update),
                keep_going: false,
                count_schedules: args.no_por && args.engine == Engine::Bfs,
                por: !args.no_por,
                bitstate_bytes: args.bitstate.map(|mb| mb << 20),
            },
            bound: args.preemptions,
            fewest: !args.no_fewest_preemptions,
            por_stats: args.por_stats,
            engine: args.engine,
        };
        let mut shuttle: Option<Summary> = None;
        let report = match args.engine {
            Engine::Timely => timely_report(&scenario, args, &limits),
            _ => match args.engine.shuttle(args.pct_depth) {
                Some(strategy) => scenario
                    .with_model(ShuttleJob(ShuttleOptions {
                        strategy,
                        iterations: args.iterations,
                        seed: args.seed,
                        time_limit: limits.time_limit,
                        stop: Some(&INTERRUPTED),
                        keep_going: false,
                    }))
                    .map(|(report, summary)| {
                        shuttle = Some(summary);
                        report
                    }),
                None => scenario.with_model(job),
            },
        };
        spinner.finish();
        let report = match report {
            Err(e) if e.is::<TimelyError>() => {
                eprintln!("error: {e:#}");
                return Ok(exit.worst(Exit::Stopped));
            }
            other => other?,
        };
        if args.engine == Engine::Timely && args.process != 0 {
            // Every process knows the verdict; only process 0 prints it.
            exit = exit.worst(match report.outcome.verdict {
                Verdict::Pass => Exit::Pass,
                Verdict::Violation(_) => Exit::Violation,
                Verdict::Stopped(_) => Exit::Stopped,
            });
            continue;
        }
        let trace_path = match (&report.trace, &args.trace_out) {
            (Some(trace), Some(out)) => {
                let path = if several {
                    out.join(format!("{}.trace.json", scenario.name.replace('/', "_")))
                } else {
                    out.clone()
                };
                let mut file =
                    TraceFile::new(&scenario, args.engine.name(), &report.threads, trace);
                file.shuttle_schedule = shuttle.as_ref().and_then(|s| s.shuttle_schedule.clone());
                file.write(&path)?;
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
            // Depth-first search meets whichever failure its order reaches first; the check
            // named in [expect] is the one of a shortest schedule.
            (Verdict::Violation(_), Some(e))
                if args.engine.shuttle(0).is_some() || args.engine == Engine::Dfs =>
            {
                Some(e.violation)
            }
            // A bounded search that passes says nothing about schedules beyond the bound.
            (Verdict::Pass, Some(e)) if report.bound.is_some() && e.violation => None,
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
                shuttle.as_ref(),
            ));
        } else {
            print_human(
                &scenario,
                &report,
                args,
                trace_path.as_deref(),
                as_expected,
                shuttle.as_ref(),
            );
        }
    }
    if args.engine == Engine::Timely && args.process != 0 {
        return Ok(exit);
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
    shuttle: Option<&Summary>,
) {
    let o = &report.outcome;
    let s = &o.stats;
    let mark = match as_expected {
        Some(true) => "  (as expected)",
        Some(false) => "  (NOT as expected)",
        None => "",
    };
    let words = match (shuttle, &o.verdict) {
        (Some(s), Verdict::Pass) if !s.exhausted => format!(
            "PASS: no violation in {} sampled executions ({} distinct schedules; not a proof)",
            s.iterations, s.schedules
        ),
        _ => verdict_words(o),
    };
    println!("{}: {words}{mark}", scenario.name);
    if args.quiet {
        return;
    }
    for line in shuttle.iter().flat_map(|s| s.lines()) {
        println!("  {line}");
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
    match &s.bitstate {
        Some(b) => println!(
            "  bitstate hashing: {} Mbit for {} states (hash factor {:.1}); about {:.1} states may \
             have been missed, so the search may be incomplete",
            b.bits >> 20,
            s.states,
            b.bits as f64 / s.states.max(1) as f64,
            b.expected_missed
        ),
        None => println!(
            "  fingerprint collision probability at most {:.1e} ({} states, 64-bit fingerprints)",
            collision_bound(s.states),
            s.states
        ),
    }
    if let Some(k) = report.bound {
        println!("  bounded: only schedules with at most {k} preemptions were explored; the verdict holds up to {k}");
    }
    if let Some(other) = &report.other {
        let (with, without) = if report.por {
            (s.states, other.states)
        } else {
            (other.states, s.states)
        };
        println!(
            "  partial-order reduction: {with} states with, {without} without ({:.2}x fewer)",
            without as f64 / with.max(1) as f64
        );
    }
    match (&s.schedules, &o.verdict) {
        (Some(n), _) => println!("  distinct complete schedules: {n}"),
        (None, _) if report.por => println!(
            "  distinct complete schedules: not counted under partial-order reduction (--no-por counts them)"
        ),
        (None, Verdict::Violation(_)) => println!(
            "  distinct complete schedules: not counted (the search stopped at the first violation; \
             `weft compare` explores everything)"
        ),
        _ => {}
    }
    print_steps_and_coverage(report);
    if let Some(e) = &scenario.expect {
        let got = match &o.verdict {
            Verdict::Pass => "pass".to_string(),
            Verdict::Violation(c) => format!("violation of {}", c.violation.check),
            Verdict::Stopped(_) => "no verdict".to_string(),
        };
        println!("  expected {e}, got {got}{mark}");
    }
    if let Some(trace) = &report.trace {
        let pre = match report.preemptions {
            Some(p) if !args.no_fewest_preemptions && args.engine == Engine::Bfs => {
                format!(
                    ", {p} preemption{}, the fewest among the shortest",
                    plural(p as usize)
                )
            }
            Some(p) => format!(", {p} preemption{}", plural(p as usize)),
            None => String::new(),
        };
        let kind = match args.engine {
            Engine::Bfs | Engine::Timely => "shortest",
            Engine::Dfs => "found depth-first, not necessarily shortest",
            _ => "found on shuttle threads, not necessarily shortest",
        };
        println!(
            "\n  counterexample ({} steps, {kind}{pre}):",
            trace.steps.len()
        );
        print!("{}", render::steps(&trace.steps, false));
        if let Some(v) = &trace.violation {
            println!("  => {}", render::violation(v));
        }
        if let Some(f) = &report.fewer {
            println!(
                "  (with {} preemption{}, a {}-step schedule breaks {}{})",
                f.preemptions,
                plural(f.preemptions as usize),
                f.length,
                f.check,
                if f.check == trace.violation.as_ref().map_or("", |v| v.check.as_str()) {
                    ""
                } else {
                    " instead"
                }
            );
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

/// The probability that two of `n` distinct states share a 64-bit fingerprint (the birthday
/// bound n(n-1)/2^65); a collision could hide a state from the search.
pub fn collision_bound(n: u64) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2f64.powi(65)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Per-thread step counts, and coverage: steps reached and those never reached (like SPIN's
/// "unreached in proctype").
fn print_steps_and_coverage(report: &Report) {
    let s = &report.outcome.stats;
    let per: Vec<String> = report
        .threads
        .iter()
        .zip(&s.thread_steps)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    println!("  steps per thread: {}", per.join(", "));
    let total: usize = report.coverage_points.iter().map(Vec::len).sum();
    if total == 0 {
        return;
    }
    let reached: usize = s.coverage.iter().flatten().filter(|&&n| n > 0).count();
    println!("  coverage: {reached} of {total} kernel steps reached");
    for (t, names) in report.coverage_points.iter().enumerate() {
        let unreached: Vec<&str> = names
            .iter()
            .zip(s.coverage.get(t).into_iter().flatten())
            .filter(|(_, &n)| n == 0)
            .map(|(name, _)| name.as_str())
            .collect();
        if !unreached.is_empty() {
            println!("    unreached in {}:", report.threads[t]);
            for u in unreached {
                println!("      {u}");
            }
        }
    }
}

/// The schedule count as JSON: a number, or null with the reason.
pub fn schedules_json(s: &Option<Schedules>) -> (serde_json::Value, Option<String>) {
    match s {
        Some(Schedules::Exactly(n)) => match u64::try_from(*n) {
            Ok(small) => (json!(small), None),
            // JSON numbers past u64 lose precision in most readers: give the digits.
            Err(_) => (json!(n.to_string()), None),
        },
        Some(other) => (serde_json::Value::Null, Some(other.to_string())),
        None => (serde_json::Value::Null, Some("not counted".into())),
    }
}

fn json_doc(
    scenario: &Scenario,
    report: &Report,
    engine: Engine,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
    shuttle: Option<&Summary>,
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
    let (schedules, schedules_note) = schedules_json(&s.schedules);
    let coverage: serde_json::Map<String, serde_json::Value> = report
        .threads
        .iter()
        .enumerate()
        .map(|(t, name)| {
            let points: Vec<_> = report.coverage_points[t]
                .iter()
                .zip(s.coverage.get(t).into_iter().flatten())
                .map(|(p, n)| json!({"step": p, "count": n}))
                .collect();
            (
                name.clone(),
                json!({"steps": s.thread_steps[t], "coverage": points}),
            )
        })
        .collect();
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
        "schedules": schedules,
        "schedules_note": schedules_note,
        "preemption_bound": report.bound,
        "por": report.por,
        "fingerprint_collision_bound": s.bitstate.is_none().then(|| collision_bound(s.states)),
        "bitstate": s.bitstate.map(|b| json!({"bits": b.bits, "expected_missed": b.expected_missed})),
        "states_other_way": report.other.as_ref().map(|o| o.states),
        "preemptions": report.preemptions,
        "fewer_preemptions": report.fewer.as_ref().map(|f| json!({"length": f.length, "preemptions": f.preemptions, "check": f.check})),
        "threads_detail": coverage,
        "trace_length": report.trace.as_ref().map(|t| t.steps.len()),
        "trace": trace_path.map(|p| p.display().to_string()),
        "expected": scenario.expect.as_ref().map(|e| e.to_string()),
        "as_expected": as_expected,
        "shuttle": shuttle.map(|s| json!({
            "iterations": s.iterations,
            "distinct_schedules": s.schedules,
            "distinct_states": s.states,
            "longest": s.longest,
            "seed": s.seed,
            "exhausted": s.exhausted,
            "pct_bound": s.pct_bound(),
            "shuttle_schedule": s.shuttle_schedule,
        })),
    })
}

/// Runs one scenario on the timely engine, as `args` describe the cluster.
fn timely_report(scenario: &Scenario, args: &CheckArgs, limits: &Limits) -> Result<Report> {
    let addresses = match (&args.hostfile, args.processes) {
        (_, 0) => anyhow::bail!("--processes must be at least 1"),
        (None, 1) => Vec::new(),
        (None, _) => anyhow::bail!("--processes above 1 needs --hostfile (one host:port a line)"),
        (Some(path), n) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the hostfile {}", path.display()))?;
            let lines: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect();
            anyhow::ensure!(
                lines.len() >= n,
                "the hostfile {} lists {} address(es) for {n} processes",
                path.display(),
                lines.len()
            );
            lines.into_iter().take(n).collect()
        }
    };
    anyhow::ensure!(
        args.process < args.processes,
        "--process must be below --processes ({})",
        args.processes
    );
    anyhow::ensure!(
        args.preemptions.is_none() && args.bitstate.is_none(),
        "--engine timely does not support --preemptions or --bitstate"
    );
    let cluster = Cluster {
        workers: args.workers,
        process: args.process,
        addresses,
        connect_timeout: Duration::try_from_secs_f64(args.connect_timeout)
            .context("--connect-timeout takes seconds")?,
    };
    let quiet = args.quiet || args.process != 0;
    let last = std::sync::Mutex::new((0u64, Duration::ZERO));
    let line = |p: &weft_explorer::Progress| {
        if quiet {
            return;
        }
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let (states, at) = *last;
        let rate = (p.states - states) as f64 / (p.elapsed - at).as_secs_f64().max(1e-9);
        *last = (p.states, p.elapsed);
        eprintln!(
            "  level {}: {} states, frontier {}, {:.0} states/s",
            p.depth, p.states, p.frontier, rate
        );
    };
    scenario.with_serial_model(TimelyJob {
        options: Options {
            limits: limits.clone(),
            stop: Some(&INTERRUPTED),
            progress: Some(&line),
            ..Options::default()
        },
        cluster,
    })
}

struct TimelyJob<'a> {
    options: Options<'a>,
    cluster: Cluster,
}

impl WithSerialModel for TimelyJob<'_> {
    type Output = Result<Report>;
    fn run<M>(self, model: &M) -> Result<Report>
    where
        M: Model + Clone + Send + 'static,
        M::State: serde::Serialize + serde::de::DeserializeOwned + 'static,
    {
        let outcome = explore_timely(model, &self.options, &self.cluster)?;
        let leader = self.cluster.process == 0;
        let (trace, preemptions) = match &outcome.verdict {
            Verdict::Violation(cex) if leader => (
                Some(
                    cex.trace(model)
                        .context("internal error: the counterexample does not re-execute")?,
                ),
                preemption::count(model, &cex.schedule),
            ),
            _ => (None, None),
        };
        Ok(Report {
            outcome,
            trace,
            threads: (0..model.thread_count())
                .map(|t| model.thread_name(t).to_string())
                .collect(),
            preemptions,
            fewer: None,
            coverage_points: (0..model.thread_count())
                .map(|t| model.coverage_points(t))
                .collect(),
            bound: None,
            por: false,
            other: None,
        })
    }
}
