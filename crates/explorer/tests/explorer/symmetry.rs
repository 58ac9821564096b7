//! Thread symmetry keeps every verdict and counterexample length: random small programs whose
//! threads come in groups running the same operations, over shared variables and locks whose
//! holders the renaming must follow, explored with and without symmetry.
//!
//! Which check a search reports first, when several fail at the same shortest depth, follows
//! the order it meets states in, and a representative may list its threads in another order.
//! So the property is: both searches fail at the same depth, and the check the symmetric one
//! reports is broken by its counterexample re-executed on the real threads.

use crate::programs::{symmetric_program, Op, Program};
use proptest::prelude::*;
use weft_explorer::{Checker, Engine, Outcome, Reduction, Symmetric, Verdict};

fn check(m: &Program, engine: Engine, symmetry: bool, threads: usize) -> Outcome {
    Checker::new()
        .engine(engine)
        .threads(threads)
        .symmetry(symmetry)
        .reduction(Reduction::Off)
        .check(m)
        .unwrap()
}

/// The failed check and the counterexample's length, or `None` for a pass.
fn verdict(o: &Outcome) -> Option<(String, usize)> {
    match &o.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some((c.violation.check.clone(), c.schedule.len())),
        Verdict::Stopped(r) => panic!("stopped: {r}"),
    }
}

/// The counterexample's length, or `None` for a pass.
fn shortest(o: &Outcome) -> Option<usize> {
    verdict(o).map(|(_, len)| len)
}

/// The counterexample's schedule, or `None` for a pass.
fn schedule(o: &Outcome) -> Option<Vec<usize>> {
    match &o.verdict {
        Verdict::Violation(c) => Some(c.schedule.clone()),
        _ => None,
    }
}

/// A counterexample found with symmetry names the real threads: it re-executes to the
/// violation it reports.
fn replays(m: &Program, o: &Outcome) -> bool {
    match &o.verdict {
        Verdict::Violation(c) => c
            .trace(m)
            .is_ok_and(|t| t.violation.map(|v| v.check) == Some(c.violation.check.clone())),
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn symmetry_keeps_verdict_and_trace_length(m in symmetric_program()) {
        let full = check(&m, Engine::Bfs, false, 1);
        let orbits = check(&m, Engine::Bfs, true, 1);
        prop_assert_eq!(shortest(&full), shortest(&orbits));
        prop_assert!(replays(&m, &orbits));
        prop_assert_eq!(orbits.symmetry.is_some(), !m.thread_groups().is_empty());
        if matches!(full.verdict, Verdict::Pass) {
            prop_assert!(orbits.stats.states <= full.stats.states);
        }
        // Moving only the thread that stepped finds the representatives sorting anew finds:
        // the same orbits, the same counterexample.
        let sorted = check(&Program { local_keys: false, ..m.clone() }, Engine::Bfs, true, 1);
        prop_assert_eq!(sorted.stats.states, orbits.stats.states);
        prop_assert_eq!(schedule(&sorted), schedule(&orbits));
        // The same orbits and answer on two threads.
        let two = check(&m, Engine::Bfs, true, 2);
        prop_assert_eq!(two.stats.states, orbits.stats.states);
        prop_assert_eq!(verdict(&two), verdict(&orbits));
        // Depth-first with symmetry finds a violation exactly when there is one.
        let dfs = check(&m, Engine::Dfs, true, 1);
        prop_assert_eq!(
            matches!(dfs.verdict, Verdict::Pass),
            matches!(full.verdict, Verdict::Pass)
        );
        prop_assert!(replays(&m, &dfs));
    }
}

/// Two threads that take a lock in turn, and a third that only reads: the lock holder is
/// renamed with its thread, so the unlock is still the holder's.
#[test]
fn lock_holders_follow_their_threads() {
    let locked = vec![Op::Lock(0), Op::Inc(2), Op::Unlock(0), Op::Read(2)];
    let m = Program {
        threads: vec![locked.clone(), locked.clone(), locked, vec![Op::Read(3)]],
        symmetric: true,
        local_keys: true,
    };
    assert_eq!(m.thread_groups(), vec![vec![0, 1, 2]]);
    let full = check(&m, Engine::Bfs, false, 1);
    let orbits = check(&m, Engine::Bfs, true, 1);
    assert!(matches!(full.verdict, Verdict::Pass));
    assert!(matches!(orbits.verdict, Verdict::Pass));
    assert!(
        orbits.stats.states * 3 < full.stats.states,
        "{} orbits, {} states",
        orbits.stats.states,
        full.stats.states
    );
}
