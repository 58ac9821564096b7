//! The breadth-first engine: level by level, in parallel with rayon, deterministic.
//!
//! Each level is cut into fixed-size chunks. A chunk's states are expanded in parallel (read
//! only: successors are fingerprinted, checked, and looked up in the visited set); then the
//! candidates are inserted sequentially in a fixed order (frontier order, then thread order).
//! So state numbers, counts and the counterexample do not depend on the number of threads,
//! and the first violation met in that order is a shortest one.

use crate::fingerprint;
use crate::model::{check_state, Model, Status, Violation};
use crate::trace::Counterexample;
use crate::visited::{FingerprintSet, Parents, ROOT};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// States expanded per chunk: the unit of parallel work and of limit checks.
const CHUNK: usize = 1 << 13;

/// Budgets that stop a search before its verdict.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// Stop once this many distinct states are stored and more remain.
    pub max_states: Option<u64>,
    /// Do not expand states at this depth (number of steps from the initial state).
    pub max_depth: Option<usize>,
    /// Stop after this much time.
    pub time_limit: Option<Duration>,
}

/// How to run a search.
#[derive(Default)]
pub struct Options<'a> {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Budgets.
    pub limits: Limits,
    /// Set from outside (Ctrl-C) to stop the search cleanly.
    pub stop: Option<&'a AtomicBool>,
    /// Called after each chunk with the search's progress.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
}

/// A snapshot of a running search.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Depth of the level being expanded.
    pub depth: usize,
    /// Distinct states stored so far.
    pub states: u64,
    /// Steps executed so far.
    pub transitions: u64,
    /// States waiting in the current and next level.
    pub frontier: usize,
    /// Time since the search started.
    pub elapsed: Duration,
}

/// Why a search stopped before its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `max_states` distinct states were stored.
    MaxStates(u64),
    /// States at `max_depth` still had steps to take.
    MaxDepth(usize),
    /// The time limit passed.
    TimeLimit(Duration),
    /// Stopped from outside (Ctrl-C).
    Interrupted,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxStates(n) => write!(f, "state limit reached ({n} states)"),
            StopReason::MaxDepth(d) => write!(f, "depth limit reached (depth {d})"),
            StopReason::TimeLimit(t) => write!(f, "time limit reached ({:.1}s)", t.as_secs_f64()),
            StopReason::Interrupted => write!(f, "interrupted"),
        }
    }
}

/// What the search concluded.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Every reachable state was explored and no check failed.
    Pass,
    /// A check failed; the counterexample is a shortest schedule that fails it.
    Violation(Counterexample),
    /// A limit stopped the search first: nothing is claimed about the rest.
    Stopped(StopReason),
}

/// Counts describing a search, independent of the thread count.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed (edges of the state graph, including those into known states).
    pub transitions: u64,
    /// Deepest level reached.
    pub depth: usize,
    /// Distinct states in which every thread had finished.
    pub terminal_states: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Bytes held by the visited set and the parent links at the end.
    pub visited_bytes: usize,
    /// Worker threads used.
    pub threads: usize,
}

/// A search's verdict and its counts.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Pass, violation or stopped.
    pub verdict: Verdict,
    /// Counts.
    pub stats: Stats,
}

/// Sees every distinct state and every transition, in the engine's deterministic order.
pub trait Observer<S> {
    /// A new state, first reached at `depth`.
    fn state(&mut self, _fp: u64, _state: &S, _depth: usize) {}
    /// A step of `thread` from the state `from` to the state `to` (both fingerprints).
    fn transition(&mut self, _from: u64, _thread: usize, _to: u64) {}
}

impl<S> Observer<S> for () {}

/// Explores every schedule of `model` breadth-first.
pub fn explore<M: Model>(model: &M, options: &Options) -> Outcome {
    explore_observed(model, options, &mut ())
}

/// One successor produced by the parallel phase.
struct Candidate<S> {
    parent: u32,
    parent_fp: u64,
    thread: u8,
    fp: u64,
    kind: Kind<S>,
}

enum Kind<S> {
    /// Already stored in an earlier level.
    Seen,
    /// Not stored before this level; `check` is its invariant/end/deadlock result.
    New {
        state: S,
        check: Result<bool, Box<Violation>>,
    },
    /// The step itself failed an assertion.
    StepFailed(Box<Violation>),
}

struct Frontier<S> {
    idx: u32,
    fp: u64,
    state: S,
}

/// Like [`explore`], reporting every state and transition to `observer`.
pub fn explore_observed<M: Model, O: Observer<M::State>>(
    model: &M,
    options: &Options,
    observer: &mut O,
) -> Outcome {
    assert!(
        model.thread_count() <= u8::MAX as usize,
        "weft explores at most 255 threads"
    );
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let pool = (threads > 1).then(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon thread pool")
    });
    let mut search = Search {
        model,
        options,
        pool,
        start: Instant::now(),
        visited: FingerprintSet::default(),
        parents: Parents::default(),
        stats: Stats {
            threads,
            ..Stats::default()
        },
    };
    let verdict = search.run(observer);
    search.stats.elapsed = search.start.elapsed();
    search.stats.states = search.parents.len() as u64;
    search.stats.visited_bytes = search.visited.bytes() + search.parents.bytes();
    Outcome {
        verdict,
        stats: search.stats,
    }
}

struct Search<'a, M: Model> {
    model: &'a M,
    options: &'a Options<'a>,
    pool: Option<rayon::ThreadPool>,
    start: Instant,
    visited: FingerprintSet,
    parents: Parents,
    stats: Stats,
}

impl<M: Model> Search<'_, M> {
    fn run<O: Observer<M::State>>(&mut self, observer: &mut O) -> Verdict {
        let init = self.model.initial_state();
        let fp = fingerprint(&init);
        self.visited.insert(fp);
        let root = self.parents.push(ROOT, 0);
        observer.state(fp, &init, 0);
        match check_state(self.model, &init) {
            Err(violation) => return self.counterexample(root, None, violation),
            Ok(terminal) => self.stats.terminal_states += terminal as u64,
        }
        let mut frontier = vec![Frontier {
            idx: root,
            fp,
            state: init,
        }];
        let mut depth = 0;
        while !frontier.is_empty() {
            self.stats.depth = depth;
            if self.options.limits.max_depth == Some(depth) {
                let more = frontier.iter().any(|f| {
                    (0..self.model.thread_count())
                        .any(|t| self.model.status(&f.state, t) == Status::Enabled)
                });
                return if more {
                    Verdict::Stopped(StopReason::MaxDepth(depth))
                } else {
                    Verdict::Pass
                };
            }
            let mut next = Vec::new();
            for chunk in frontier.chunks(CHUNK) {
                if let Some(reason) = self.should_stop() {
                    return Verdict::Stopped(reason);
                }
                let candidates = self.expand(chunk);
                if let Some(verdict) = self.insert(candidates, &mut next, depth + 1, observer) {
                    return verdict;
                }
                if let Some(progress) = self.options.progress {
                    progress(&Progress {
                        depth,
                        states: self.parents.len() as u64,
                        transitions: self.stats.transitions,
                        frontier: frontier.len() + next.len(),
                        elapsed: self.start.elapsed(),
                    });
                }
            }
            frontier = next;
            depth += 1;
        }
        Verdict::Pass
    }

    fn should_stop(&self) -> Option<StopReason> {
        if self.options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Some(StopReason::Interrupted);
        }
        let limit = self.options.limits.time_limit?;
        (self.start.elapsed() >= limit).then_some(StopReason::TimeLimit(limit))
    }

    /// The parallel, read-only phase: every successor of every state in `chunk`, in order.
    fn expand(&self, chunk: &[Frontier<M::State>]) -> Vec<Candidate<M::State>> {
        let Some(pool) = &self.pool else {
            let mut out = Vec::new();
            for f in chunk {
                self.successors(f, &mut out);
            }
            return out;
        };
        let parts: Vec<Vec<Candidate<M::State>>> = pool.install(|| {
            chunk
                .par_iter()
                .with_min_len(64)
                .fold(Vec::new, |mut out, f| {
                    self.successors(f, &mut out);
                    out
                })
                .collect()
        });
        let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for p in parts {
            out.extend(p);
        }
        out
    }

    fn successors(&self, f: &Frontier<M::State>, out: &mut Vec<Candidate<M::State>>) {
        for t in 0..self.model.thread_count() {
            if self.model.status(&f.state, t) != Status::Enabled {
                continue;
            }
            let mut state = f.state.clone();
            let (fp, kind) = match self.model.step(&mut state, t) {
                Err(v) => (0, Kind::StepFailed(Box::new(v))),
                Ok(()) => {
                    let fp = fingerprint(&state);
                    if self.visited.contains(fp) {
                        (fp, Kind::Seen)
                    } else {
                        let check = check_state(self.model, &state).map_err(Box::new);
                        (fp, Kind::New { state, check })
                    }
                }
            };
            out.push(Candidate {
                parent: f.idx,
                parent_fp: f.fp,
                thread: t as u8,
                fp,
                kind,
            });
        }
    }

    /// The sequential phase: store new states in candidate order; stop at the first violation.
    fn insert<O: Observer<M::State>>(
        &mut self,
        candidates: Vec<Candidate<M::State>>,
        next: &mut Vec<Frontier<M::State>>,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        for c in candidates {
            self.stats.transitions += 1;
            match c.kind {
                Kind::StepFailed(v) => {
                    return Some(self.counterexample(c.parent, Some(c.thread), *v));
                }
                Kind::Seen => observer.transition(c.parent_fp, c.thread as usize, c.fp),
                Kind::New { state, check } => {
                    if !self.visited.contains(c.fp) {
                        if self.options.limits.max_states == Some(self.parents.len() as u64) {
                            return Some(Verdict::Stopped(StopReason::MaxStates(
                                self.parents.len() as u64,
                            )));
                        }
                        self.visited.insert(c.fp);
                        let idx = self.parents.push(c.parent, c.thread);
                        observer.state(c.fp, &state, depth);
                        observer.transition(c.parent_fp, c.thread as usize, c.fp);
                        self.stats.depth = depth;
                        match check {
                            Err(v) => return Some(self.counterexample(idx, None, *v)),
                            Ok(terminal) => self.stats.terminal_states += terminal as u64,
                        }
                        next.push(Frontier {
                            idx,
                            fp: c.fp,
                            state,
                        });
                    } else {
                        observer.transition(c.parent_fp, c.thread as usize, c.fp);
                    }
                }
            }
        }
        None
    }

    fn counterexample(&self, idx: u32, failing: Option<u8>, violation: Violation) -> Verdict {
        let mut schedule = self.parents.schedule_to(idx);
        schedule.extend(failing.map(usize::from));
        Verdict::Violation(Counterexample {
            schedule,
            violation,
        })
    }
}
