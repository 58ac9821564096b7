//! Counting the distinct complete schedules: paths through the state graph, when every step
//! leads from one level to the next (the graph is then a DAG layered by depth). Each state of
//! the level being expanded carries the number of schedules that reach it, and passes it on
//! to its successors; a schedule is complete where it ends (a terminal state, a failed step
//! or a violating state).
//!
//! The count needs, for each state of two levels, its schedules (16 bytes) and, for the next
//! level, where a fingerprint sits in it (a map). On THP with four children that was 45 MB
//! of a 100 MB run whose widest level held 780,593 states. So counting stops, and its memory
//! goes back, at the first step that leads to an older level ([`Schedules::NotLayered`]) and
//! at the first level of more than [`LEVEL_LIMIT`] states ([`Schedules::LevelTooWide`]).

use crate::search::outcome::Schedules;
use crate::store::visited::FpMap;

/// The most states of one level whose schedules are counted: 65,536 (about 4 MiB for two
/// levels). The widest level of pt_frag 3x3 holds 42,099.
pub(crate) const LEVEL_LIMIT: usize = 1 << 16;

/// Marks a violating state of the next level in the position map: its schedules end there.
const ENDS: u32 = u32::MAX;

/// The count so far, and what it needs to go on.
#[derive(Debug)]
pub(crate) struct Count {
    /// Complete schedules so far; `None` once past `u128::MAX`.
    total: Option<u128>,
    /// Why counting stopped, or `None` while it goes on (or was never asked for).
    stopped: Option<Schedules>,
    /// Asked for.
    on: bool,
    /// For each state of the level being expanded, by position, the schedules reaching it.
    paths: Vec<u128>,
    /// The same for the next level, and each of its states' position ([`ENDS`] for a
    /// violating state, which is not expanded).
    next_paths: Vec<u128>,
    next_index: FpMap<u32>,
}

impl Count {
    /// A count of the schedules from the initial state, if `on`.
    pub(crate) fn new(on: bool) -> Count {
        Count {
            total: Some(0),
            stopped: None,
            on,
            paths: vec![1],
            next_paths: Vec::new(),
            next_index: FpMap::default(),
        }
    }

    /// Whether the search still counts.
    #[inline]
    fn counting(&self) -> bool {
        self.on && self.stopped.is_none()
    }

    /// The schedules reaching the state at `position` of the level being expanded (1 when
    /// not counting: nothing reads it then).
    #[inline]
    pub(crate) fn reaching(&self, position: usize) -> u128 {
        if self.counting() {
            self.paths[position]
        } else {
            1
        }
    }

    /// `paths` schedules end here.
    #[inline]
    pub(crate) fn end(&mut self, paths: u128) {
        if self.counting() {
            self.total = self.total.and_then(|s| s.checked_add(paths));
        }
    }

    /// A step from a state reached by `paths` schedules leads to the known state `fp`: a
    /// state of the next level gets them, one of an older level stops the count.
    pub(crate) fn flow(&mut self, fp: u64, paths: u128) {
        if !self.counting() {
            return;
        }
        match self.next_index.get(&fp) {
            Some(&ENDS) => self.end(paths),
            Some(&i) => {
                let p = &mut self.next_paths[i as usize];
                *p = p.saturating_add(paths);
                if *p == u128::MAX {
                    self.total = None;
                }
            }
            None => self.stop(Schedules::NotLayered),
        }
    }

    /// A new state `fp` of the next level, reached by `paths` schedules: violating (they end
    /// there), or queued at `position`.
    pub(crate) fn new_state(&mut self, fp: u64, paths: u128, position: Option<usize>) {
        if !self.counting() {
            return;
        }
        let Some(position) = position else {
            self.end(paths);
            self.next_index.insert(fp, ENDS);
            return;
        };
        if position >= LEVEL_LIMIT {
            return self.stop(Schedules::LevelTooWide(LEVEL_LIMIT as u64));
        }
        self.next_index.insert(fp, position as u32);
        self.next_paths.push(paths);
    }

    /// The next level starts filling.
    pub(crate) fn start_level(&mut self) {
        self.next_index.clear();
        self.next_paths.clear();
    }

    /// The next level is the one to expand.
    pub(crate) fn next_level(&mut self) {
        std::mem::swap(&mut self.paths, &mut self.next_paths);
    }

    /// Stops counting for `why`, and gives back what counting held.
    fn stop(&mut self, why: Schedules) {
        self.stopped = Some(why);
        self.paths = Vec::new();
        self.next_paths = Vec::new();
        self.next_index = FpMap::default();
    }

    /// What the summary says, for a search that explored everything (`None` if not asked).
    pub(crate) fn result(&self) -> Option<Schedules> {
        if !self.on {
            return None;
        }
        Some(match (&self.stopped, self.total) {
            (Some(why), _) => *why,
            (None, Some(n)) => Schedules::Exactly(n),
            (None, None) => Schedules::Overflow,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two paths to one state, then one step on: two schedules.
    #[test]
    fn paths_add_up_through_a_shared_state() {
        let mut count = Count::new(true);
        count.start_level();
        count.new_state(10, count.reaching(0), Some(0));
        count.new_state(11, count.reaching(0), Some(1));
        count.next_level();
        count.start_level();
        count.new_state(20, count.reaching(0), Some(0));
        count.flow(20, count.reaching(1));
        count.next_level();
        count.end(count.reaching(0));
        assert_eq!(count.result(), Some(Schedules::Exactly(2)));
    }

    /// A step back to an older level stops the count and frees its maps.
    #[test]
    fn a_step_back_stops_the_count() {
        let mut count = Count::new(true);
        count.start_level();
        count.new_state(10, 1, Some(0));
        count.flow(99, 1);
        assert_eq!(count.result(), Some(Schedules::NotLayered));
        assert_eq!(count.next_index.capacity(), 0);
        // Nothing more is counted.
        count.new_state(12, 1, Some(1));
        assert!(count.next_paths.is_empty());
    }

    /// A level wider than the limit stops the count.
    #[test]
    fn a_wide_level_stops_the_count() {
        let mut count = Count::new(true);
        count.start_level();
        for position in 0..=LEVEL_LIMIT {
            count.new_state(position as u64 + 1, 1, Some(position));
        }
        assert_eq!(
            count.result(),
            Some(Schedules::LevelTooWide(LEVEL_LIMIT as u64))
        );
        assert!(count.paths.is_empty() && count.next_paths.is_empty());
        let said = count.result().unwrap().to_string();
        assert!(
            said.starts_with("not counted (a level holds more than 65536 states"),
            "{said}"
        );
    }

    #[test]
    fn not_asked_is_not_counted() {
        let mut count = Count::new(false);
        count.new_state(1, 1, Some(0));
        count.end(5);
        assert_eq!(count.result(), None);
    }
}
