//! The engines, each behind [`Explore`]: what it honours, and its search. The
//! [`Checker`](crate::Checker) validates the settings against [`Explore::honours`], resolves
//! them into a [`Run`], and calls [`Explore::explore`]; nothing outside this crate sees an
//! engine directly.

pub(crate) mod bfs;
pub(crate) mod dfs;
#[cfg(feature = "shuttle")]
pub(crate) mod shuttle;
#[cfg(feature = "shuttle")]
pub(crate) mod shuttle_replay;
#[cfg(feature = "timely")]
pub(crate) mod timely;

use crate::model::{Model, Reducer};
use crate::search::error::{SearchError, Setting};
use crate::search::limits::Limits;
use crate::search::observer::Observer;
use crate::search::outcome::{Outcome, Progress, Stats, StopReason};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// An engine: which settings it honours, and its search.
pub(crate) trait Explore {
    /// Whether the engine honours `setting` (a setting it does not is refused, not dropped).
    fn honours(&self, setting: Setting) -> bool;

    /// The most model threads it explores.
    fn max_threads(&self) -> usize {
        u8::MAX as usize
    }

    /// Explores `run.model` with `run`'s settings, reporting to `observer` if it honours one.
    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        run: &Run<'_, M>,
        observer: &mut O,
    ) -> Result<Outcome, SearchError>;
}

/// A search's settings, resolved and validated by the checker, for one engine run.
pub(crate) struct Run<'a, M: Model> {
    /// The model explored.
    pub model: &'a M,
    /// Worker threads (1 for the engines that run on one).
    pub threads: usize,
    /// Budgets.
    pub limits: Limits,
    /// Set from outside (Ctrl-C) to stop the search cleanly.
    pub stop: Option<&'static AtomicBool>,
    /// Called now and then with the search's progress.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    /// Explore past violations (violating states are not expanded).
    pub keep_going: bool,
    /// Count the distinct complete schedules.
    pub count_schedules: bool,
    /// Bitstate hashing with this many bytes of bits.
    pub bitstate: Option<usize>,
    /// Bytes of the breadth-first queue kept in memory (`None`: the engine's default).
    pub frontier_memory: Option<usize>,
    /// Partial-order reduction, when on.
    pub reducer: Option<Reducer<M>>,
}

impl<M: Model> Run<'_, M> {
    /// Why the search must stop now, if it must: stopped from outside, out of memory, or out
    /// of time.
    pub(crate) fn should_stop(&self, start: Instant) -> Option<StopReason> {
        if self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Some(StopReason::Interrupted);
        }
        if crate::memory::exhausted() {
            return Some(StopReason::OutOfMemory);
        }
        let limit = self.limits.time_limit?;
        (start.elapsed() >= limit).then_some(StopReason::TimeLimit(limit))
    }

    /// Zero counts for this run's model on `workers` worker threads.
    pub(crate) fn zero_stats(&self, workers: usize) -> Stats {
        Stats::zero(coverage_counters(self.model), workers)
    }
}

/// A zero for each of `model`'s coverage points, per thread.
pub(crate) fn coverage_counters<M: Model>(model: &M) -> Vec<Vec<u64>> {
    (0..model.thread_count())
        .map(|t| vec![0; model.coverage_points(t).len()])
        .collect()
}
