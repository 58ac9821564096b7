//! `weft check`: explore scenarios, print verdicts and counterexamples, save traces.
//!
//! - this file: the command's options and the loop over scenarios;
//! - [`job`]: running a scenario's model on an engine into a [`Report`];
//! - [`print`]: the human summary and the `--json` document;
//! - [`cluster`]: the timely engine's processes and hostfile.

mod cluster;
mod job;
mod print;

pub use job::{explore, Report};
pub use print::schedules_json;

use print::{json_doc, print_human};

use crate::progress::{self, Spinner, INTERRUPTED};
use crate::trace_file::TraceFile;
use crate::Exit;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;
use weft_explorer::{Checker, Limits, Reduction, Scheduler, SearchError, Shuttle, Verdict};

#[derive(Args)]
pub struct CheckArgs {
    /// Scenario files or shipped names (see `weft list`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Search engine: bfs explores level by level and finds a shortest counterexample.
    #[arg(long, value_enum, default_value_t = Engine::Bfs)]
    engine: Engine,
    /// Worker threads (0 = one per core, the default). Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
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
    /// Memory for the breadth-first queue (the level being expanded and the next), in MB;
    /// past it, queued states go to a temporary file, deleted when weft exits (as TLC's
    /// queue does). 0 keeps memory to the visited set, at some cost in time. Default 64.
    #[arg(long, value_name = "MB")]
    frontier_memory: Option<usize>,
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
    pub fn shuttle(self, pct_depth: usize) -> Option<Scheduler> {
        match self {
            Engine::Random => Some(Scheduler::Random),
            Engine::Pct => Some(Scheduler::Pct { depth: pct_depth }),
            Engine::DfsShuttle => Some(Scheduler::Dfs),
            _ => None,
        }
    }
}

impl CheckArgs {
    /// The explorer's engine for these options (the timely engine's cluster read from them).
    fn engine(&self) -> Result<weft_explorer::Engine> {
        Ok(match self.engine {
            Engine::Bfs => weft_explorer::Engine::Bfs,
            Engine::Dfs => weft_explorer::Engine::Dfs,
            Engine::Timely => weft_explorer::Engine::Timely(cluster::cluster(self)?),
            Engine::Random | Engine::Pct | Engine::DfsShuttle => {
                let scheduler = self
                    .engine
                    .shuttle(self.pct_depth)
                    .expect("a shuttle engine");
                weft_explorer::Engine::Shuttle(Shuttle {
                    scheduler,
                    executions: self.iterations,
                    seed: self.seed,
                })
            }
        })
    }

    /// The search these options ask for, on `engine`, reporting progress to `progress`.
    fn checker<'a>(
        &self,
        engine: weft_explorer::Engine,
        limits: &Limits,
        progress: &'a (dyn Fn(&weft_explorer::Progress) + Sync),
    ) -> Checker<'a> {
        let mut checker = Checker::new()
            .engine(engine)
            .limits(limits.clone())
            .stop(&INTERRUPTED)
            .progress(progress)
            .reduction(if self.no_por {
                Reduction::Off
            } else {
                Reduction::Auto
            })
            .fewest_preemptions(!self.no_fewest_preemptions && self.engine == Engine::Bfs);
        if let Some(threads) = self.threads {
            checker = checker.threads(threads);
        }
        if let Some(bound) = self.preemptions {
            checker = checker.preemption_bound(bound);
        }
        if let Some(mb) = self.bitstate {
            checker = checker.bitstate(mb << 20);
        }
        if let Some(mb) = self.frontier_memory {
            checker = checker.frontier_memory(mb << 20);
        }
        checker
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
    let engine = args.engine()?;
    let mut exit = Exit::Pass;
    let mut docs = Vec::new();
    let (mut matched, mut expected) = (0, 0);
    let quiet_timely = args.engine == Engine::Timely && (args.quiet || args.process != 0);
    for arg in &args.scenarios {
        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            exit = exit.worst(Exit::Stopped);
            break;
        }
        let Some(scenario) = crate::load_scenario(arg) else {
            exit = exit.worst(Exit::BadInput);
            continue;
        };
        let spinner = Spinner::new(
            !args.quiet && !args.json && args.engine != Engine::Timely,
            &scenario.name,
        );
        let levels = cluster::LevelLines::default();
        let update = |p: &weft_explorer::Progress| {
            if args.engine == Engine::Timely {
                if !quiet_timely {
                    levels.print(p);
                }
            } else {
                spinner.update(p);
            }
        };
        let mut checker = args.checker(engine.clone(), &limits, &update);
        let model = scenario.model();
        // Schedules are counted by the breadth-first engine when nothing reduces them.
        let count = args.engine == Engine::Bfs && !model.reduces(&checker)?;
        checker = checker.count_schedules(count);
        let report = explore(model, &checker).map(|mut report| {
            if args.por_stats {
                let reduction = if report.outcome.reduced {
                    Reduction::Off
                } else {
                    Reduction::On
                };
                let other = args.checker(engine.clone(), &limits, &|_| {});
                report.other = Some(
                    model
                        .check(&other.reduction(reduction))
                        .ok()
                        .map(|o| o.stats),
                );
            }
            report
        });
        spinner.finish();
        let report = match report {
            Err(e)
                if matches!(
                    e.downcast_ref::<SearchError>(),
                    Some(SearchError::Timely(_))
                ) =>
            {
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
                file.shuttle_schedule = report
                    .outcome
                    .sampling
                    .as_ref()
                    .and_then(|s| s.shuttle_schedule.clone());
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
            (Verdict::Pass, Some(e))
                if report.outcome.preemption_bound.is_some() && e.violation =>
            {
                None
            }
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
