//! The engines a [`Checker`](crate::Checker) can run, with the settings that belong to each.

use super::outcome::Scheduler;
use std::time::Duration;

/// Which engine explores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// Breadth-first, level by level, in parallel, deterministic: shortest counterexamples,
    /// and results that do not depend on the thread count.
    #[default]
    Bfs,
    /// Depth-first with a stack, on one thread: memory for the visited set and the current
    /// path only; a counterexample is the path it met first, not necessarily a shortest one.
    Dfs,
    /// The model's threads as real threads under a shuttle scheduler: a sample of schedules,
    /// or (its depth-first scheduler) all of them without storing states.
    #[cfg(feature = "shuttle")]
    Shuttle(Shuttle),
    /// Breadth-first on timely-dataflow workers, across threads, processes and machines: the
    /// breadth-first engine's counts and counterexamples.
    #[cfg(feature = "timely")]
    Timely(Cluster),
}

impl Engine {
    /// The engine's name (`bfs`, `dfs`, `random`, `pct`, `dfs-shuttle`, `timely`).
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Bfs => "bfs",
            Engine::Dfs => "dfs",
            #[cfg(feature = "shuttle")]
            Engine::Shuttle(s) => s.scheduler.name(),
            #[cfg(feature = "timely")]
            Engine::Timely(_) => "timely",
        }
    }

    /// Whether its counterexamples are shortest ones.
    pub fn shortest(&self) -> bool {
        match self {
            Engine::Bfs => true,
            #[cfg(feature = "timely")]
            Engine::Timely(_) => true,
            _ => false,
        }
    }
}

/// How the shuttle engine runs the model's threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shuttle {
    /// The scheduler that picks each step.
    pub scheduler: Scheduler,
    /// Executions to run; `None` runs [`DEFAULT_EXECUTIONS`] under the random and PCT
    /// schedulers, and every schedule under the depth-first one.
    pub executions: Option<usize>,
    /// Seed of the random and PCT schedulers: the same seed runs the same executions.
    pub seed: u64,
}

/// Executions the random and PCT schedulers run when no count is given.
pub const DEFAULT_EXECUTIONS: usize = 1000;

impl Shuttle {
    /// `scheduler` with its default executions and seed 0.
    pub fn new(scheduler: Scheduler) -> Shuttle {
        Shuttle {
            scheduler,
            executions: None,
            seed: 0,
        }
    }
}

/// Where the distributed engine's workers run: threads per process, and the processes'
/// addresses. Every process of a cluster runs the same search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Worker threads in this process.
    pub workers: usize,
    /// This process's index, `0..addresses.len()`.
    pub process: usize,
    /// One `host:port` per process, in process order (empty or one entry: a single process).
    /// Each process listens on its own line's address.
    pub addresses: Vec<String>,
    /// How long to wait for every peer to connect.
    pub connect_timeout: Duration,
}

impl Cluster {
    /// One process with `workers` threads.
    pub fn local(workers: usize) -> Self {
        Cluster {
            workers,
            process: 0,
            addresses: Vec::new(),
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// How many processes the cluster has.
    pub fn processes(&self) -> usize {
        self.addresses.len().max(1)
    }
}
