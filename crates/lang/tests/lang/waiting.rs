//! Waiting for a condition and naming another thread: `wait_until(c)` blocks a thread until
//! `c` holds and is no step of its own (it guards the step it starts), an operation's integer
//! argument may be a scenario thread's name (its number), and operations of one name differ
//! by their number of arguments.

use crate::common::{explore, honest_footprints, instance, mistakes, Call};
use weft_explorer::{Model, Reduction, Status, Symmetric, Verdict};

/// A producer publishes a value; a consumer, given the producer's number, waits for it and
/// takes it; `take()` without an argument takes its own.
const HANDOFF: &str = "struct task {
    int ready in 0..1;
    int value in 0..9;
}
struct task tasks[NR_THREADS];
int taken in 0..9;
end_check all_taken(taken == 7, \"the value was not taken\");
op publish() {
    tasks[THREAD].value = 7;
    tasks[THREAD].ready = 1;
}
op take(int from) {
    wait_until(tasks[from].ready == 1);
    int v = tasks[from].value;
    taken = v;
}
op take() {
    int v = tasks[THREAD].value;
    taken = v;
}
";

const PUBLISH: &[Call<'_>] = &[("publish", &[])];

#[test]
fn a_waiting_thread_is_blocked_until_its_condition_holds_and_makes_no_step_of_its_own() {
    let take: &[Call<'_>] = &[("take", &["producer"])];
    let m = instance(
        HANDOFF,
        "base",
        &[("producer", PUBLISH), ("consumer", take)],
    );
    let s = m.initial_state();
    assert_eq!(m.status(&s, 1), Status::Blocked);
    assert_eq!(m.status(&s, 0), Status::Enabled);
    let o = explore(&m, Reduction::Off);
    assert!(matches!(o.verdict, Verdict::Pass), "{:?}", o.verdict);
    // The producer's two steps, then the consumer's two (the wait is part of the first):
    // four transitions in a line, five states.
    assert_eq!((o.stats.states, o.stats.transitions), (5, 4));
    assert!(honest_footprints(&m) > 0);
}

#[test]
fn a_wait_that_never_ends_is_a_deadlock() {
    // The consumer waits for a thread that never publishes.
    let take: &[Call<'_>] = &[("take", &["idle"])];
    let m = instance(HANDOFF, "base", &[("idle", &[]), ("consumer", take)]);
    match explore(&m, Reduction::On).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "deadlock"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_argument_names_a_thread_by_its_number_and_overloads_differ_by_arity() {
    // `take()` takes the consumer's own (never published) value, 0: the end check fails.
    let own: &[Call<'_>] = &[("take", &[])];
    let m = instance(HANDOFF, "base", &[("producer", PUBLISH), ("consumer", own)]);
    match explore(&m, Reduction::Off).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "all_taken"),
        other => panic!("{other:?}"),
    }
    // A name no thread has is no number.
    let program = weft_lang::Program::load(HANDOFF).unwrap();
    let threads = [weft_lang::ThreadCalls {
        name: "consumer".into(),
        ops: vec![("take".into(), vec!["nobody".into()])],
    }];
    let err = program
        .instantiate("base", &Default::default(), &threads)
        .err()
        .expect("an unknown thread is refused");
    assert!(err.message.contains("`from` must be an integer"), "{err:?}");
}

#[test]
fn a_thread_an_argument_names_is_in_no_symmetry_group() {
    // Two bumpers would be interchangeable, and are unless a consumer's argument names one:
    // the consumers stay interchangeable, the bumper named is on its own.
    let text = "int x in 0..2;
op bump() { x = 1; }
op wait_for(int from) { wait_until(x > 0); x = 0; }
";
    let bump: &[Call<'_>] = &[("bump", &[])];
    let wait: &[Call<'_>] = &[("wait_for", &["b0"])];
    let m = instance(text, "base", &[("b0", bump), ("b1", bump)]);
    assert_eq!(m.thread_groups(), vec![vec![0, 1]]);
    let m = instance(
        text,
        "base",
        &[("b0", bump), ("b1", bump), ("c0", wait), ("c1", wait)],
    );
    assert_eq!(m.thread_groups(), vec![vec![2, 3]]);
}

#[test]
fn waiting_halfway_through_an_atomic_block_is_an_error_when_it_would_block() {
    let text = "int flag in 0..1;
int x in 0..1;
op go() {
    atomic {
        x = 1;
        wait_until(flag == 1);
    }
}
";
    let m = instance(text, "base", &[("t", &[("go", &[])])]);
    match explore(&m, Reduction::Off).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "wait_until"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_operations_of_one_name_and_arity_are_a_mistake() {
    let text = "int x in 0..1;
op a(int i) { x = 1; }
op a(int j) { x = 0; }
";
    let found = mistakes(text);
    assert_eq!(
        found,
        [(3, "two operations named `a` take 1 argument(s)".to_string())]
    );
}

/// A worker writes twice; a joiner that waits for it to finish reads the second value.
const JOIN: &str = "int x in 0..2;
op work() {
    x = 1;
    x = 2;
}
op join(int worker) {
    wait_until(finished(worker));
    int v = x;
    assert joined(v == 2, \"read before the worker finished\");
}
op peek() {
    int v = x;
    assert joined(v == 2, \"read before the worker finished\");
}
";

#[test]
fn finished_holds_once_a_thread_has_run_all_its_operations() {
    let work: &[Call<'_>] = &[("work", &[])];
    let join: &[Call<'_>] = &[("join", &["worker"])];
    let m = instance(JOIN, "base", &[("worker", work), ("joiner", join)]);
    let o = explore(&m, Reduction::On);
    assert!(matches!(o.verdict, Verdict::Pass), "{:?}", o.verdict);
    assert!(honest_footprints(&m) > 0);
    // Without the wait, the read may come first.
    let peek: &[Call<'_>] = &[("peek", &[])];
    let m = instance(JOIN, "base", &[("worker", work), ("peeker", peek)]);
    match explore(&m, Reduction::Off).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "joined"),
        other => panic!("{other:?}"),
    }
    // A thread that calls nothing has finished from the start (no deadlock): the joiner
    // reads at once and finds nothing written.
    let m = instance(JOIN, "base", &[("worker", &[]), ("joiner", join)]);
    match explore(&m, Reduction::Off).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "joined"),
        other => panic!("{other:?}"),
    }
    // Reading it takes every thread out of symmetry: the flags do not move with threads.
    let m = instance(JOIN, "base", &[("a", work), ("b", work)]);
    assert!(m.thread_groups().is_empty());
}

#[test]
fn finished_takes_one_thread() {
    let text = "int x in 0..1;
op a() { wait_until(finished(0, 1)); x = 1; }
";
    let Err(diags) = weft_lang::Program::load(text) else {
        panic!("a mistake, not a program")
    };
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("`finished` takes one thread")),
        "{diags:?}"
    );
}

#[test]
fn a_step_that_would_start_with_local_work_and_find_the_lock_held_is_blocked() {
    // The same critical section, with and without local work before `spin_lock`: the local
    // work joins the lock's step, so a thread that would find the lock held does not move
    // (no extra state with the local set and the lock still ahead), and the counts agree.
    let with_local = "spinlock_t l;
int x in 0..2;
op inc() {
    int one = 1;
    spin_lock(&l);
    int v = x;
    x = v + one;
    spin_unlock(&l);
}
";
    let without = "spinlock_t l;
int x in 0..2;
op inc() {
    spin_lock(&l);
    int v = x;
    x = v + 1;
    spin_unlock(&l);
}
";
    let inc: &[Call<'_>] = &[("inc", &[])];
    let counts = |text: &str| {
        let m = instance(text, "base", &[("a", inc), ("b", inc)]);
        let o = explore(&m, Reduction::Off);
        assert!(matches!(o.verdict, Verdict::Pass), "{:?}", o.verdict);
        (o.stats.states, o.stats.transitions)
    };
    assert_eq!(counts(with_local), counts(without));
}
