//! Thread symmetry: a scenario's identical threads (the same operations with the same
//! arguments) are interchangeable, so states that differ only by renaming them are one
//! situation. The search stores one representative per orbit: each group's threads sorted by
//! their own state, every reference to a thread renamed by the same permutation.
//!
//! A model offers it through [`Symmetric`] and [`Model::symmetry`].
//! The contract that makes the representative canonical (the same for every member of an
//! orbit) and the search sound:
//! - the checks are symmetric: renaming interchangeable threads changes no verdict;
//! - [`thread_key`](Symmetric::thread_key) holds a thread's own state and what the shared
//!   state says about it (holds the lock?), so that two threads of a group with equal keys
//!   can be swapped without changing the state;
//! - [`permute`](Symmetric::permute) renames every thread reference in the state.
//!
//! [`Quotient`] wraps a model so that every engine explores representatives; a counterexample
//! found on representatives is turned back into real threads by [`concretize`], which
//! re-executes it keeping the renaming along the way.

use crate::model::{Model, Status, Violation};
use crate::preemption::{Bounded, BoundedState};
use smallvec::SmallVec;
use std::sync::Arc;

/// How a model's threads may be renamed.
pub trait Symmetric: Model {
    /// Sort key of `thread`'s part of `state` (see the module's contract).
    type Key: Ord;

    /// The groups of interchangeable threads, each in increasing order, a thread in at most
    /// one, only groups of two or more.
    fn thread_groups(&self) -> Vec<Vec<usize>>;

    /// `thread`'s sort key in `state`.
    fn thread_key(&self, state: &Self::State, thread: usize) -> Self::Key;

    /// `state` with its threads renamed: thread `t`'s part moves to `to[t]`, and every
    /// reference to `t` becomes one to `to[t]`. `to` permutes each group within itself.
    fn permute(&self, state: &mut Self::State, to: &[u8]);
}

/// A model's symmetry, as [`Model::symmetry`] offers it: the groups,
/// and how to compare and rename threads (kept as functions so that a wrapper such as the
/// preemption bound can extend them).
pub struct Symmetry<M: Model> {
    /// The groups of interchangeable threads.
    pub groups: Vec<Vec<usize>>,
    sort: Arc<SortFn<M>>,
    permute: Arc<PermuteFn<M>>,
}

/// Sorts a group's threads (stably) by their keys in a state.
type SortFn<M> = dyn Fn(&M, &<M as Model>::State, &mut [usize]) + Send + Sync;
/// Renames the threads of a state (`to[old] = new`).
type PermuteFn<M> = dyn Fn(&M, &mut <M as Model>::State, &[u8]) + Send + Sync;

impl<M: Model> Clone for Symmetry<M> {
    fn clone(&self) -> Self {
        Symmetry {
            groups: self.groups.clone(),
            sort: Arc::clone(&self.sort),
            permute: Arc::clone(&self.permute),
        }
    }
}

impl<M: Symmetric> Symmetry<M> {
    /// Each group sorted by [`Symmetric::thread_key`]; `None` when no two threads are
    /// interchangeable.
    pub fn by_sorting(model: &M) -> Option<Self> {
        let groups = model.thread_groups();
        (!groups.is_empty()).then(|| Symmetry {
            groups,
            sort: Arc::new(sort_by_key::<M>),
            permute: Arc::new(|m: &M, s: &mut M::State, to: &[u8]| m.permute(s, to)),
        })
    }
}

impl<M: Model> Symmetry<M> {
    /// Puts `state` in canonical form: each group's threads sorted (stably) by key, and
    /// renamed accordingly; `to[old] = new` for every thread.
    pub fn canonicalize(&self, model: &M, state: &mut M::State, to: &mut Vec<u8>) {
        to.clear();
        to.extend((0..model.thread_count()).map(|t| t as u8));
        let mut moved = false;
        let mut sorted = Vec::new();
        for group in &self.groups {
            sorted.clear();
            sorted.extend_from_slice(group);
            (self.sort)(model, state, &mut sorted);
            for (slot, old) in group.iter().zip(&sorted) {
                to[*old] = *slot as u8;
                moved |= old != slot;
            }
        }
        if moved {
            (self.permute)(model, state, to);
        }
    }

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
            permute: Arc::new(
                move |m: &Bounded<M>, s: &mut BoundedState<M::State>, to: &[u8]| {
                    permute(&m.model, &mut s.inner, to);
                    s.rename_last(to);
                },
            ),
        }
    }
}

/// Sorts `group` stably by [`Symmetric::thread_key`], each key computed once (an insertion
/// sort: groups are small).
fn sort_by_key<M: Symmetric>(model: &M, state: &M::State, group: &mut [usize]) {
    let mut keyed: SmallVec<[(M::Key, usize); 8]> = group
        .iter()
        .map(|&t| (model.thread_key(state, t), t))
        .collect();
    for i in 1..keyed.len() {
        let mut j = i;
        while j > 0 && keyed[j - 1].0 > keyed[j].0 {
            keyed.swap(j - 1, j);
            j -= 1;
        }
    }
    for (slot, (_, t)) in group.iter_mut().zip(keyed) {
        *slot = t;
    }
}

/// `model` explored on orbit representatives: every state it hands out is canonical.
#[derive(Clone)]
pub struct Quotient<M: Model> {
    /// The model.
    pub model: M,
    symmetry: Symmetry<M>,
}

impl<M: Model> Quotient<M> {
    /// `model` on the representatives of `symmetry`'s orbits.
    pub fn new(model: M, symmetry: Symmetry<M>) -> Self {
        Quotient { model, symmetry }
    }

    fn canonical(&self, state: &mut M::State) {
        let mut to = Vec::with_capacity(self.model.thread_count());
        self.symmetry.canonicalize(&self.model, state, &mut to);
    }
}

impl<M: Model> std::fmt::Debug for Quotient<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotient")
            .field("groups", &self.symmetry.groups)
            .finish()
    }
}

impl<M: Model> Model for Quotient<M> {
    type State = M::State;

    crate::model::forward_to_model!(|s| s);

    fn initial_state(&self) -> M::State {
        let mut s = self.model.initial_state();
        self.canonical(&mut s);
        s
    }
    fn status(&self, s: &M::State, thread: usize) -> Status {
        self.model.status(s, thread)
    }
    /// The step, then the successor's representative. A violation is reported on the state
    /// the step reached, before it is renamed.
    fn step(&self, s: &mut M::State, thread: usize) -> Result<(), Violation> {
        self.model.step(s, thread)?;
        self.canonical(s);
        Ok(())
    }
    fn invariant(&self, s: &M::State) -> Result<(), Violation> {
        self.model.invariant(s)
    }
    fn end_check(&self, s: &M::State) -> Result<(), Violation> {
        self.model.end_check(s)
    }
    fn encode(&self, s: &M::State, out: &mut Vec<u8>) {
        self.model.encode(s, out)
    }
    fn fingerprint(&self, s: &M::State) -> u64 {
        self.model.fingerprint(s)
    }
    fn encode_fingerprinted(&self, s: &M::State, out: &mut Vec<u8>) -> u64 {
        self.model.encode_fingerprinted(s, out)
    }
    fn decode(&self, bytes: &[u8]) -> M::State {
        self.model.decode(bytes)
    }
}

/// A schedule found on representatives (each step names a thread of the representative it
/// starts from) as a schedule of the model's own threads from its initial state. The real
/// state stays a renaming of the representative: `real = from[representative]`.
pub fn concretize<M: Model>(model: &M, symmetry: &Symmetry<M>, schedule: &[usize]) -> Vec<usize> {
    let n = model.thread_count();
    let mut rep = model.initial_state();
    let mut to = Vec::with_capacity(n);
    symmetry.canonicalize(model, &mut rep, &mut to);
    // from[t]: the real thread that thread t of the representative stands for.
    let mut from = vec![0usize; n];
    for (old, &new) in to.iter().enumerate() {
        from[new as usize] = old;
    }
    let mut real = Vec::with_capacity(schedule.len());
    for &t in schedule {
        real.push(from[t]);
        if model.step(&mut rep, t).is_err() {
            break;
        }
        symmetry.canonicalize(model, &mut rep, &mut to);
        let before = from.clone();
        for (old, &new) in to.iter().enumerate() {
            from[new as usize] = before[old];
        }
    }
    real
}
