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
pub use crate::model::{Renaming, Symmetric, Symmetry};

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
        self.symmetry
            .canonicalize(&self.model, state, &mut Renaming::new());
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
        self.symmetry.canonicalize_step(&self.model, s, thread);
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
    let mut to = Renaming::new();
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
