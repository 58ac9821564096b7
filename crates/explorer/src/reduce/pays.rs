//! Reduction only where it pays: judged level by level from what it leaves unexplored.
//!
//! Reduction costs every state it expands something (each thread's status, the footprints
//! compared, the cycle proviso's lookup and, breadth-first, the next level's set) and saves
//! the steps it leaves unexplored, and the states only they reach. Where it leaves few steps
//! unexplored the cost wins, and how many it leaves changes along a search: on pt_frag 3x3 it
//! leaves none in the first 15 levels and more than half of them past level 32, while thp's
//! footprints leave almost none anywhere. So a search reduces in periods (a breadth-first
//! level, or [`DFS_PERIOD`] states depth-first) and judges at the end of each whether to
//! reduce in the next: it reduces there if, in this one, reduction left at least
//! [`MIN_PRUNED_PERCENT`] of the enabled steps unexplored. A period it does not reduce in
//! still asks the reduction about every [`SAMPLE`]th state (what it would have left
//! unexplored, without the proviso's lookup), so that it can turn reduction on again. The
//! first period reduces.
//!
//! Turning reduction on or off between periods is sound: the persistent sets are chosen state
//! by state, and every cycle of the explored graph keeps a fully expanded state, since the
//! proviso lets a state explore one step alone only if it leads one level deeper
//! (breadth-first) or not onto the stack (depth-first), whatever other states did. It is
//! deterministic: a breadth-first level's totals do not depend on the number of threads
//! (each state's expansion, the proviso's lookup included, does not, and states are sampled
//! by their position in the level: see [`bfs`](crate::engine::bfs)); the depth-first engine
//! runs on one thread.

use crate::search::outcome::ReductionStats;

/// A period without reduction asks the reduction about one state in this many.
pub const SAMPLE: usize = 16;

/// Fewest enabled steps, in hundredths, that reduction must leave unexplored in a period
/// for the search to reduce in the next.
pub const MIN_PRUNED_PERCENT: u64 = 10;

/// States a depth-first period expands.
pub const DFS_PERIOD: u64 = 1 << 12;

/// What reduction did, or would have done, in some states: a chunk's, a period's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// States expanded under reduction, or asked about.
    pub expanded: u64,
    /// Their enabled steps, in the states where two or more threads could move.
    pub enabled: u64,
    /// Those left unexplored (or that would have been).
    pub pruned: u64,
}

impl Tally {
    /// A state with `enabled` steps, `explored` of them explored (or to be). Only states with
    /// a choice count their steps: where one thread at most can move, there is nothing to
    /// reduce, and reduction costs next to nothing (it looks no further).
    #[inline]
    pub(crate) fn state(&mut self, enabled: usize, explored: usize) {
        self.expanded += 1;
        if enabled > 1 {
            self.enabled += enabled as u64;
            self.pruned += (enabled - explored) as u64;
        }
    }

    /// Both tallies together.
    pub(crate) fn add(&mut self, other: &Tally) {
        self.expanded += other.expanded;
        self.enabled += other.enabled;
        self.pruned += other.pruned;
    }

    /// Whether reduction leaves enough steps unexplored here to pay; `None` if no state had
    /// a choice (the decision stays as it was).
    fn pays(&self) -> Option<bool> {
        (self.enabled > 0).then(|| self.pruned * 100 >= MIN_PRUNED_PERCENT * self.enabled)
    }
}

/// Whether a search reduces in its current period, and what reduction did so far.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gauge {
    stats: ReductionStats,
    /// The current period's tally.
    period: Tally,
    reducing: bool,
}

impl Default for Gauge {
    fn default() -> Self {
        Gauge {
            stats: ReductionStats::default(),
            period: Tally::default(),
            reducing: true,
        }
    }
}

impl Gauge {
    /// Whether the current period reduces.
    pub(crate) fn reducing(&self) -> bool {
        self.reducing
    }

    /// Adds what reduction did (or would have done) in some states of the current period.
    pub(crate) fn add(&mut self, tally: &Tally) {
        self.period.add(tally);
    }

    /// Ends the current period of `states` states expanded; true if the next one reduces.
    pub(crate) fn end_period(&mut self, states: u64) -> bool {
        let tally = std::mem::take(&mut self.period);
        let s = &mut self.stats;
        s.periods += 1;
        if self.reducing {
            s.reduced_periods += 1;
            s.expanded += tally.expanded;
            s.enabled += tally.enabled;
            s.pruned += tally.pruned;
        } else {
            s.unreduced += states;
            s.sampled += tally.expanded;
            s.sampled_enabled += tally.enabled;
            s.sampled_pruned += tally.pruned;
        }
        if let Some(pays) = tally.pays() {
            self.reducing = pays;
        }
        self.reducing
    }

    /// What reduction did in the whole search.
    pub(crate) fn stats(&self) -> ReductionStats {
        self.stats
    }
}
