//! pt_frag teardown as the kernel runs it: `pte_frag_destroy` waits until every other user of
//! the mm has exited, runs at most once, and nothing allocates after it.

mod common;

use common::typed;
use weft_explorer::{Checker, Model, Status, Verdict};
use weft_model::Scenario;

/// A pt_frag scenario of `variant` whose threads run these operations.
fn scenario(variant: &str, threads: &[(&str, &[&str])]) -> String {
    common::pt_frag_scenario(variant, "", threads)
}

/// The check the search finds violated, if any.
fn explore(text: &str) -> Option<String> {
    let s = Scenario::parse("teardown", "teardown.toml", text).unwrap();
    let out = s.model().check(&Checker::new().threads(2)).unwrap();
    match out.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some(c.violation.check),
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

fn refused(text: &str) -> String {
    Scenario::parse("teardown", "teardown.toml", text)
        .unwrap_err()
        .to_string()
}

#[test]
fn destroy_waits_for_the_other_users_of_the_mm() {
    // With destroy free to run between the other allocator's cache read and its advance, the
    // merged fix lost a fragment (free_with_live_fragment in 22 steps). At exit no user is left
    // to allocate, so every variant that counts fragments right passes.
    let threads: &[(&str, &[&str])] = &[
        ("owner", &["pte_fragment_alloc", "pte_frag_destroy"]),
        ("other", &["pte_fragment_alloc", "pte_fragment_free"]),
    ];
    for variant in [
        "pt_frag_refcount",
        "top_bits",
        "set_page_count",
        "page_ref_add",
    ] {
        assert_eq!(explore(&scenario(variant, threads)), None, "{variant}");
    }
}

/// Runs thread 0 alone until its next step is `pte_frag_destroy`'s first; then says whether
/// that step may run.
fn teardown_may_run(text: &str) -> bool {
    let s = Scenario::parse("teardown", "teardown.toml", text).unwrap();
    typed!(s, |m| {
        let mut state = m.initial_state();
        while !m.step_info(&state, 0).label.starts_with("pte_frag = ") {
            assert_eq!(m.status(&state, 0), Status::Enabled, "thread 0 runs alone");
            m.step(&mut state, 0).unwrap();
        }
        m.status(&state, 0) == Status::Enabled
    })
}

#[test]
fn destroy_does_not_wait_for_threads_outside_the_mm() {
    // The RCU callback that frees the owner's fragment and the walker are no users of the mm:
    // teardown may run before them (E's races). Another allocator is a user: it waits.
    let owner: (&str, &[&str]) = ("owner", &["pte_fragment_alloc", "pte_frag_destroy"]);
    let others: [(&str, &[&str]); 2] = [
        ("rcu", &["pte_fragment_free(owner)"]),
        ("walker", &["speculative_get_put"]),
    ];
    assert!(teardown_may_run(&scenario(
        "pt_frag_refcount",
        &[owner, others[0], others[1]]
    )));
    let user: (&str, &[&str]) = ("other", &["pte_fragment_alloc"]);
    assert!(!teardown_may_run(&scenario(
        "pt_frag_refcount",
        &[owner, others[0], user]
    )));
}

#[test]
fn teardown_the_kernel_cannot_run_is_refused_where_it_is_written() {
    let e = refused(&scenario(
        "pt_frag_refcount",
        &[(
            "owner",
            &[
                "pte_fragment_alloc",
                "pte_frag_destroy",
                "pte_fragment_alloc",
            ],
        )],
    ));
    assert!(
        e.contains("teardown.toml:5:50:")
            && e.contains("pte_fragment_alloc after pte_frag_destroy"),
        "{e}"
    );
    let e = refused(&scenario(
        "pt_frag_refcount",
        &[(
            "owner",
            &["pte_fragment_alloc", "pte_frag_destroy", "pte_frag_destroy"],
        )],
    ));
    assert!(e.contains("calls pte_frag_destroy twice"), "{e}");
    let e = refused(&scenario(
        "pt_frag_refcount",
        &[
            ("owner", &["pte_fragment_alloc", "pte_frag_destroy"]),
            ("other", &["pte_frag_destroy"]),
        ],
    ));
    assert!(
        e.contains("called by both `owner` and `other`") && e.contains("teardown.toml:8:8:"),
        "{e}"
    );
}
