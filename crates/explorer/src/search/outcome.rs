//! What a search concludes, and what it reports while it runs: the vocabulary every engine
//! shares.

use crate::trace::Counterexample;
use std::time::Duration;

/// A snapshot of a running search.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Depth of the level being expanded (breadth-first), of the path (depth-first), or the
    /// longest schedule so far (shuttle).
    pub depth: usize,
    /// Distinct states stored so far.
    pub states: u64,
    /// Steps executed so far.
    pub transitions: u64,
    /// States waiting to be expanded (breadth-first: the current and the next level).
    pub frontier: usize,
    /// Time since the search started.
    pub elapsed: Duration,
}

/// Why a search stopped before its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `max_states` distinct states were stored.
    MaxStates(u64),
    /// States at `max_depth` still had steps to take.
    MaxDepth(usize),
    /// The time limit passed.
    TimeLimit(Duration),
    /// Stopped from outside (Ctrl-C, SIGTERM).
    Interrupted,
    /// Memory ran out: an allocation failed ([`crate::memory`]).
    OutOfMemory,
    /// The search numbered as many states as it can (2^32 - 1 for the breadth-first engine,
    /// whose parent links are 32-bit) and more remained.
    Capacity(u64),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxStates(n) => write!(f, "state limit reached ({n} states)"),
            StopReason::MaxDepth(d) => write!(f, "depth limit reached (depth {d})"),
            StopReason::TimeLimit(t) => write!(f, "time limit reached ({:.1}s)", t.as_secs_f64()),
            StopReason::Interrupted => write!(f, "interrupted"),
            StopReason::OutOfMemory => write!(
                f,
                "out of memory (an allocation failed); \
                 --bitstate MB keeps one bit array of fixed size, a smaller \
                 --frontier-memory MB keeps more of the queue on disk, --max-states N stops \
                 earlier"
            ),
            StopReason::Capacity(n) => write!(
                f,
                "the search stores at most {n} states and more remained (the dfs engine, or \
                 bitstate hashing, has no such limit)"
            ),
        }
    }
}

/// What the search concluded.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Every schedule the search covers was explored and no check failed (every schedule for
    /// an exhaustive search; see [`Outcome`] for bounds and samples).
    Pass,
    /// A check failed; the counterexample is a schedule that fails it (a shortest one when
    /// [`Outcome::shortest`]).
    Violation(Counterexample),
    /// A limit stopped the search first: nothing is claimed about the rest.
    Stopped(StopReason),
}

/// Counts describing a search, independent of the thread count.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed (edges of the state graph, including those into known states).
    pub transitions: u64,
    /// Deepest level reached.
    pub depth: usize,
    /// Distinct states in which every thread had finished.
    pub terminal_states: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Bytes of memory held by the visited set and the parent links at the end.
    pub visited_bytes: usize,
    /// Bytes the search kept in temporary files at most (deleted when the search ends): the
    /// parent links past their first 256 KiB, and the level queues past the frontier's
    /// memory budget.
    pub disk_bytes: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Distinct complete schedules, when counted.
    pub schedules: Option<Schedules>,
    /// Per thread, how many transitions fired each of the model's coverage points.
    pub coverage: Vec<Vec<u64>>,
    /// Per thread, how many transitions it made.
    pub thread_steps: Vec<u64>,
    /// With bitstate hashing: the bit array's size and the expected number of states missed.
    pub bitstate: Option<Bitstate>,
    /// Under partial-order reduction: what it did, and whether it was switched off.
    pub reduction: Option<ReductionStats>,
}

impl Stats {
    /// Zero counts on `workers` worker threads, with `coverage`'s counters (one list a model
    /// thread, a zero per coverage point).
    pub(crate) fn zero(coverage: Vec<Vec<u64>>, workers: usize) -> Stats {
        Stats {
            threads: workers,
            thread_steps: vec![0; coverage.len()],
            coverage,
            ..Stats::default()
        }
    }
}

/// What partial-order reduction did in a search, the same on any number of threads. The
/// search reduces in periods (breadth-first levels, or stretches of states depth-first) where
/// it pays: see [`reduce`](crate::reduce).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReductionStats {
    /// Breadth-first levels, or depth-first stretches of states, the search went through.
    pub periods: u64,
    /// Those it reduced in.
    pub reduced_periods: u64,
    /// States expanded under reduction.
    pub expanded: u64,
    /// Their enabled steps, in the states where two or more threads could move.
    pub enabled: u64,
    /// Those left unexplored: in a state where one step alone was explored, the others.
    pub pruned: u64,
    /// States expanded fully, in the periods without reduction.
    pub unreduced: u64,
    /// Among those, the states reduction was asked about, their enabled steps, and those it
    /// would have left unexplored.
    pub sampled: u64,
    /// See [`sampled`](Self::sampled).
    pub sampled_enabled: u64,
    /// See [`sampled`](Self::sampled).
    pub sampled_pruned: u64,
}

impl ReductionStats {
    /// The share of the enabled steps left unexplored where the search reduced, in percent.
    pub fn pruned_percent(&self) -> f64 {
        100.0 * self.pruned as f64 / self.enabled.max(1) as f64
    }

    /// The share reduction would have left unexplored in the states sampled where it was
    /// off, in percent.
    pub fn sampled_pruned_percent(&self) -> f64 {
        100.0 * self.sampled_pruned as f64 / self.sampled_enabled.max(1) as f64
    }

    /// The periods reduction was off in, because it did not pay in the period before.
    pub fn off_periods(&self) -> u64 {
        self.periods - self.reduced_periods
    }
}

/// What a bitstate search can and cannot claim.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bitstate {
    /// Bits in the array.
    pub bits: u64,
    /// Expected number of distinct states wrongly taken for seen (and so not explored).
    pub expected_missed: f64,
}

/// The number of distinct complete schedules: paths from the initial state to a state where
/// no thread can move (or to a violation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedules {
    /// Exactly this many.
    Exactly(u128),
    /// More than `u128::MAX`.
    Overflow,
    /// Not counted: some step leads back to a state of an earlier level (the state graph is
    /// not layered by depth, so level-by-level path counting does not apply; it may be cyclic).
    NotLayered,
    /// Not counted: a level held more than this many states. Counting keeps every state of
    /// two levels in memory, which on wide levels costs as much as the visited set.
    LevelTooWide(u64),
}

impl std::fmt::Display for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedules::Exactly(n) => write!(f, "{n}"),
            Schedules::Overflow => write!(f, "more than {}", u128::MAX),
            Schedules::NotLayered => write!(f, "not counted (steps return to earlier states)"),
            Schedules::LevelTooWide(n) => write!(
                f,
                "not counted (a level holds more than {n} states; counting keeps a number for each)"
            ),
        }
    }
}

/// The preemptions of a search's counterexample: switches away from a thread that could
/// have continued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preemptions {
    /// How many the counterexample uses.
    pub count: u32,
    /// Whether it is the fewest among the shortest counterexamples of its check (the checker
    /// looked for fewer with bounded searches).
    pub fewest: bool,
    /// A counterexample that needs fewer preemptions, when it is not a shortest one of the
    /// same check: a longer schedule, or another check breaking first.
    pub fewer: Option<Fewer>,
}

/// A counterexample that needs fewer preemptions than the reported one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fewer {
    /// Its length.
    pub length: usize,
    /// Its preemptions.
    pub preemptions: u32,
    /// The check it breaks.
    pub check: String,
}

/// Which shuttle scheduler picks the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// Uniformly random among the enabled threads at every step.
    Random,
    /// Probabilistic concurrency testing with `depth` priority change points minus one: finds a
    /// bug of depth `d <= depth` with probability at least `1/(n k^(d-1))` per execution.
    Pct {
        /// The bug depth PCT aims at (shuttle's `max_depth`).
        depth: usize,
    },
    /// shuttle's stateless depth-first search: every schedule, one execution each.
    Dfs,
}

impl Scheduler {
    /// The engine name weft uses for it (`random`, `pct`, `dfs-shuttle`).
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Random => "random",
            Scheduler::Pct { .. } => "pct",
            Scheduler::Dfs => "dfs-shuttle",
        }
    }
}

/// What a run of real threads under a shuttle scheduler covered: a sample of the schedules,
/// unless its depth-first scheduler went through all of them.
#[derive(Clone, Debug)]
pub struct Sampling {
    /// The scheduler used.
    pub scheduler: Scheduler,
    /// The seed of the random and PCT schedulers.
    pub seed: u64,
    /// Model threads (`n` in the PCT bound).
    pub threads: usize,
    /// Executions run.
    pub executions: u64,
    /// Distinct complete model-level schedules among them.
    pub schedules: u64,
    /// The longest schedule seen, in steps (`k` in the PCT bound).
    pub longest: usize,
    /// The depth-first scheduler enumerated every schedule (no limit cut it short).
    pub exhausted: bool,
    /// shuttle's own schedule string of the execution that produced the counterexample.
    pub shuttle_schedule: Option<String>,
}

impl Sampling {
    /// PCT's guarantee: a bug of depth `d` (at most the configured depth) shows up in one
    /// execution with probability at least `1/(n k^(d-1))`, with `n` threads and `k` steps.
    pub fn pct_bound(&self) -> Option<f64> {
        let Scheduler::Pct { depth } = self.scheduler else {
            return None;
        };
        let n = self.threads.max(1) as f64;
        let k = self.longest.max(1) as f64;
        Some(1.0 / (n * k.powi(depth.saturating_sub(1) as i32)))
    }

    /// The probability that the executions run all miss a bug of the configured depth: at
    /// most `(1 - p)^executions`.
    pub fn pct_miss_bound(&self) -> Option<f64> {
        self.pct_bound()
            .map(|p| (1.0 - p).powf(self.executions as f64))
    }
}

/// A search's verdict, its counts, and what they cover.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Pass, violation or stopped.
    pub verdict: Verdict,
    /// Counts.
    pub stats: Stats,
    /// The engine that searched (`bfs`, `dfs`, `random`, `pct`, `dfs-shuttle`, `timely`).
    pub engine: &'static str,
    /// A counterexample is a shortest one (the breadth-first engines); depth-first and
    /// shuttle counterexamples are whatever schedule their order met first.
    pub shortest: bool,
    /// Partial-order reduction was on (schedules are then not counted).
    pub reduced: bool,
    /// Only schedules with at most this many preemptions were explored: a pass holds up to it.
    pub preemption_bound: Option<u32>,
    /// Only violations of these checks were looked for: a pass holds for them alone.
    pub only_checks: Option<Vec<String>>,
    /// With thread symmetry: the groups of interchangeable threads (thread indices); the
    /// states counted are then orbit representatives, and each member of a group has the
    /// group's coverage.
    pub symmetry: Option<Vec<Vec<usize>>>,
    /// The counterexample's preemptions.
    pub preemptions: Option<Preemptions>,
    /// For the shuttle engines: what the executions covered.
    pub sampling: Option<Sampling>,
}

impl Outcome {
    /// The outcome of an engine's search, before the checker adds what it knows.
    pub(crate) fn new(verdict: Verdict, stats: Stats) -> Outcome {
        Outcome {
            verdict,
            stats,
            engine: "",
            shortest: false,
            reduced: false,
            preemption_bound: None,
            only_checks: None,
            symmetry: None,
            preemptions: None,
            sampling: None,
        }
    }
}
