//! Partial-order reduction, for models that say what their steps touch.
//!
//! A model opts in by implementing [`Reduce`] (each step's [`Footprint`], each thread's future
//! footprint, and what the invariants read) and returning
//! [`Reducer::by_footprints()`](crate::Reducer::by_footprints) from
//! [`Model::reduction`]: on by default, or, with
//! [`off_by_default`](crate::Reducer::off_by_default), only when a search asks for it. A
//! model that does not opt in is explored without reduction, at no cost: the engines ask
//! nothing per state.
//!
//! In a state where some thread's next step is invisible to the invariants and independent of
//! everything every other unfinished thread may still do, that step alone is a persistent set:
//! the engines explore only it (`ample_thread` chooses it), provided it does not close a
//! cycle on which the other threads' steps would be postponed forever. That proviso is the
//! engine's: breadth-first, the step must lead one level deeper (to a new state or one of the
//! next level); depth-first, it must not lead back onto the stack. Verdicts and failed checks
//! are kept; the breadth-first checker then shortens a counterexample found on the reduced
//! graph by an unreduced search bounded by its length, so reduction changes no counterexample
//! ([`Checker`](crate::Checker)).
//!
//! A search reduces only where it pays: level by level (depth-first, by stretches of
//! [`DFS_PERIOD`] states), it reduces in the next only if reduction left at least
//! [`MIN_PRUNED_PERCENT`] of the enabled steps unexplored in this one, and otherwise asks it
//! about one state in [`SAMPLE`] to turn it back on where it starts to pay; the outcome says
//! where it was on ([`ReductionStats`](crate::ReductionStats)).
//!
//! Reduction is only as sound as the footprints: [`independence`] checks, state by state,
//! that steps the footprints call independent do commute.

pub(crate) mod pays;

pub use pays::{DFS_PERIOD, MIN_PRUNED_PERCENT, SAMPLE};

use crate::model::{Model, Reducer, Status};
use serde::{Deserialize, Serialize};
use smallvec::{smallvec, SmallVec};

/// What a model implements to be reduced: what each step touches, as bit sets over the
/// model's own numbering of its shared objects (at most 64).
pub trait Reduce: Model {
    /// The objects the enabled `thread`'s next step reads and writes, ghost state included.
    /// Called for every state the reduced search expands: keep it cheap.
    fn footprint(&self, state: &Self::State, thread: usize) -> Footprint;

    /// Everything `thread` may still read or write, its next step included: an
    /// over-approximation (reduction is only as sound as it).
    fn future_footprint(&self, state: &Self::State, thread: usize) -> Footprint;

    /// The objects [`invariant`](Model::invariant) reads: steps that write them are visible
    /// and never postponed. Everything, by default.
    fn invariant_reads(&self) -> u64 {
        u64::MAX
    }
}

impl<M: Reduce> Reducer<M> {
    /// Reduction by [`Reduce`]'s footprints: what a model that implements it returns from
    /// [`Model::reduction`].
    pub fn by_footprints() -> Reducer<M> {
        Reducer {
            ample: ample_thread::<M>,
            by_default: true,
        }
    }
}

/// The shared objects a step reads and writes, as bit sets over the model's object numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// Objects read.
    pub reads: u64,
    /// Objects written (a read-modify-write is in both sets).
    pub writes: u64,
}

impl Footprint {
    /// Every object, read and written.
    pub const ALL: Footprint = Footprint {
        reads: u64::MAX,
        writes: u64::MAX,
    };

    /// Reads and writes `objects`.
    pub const fn rw(objects: u64) -> Footprint {
        Footprint {
            reads: objects,
            writes: objects,
        }
    }

    /// Only reads `objects`.
    pub const fn read(objects: u64) -> Footprint {
        Footprint {
            reads: objects,
            writes: 0,
        }
    }

    /// Both footprints together.
    pub fn union(self, other: Footprint) -> Footprint {
        Footprint {
            reads: self.reads | other.reads,
            writes: self.writes | other.writes,
        }
    }

    /// Whether this footprint reads and writes nothing `other` does not.
    pub fn within(&self, other: &Footprint) -> bool {
        self.reads & !other.reads == 0 && self.writes & !other.writes == 0
    }

    /// Whether two steps touch a common object and at least one of them writes it.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        (self.writes & (other.reads | other.writes)) != 0 || (other.writes & self.reads) != 0
    }
}

/// Every thread's status in a state, on the stack for up to 16 threads (this runs for every
/// state expanded under reduction).
pub(crate) type Statuses = SmallVec<[Status; 16]>;

/// Each thread's status in `s`, asked once.
pub(crate) fn statuses<M: Model>(model: &M, s: &M::State) -> Statuses {
    (0..model.thread_count())
        .map(|t| model.status(s, t))
        .collect()
}

/// The enabled threads among `statuses`, in thread order.
pub(crate) fn enabled(statuses: &[Status]) -> impl Iterator<Item = usize> + '_ {
    statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == Status::Enabled)
        .map(|(t, _)| t)
}

/// Among the enabled threads of `statuses` (each thread's in `s`), the first whose next step
/// alone is a persistent set, when two or more are enabled: invisible to the invariants, and
/// independent of everything every other unfinished thread may still do (so no other thread
/// can enable, disable or be affected by it before it runs). The other threads' futures are
/// computed when first compared, since a candidate is often ruled out by visibility or by the
/// first conflict.
pub(crate) fn ample_thread<M: Reduce>(
    model: &M,
    s: &M::State,
    statuses: &[Status],
) -> Option<usize> {
    // A second enabled thread, or there is nothing to reduce.
    enabled(statuses).nth(1)?;
    let visible = model.invariant_reads();
    let mut futures: SmallVec<[Option<Footprint>; 16]> = smallvec![None; statuses.len()];
    enabled(statuses).find(|&t| {
        let fp = model.footprint(s, t);
        fp.writes & visible == 0
            && statuses.iter().enumerate().all(|(u, st)| {
                u == t
                    || *st == Status::Finished
                    || !fp.conflicts(futures[u].get_or_insert_with(|| model.future_footprint(s, u)))
            })
    })
}

/// Where two steps the footprints call independent do not commute in a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependence {
    /// The two threads.
    pub threads: (usize, usize),
    /// What went wrong.
    pub problem: String,
}

/// Checks the footprints of `model` in `state`: every enabled thread's step is within its
/// future footprint, and any two enabled threads whose steps' footprints do not conflict
/// commute: each stays enabled after the other runs, and both orders reach the same state
/// with the same results. Tests run it over every reachable state of a model.
pub fn independence<M: Reduce>(model: &M, state: &M::State) -> Result<(), Dependence> {
    let enabled: Vec<usize> = (0..model.thread_count())
        .filter(|&t| model.status(state, t) == Status::Enabled)
        .collect();
    for &t in &enabled {
        let (step, future) = (model.footprint(state, t), model.future_footprint(state, t));
        if !step.within(&future) {
            return Err(Dependence {
                threads: (t, t),
                problem: format!(
                    "the step's footprint {step:?} is not within the thread's future {future:?}"
                ),
            });
        }
    }
    for (i, &t) in enabled.iter().enumerate() {
        for &u in &enabled[i + 1..] {
            if model
                .footprint(state, t)
                .conflicts(&model.footprint(state, u))
            {
                continue;
            }
            let after = |first: usize, second: usize| {
                let mut s = state.clone();
                let a = model.step(&mut s, first);
                let enabled = model.status(&s, second) == Status::Enabled;
                let b = enabled.then(|| model.step(&mut s, second));
                (a, enabled, b, s)
            };
            let (tu, ut) = (after(t, u), after(u, t));
            let problem = if !tu.1 || !ut.1 {
                Some("one step disables the other")
            } else if tu.0.is_ok()
                && tu.2 == Some(Ok(()))
                && ut.0.is_ok()
                && ut.2 == Some(Ok(()))
                && tu.3 != ut.3
            {
                Some("the two orders reach different states")
            } else if (tu.0.is_err() || tu.2 != Some(Ok(())))
                != (ut.0.is_err() || ut.2 != Some(Ok(())))
            {
                Some("a step fails in one order only")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(Dependence {
                    threads: (t, u),
                    problem: format!(
                        "{} and {}: {problem}, though their footprints do not conflict",
                        model.thread_name(t),
                        model.thread_name(u)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Runs [`independence`] in every state `checker`'s search of `model` reaches (one that keeps
/// going, without symmetry, reaches them all): how many states it checked, or the first
/// dependence found, or why the search failed, said. Tests run it on every model that reduces.
pub fn independence_everywhere<M: Reduce>(
    model: &M,
    checker: &crate::Checker,
) -> Result<usize, String> {
    struct Everywhere<'a, M>(&'a M, usize, Option<Dependence>);
    impl<M: Reduce> crate::Observer<M::State> for Everywhere<'_, M> {
        fn state(&mut self, _: u64, s: &M::State, _: usize) {
            if self.2.is_none() {
                self.2 = independence(self.0, s).err();
            }
            self.1 += 1;
        }
    }
    let mut seen = Everywhere(model, 0, None);
    checker
        .check_observed(model, &mut seen)
        .map_err(|e| e.to_string())?;
    match seen.2 {
        Some(d) => Err(format!("{d:?}")),
        None => Ok(seen.1),
    }
}
