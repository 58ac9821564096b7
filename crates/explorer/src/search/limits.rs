//! Budgets that stop a search before its verdict.

use std::time::{Duration, Instant};

/// Budgets that stop a search before its verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Stop once this many distinct states are stored and more remain.
    pub max_states: Option<u64>,
    /// Do not expand states at this depth (number of steps from the initial state).
    pub max_depth: Option<usize>,
    /// Stop after this much time.
    pub time_limit: Option<Duration>,
}

impl Limits {
    /// The same limits with the time limit reduced by the time since `start`: for searches
    /// that follow one another under one budget.
    pub fn remaining_since(&self, start: Instant) -> Limits {
        Limits {
            time_limit: self.time_limit.map(|t| t.saturating_sub(start.elapsed())),
            ..self.clone()
        }
    }
}
