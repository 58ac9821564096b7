//! Preemption bounding (CHESS-style): explore only schedules that switch away from a thread
//! that could have continued at most `bound` times, and find counterexamples that need the
//! fewest such preemptions.
//!
//! [`Bounded`] wraps any model: its state is the model's state plus the last thread that moved
//! and the preemptions used so far, and a step that would exceed the bound is not enabled.
//! Every engine explores it like any other model.

use crate::bfs::{explore, Options, Verdict};
use crate::model::{Model, Status, StepInfo, Violation};
use crate::trace::Counterexample;

/// Marks "no thread has moved yet".
const NONE: u8 = u8::MAX;

/// `model` restricted to schedules with at most `bound` preemptions.
pub struct Bounded<'a, M> {
    /// The model explored.
    pub model: &'a M,
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

impl<M: Model> Bounded<'_, M> {
    /// Whether running `thread` now would preempt the last thread, which could continue.
    fn preempts(&self, s: &BoundedState<M::State>, thread: usize) -> bool {
        s.last != NONE
            && s.last as usize != thread
            && self.model.status(&s.inner, s.last as usize) == Status::Enabled
    }
}

impl<M: Model> Model for Bounded<'_, M> {
    type State = BoundedState<M::State>;

    fn initial_state(&self) -> Self::State {
        BoundedState {
            inner: self.model.initial_state(),
            last: NONE,
            used: 0,
        }
    }
    fn thread_count(&self) -> usize {
        self.model.thread_count()
    }
    fn thread_name(&self, thread: usize) -> &str {
        self.model.thread_name(thread)
    }
    fn status(&self, s: &Self::State, thread: usize) -> Status {
        match self.model.status(&s.inner, thread) {
            Status::Enabled if self.preempts(s, thread) && s.used as u32 >= self.bound => {
                Status::Blocked
            }
            other => other,
        }
    }
    fn step(&self, s: &mut Self::State, thread: usize) -> Result<(), Violation> {
        if self.preempts(s, thread) {
            s.used += 1;
        }
        s.last = thread as u8;
        self.model.step(&mut s.inner, thread)
    }
    fn step_info(&self, s: &Self::State, thread: usize) -> StepInfo {
        self.model.step_info(&s.inner, thread)
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
    fn fields(&self, s: &Self::State) -> Vec<(String, String)> {
        self.model.fields(&s.inner)
    }
    fn checks(&self) -> Vec<&'static str> {
        self.model.checks()
    }
    fn coverage_points(&self, thread: usize) -> Vec<String> {
        self.model.coverage_points(thread)
    }
    fn coverage_point(&self, s: &Self::State, thread: usize) -> usize {
        self.model.coverage_point(&s.inner, thread)
    }
    fn state_label(&self, s: &Self::State, shared_only: bool) -> String {
        self.model.state_label(&s.inner, shared_only)
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

/// The result of looking for a counterexample with fewer preemptions.
#[derive(Clone, Debug)]
pub struct Fewest {
    /// A shortest counterexample with the fewest preemptions among the shortest ones.
    pub counterexample: Counterexample,
    /// Its preemptions.
    pub preemptions: u32,
    /// The counterexample found under the smallest bound below [`preemptions`](Fewest::preemptions), when it is
    /// not a shortest counterexample of the same check: a longer schedule, or another check
    /// breaking first. `None` when no schedule with fewer preemptions breaks any check.
    pub fewer: Option<Fewer>,
}

/// A counterexample that needs fewer preemptions than the shortest one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fewer {
    /// Its length.
    pub length: usize,
    /// Its preemptions.
    pub preemptions: u32,
    /// The check it breaks.
    pub check: String,
}

/// Among the counterexamples of `shortest`'s check, finds a shortest one with the fewest
/// preemptions, by exploring with bounds 0, 1, ... below `shortest`'s own count. `options`
/// carries the limits of each bounded search (a search stopped by a limit proves nothing and
/// is skipped).
pub fn fewest<M: Model>(model: &M, options: &Options, shortest: &Counterexample) -> Fewest {
    let own = count(model, &shortest.schedule).unwrap_or(0);
    let len = shortest.schedule.len();
    let mut fewer = None;
    let start = std::time::Instant::now();
    for bound in 0..own {
        let bounded = Bounded { model, bound };
        let within = Options {
            threads: options.threads,
            limits: options.limits.remaining_since(start),
            stop: options.stop,
            frontier_memory: options.frontier_memory,
            ..Options::default()
        };
        if let Verdict::Violation(c) = explore(&bounded, &within).verdict {
            let p = count(model, &c.schedule).unwrap_or(bound);
            if c.violation.check == shortest.violation.check && c.schedule.len() == len {
                return Fewest {
                    counterexample: c,
                    preemptions: p,
                    fewer,
                };
            }
            fewer.get_or_insert(Fewer {
                length: c.schedule.len(),
                preemptions: p,
                check: c.violation.check,
            });
        }
    }
    Fewest {
        counterexample: shortest.clone(),
        preemptions: own,
        fewer,
    }
}
