//! Looking for some checks only (`weft check --check NAME`, and the rounds of `--continue`).
//!
//! [`OnlyChecks`] wraps any model: a violation of a check outside the set is not reported; the
//! state where it happens becomes a dead end (no thread moves on from it, and it counts as a
//! correct end), as a violating state is never expanded in a search that goes on past
//! violations. Every engine explores it like any other model.
//!
//! A model reports one violation per state (the first of its invariants that fails), so a
//! state where a check outside the set fails first is a dead end even if a selected invariant
//! fails there too; that violation is reported where another path reaches it.

use crate::model::{Model, Status, Violation, DEADLOCK};

/// `model` with only the violations of `checks` reported.
#[derive(Clone, Debug)]
pub struct OnlyChecks<M> {
    /// The model explored.
    pub model: M,
    /// The checks whose violations are reported (`deadlock` among them, or not).
    pub checks: Vec<String>,
}

/// A state of the filtered model: the model's state, and whether a step failed a check
/// outside the set (a dead end).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OnlyState<S> {
    /// The model's state.
    pub inner: S,
    pruned: bool,
}

impl<M: Model> OnlyChecks<M> {
    /// `model`, reporting only violations of `checks`.
    pub fn new(model: M, checks: Vec<String>) -> Self {
        OnlyChecks { model, checks }
    }

    fn selected(&self, v: &Violation) -> bool {
        self.checks.contains(&v.check)
    }

    /// A violation outside the set becomes no violation.
    fn keep(&self, result: Result<(), Violation>) -> Result<(), Violation> {
        match result {
            Err(v) if !self.selected(&v) => Ok(()),
            other => other,
        }
    }

    /// Whether no thread moves on from `s`: a step failed an unselected check, an
    /// unselected invariant fails in it, or it deadlocks and deadlock is not selected.
    fn dead_end(&self, s: &OnlyState<M::State>) -> bool {
        if s.pruned {
            return true;
        }
        if let Err(v) = self.model.invariant(&s.inner) {
            return !self.selected(&v);
        }
        if self.checks.iter().any(|c| c == DEADLOCK) {
            return false;
        }
        let statuses = (0..self.model.thread_count()).map(|t| self.model.status(&s.inner, t));
        let (mut enabled, mut blocked) = (false, false);
        for status in statuses {
            enabled |= status == Status::Enabled;
            blocked |= status == Status::Blocked;
        }
        blocked && !enabled
    }
}

impl<M: Model> Model for OnlyChecks<M> {
    type State = OnlyState<M::State>;

    crate::model::forward_to_model!(|s| &s.inner);

    fn initial_state(&self) -> Self::State {
        OnlyState {
            inner: self.model.initial_state(),
            pruned: false,
        }
    }
    fn status(&self, s: &Self::State, thread: usize) -> Status {
        if self.dead_end(s) {
            Status::Finished
        } else {
            self.model.status(&s.inner, thread)
        }
    }
    fn step(&self, s: &mut Self::State, thread: usize) -> Result<(), Violation> {
        let result = self.model.step(&mut s.inner, thread);
        if result.as_ref().is_err_and(|v| !self.selected(v)) {
            s.pruned = true;
        }
        self.keep(result)
    }
    fn invariant(&self, s: &Self::State) -> Result<(), Violation> {
        self.keep(self.model.invariant(&s.inner))
    }
    fn end_check(&self, s: &Self::State) -> Result<(), Violation> {
        if self.dead_end(s) {
            return Ok(());
        }
        self.keep(self.model.end_check(&s.inner))
    }
    fn encode(&self, s: &Self::State, out: &mut Vec<u8>) {
        out.push(u8::from(s.pruned));
        self.model.encode(&s.inner, out);
    }
    fn decode(&self, bytes: &[u8]) -> Self::State {
        OnlyState {
            inner: self.model.decode(&bytes[1..]),
            pruned: bytes[0] != 0,
        }
    }
    /// The model's own fingerprint of the inner state, with the dead-end mark.
    fn fingerprint(&self, s: &Self::State) -> u64 {
        let inner = self.model.fingerprint(&s.inner);
        crate::fingerprint(&(inner, s.pruned))
    }
}
