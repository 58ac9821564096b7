//! The language end to end: mistakes refused with their locations, all at once; loops without
//! a bound and recursion refused; steps as the statements that touch shared memory; verdicts
//! and counterexamples from exploring; reduction that keeps them.

use crate::common::{explore, honest_footprints, instance, mistakes, Call, Thread};
use weft_explorer::{Model, Outcome, Reduction, Verdict};
use weft_lang::{LangModel, Program, ThreadCalls};

/// `text` for threads that call operations without arguments.
fn build(text: &str, variant: &str, threads: &[(&str, &[&str])]) -> LangModel {
    let ops: Vec<Vec<Call<'_>>> = (threads.iter())
        .map(|(_, ops)| ops.iter().map(|o| (*o, &[][..])).collect())
        .collect();
    let threads: Vec<Thread<'_>> = (threads.iter().zip(&ops))
        .map(|((name, _), ops)| (*name, ops.as_slice()))
        .collect();
    instance(text, variant, &threads)
}

fn violation(o: &Outcome) -> (&str, &[usize]) {
    match &o.verdict {
        Verdict::Violation(c) => (c.violation.check.as_str(), c.schedule.as_slice()),
        other => panic!("expected a violation, got {other:?}"),
    }
}

#[test]
fn every_syntax_mistake_is_reported_with_its_line() {
    let text = "int x in 0..3;\n\nop a() {\n    x = = 2;\n    x = 1;\n    if (x) { x = 1 }\n}\n";
    let found = mistakes(text);
    let lines: Vec<usize> = found.iter().map(|m| m.0).collect();
    assert_eq!(lines, vec![4, 6], "{found:?}");
    assert!(
        found[0].1.contains("expected an expression, found `=`"),
        "{found:?}"
    );
    assert!(found[1].1.contains("expected `;`, found `}`"), "{found:?}");
}

#[test]
fn every_type_mistake_is_reported_at_once() {
    let text = "int x in 0..3;\nint y in 0..3;\nop a() {\n    int z = true;\n    frob(1);\n    w = 1;\n    x = y + 1;\n}\n";
    let found = mistakes(text);
    let lines: Vec<usize> = found.iter().map(|m| m.0).collect();
    assert_eq!(lines, vec![4, 5, 6, 7], "{found:?}");
    assert!(found[0].1.contains("expected an integer"), "{found:?}");
    assert!(
        found[1].1.contains("no function is named `frob`"),
        "{found:?}"
    );
    assert!(found[2].1.contains("unknown name `w`"), "{found:?}");
    assert!(
        found[3].1.contains("touches shared memory 2 times"),
        "{found:?}"
    );
}

#[test]
fn a_loop_without_a_bound_is_refused_at_load() {
    let text = "int x in 0..3;\nop a() {\n    while (x < 3) {\n        x = 1;\n    }\n}\n";
    let found = mistakes(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 3);
    assert!(found[0].1.contains("a loop with no bound"));
}

#[test]
fn recursion_is_refused_at_load() {
    let direct = "void f() { f(); }\nop a() { f(); }\n";
    assert!(mistakes(direct)[0].1.contains("recursion: f -> f"));
    let mutual = "void f() { g(); }\nvoid g() { f(); }\nop a() { f(); }\n";
    let found = mistakes(mutual);
    assert!(found.iter().any(|m| m.1.contains("recursion")), "{found:?}");
}

#[test]
fn a_loop_past_its_bound_is_a_violation() {
    let text = "int x in 0..9;\nop spin() {\n    while (x < 5) bound(2) {\n        atomic_inc(&x);\n    }\n}\n";
    let m = build(text, "base", &[("t", &["spin"])]);
    let o = explore(&m, Reduction::Off);
    assert_eq!(violation(&o).0, "loop_bound");
    let for_loop = "int x in 0..9;\nop count() {\n    for (int i = 0; i < 3; i++) {\n        atomic_inc(&x);\n    }\n}\nend_check three(x == 3, \"ran three times\");\n";
    let m = build(for_loop, "base", &[("t", &["count"])]);
    assert!(matches!(explore(&m, Reduction::Off).verdict, Verdict::Pass));
}

/// A counter in 0..2 incremented three times, atomically: the third increment is out of
/// range, a violation, never a wrap.
#[test]
fn a_value_out_of_its_range_is_a_violation() {
    let text = "int x in 0..2;\nop inc() {\n    atomic_inc(&x);\n}\n";
    let m = build(text, "base", &[("a", &["inc", "inc"]), ("b", &["inc"])]);
    let o = explore(&m, Reduction::Off);
    let (check, schedule) = violation(&o);
    assert_eq!(check, "overflow");
    // Each increment is one step; the third is the one that breaks.
    assert_eq!(schedule.len(), 3);
}

const LOST_UPDATE: &str = "
int x in 0..2;
spinlock_t lock;

op plain() {
    int r = x;
    x = r + 1;
}

op locked() {
    spin_lock(&lock);
    int r = x;
    x = r + 1;
    spin_unlock(&lock);
}

end_check no_lost_update(x == 2, \"an increment was lost\");
";

/// Two plain read-then-write increments: the shortest lost update is both reads, then both
/// writes, each statement one step.
#[test]
fn each_shared_access_is_a_step_and_the_lost_update_is_found() {
    let m = build(LOST_UPDATE, "base", &[("a", &["plain"]), ("b", &["plain"])]);
    assert_eq!(m.step_info(&m.initial_state(), 0).label, "int r = x;");
    for reduction in [Reduction::Off, Reduction::On] {
        let o = explore(&m, reduction);
        let (check, schedule) = violation(&o);
        assert_eq!(check, "no_lost_update");
        assert_eq!(schedule.len(), 4, "two steps per thread");
        assert_eq!(schedule.iter().filter(|t| **t == 0).count(), 2);
        assert_ne!(schedule[0], schedule[1], "both read before either writes");
    }
}

#[test]
fn a_held_spinlock_blocks_and_keeps_the_update() {
    let m = build(
        LOST_UPDATE,
        "base",
        &[("a", &["locked"]), ("b", &["locked"])],
    );
    assert!(matches!(explore(&m, Reduction::Off).verdict, Verdict::Pass));
    let twice = "spinlock_t l;\nop a() {\n    spin_lock(&l);\n    spin_lock(&l);\n}\n";
    let m = build(twice, "base", &[("t", &["a"])]);
    assert_eq!(violation(&explore(&m, Reduction::Off)).0, "deadlock");
}

#[test]
fn footprints_are_honest_and_reduction_keeps_verdicts() {
    let model = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/lang/page_ref_freeze.weft"
    ))
    .unwrap();
    let threads: &[(&str, &[&str])] =
        &[("migrate", &["migrate"]), ("lookup", &["lookup", "lookup"])];
    for variant in ["split_freeze", "cmpxchg_freeze"] {
        let m = build(&model, variant, threads);
        let states = honest_footprints(&m);
        assert!(states > 10, "{variant}: {states} states");
        let (full, reduced) = (explore(&m, Reduction::Off), explore(&m, Reduction::On));
        assert_eq!(
            format!("{:?}", full.verdict),
            format!("{:?}", reduced.verdict),
            "{variant}"
        );
    }
}

const PAGES: &str = "
param NR = 2 in 1..4 \"pages\";
struct page {
    atomic_t _refcount in 0..3 = 1;
}
struct page pages[NR];

op get(int i) {
    atomic_inc(&pages[i]._refcount);
}
";

fn build_with_args(text: &str, nr: Option<i64>, ops: &[(&str, &str)]) -> LangModel {
    let program = Program::load(text).unwrap_or_else(|d| panic!("{d:?}"));
    let params = nr
        .map(|n| [("NR".to_string(), n)].into())
        .unwrap_or_default();
    let threads: Vec<ThreadCalls> = ops
        .iter()
        .map(|(name, arg)| ThreadCalls {
            name: name.to_string(),
            ops: vec![("get".to_string(), vec![arg.to_string()])],
        })
        .collect();
    program
        .instantiate("base", &params, &threads)
        .unwrap_or_else(|p| panic!("{p:?}"))
}

/// Arrays of structs sized by a parameter, indexed by an operation's argument: each element
/// is its own field, and an index past the end is a violation.
#[test]
fn arrays_of_structs_are_indexed_by_arguments_and_checked() {
    let m = build_with_args(PAGES, None, &[("a", "0"), ("b", "1")]);
    let names: Vec<String> = m
        .fields(&m.initial_state())
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(names, ["pages[0]._refcount", "pages[1]._refcount"]);
    assert!(matches!(explore(&m, Reduction::Off).verdict, Verdict::Pass));
    let one = build_with_args(PAGES, Some(1), &[("a", "0"), ("b", "1")]);
    assert_eq!(violation(&explore(&one, Reduction::Off)).0, "out_of_bounds");
    let program = Program::load(PAGES).unwrap();
    let bad = [("NR".to_string(), 9)].into();
    assert!(
        program.instantiate("base", &bad, &[]).is_err(),
        "NR is at most 4"
    );
}
