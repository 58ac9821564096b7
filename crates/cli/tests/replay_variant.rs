//! `weft replay TRACE --variant V`: a counterexample's schedule run on another variant of its
//! scenario says where the two part and whether the violation comes back (exit 1) or not (0).

mod common;

use common::run;
use std::path::{Path, PathBuf};

/// The trace `weft check` writes for a shipped scenario that fails.
fn trace_of(scenario: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-replay-variant-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.trace.json", scenario.replace('/', "_")));
    let (code, out, err) = run(&[
        "check",
        scenario,
        "-q",
        "--trace-out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{scenario} fails: {out}{err}");
    path
}

fn replay(trace: &Path, variant: &str) -> (Option<i32>, String, String) {
    run(&[
        "replay",
        trace.to_str().unwrap(),
        "--variant",
        variant,
        "--color",
        "never",
    ])
}

#[test]
fn on_its_own_variant_the_violation_recurs() {
    let trace = trace_of("thp/merged_fix_M");
    let (code, out, err) = replay(&trace, "merged_fix");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("steps 1-26 are the same on both variants"),
        "{out}"
    );
    assert!(!out.contains("departs"), "{out}");
    assert!(
        out.contains(
            "=> the violation recurs on variant merged_fix at step 26: violation of cow_isolation"
        ),
        "{out}"
    );
}

#[test]
fn a_fix_that_changes_a_step_is_shown_where_it_departs() {
    // The lost update on set_page_count: top_bits raises _refcount with page_ref_add(1 << 16)
    // right after the constructor, where set_page_count took the lock first.
    let trace = trace_of("pt_frag/set_page_count_L");
    let (code, out, err) = replay(&trace, "top_bits");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("steps 1-5 are the same on both variants"),
        "{out}"
    );
    assert!(
        out.contains("step 6 departs: owner takes another step"),
        "{out}"
    );
    assert!(
        out.contains(
            "on variant top_bits: `page_ref_add(page0, 1 << 16)`: page0._refcount 1 -> 65537"
        ),
        "{out}"
    );
    // The state the departing step starts from, with each thread's next step.
    assert!(
        out.contains("the state before step 6 on variant top_bits:"),
        "{out}"
    );
    assert!(
        out.contains("owner   next: page_ref_add(page0, 1 << 16)"),
        "{out}"
    );
    assert!(out.contains("=> the violation does not recur"), "{out}");
}

#[test]
fn a_schedule_that_cannot_go_on_says_which_thread_and_why() {
    let trace = trace_of("pt_frag/set_page_count_D");
    let (code, out, err) = replay(&trace, "top_bits");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(
            "the schedule cannot go on at step 9: thread walker cannot move here (it is finished)"
        ),
        "{out}"
    );
}

#[test]
fn another_variant_that_keeps_the_bug_exits_1() {
    // merged_fix_M's interleaving also breaks andrea_v1 (the fix under review in 2016).
    let trace = trace_of("thp/merged_fix_M");
    let (code, out, err) = replay(&trace, "andrea_v1");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("=> the violation recurs on variant andrea_v1"),
        "{out}"
    );
}

#[test]
fn an_unknown_variant_is_bad_input_with_the_valid_names() {
    let trace = trace_of("pt_frag/set_page_count_L");
    let (code, out, err) = replay(&trace, "top_bit");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("did you mean `top_bits`?"), "{err}");
    assert!(
        err.contains("page_ref_add, pt_frag_refcount, top_bits"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "replay",
        trace.to_str().unwrap(),
        "--variant",
        "top_bits",
        "--engine",
        "shuttle",
    ]);
    assert_eq!(
        code,
        Some(2),
        "--variant with --engine is a usage error: {err}"
    );
}
