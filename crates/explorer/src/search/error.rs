//! Why a search did not run, or could not finish: a setting the engine cannot honour, a model
//! beyond its limits, a distributed run that lost a peer.

/// A setting of a [`Checker`](crate::Checker), named for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    /// Worker threads.
    Threads,
    /// A limit on the states stored.
    MaxStates,
    /// A limit on the depth explored.
    MaxDepth,
    /// Partial-order reduction.
    Reduction,
    /// Exploring past a violation.
    KeepGoing,
    /// Counting distinct complete schedules.
    CountSchedules,
    /// Bitstate hashing.
    Bitstate,
    /// The breadth-first queue's memory budget.
    FrontierMemory,
    /// A bound on preemptions.
    PreemptionBound,
    /// Looking for a counterexample with the fewest preemptions.
    FewestPreemptions,
    /// An observer of every state and transition (state graphs).
    Observer,
    /// Looking for some checks only.
    OnlyChecks,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Setting::Threads => "more than one worker thread",
            Setting::MaxStates => "a limit on the states stored",
            Setting::MaxDepth => "a depth limit",
            Setting::Reduction => "partial-order reduction",
            Setting::KeepGoing => "exploring past a violation",
            Setting::CountSchedules => "counting schedules",
            Setting::Bitstate => "bitstate hashing",
            Setting::FrontierMemory => "a memory budget for the breadth-first queue",
            Setting::PreemptionBound => "a preemption bound",
            Setting::FewestPreemptions => "looking for the fewest preemptions",
            Setting::Observer => "observing every state (state graphs)",
            Setting::OnlyChecks => "looking for some checks only",
        })
    }
}

/// Why a distributed run ended without an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelyError {
    /// The cluster description is wrong (no workers, a process index out of range).
    Config(String),
    /// Some peer could not be reached in time, or the handshake failed.
    Connect(String),
    /// A peer died or a connection broke during the run.
    Peer(String),
}

impl std::fmt::Display for TimelyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimelyError::Config(m) => write!(f, "bad cluster configuration: {m}"),
            TimelyError::Connect(m) => write!(f, "cannot connect the cluster: {m}"),
            TimelyError::Peer(m) => write!(f, "the distributed run failed: {m}"),
        }
    }
}

impl std::error::Error for TimelyError {}

/// Why a search did not run or did not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchError {
    /// The engine cannot honour a setting: it would be dropped, so the search is refused.
    Unsupported {
        /// The engine (`dfs`, `timely`, ...).
        engine: &'static str,
        /// What it cannot do.
        setting: Setting,
    },
    /// Two settings cannot go together.
    Conflict(Setting, Setting),
    /// A setting's value is beyond what the search can count.
    OutOfRange {
        /// The setting.
        setting: Setting,
        /// Its value.
        value: u64,
        /// The largest value it takes.
        max: u64,
    },
    /// Reduction was asked for a model that declares no footprints.
    NotReducible,
    /// The model has more threads than the engine numbers.
    TooManyThreads {
        /// The model's threads.
        threads: usize,
        /// The most the engine takes.
        max: usize,
    },
    /// A thread has more coverage points than a search counts.
    TooManyCoveragePoints {
        /// The thread.
        thread: String,
        /// Its points.
        points: usize,
        /// The most a search counts.
        max: usize,
    },
    /// A check to look for that the model does not have.
    UnknownCheck {
        /// The name asked for.
        check: String,
        /// The model's checks, with `deadlock`.
        known: Vec<String>,
    },
    /// The distributed engine failed.
    Timely(TimelyError),
    /// shuttle failed for a reason other than a deadlock of the model.
    Shuttle(String),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::Unsupported { engine, setting } => {
                write!(f, "the {engine} engine does not support {setting}")
            }
            SearchError::Conflict(a, b) => write!(f, "{a} cannot be combined with {b}"),
            SearchError::OutOfRange {
                setting,
                value,
                max,
            } => write!(f, "{setting} of {value} is too large: at most {max}"),
            SearchError::NotReducible => write!(
                f,
                "the model declares no footprints, so partial-order reduction does not apply"
            ),
            SearchError::TooManyThreads { threads, max } => write!(
                f,
                "the model has {threads} threads; this engine explores at most {max}"
            ),
            SearchError::TooManyCoveragePoints {
                thread,
                points,
                max,
            } => write!(
                f,
                "thread {thread} has {points} steps to cover; a search counts at most {max} a thread"
            ),
            SearchError::UnknownCheck { check, known } => write!(
                f,
                "the model has no check `{check}`; its checks: {}",
                known.join(", ")
            ),
            SearchError::Timely(e) => write!(f, "{e}"),
            SearchError::Shuttle(m) => write!(f, "shuttle execution failed: {m}"),
        }
    }
}

impl std::error::Error for SearchError {}

impl From<TimelyError> for SearchError {
    fn from(e: TimelyError) -> Self {
        SearchError::Timely(e)
    }
}
