//! Preemption bounding (CHESS-style): explore only schedules that switch away from a thread
//! that could have continued at most `bound` times.
//!
//! [`Bounded`] wraps any model: its state is the model's state plus the last thread that moved
//! and the preemptions used so far, and a step that would exceed the bound is not enabled.
//! Every engine explores it like any other model
//! ([`Checker::preemption_bound`](crate::Checker::preemption_bound)).

use crate::model::{Model, Status, Symmetry, Violation};
use std::sync::Arc;

/// Marks "no thread has moved yet".
const NONE: u8 = u8::MAX;

/// The largest bound: a state counts its preemptions in a byte.
pub const MAX_BOUND: u32 = u8::MAX as u32 - 1;

/// `model` restricted to schedules with at most `bound` preemptions.
#[derive(Clone, Debug)]
pub struct Bounded<M> {
    /// The model explored.
    pub model: M,
    /// Most preemptions a schedule may use.
    pub bound: u32,
}

/// A state of the bounded model.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct BoundedState<S> {
    /// The model's state.
    pub inner: S,
    last: u8,
    used: u8,
}

impl<S> BoundedState<S> {
    /// The thread that moved last, if any moved.
    pub fn last(&self) -> Option<usize> {
        (self.last != NONE).then_some(usize::from(self.last))
    }

    /// Renames the last thread to move as a renaming of the threads says (`to[old] = new`).
    pub(crate) fn rename_last(&mut self, to: &[u8]) {
        if self.last != NONE {
            self.last = to[usize::from(self.last)];
        }
    }
}

impl<M: Model> Bounded<M> {
    /// `model` bounded to `bound` preemptions.
    pub fn new(model: M, bound: u32) -> Self {
        Bounded { model, bound }
    }

    /// Whether running `thread` now would preempt the last thread, which could continue.
    fn preempts(&self, s: &BoundedState<M::State>, thread: usize) -> bool {
        s.last != NONE
            && s.last as usize != thread
            && self.model.status(&s.inner, s.last as usize) == Status::Enabled
    }
}

impl<M: Model> Model for Bounded<M> {
    type State = BoundedState<M::State>;

    crate::model::forward_to_model!(|s| &s.inner);

    fn initial_state(&self) -> Self::State {
        BoundedState {
            inner: self.model.initial_state(),
            last: NONE,
            used: 0,
        }
    }
    fn status(&self, s: &Self::State, thread: usize) -> Status {
        match self.model.status(&s.inner, thread) {
            Status::Enabled if self.preempts(s, thread) && u32::from(s.used) >= self.bound => {
                Status::Blocked
            }
            other => other,
        }
    }
    fn step(&self, s: &mut Self::State, thread: usize) -> Result<(), Violation> {
        if self.preempts(s, thread) {
            // A preempting step is enabled only below the bound, which is at most
            // [`MAX_BOUND`]: the count stays within its byte.
            s.used += 1;
        }
        s.last = thread as u8;
        self.model.step(&mut s.inner, thread)
    }
    fn invariant(&self, s: &Self::State) -> Result<(), Violation> {
        self.model.invariant(&s.inner)
    }
    fn end_check(&self, s: &Self::State) -> Result<(), Violation> {
        self.model.end_check(&s.inner)
    }
    fn encode(&self, s: &Self::State, out: &mut Vec<u8>) {
        out.extend_from_slice(&[s.last, s.used]);
        self.model.encode(&s.inner, out);
    }
    fn decode(&self, bytes: &[u8]) -> Self::State {
        BoundedState {
            inner: self.model.decode(&bytes[2..]),
            last: bytes[0],
            used: bytes[1],
        }
    }
    /// The model's own fingerprint of the inner state, with the bound's bookkeeping.
    fn fingerprint(&self, s: &Self::State) -> u64 {
        let inner = self.model.fingerprint(&s.inner);
        crate::fingerprint(&(inner, s.last, s.used))
    }
}

/// How many preemptions `schedule` uses: switches away from a thread that could have
/// continued. `None` if the schedule does not run.
pub fn count<M: Model>(model: &M, schedule: &[usize]) -> Option<u32> {
    let mut state = model.initial_state();
    let mut last: Option<usize> = None;
    let mut used = 0;
    for &t in schedule {
        if t >= model.thread_count() || model.status(&state, t) != Status::Enabled {
            return None;
        }
        if let Some(l) = last {
            if l != t && model.status(&state, l) == Status::Enabled {
                used += 1;
            }
        }
        last = Some(t);
        if model.step(&mut state, t).is_err() {
            break;
        }
    }
    Some(used)
}

impl<M: Model> Symmetry<M> {
    /// The same symmetry for `model` under a preemption bound: the thread that moved last
    /// is renamed too, and sorts after its equals (it alone may continue without a
    /// preemption).
    pub fn bounded(&self) -> Symmetry<Bounded<M>> {
        let (sort, permute) = (Arc::clone(&self.sort), Arc::clone(&self.permute));
        Symmetry {
            groups: self.groups.clone(),
            // By the last thread to move first, then (stably) by the model's key: the order
            // of (key, moved last).
            sort: Arc::new(
                move |m: &Bounded<M>, s: &BoundedState<M::State>, group: &mut [usize]| {
                    group.sort_by_key(|&t| s.last() == Some(t));
                    sort(&m.model, &s.inner, group);
                },
            ),
            // The thread that moved last is part of two threads' keys: every step sorts.
            place: None,
            permute: Arc::new(
                move |m: &Bounded<M>, s: &mut BoundedState<M::State>, to: &[u8]| {
                    permute(&m.model, &mut s.inner, to);
                    s.rename_last(to);
                },
            ),
        }
    }
}
