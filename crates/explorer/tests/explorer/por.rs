//! Partial-order reduction keeps every verdict, failed check and counterexample: random small
//! programs over shared variables and locks, explored with and without reduction.

use crate::programs::{program, Op, Program, S};
use proptest::prelude::*;
use weft_explorer::reduce::{independence, independence_everywhere};
use weft_explorer::{
    Checker, Engine, Field, Footprint, Model, Reduce, Reduction, Status, StepInfo, Verdict,
    Violation,
};

fn reduction(on: bool) -> Reduction {
    if on {
        Reduction::On
    } else {
        Reduction::Off
    }
}

fn run(m: &Program, por: bool) -> (Option<(String, usize)>, u64) {
    let out = Checker::new()
        .threads(1)
        .reduction(reduction(por))
        .check(m)
        .unwrap();
    let v = match out.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some((c.violation.check, c.schedule.len())),
        Verdict::Stopped(r) => panic!("stopped: {r}"),
    };
    (v, out.stats.states)
}

/// Whether depth-first search finds some violation (its first one depends on its order).
fn dfs_fails(m: &Program, por: bool) -> bool {
    let out = Checker::new()
        .engine(Engine::Dfs)
        .reduction(reduction(por))
        .check(m)
        .unwrap();
    match out.verdict {
        Verdict::Pass => false,
        Verdict::Violation(c) => {
            // Whatever it finds is a real schedule that breaks that check.
            let t = c
                .trace(m)
                .expect("the depth-first counterexample re-executes");
            assert_eq!(t.violation.map(|v| v.check), Some(c.violation.check));
            true
        }
        Verdict::Stopped(r) => panic!("stopped: {r}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn reduction_keeps_verdict_check_and_trace_length(m in program()) {
        let (full, full_states) = run(&m, false);
        let (reduced, reduced_states) = run(&m, true);
        prop_assert_eq!(&full, &reduced);
        if full.is_none() {
            prop_assert!(reduced_states <= full_states);
        }
        // Both engines, with and without reduction, agree on whether anything fails.
        prop_assert_eq!(dfs_fails(&m, false), full.is_some());
        prop_assert_eq!(dfs_fails(&m, true), full.is_some());
        // Reduced searches give the same answer on any number of threads.
        let reduced = |threads| Checker::new().threads(threads).reduction(Reduction::On).check(&m).unwrap();
        let (one, two) = (reduced(1), reduced(2));
        prop_assert_eq!(one.stats.states, two.stats.states);
        prop_assert_eq!(format!("{:?}", one.verdict), format!("{:?}", two.verdict));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The footprints are honest, so the independence check passes in every reachable state.
    #[test]
    fn honest_footprints_pass_the_independence_check(m in program()) {
        let checker = Checker::new().threads(1).keep_going(true);
        let states = independence_everywhere(&m, &checker).unwrap_or_else(|e| panic!("{e}"));
        prop_assert!(states > 0);
    }
}

/// Footprints that leave out a write: the independence check finds the steps that do not
/// commute.
#[test]
fn the_independence_check_catches_a_footprint_that_hides_a_write() {
    #[derive(Clone)]
    struct Liar(Program);
    impl Model for Liar {
        type State = S;
        fn initial_state(&self) -> S {
            self.0.initial_state()
        }
        fn thread_count(&self) -> usize {
            self.0.thread_count()
        }
        fn thread_name(&self, t: usize) -> &str {
            self.0.thread_name(t)
        }
        fn status(&self, s: &S, t: usize) -> Status {
            self.0.status(s, t)
        }
        fn step(&self, s: &mut S, t: usize) -> Result<(), Violation> {
            self.0.step(s, t)
        }
        fn step_info(&self, s: &S, t: usize) -> StepInfo {
            self.0.step_info(s, t)
        }
        fn fields(&self, s: &S) -> Vec<Field> {
            self.0.fields(s)
        }
    }
    impl Reduce for Liar {
        /// Writes are claimed to be reads.
        fn footprint(&self, s: &S, t: usize) -> Footprint {
            let f = self.0.footprint(s, t);
            Footprint::read(f.reads | f.writes)
        }
        fn future_footprint(&self, s: &S, t: usize) -> Footprint {
            let f = self.0.future_footprint(s, t);
            Footprint::read(f.reads | f.writes)
        }
    }
    let m = Liar(Program {
        threads: vec![vec![Op::Write(2, 1)], vec![Op::Write(2, 2)]],
        symmetric: false,
        local_keys: false,
    });
    let e = independence(&m, &m.initial_state()).unwrap_err();
    assert_eq!(e.threads, (0, 1));
    assert!(e.problem.contains("different states"), "{}", e.problem);
}

#[test]
fn independent_threads_are_reduced() {
    // Two threads on disjoint variables: the full graph is a 4x4 grid (16 states),
    // the reduced one a single path (7 states).
    let m = Program {
        threads: vec![
            vec![Op::Write(2, 1), Op::Write(2, 2), Op::Write(2, 3)],
            vec![Op::Write(3, 1), Op::Write(3, 2), Op::Write(3, 3)],
        ],
        symmetric: false,
        local_keys: false,
    };
    assert_eq!(run(&m, false), (None, 16));
    assert_eq!(run(&m, true), (None, 7));
}

#[test]
fn deadlocks_survive_reduction() {
    let m = Program {
        threads: vec![
            vec![
                Op::Write(2, 1),
                Op::Lock(0),
                Op::Lock(1),
                Op::Unlock(1),
                Op::Unlock(0),
            ],
            vec![
                Op::Write(3, 1),
                Op::Lock(1),
                Op::Lock(0),
                Op::Unlock(0),
                Op::Unlock(1),
            ],
        ],
        symmetric: false,
        local_keys: false,
    };
    let (full, _) = run(&m, false);
    assert_eq!(full.as_ref().map(|(c, _)| c.as_str()), Some("deadlock"));
    assert_eq!(run(&m, true).0, full);
}
