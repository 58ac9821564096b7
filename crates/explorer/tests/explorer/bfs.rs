//! The breadth-first engine against brute-force enumeration, and its limits.

use crate::toy::{Locks, LostUpdate};
use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use weft_explorer::{naive, trace, Checker, Limits, Model, Observer, Outcome, StopReason, Verdict};

struct Collect(HashSet<u64>, u64);
impl<S> Observer<S> for Collect {
    fn state(&mut self, fp: u64, _: &S, _: usize) {
        self.0.insert(fp);
    }
    fn transition(&mut self, _: u64, _: &S, _: usize, _: u64) {
        self.1 += 1;
    }
}

fn opts(threads: usize) -> Checker<'static> {
    Checker::new().threads(threads)
}

fn explore<M: Model>(m: &M, checker: &Checker) -> Outcome {
    checker
        .check(m)
        .expect("the breadth-first engine takes every setting")
}

fn explore_observed<M: Model, O: Observer<M::State>>(
    m: &M,
    checker: &Checker,
    observer: &mut O,
) -> Outcome {
    checker
        .check_observed(m, observer)
        .expect("the breadth-first engine takes every setting")
}

#[test]
fn finds_the_lost_update_with_a_shortest_trace() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    let out = explore(&m, &opts(1));
    let Verdict::Violation(cex) = out.verdict else {
        panic!("expected a violation")
    };
    assert_eq!(cex.violation.check, "lost_update");
    // t0 reads, t1 reads, both write: 4 steps is the shortest losing schedule.
    assert_eq!(cex.schedule.len(), 4);
    let naive = naive::enumerate(&m, 1_000_000);
    assert_eq!(
        naive.shortest_violation,
        Some((4, "lost_update".to_string()))
    );
    let t = cex.trace(&m).unwrap();
    assert_eq!(t.violation.unwrap().check, "lost_update");
    assert_eq!(t.steps.len(), 4);
}

#[test]
fn reaches_exactly_the_states_of_brute_force_enumeration() {
    // A passing model: one thread cannot lose updates.
    let m = LostUpdate {
        threads: 1,
        rounds: 3,
    };
    let mut seen = Collect(HashSet::new(), 0);
    let out = explore_observed(&m, &opts(1), &mut seen);
    assert!(matches!(out.verdict, Verdict::Pass));
    let naive = naive::enumerate(&m, 1_000_000);
    assert_eq!(seen.0, naive.states);
    assert_eq!(out.stats.states as usize, naive.states.len());
    // Ordered locks: no deadlock; compare the whole reachable set.
    let m = Locks { ordered: true };
    let mut seen = Collect(HashSet::new(), 0);
    let out = explore_observed(&m, &opts(2), &mut seen);
    assert!(matches!(out.verdict, Verdict::Pass));
    assert_eq!(seen.0, naive::enumerate(&m, 1_000_000).states);
    assert_eq!(seen.1, out.stats.transitions);
}

#[test]
fn counts_and_counterexample_do_not_depend_on_threads() {
    let m = LostUpdate {
        threads: 4,
        rounds: 2,
    };
    let a = explore(&m, &opts(1));
    // Two threads, and more workers than this machine may have cores.
    for threads in [2, 5] {
        let b = explore(&m, &opts(threads));
        assert_eq!(a.stats.states, b.stats.states);
        assert_eq!(a.stats.transitions, b.stats.transitions);
        match (&a.verdict, b.verdict) {
            (Verdict::Violation(x), Verdict::Violation(y)) => assert_eq!(*x, y),
            other => panic!("expected violations, got {other:?}"),
        }
    }
}

#[test]
fn reports_deadlock_with_the_blocked_threads() {
    let out = explore(&Locks { ordered: false }, &opts(1));
    let Verdict::Violation(cex) = out.verdict else {
        panic!("expected a deadlock")
    };
    assert_eq!(cex.violation.check, "deadlock");
    assert!(
        cex.violation.message.ends_with(
            "some have not finished: a (waits to run `lock(L1)`), b (waits to run `lock(L0)`)"
        ),
        "{}",
        cex.violation.message
    );
    assert_eq!(cex.schedule.len(), 2);
}

#[test]
fn limits_stop_cleanly_with_a_reason() {
    let m = LostUpdate {
        threads: 3,
        rounds: 2,
    };
    let limited = |limits: Limits| explore(&m, &opts(1).limits(limits));
    let out = limited(Limits {
        max_states: Some(10),
        ..Limits::default()
    });
    assert!(matches!(
        out.verdict,
        Verdict::Stopped(StopReason::MaxStates(10))
    ));
    assert_eq!(out.stats.states, 10);
    let out = limited(Limits {
        max_depth: Some(2),
        ..Limits::default()
    });
    assert!(matches!(
        out.verdict,
        Verdict::Stopped(StopReason::MaxDepth(2))
    ));
    let out = limited(Limits {
        time_limit: Some(Duration::ZERO),
        ..Limits::default()
    });
    assert!(matches!(
        out.verdict,
        Verdict::Stopped(StopReason::TimeLimit(_))
    ));
    static STOP: AtomicBool = AtomicBool::new(true);
    let out = explore(&m, &opts(1).stop(&STOP));
    assert!(matches!(
        out.verdict,
        Verdict::Stopped(StopReason::Interrupted)
    ));
    // A depth limit at or past the deepest state is no limit at all.
    let m1 = LostUpdate {
        threads: 1,
        rounds: 1,
    };
    let out = explore(&m1, &opts(1).max_depth(2));
    assert!(matches!(out.verdict, Verdict::Pass));
}

#[test]
fn replaying_a_bad_schedule_says_where_it_breaks() {
    let m = Locks { ordered: false };
    // a takes L0, b takes L1, then a wants L1: blocked.
    let err = trace::execute(&m, &[0, 1, 0]).unwrap_err();
    assert_eq!(err.step, 2);
    assert!(err.message.contains("blocked"), "{}", err.message);
}

/// [`LostUpdate`], except that a step from the state `at` panics: a bug in a model.
#[derive(Clone)]
struct PanicsAt {
    inner: LostUpdate,
    at: crate::toy::Counter,
}

impl weft_explorer::Model for PanicsAt {
    type State = crate::toy::Counter;
    fn initial_state(&self) -> crate::toy::Counter {
        self.inner.initial_state()
    }
    fn thread_count(&self) -> usize {
        self.inner.thread_count()
    }
    fn thread_name(&self, t: usize) -> &str {
        self.inner.thread_name(t)
    }
    fn status(&self, s: &crate::toy::Counter, t: usize) -> weft_explorer::Status {
        self.inner.status(s, t)
    }
    fn step(&self, s: &mut crate::toy::Counter, t: usize) -> Result<(), weft_explorer::Violation> {
        assert!(*s != self.at, "the model's own bug");
        self.inner.step(s, t)
    }
    fn step_info(&self, s: &crate::toy::Counter, t: usize) -> weft_explorer::StepInfo {
        self.inner.step_info(s, t)
    }
    fn fields(&self, s: &crate::toy::Counter) -> Vec<weft_explorer::Field> {
        self.inner.fields(s)
    }
}

/// Every state at `depth`, in the order the search reaches them.
struct AtDepth(usize, Vec<crate::toy::Counter>);
impl Observer<crate::toy::Counter> for AtDepth {
    fn state(&mut self, _: u64, s: &crate::toy::Counter, depth: usize) {
        if depth == self.0 {
            self.1.push(s.clone());
        }
    }
}

#[test]
fn a_model_that_panics_on_a_worker_thread_fails_the_search_instead_of_hanging() {
    // Each search panics at one state of a wide level, on whichever thread expands it: over
    // ten such states spread over the level, some are a worker's. A search that waits
    // forever for a worker's chunk fails the test after a minute instead of hanging it.
    let inner = LostUpdate {
        threads: 4,
        rounds: 2,
    };
    let mut level = AtDepth(8, Vec::new());
    explore_observed(&inner, &opts(1), &mut level);
    let wide = level.1;
    assert!(wide.len() > 1000, "{} states at depth 8", wide.len());
    let places: Vec<crate::toy::Counter> =
        (0..10).map(|i| wide[i * wide.len() / 10].clone()).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let tried = places.len();
    std::thread::spawn(move || {
        let panicked = places.into_iter().filter(|at| {
            let m = PanicsAt {
                inner: inner.clone(),
                at: at.clone(),
            };
            std::panic::catch_unwind(|| explore(&m, &opts(2))).is_err()
        });
        tx.send(panicked.count()).unwrap();
    });
    let panicked = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a search hung after a model panicked");
    assert_eq!(panicked, tried);
}

/// Limits a user can reach are errors, not panics: more threads than an engine numbers.
#[test]
fn too_many_threads_is_an_error() {
    let m = LostUpdate {
        threads: 256,
        rounds: 1,
    };
    for engine in [weft_explorer::Engine::Bfs, weft_explorer::Engine::Dfs] {
        let e = Checker::new().engine(engine).check(&m).unwrap_err();
        assert_eq!(
            e,
            weft_explorer::SearchError::TooManyThreads {
                threads: 256,
                max: 255
            }
        );
    }
}

/// A setting the engine cannot honour is refused before anything runs.
#[test]
fn unsupported_settings_are_refused() {
    use weft_explorer::{Engine, SearchError, Setting};
    let m = Locks { ordered: true };
    let refused = |checker: Checker| checker.check(&m).unwrap_err();
    let dfs = || Checker::new().engine(Engine::Dfs);
    assert_eq!(
        refused(dfs().threads(2)),
        SearchError::Unsupported {
            engine: "dfs",
            setting: Setting::Threads
        }
    );
    assert_eq!(
        refused(dfs().count_schedules(true)),
        SearchError::Unsupported {
            engine: "dfs",
            setting: Setting::CountSchedules
        }
    );
    // One thread is what the depth-first engine does anyway.
    assert!(dfs().threads(1).check(&m).is_ok());
    // The toy declares no footprints.
    assert_eq!(
        refused(Checker::new().reduction(weft_explorer::Reduction::On)),
        SearchError::NotReducible
    );
}
