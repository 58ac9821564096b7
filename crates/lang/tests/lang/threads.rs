//! State a thread keeps across its operations: `THREAD` is the running thread's number and
//! `NR_THREADS` the scenario's thread count, so `tasks[THREAD]` is per-thread state; and
//! `ghost` struct fields, bookkeeping beside the kernel's fields that never make a step; and
//! the bytes a thread's locals take in a packed state.

use crate::common::{explore, instance, mistakes, Call, Thread};
use weft_explorer::{FieldKind, Model, Reduction, Verdict};

/// Each thread counts its calls in its own element; the end check reads them all.
const PER_THREAD: &str = "int x in 0..3;
struct task {
    int calls in 0..3;
}
ghost struct task tasks[NR_THREADS];
end_check counted(tasks[0].calls == 2 && tasks[1].calls == 1, \"calls miscounted\");
op call() {
    x = 1;
    tasks[THREAD].calls += 1;
}
op last_thread() {
    x = tasks[NR_THREADS - 1].calls;
}
";

fn threads<'a>(a: &'a [Call<'a>], b: &'a [Call<'a>]) -> [Thread<'a>; 2] {
    [("a", a), ("b", b)]
}

#[test]
fn per_thread_state_outlives_an_operation_and_each_thread_has_its_own() {
    let two: &[Call<'_>] = &[("call", &[]), ("call", &[])];
    let one: &[Call<'_>] = &[("call", &[])];
    let m = instance(PER_THREAD, "base", &threads(two, one));
    assert!(matches!(explore(&m, Reduction::Off).verdict, Verdict::Pass));
    // The other way round, the counts are the other way round: the end check fails.
    let m = instance(PER_THREAD, "base", &threads(one, two));
    match explore(&m, Reduction::On).verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "counted"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nr_threads_sizes_an_array_by_the_scenario() {
    // `tasks` has two elements with two threads: the last is tasks[1], which b's call wrote
    // before a reads it, or not; either way in range.
    let m = instance(
        PER_THREAD,
        "base",
        &threads(&[("last_thread", &[])], &[("call", &[])]),
    );
    let o = explore(&m, Reduction::Off);
    match o.verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "counted"),
        other => panic!("{other:?}"),
    }
    let fields = m.fields(&m.initial_state());
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"tasks[1].calls"), "{names:?}");
    assert!(!names.contains(&"tasks[2].calls"), "{names:?}");
}

#[test]
fn a_ghost_field_never_makes_a_step_and_shows_as_ghost() {
    let text = "struct page {
    int count in 0..3;
    ghost int handed_out in 0..3;
}
struct page page;
op get() {
    page.count = 1;
    page.handed_out = 1;
    page.count = 2;
}
";
    let m = instance(text, "base", &[("t", &[("get", &[])])]);
    let o = explore(&m, Reduction::Off);
    assert!(matches!(o.verdict, Verdict::Pass));
    // Two stores to the count, two steps: the ghost store joins the first.
    assert_eq!(o.stats.depth, 2, "{:?}", o.stats);
    let fields = m.fields(&m.initial_state());
    let kind = |name: &str| fields.iter().find(|f| f.name == name).expect(name).kind;
    assert_eq!(kind("page.count"), FieldKind::Memory);
    assert_eq!(kind("page.handed_out"), FieldKind::Ghost);
}

#[test]
fn the_built_in_names_cannot_be_declared() {
    let text =
        "param THREAD = 0 in 0..3;\nint NR_THREADS in 0..3;\nop a() {\n    NR_THREADS = 1;\n}\n";
    let found = mistakes(text);
    let lines: Vec<usize> = found.iter().map(|m| m.0).collect();
    assert!(lines.contains(&1) && lines.contains(&2), "{found:?}");
    assert!(
        found.iter().all(|m| m.1.contains("built in") || m.0 > 2),
        "{found:?}"
    );
}

/// Calls that never run at the same time share their locals' bytes: a thread that calls a
/// function three times in a row packs into no more bytes than one that calls it once. An
/// argument is written before its function's code starts, so the calls that compute the
/// next arguments must not reuse its bytes: `pair(twice(1), twice(2))` stores 2 and 4.
const SHARING: &str = "int a in 0..7;
int b in 0..7;
end_check stored(a == 2 && b == 4, \"an argument was overwritten\");
int twice(int v) {
    int r = v + v;
    return r;
}
void pair(int x, int y) {
    int left = x;
    a = left;
    b = y;
}
void store_twice(int v) {
    int r = v + v;
    a = r;
}
op once() {
    store_twice(1);
}
op thrice() {
    store_twice(1);
    store_twice(2);
    store_twice(3);
}
op both() {
    pair(twice(1), twice(2));
}
";

#[test]
fn calls_that_never_overlap_share_their_locals_bytes() {
    let bytes = |op: &'static str| {
        let m = instance(SHARING, "base", &[("t", &[(op, &[])])]);
        let mut out = Vec::new();
        m.encode(&m.initial_state(), &mut out);
        out.len()
    };
    assert_eq!(bytes("thrice"), bytes("once"));
    let m = instance(SHARING, "base", &[("t", &[("both", &[])])]);
    assert!(matches!(explore(&m, Reduction::Off).verdict, Verdict::Pass));
}
