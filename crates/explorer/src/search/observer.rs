//! Watching a search state by state: what state graphs are built from.

use crate::model::Violation;

/// Sees every distinct state and every transition, in the engine's deterministic order. It
/// is called from one thread at a time, not necessarily the caller's: hence `Send`. Only the
/// breadth-first engine reports to observers.
pub trait Observer<S>: Send {
    /// Whether the observer is called at all: `false` (as for `()`) spares the search
    /// decoding states for it.
    const ACTIVE: bool = true;
    /// A new state, first reached at `depth`.
    fn state(&mut self, _fp: u64, _state: &S, _depth: usize) {}
    /// A step of `thread` from the state `from` (fingerprint `from_fp`) to the state `to_fp`.
    fn transition(&mut self, _from_fp: u64, _from: &S, _thread: usize, _to_fp: u64) {}
    /// The state `fp` (already reported to [`state`](Observer::state)) breaks a check.
    fn bad_state(&mut self, _fp: u64, _violation: &Violation) {}
    /// The step of `thread` from `from` fails an assertion.
    fn failed_step(&mut self, _from_fp: u64, _from: &S, _thread: usize, _violation: &Violation) {}
}

impl<S> Observer<S> for () {
    const ACTIVE: bool = false;
}
