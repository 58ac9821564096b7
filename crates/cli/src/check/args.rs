//! `weft check`'s options, grouped as `--help` shows them (the search, reduction and bounds,
//! output, then one group per engine that has options of its own), and how they become a
//! [`Checker`]. An option the chosen engine cannot honour is refused, never dropped.

use super::cluster;
use crate::progress::INTERRUPTED;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;
use weft_explorer::{
    Checker, Limits, Progress, Reduction, Scheduler, SearchError, Setting, Shuttle,
};

/// `weft check`'s options.
#[derive(Args)]
pub struct CheckArgs {
    /// Scenario files or shipped names (see `weft list`).
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub search: SearchArgs,
    #[command(flatten)]
    pub reduce: ReduceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub shuttle: ShuttleArgs,
    #[command(flatten)]
    pub timely: TimelyArgs,
}

/// The search: which engine, on how many threads, within which limits.
#[derive(Args)]
#[command(next_help_heading = "Search")]
pub struct SearchArgs {
    /// Search engine: bfs explores level by level and finds a shortest counterexample.
    #[arg(long, value_enum, default_value_t = Engine::Bfs)]
    pub engine: Engine,
    /// Worker threads of the bfs engine (0 = one per core, the default). Results do not
    /// depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = within::<0, MAX_WORKERS>)]
    pub threads: Option<usize>,
    /// Stop with exit code 3 once this many distinct states are stored (at least 1).
    #[arg(long, value_name = "N", value_parser = state_count)]
    pub max_states: Option<u64>,
    /// Do not explore past this many steps; exit code 3 if states remain beyond it.
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// Stop with exit code 3 after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub time_limit: Option<f64>,
    /// Look only for violations of this check (repeat it for several; `deadlock` is one):
    /// a state where another check fails is a dead end, neither reported nor explored further.
    /// A pass then holds for these checks alone, and says so.
    #[arg(long = "check", value_name = "NAME")]
    pub checks: Vec<String>,
    /// Go on past the first violation: one search after another, each leaving out the checks
    /// already violated, until no other check fails. Prints the shortest counterexample of
    /// each distinct check violated (as TLC's -continue); with --trace-out, a folder gets a
    /// trace per check.
    #[arg(long = "continue", conflicts_with = "as_expected")]
    pub go_on: bool,
}

/// Most worker threads a search starts (`-j`, `--workers`): beyond a few per core they only
/// cost memory and start-up time.
pub const MAX_WORKERS: usize = 256;

/// Most processes a timely cluster has.
pub const MAX_PROCESSES: usize = 1024;

/// Deepest bug depth the pct scheduler aims at (one priority change point per level).
pub const MAX_PCT_DEPTH: usize = 1000;

/// An integer option's value, refused (exit 2, with the range) outside `MIN..=MAX`.
fn within<const MIN: usize, const MAX: usize>(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    match (n < MIN || n > MAX, MAX == usize::MAX) {
        (false, _) => Ok(n),
        (true, true) => Err(format!("must be at least {MIN}")),
        (true, false) => Err(format!("must be between {MIN} and {MAX}")),
    }
}

/// `--max-states`: at least one state.
fn state_count(text: &str) -> Result<u64, String> {
    within::<1, { usize::MAX }>(text).map(|n| n as u64)
}

/// Megabytes of the machine's memory: the most `--bitstate` and `--frontier-memory` take.
fn memory_mb() -> usize {
    // SAFETY: sysconf reads system constants; no memory is passed.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (usize::try_from(pages), usize::try_from(size)) {
        (Ok(pages), Ok(size)) if pages > 0 && size > 0 => pages.saturating_mul(size) >> 20,
        _ => usize::MAX >> 20,
    }
}

/// Reduction, bounds and memory: what the search leaves out, and how it stores states.
#[derive(Args)]
#[command(next_help_heading = "Reduction, bounds and memory")]
pub struct ReduceArgs {
    /// Partial-order reduction (bfs, dfs), for a model that declares what its steps touch
    /// (pt_frag, thp and the language's models do; a model that does not refuses it). It
    /// turns thread symmetry off, and reduces only in the levels where it pays (the summary
    /// says which). By default it is on only for models that offer it on by default (the
    /// language's), in searches without thread symmetry.
    #[arg(long, conflicts_with = "no_por")]
    pub por: bool,
    /// Turn partial-order reduction off: explore every interleaving (and count schedules).
    #[arg(long)]
    pub no_por: bool,
    /// Also explore the other way (with reduction if it was off, without if it was on) and
    /// print both state counts.
    #[arg(long)]
    pub por_stats: bool,
    /// Turn thread symmetry off: store every state, not one per set of states that differ
    /// only by renaming interchangeable threads (threads with the same operations). On by
    /// default for bfs, dfs and timely; schedules are counted only without it.
    #[arg(long)]
    pub no_symmetry: bool,
    /// Explore only schedules with at most K preemptions (switches away from a thread that
    /// could have continued); the verdict then holds up to K.
    #[arg(long, value_name = "K")]
    pub preemptions: Option<u32>,
    /// Do not look for a counterexample with fewer preemptions (saves bounded re-searches).
    #[arg(long)]
    pub no_fewest_preemptions: bool,
    /// Bitstate hashing (SPIN's supertrace) with a fixed visited set of MB megabytes: for
    /// state spaces that do not fit; the search may miss states, and says how many it expects.
    /// At least 1, at most the machine's memory.
    #[arg(long, value_name = "MB", value_parser = within::<1, { usize::MAX }>)]
    pub bitstate: Option<usize>,
    /// Memory for the bfs queue (the level being expanded and the next), in MB; past it,
    /// queued states go to a temporary file, deleted when weft exits (as TLC's queue does).
    /// 0 keeps memory to the visited set, at some cost in time. Default: 1 byte for each
    /// state stored so far, between 2 and 64 MB.
    #[arg(long, value_name = "MB")]
    pub frontier_memory: Option<usize>,
}

/// What is printed and saved.
#[derive(Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Save the counterexample here (with several scenarios: a directory, one file each).
    #[arg(long, value_name = "PATH")]
    pub trace_out: Option<PathBuf>,
    /// One JSON document on stdout (an array with several scenarios).
    #[arg(long)]
    pub json: bool,
    /// Only the verdict line per scenario.
    #[arg(long, short)]
    pub quiet: bool,
    /// Grade against each scenario's `[expect]` (for autograding): exit 0 when every result is
    /// the expected one, 1 when any is not or has no `[expect]` to compare with (one line each on
    /// stderr), 3 when a limit left one without a verdict.
    #[arg(long)]
    pub as_expected: bool,
}

/// The shuttle engines' options.
#[derive(Args)]
#[command(next_help_heading = "Engines random, pct, dfs-shuttle (real threads under shuttle)")]
pub struct ShuttleArgs {
    /// Executions to run (random and pct default to 1000; dfs-shuttle runs every schedule
    /// unless given).
    #[arg(long, value_name = "N", value_parser = within::<1, { usize::MAX }>)]
    pub iterations: Option<usize>,
    /// random, pct: the scheduler's seed (default 0); the same seed runs the same executions.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// pct: the bug depth to aim at, priority change points + 1 (default 3).
    #[arg(long, value_name = "D", value_parser = within::<1, MAX_PCT_DEPTH>)]
    pub pct_depth: Option<usize>,
}

/// The distributed engine's options.
#[derive(Args)]
#[command(next_help_heading = "Engine timely (threads, processes, machines)")]
pub struct TimelyArgs {
    /// Worker threads in this process (default 1).
    #[arg(long, value_name = "W", value_parser = within::<1, MAX_WORKERS>)]
    pub workers: Option<usize>,
    /// Processes in the run, listed with --hostfile (default 1).
    #[arg(long, value_name = "N", value_parser = within::<1, MAX_PROCESSES>)]
    pub processes: Option<usize>,
    /// This process's index, 0 to N-1 (process 0 prints the result; default 0).
    #[arg(long, value_name = "I")]
    pub process: Option<usize>,
    /// One host:port per line, process 0 first; each process listens on its own line's port.
    #[arg(long, value_name = "FILE")]
    pub hostfile: Option<PathBuf>,
    /// Give up (exit code 3) if a peer has not connected by then (default 30).
    #[arg(long, value_name = "SECS")]
    pub connect_timeout: Option<f64>,
}

/// The engines `weft check` can run.
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

    fn is_shuttle(self) -> bool {
        matches!(self, Engine::Random | Engine::Pct | Engine::DfsShuttle)
    }
}

impl CheckArgs {
    /// The chosen engine.
    pub fn engine(&self) -> Engine {
        self.search.engine
    }

    /// Whether this process prints the results: every process but those of a timely cluster
    /// other than process 0 (every process knows the verdict; process 0 tells it).
    pub fn prints(&self) -> bool {
        self.engine() != Engine::Timely || self.timely.process.unwrap_or(0) == 0
    }

    /// Refuses the options that belong to another engine than the chosen one.
    pub fn validate(&self) -> Result<()> {
        let engine = self.engine();
        let shuttle = [
            ("--iterations", self.shuttle.iterations.is_some()),
            ("--seed", self.shuttle.seed.is_some()),
        ];
        let timely = [
            ("--workers", self.timely.workers.is_some()),
            ("--processes", self.timely.processes.is_some()),
            ("--process", self.timely.process.is_some()),
            ("--hostfile", self.timely.hostfile.is_some()),
            ("--connect-timeout", self.timely.connect_timeout.is_some()),
        ];
        let misplaced = |flags: &[(&'static str, bool)], engines: &str| {
            flags
                .iter()
                .find(|(_, given)| *given)
                .map(|(flag, _)| (*flag, engines.to_string()))
        };
        let wrong = if engine.is_shuttle() {
            None
        } else {
            misplaced(&shuttle, "the random, pct and dfs-shuttle engines")
        }
        .or_else(|| {
            (engine != Engine::Pct && self.shuttle.pct_depth.is_some())
                .then(|| ("--pct-depth", "the pct engine".to_string()))
        })
        .or_else(|| {
            if engine == Engine::Timely {
                None
            } else {
                misplaced(&timely, "the timely engine")
            }
        })
        .or_else(|| {
            (self.reduce.por_stats && !matches!(engine, Engine::Bfs | Engine::Dfs))
                .then(|| ("--por-stats", "the bfs and dfs engines".to_string()))
        });
        if let Some((flag, engines)) = wrong {
            bail!(
                "{flag} applies to {engines}, not to --engine {} (see `weft check --help`)",
                engine.name()
            );
        }
        self.check_ranges()
    }

    /// Refuses sizes beyond the machine's memory, and times that are not a positive number
    /// of seconds: a size in MB is shifted into bytes, and must neither overflow nor be
    /// quietly cut.
    fn check_ranges(&self) -> Result<()> {
        let memory = memory_mb();
        for (flag, mb) in [
            ("--bitstate", self.reduce.bitstate),
            ("--frontier-memory", self.reduce.frontier_memory),
        ] {
            if let Some(mb) = mb.filter(|&mb| mb > memory) {
                bail!("{flag} {mb} is more than this machine's memory ({memory} MB)");
            }
        }
        for (flag, secs) in [
            ("--time-limit", self.search.time_limit),
            ("--connect-timeout", self.timely.connect_timeout),
        ] {
            if let Some(secs) = secs.filter(|s| !(s.is_finite() && *s > 0.0)) {
                bail!("{flag} takes a positive number of seconds, not {secs}");
            }
        }
        Ok(())
    }

    /// The search's limits.
    pub fn limits(&self) -> Result<Limits> {
        Ok(Limits {
            max_states: self.search.max_states,
            max_depth: self.search.max_depth,
            time_limit: self
                .search
                .time_limit
                .map(|s| Duration::try_from_secs_f64(s).context("--time-limit takes seconds"))
                .transpose()?,
        })
    }

    /// The explorer's engine for these options (the timely engine's cluster read from them).
    pub fn explorer_engine(&self) -> Result<weft_explorer::Engine> {
        let scheduler = match self.engine() {
            Engine::Bfs => return Ok(weft_explorer::Engine::Bfs),
            Engine::Dfs => return Ok(weft_explorer::Engine::Dfs),
            Engine::Timely => {
                return Ok(weft_explorer::Engine::Timely(cluster::cluster(
                    &self.timely,
                )?))
            }
            Engine::Random => Scheduler::Random,
            Engine::Pct => Scheduler::Pct {
                depth: self.shuttle.pct_depth.unwrap_or(3),
            },
            Engine::DfsShuttle => Scheduler::Dfs,
        };
        Ok(weft_explorer::Engine::Shuttle(Shuttle {
            scheduler,
            executions: self.shuttle.iterations,
            seed: self.shuttle.seed.unwrap_or(0),
        }))
    }

    /// Whether partial-order reduction is asked for, refused, or left to the model.
    pub fn reduction(&self) -> Reduction {
        match (self.reduce.por, self.reduce.no_por) {
            (true, _) => Reduction::On,
            (_, true) => Reduction::Off,
            _ => Reduction::Auto,
        }
    }

    /// The search these options ask for, on `engine`, reporting progress to `progress`,
    /// looking for violations of the `only` checks if given.
    pub fn checker<'a>(
        &self,
        engine: weft_explorer::Engine,
        limits: &Limits,
        progress: &'a (dyn Fn(&Progress) + Sync),
        only: Option<Vec<String>>,
    ) -> Checker<'a> {
        let mut checker = Checker::new()
            .engine(engine)
            .limits(limits.clone())
            .stop(&INTERRUPTED)
            .progress(progress)
            .reduction(self.reduction())
            .symmetry(!self.reduce.no_symmetry)
            .fewest_preemptions(!self.reduce.no_fewest_preemptions && self.engine() == Engine::Bfs);
        if let Some(threads) = self.search.threads {
            checker = checker.threads(threads);
        }
        if let Some(only) = only {
            checker = checker.only_checks(only);
        }
        if let Some(bound) = self.reduce.preemptions {
            checker = checker.preemption_bound(bound);
        }
        if let Some(mb) = self.reduce.bitstate {
            checker = checker.bitstate(mb << 20);
        }
        if let Some(mb) = self.reduce.frontier_memory {
            checker = checker.frontier_memory(mb << 20);
        }
        checker
    }
}

/// A refused search as a message in the command line's terms: the option, not the setting.
pub fn explain(e: &SearchError, engine: Engine) -> String {
    let flag = |setting: &Setting| match setting {
        Setting::Threads => "--threads",
        Setting::MaxStates => "--max-states",
        Setting::MaxDepth => "--max-depth",
        Setting::Reduction => "--por",
        Setting::KeepGoing => "exploring past a violation",
        Setting::CountSchedules => "counting schedules",
        Setting::Bitstate => "--bitstate",
        Setting::FrontierMemory => "--frontier-memory",
        Setting::PreemptionBound => "--preemptions",
        Setting::FewestPreemptions => "the search for fewer preemptions",
        Setting::Observer => "a state graph",
        Setting::OnlyChecks => "--check",
    };
    match e {
        SearchError::Unsupported { setting, .. } => format!(
            "{} does not apply to --engine {}: it does not support {setting} (see `weft check --help`)",
            flag(setting),
            engine.name()
        ),
        SearchError::Conflict(a, b) => format!("{} cannot be combined with {}", flag(a), flag(b)),
        SearchError::UnknownCheck { check, known } => {
            let hint = weft_model::scenario::did_you_mean(check, known.iter().map(|k| k.as_str()))
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            format!(
                "--check {check}: the model has no such check{hint}; its checks: {}",
                known.join(", ")
            )
        }
        SearchError::NotReducible => {
            "--por: this model declares no footprints, so partial-order reduction does not apply"
                .into()
        }
        other => other.to_string(),
    }
}
