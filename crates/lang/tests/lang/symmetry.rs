//! Thread symmetry on language models, with no declaration: threads that call the same
//! operations with the same arguments are one group, the search stores one state per orbit
//! (counted by brute force over every reachable state and every renaming,
//! `weft_explorer::naive::orbits`), and verdicts,
//! checks and counterexample lengths are those of the search without symmetry.

use crate::common::{instance, Call, Thread};
use weft_explorer::naive::orbits;
use weft_explorer::{Checker, Model, Outcome, Reduction, Symmetric, Verdict};
use weft_lang::LangModel;

/// Counters behind per-slot spinlocks, and one plain counter updated without a lock.
const COUNTERS: &str = "
struct slot {
    spinlock_t lock;
    int count in 0..6;
}

struct slot slots[2];
int plain in 0..6;

op locked_inc(int i) {
    spin_lock(&slots[i].lock);
    int r = slots[i].count;
    slots[i].count = r + 1;
    spin_unlock(&slots[i].lock);
}

op plain_inc() {
    int r = plain;
    plain = r + 1;
}

end_check no_lost_update(plain != 1, \"two plain increments left the counter at one\");
";

/// Threads named `names`, each calling `calls`.
fn threads<'a>(groups: &'a [(&'a [&'a str], &'a [Call<'a>])]) -> Vec<Thread<'a>> {
    groups
        .iter()
        .flat_map(|(names, calls)| names.iter().map(move |n| (*n, *calls)))
        .collect()
}

/// Every state explored (no partial-order reduction), one per orbit with `symmetry`.
fn check(m: &LangModel, symmetry: bool, threads: usize) -> Outcome {
    Checker::new()
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

#[test]
fn threads_with_the_same_calls_are_one_group() {
    let m = instance(
        COUNTERS,
        "base",
        &threads(&[
            (&["a", "b"], &[("locked_inc", &["0"])]),
            (&["c"], &[("locked_inc", &["1"])]),
            (&["d", "e"], &[("locked_inc", &["1"]), ("plain_inc", &[])]),
        ]),
    );
    assert_eq!(m.thread_groups(), vec![vec![0, 1], vec![3, 4]]);
    let alone = instance(
        COUNTERS,
        "base",
        &threads(&[(&["a"], &[("plain_inc", &[])])]),
    );
    assert!(
        alone.symmetry().is_none(),
        "no two threads are interchangeable"
    );
}

#[test]
fn one_state_is_stored_per_orbit_and_lock_holders_are_renamed() {
    let m = instance(
        COUNTERS,
        "base",
        &threads(&[
            (
                &["a", "b", "c"],
                &[("locked_inc", &["0"]), ("locked_inc", &["1"])],
            ),
            (&["d", "e"], &[("locked_inc", &["1"])]),
        ]),
    );
    let (states, want) = orbits(&m);
    assert!(want * 4 < states, "{states} states, {want} orbits");
    for threads in [1, 2] {
        let out = check(&m, true, threads);
        assert!(matches!(out.verdict, Verdict::Pass));
        assert_eq!(out.stats.states, want as u64, "-j {threads}");
    }
    assert_eq!(check(&m, false, 1).stats.states, states as u64);
}

#[test]
fn verdicts_and_counterexamples_are_those_of_the_full_search() {
    let m = instance(
        COUNTERS,
        "base",
        &threads(&[
            (
                &["a", "b", "c"],
                &[("plain_inc", &[]), ("locked_inc", &["0"])],
            ),
            (&["d", "e"], &[("locked_inc", &["0"])]),
        ]),
    );
    let full = verdict(&check(&m, false, 1));
    assert_eq!(full.as_ref().map(|v| v.0.as_str()), Some("no_lost_update"));
    for threads in [1, 2] {
        let out = check(&m, true, threads);
        assert!(out.symmetry.is_some());
        assert_eq!(verdict(&out), full, "-j {threads}");
        // The counterexample names the real threads: it re-executes to the same violation.
        let Verdict::Violation(c) = &out.verdict else {
            unreachable!()
        };
        let trace = c.trace(&m).expect("the counterexample re-executes");
        assert_eq!(
            trace.violation.map(|v| v.check),
            Some(c.violation.check.clone())
        );
    }
}

/// State kept per thread in `tasks[THREAD]`: element `t` is thread `t`'s own, so it moves
/// with the thread. A thread checks its own element after others ran: were the elements left
/// in place while the threads were renamed, it would find another thread's.
const PER_THREAD: &str = "
struct task {
    bool took;
    int seen in 0..8;
}

struct task tasks[NR_THREADS];
int count in 0..8;

op take() {
    tasks[THREAD].took = true;
    int r = count;
    tasks[THREAD].seen = r;
    count = r + 1;
    VM_BUG_ON(!tasks[THREAD].took);
}

op add() {
    int r = count;
    count = r + 1;
}

end_check counted(count >= 1, \"no increment is seen\");
";

#[test]
fn each_threads_own_array_element_moves_with_it() {
    let m = instance(
        PER_THREAD,
        "base",
        &threads(&[
            (&["a", "b", "c"], &[("take", &[])]),
            (&["d", "e"], &[("add", &[])]),
        ]),
    );
    assert_eq!(m.thread_groups(), vec![vec![0, 1, 2], vec![3, 4]]);
    let (states, want) = orbits(&m);
    assert!(want * 4 < states, "{states} states, {want} orbits");
    assert_eq!(check(&m, false, 1).stats.states, states as u64);
    for threads in [1, 2] {
        let out = check(&m, true, threads);
        assert_eq!(verdict(&out), None, "-j {threads}");
        assert_eq!(out.stats.states, want as u64, "-j {threads}");
    }
}

/// `THREAD` used otherwise than as the index of an array of the thread's own, or such an
/// array read by a check or pointed to, keeps the threads that name it out of every group.
#[test]
fn threads_whose_number_escapes_are_in_no_group() {
    let escapes = [
        ("int who = THREAD;", ""),
        ("tasks[0].took = true;", ""),
        (
            "",
            "invariant first(!tasks[0].took || count > 0, \"first\");",
        ),
        ("", "struct task *mine = NULL;"),
    ];
    for (statement, declaration) in escapes {
        let text = PER_THREAD
            .replace("    VM_BUG_ON(!tasks[THREAD].took);", statement)
            .replace(
                "int count in 0..8;",
                &format!("int count in 0..8;\n{declaration}"),
            );
        let m = instance(
            &text,
            "base",
            &threads(&[
                (&["a", "b"], &[("take", &[])]),
                (&["c", "d"], &[("add", &[])]),
            ]),
        );
        assert_eq!(
            m.thread_groups(),
            vec![vec![2, 3]],
            "{statement}{declaration}"
        );
    }
}
