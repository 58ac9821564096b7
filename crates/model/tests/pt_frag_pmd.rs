//! PMD fragments (`pmd_fragment_alloc`, `pmd_fragment_free`, `pmd_frag_destroy`): their own
//! cache and constructor under the one `mm->page_table_lock`; and the invariants of the
//! 4231aba000f5 thread (`counter_mismatch`, `dtor_with_live_fragment`).

mod common;

use common::typed;
use weft_explorer::{Checker, Model, Status, Verdict};
use weft_model::Scenario;

use common::pt_frag_scenario as scenario;

/// The check the search finds violated and its message, if any; `only` limits the search to
/// these checks.
fn explore(text: &str, only: &[&str]) -> Option<(String, String)> {
    let s = Scenario::parse("pmd", "pmd.toml", text).unwrap();
    let mut checker = Checker::new().threads(2);
    if !only.is_empty() {
        checker = checker.only_checks(only.iter().map(|c| c.to_string()).collect());
    }
    let out = s.model().check(&checker).unwrap();
    match out.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some((c.violation.check, c.violation.message)),
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

const WALKER: (&str, &[&str]) = ("walker", &["speculative_get_put"]);

#[test]
fn pmd_fragments_count_as_pte_fragments_do() {
    // Scenario D on a PMD table: the fix passes, the counts in _refcount miss the dtor; the
    // message names the PMD dtor and when a missed one became a "Bad page state".
    let owner: (&str, &[&str]) = ("owner", &["pmd_fragment_alloc", "pmd_fragment_free"]);
    assert_eq!(
        explore(
            &scenario("pt_frag_refcount", "pmd_frag_nr = 1", &[owner, WALKER]),
            &[]
        ),
        None
    );
    let (check, message) = explore(
        &scenario("page_ref_add", "pmd_frag_nr = 1", &[owner, WALKER]),
        &[],
    )
    .unwrap();
    assert_eq!(check, "dtor_missed");
    assert!(
        message.contains("pgtable_pmd_page_dtor") && message.contains("b2b29d6d0119"),
        "{message}"
    );
}

#[test]
fn pmd_frag_destroy_drops_the_unused_pmd_fragments() {
    // Scenario E on a PMD table: teardown's subtraction is exact for the fix and misses the
    // dtor when the walker's put is the last.
    let owner: (&str, &[&str]) = ("owner", &["pmd_fragment_alloc", "pmd_frag_destroy"]);
    let rcu: (&str, &[&str]) = ("rcu", &["pmd_fragment_free(owner)"]);
    let threads = [owner, rcu, WALKER];
    assert_eq!(
        explore(&scenario("pt_frag_refcount", "", &threads), &[]),
        None
    );
    let (check, _) = explore(&scenario("page_ref_add", "", &threads), &[]).unwrap();
    assert_eq!(check, "dtor_missed");
    // Without the destroy, the cached PMD fragment keeps its page: no leak is reported.
    let kept: (&str, &[&str]) = ("owner", &["pmd_fragment_alloc", "pmd_fragment_free"]);
    assert_eq!(
        explore(&scenario("pt_frag_refcount", "", &[kept]), &[]),
        None
    );
}

#[test]
fn pmd_and_pte_allocations_share_the_lock_but_not_the_cache() {
    let text = scenario(
        "pt_frag_refcount",
        "",
        &[
            ("pte", &["pte_fragment_alloc"]),
            ("pmd", &["pmd_fragment_alloc"]),
        ],
    );
    let s = Scenario::parse("pmd", "pmd.toml", &text).unwrap();
    typed!(s, |m| {
        let mut state = m.initial_state();
        // The PMD allocator takes mm->page_table_lock: the PTE allocator waits for it.
        assert_eq!(
            m.step_info(&state, 1).label,
            "spin_lock(&mm->page_table_lock)"
        );
        m.step(&mut state, 1).unwrap();
        assert_eq!(m.status(&state, 0), Status::Blocked);
        assert_eq!(m.step_info(&state, 1).label, "ret = mm->context.pmd_frag");
        // Each finishes with a page of its own level; the PMD page is cached in pmd_frag.
        while m.status(&state, 1) == Status::Enabled {
            m.step(&mut state, 1).unwrap();
        }
        while m.status(&state, 0) == Status::Enabled {
            m.step(&mut state, 0).unwrap();
        }
        let label = m.state_label(&state, true);
        assert!(
            label.contains("p0:rc=1/fr=2,PMD") && label.contains("p1:rc=1/fr=2,PT"),
            "{label}"
        );
        assert!(
            label.contains("cache=p1#1") && label.contains("pmd_cache=p0#1"),
            "{label}"
        );
    });
}

#[test]
fn pmd_steps_are_labelled_with_the_pmd_code() {
    let text = scenario(
        "set_page_count",
        "pmd_frag_nr = 2",
        &[("owner", &["pmd_fragment_alloc", "pmd_fragment_free"])],
    );
    let s = Scenario::parse("pmd", "pmd.toml", &text).unwrap();
    typed!(s, |m| {
        let mut state = m.initial_state();
        let mut labels = Vec::new();
        while m.status(&state, 0) == Status::Enabled {
            let info = m.step_info(&state, 0);
            labels.push(format!("{} {}", info.source.function, info.label));
            m.step(&mut state, 0).unwrap();
        }
        let all = labels.join("\n");
        for want in [
            "get_pmd_from_cache ret = mm->context.pmd_frag",
            "pgtable_pmd_page_ctor pgtable_pmd_page_ctor(page0)",
            "__alloc_for_pmdcache set_page_count(page0, PMD_FRAG_NR=2)",
            "__alloc_for_pmdcache mm->context.pmd_frag = ret + PMD_FRAG_SIZE",
        ] {
            assert!(all.contains(want), "no `{want}` in\n{all}");
        }
        assert!(!all.contains("pte"), "{all}");
    });
}

#[test]
fn pmd_teardown_the_kernel_cannot_run_is_refused() {
    let refused = |threads: &[(&str, &[&str])]| {
        Scenario::parse(
            "pmd",
            "pmd.toml",
            &scenario("pt_frag_refcount", "", threads),
        )
        .unwrap_err()
        .to_string()
    };
    let e = refused(&[(
        "owner",
        &["pmd_fragment_alloc", "pmd_frag_destroy", "pmd_frag_destroy"],
    )]);
    assert!(e.contains("calls pmd_frag_destroy twice"), "{e}");
    let e = refused(&[(
        "owner",
        &[
            "pte_fragment_alloc",
            "pte_frag_destroy",
            "pmd_fragment_alloc",
        ],
    )]);
    assert!(
        e.contains("pmd_fragment_alloc after pte_frag_destroy"),
        "{e}"
    );
    let e = refused(&[("owner", &["pmd_fragment_free"])]);
    assert!(
        e.contains("pmd fragment before it has allocated one"),
        "{e}"
    );
    // Both caches torn down by one thread, as destroy_pagetable_cache does: accepted.
    let both = scenario(
        "pt_frag_refcount",
        "",
        &[(
            "owner",
            &[
                "pte_fragment_alloc",
                "pmd_fragment_alloc",
                "pte_frag_destroy",
                "pmd_frag_destroy",
            ],
        )],
    );
    assert_eq!(explore(&both, &[]), None);
}

#[test]
fn the_invariants_hold_for_every_variant_that_counts_right() {
    // Scenario L with the invariants: only set_page_count's store loses a count.
    let threads: [(&str, &[&str]); 2] = [
        (
            "owner",
            &[
                "pte_fragment_alloc",
                "pte_fragment_alloc",
                "pte_fragment_free",
                "pte_fragment_free",
            ],
        ),
        WALKER,
    ];
    for variant in [
        "pt_frag_refcount",
        "top_bits",
        "page_ref_add",
        "top_bits_bad",
    ] {
        let found = explore(
            &scenario(variant, "invariants = 1", &threads),
            &["counter_mismatch"],
        );
        assert_eq!(found, None, "{variant}");
    }
    let (check, message) = explore(
        &scenario("set_page_count", "invariants = 1", &threads),
        &["counter_mismatch"],
    )
    .unwrap();
    assert_eq!(check, "counter_mismatch");
    assert!(message.contains("is 2 but should be 3"), "{message}");
    // Off by default: the same search finds no such check to look for.
    let s = Scenario::parse("pmd", "pmd.toml", &scenario("set_page_count", "", &threads)).unwrap();
    assert!(!s.model().checks().contains(&"counter_mismatch"));
}

#[test]
fn the_dtor_never_runs_under_a_live_fragment_unless_the_count_is_lost() {
    // The lost count is caught at the next quiet point; a second allocator can keep the mm
    // busy until the dtor runs under the owner's live fragment (21 steps).
    let threads: [(&str, &[&str]); 3] = [
        (
            "owner",
            &[
                "pte_fragment_alloc",
                "pte_fragment_alloc",
                "pte_fragment_free",
                "pte_fragment_free",
            ],
        ),
        ("other", &["pte_fragment_alloc", "pte_fragment_free"]),
        WALKER,
    ];
    let only = ["dtor_with_live_fragment"];
    let on = "invariants = 1";
    let (check, message) = explore(&scenario("set_page_count", on, &threads), &only).unwrap();
    assert_eq!(check, "dtor_with_live_fragment");
    assert!(message.contains("pgtable_page_dtor(page"), "{message}");
    for variant in [
        "pt_frag_refcount",
        "top_bits",
        "page_ref_add",
        "top_bits_bad",
    ] {
        assert_eq!(
            explore(&scenario(variant, on, &threads), &only),
            None,
            "{variant}"
        );
    }
}

#[test]
fn a_deferred_pmd_free_waits_for_the_grace_period_as_a_pte_free_does() {
    // Scenario E_rcu_lookup on a PMD table (__pmd_free_tlb -> tlb_remove_table): the lookup's
    // rcu_read_lock() holds the free back until its put, except under CONFIG_PREEMPT.
    let threads: [(&str, &[&str]); 3] = [
        ("owner", &["pmd_fragment_alloc", "pmd_frag_destroy"]),
        ("rcu", &["pmd_fragment_free_rcu(owner)"]),
        ("walker", &["rcu_lookup_get_put"]),
    ];
    assert_eq!(explore(&scenario("page_ref_add", "", &threads), &[]), None);
    let (check, _) = explore(&scenario("page_ref_add", "preempt = 1", &threads), &[]).unwrap();
    assert_eq!(check, "dtor_missed");
}
