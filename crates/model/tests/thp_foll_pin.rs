//! FOLL_PIN pins (`pin_user_pages`, `pin_user_pages_read`) and the fixes built on them: fork's
//! early copy of a possibly pinned page (v5.9), and `PageAnonExclusive` with the unshare fault
//! of a read-only pin (v5.19). Each test explores a scenario on several variants and sets the
//! verdicts side by side, so that each variant's own code is what tells them apart.

mod common;

use weft_model::Scenario;

/// The variants that have FOLL_PIN.
const FOLL_PIN: [&str; 3] = ["v5_9_page_count", "v5_18_cow_fixes", "v5_19_anon_exclusive"];

/// A scenario of the thp model with two subpages: `parent`'s operations, and those of a
/// child it forks.
fn scenario(variant: &str, parent: &str, child: &str) -> Result<Scenario, String> {
    let text = format!(
        "model = \"thp\"\nvariant = \"{variant}\"\n[params]\nsubpages = 2\n\
         [[thread]]\nname = \"P\"\nops = {parent}\n\
         [[thread]]\nname = \"C\"\nchild_of = \"P\"\nops = {child}\n"
    );
    Scenario::parse("pins", "pins.toml", &text).map_err(|e| e.to_string())
}

/// The check that fails on `variant` (`None`: every schedule passes).
fn failed(variant: &str, parent: &str, child: &str) -> Option<String> {
    common::failed_check(&scenario(variant, parent, child).unwrap())
}

#[test]
fn foll_pin_exists_from_v5_9_on_in_the_model() {
    let parent = r#"["thp_fault", "pin_user_pages(0)", "fork"]"#;
    for variant in ["v4_5", "merged_fix", "huge_page_lock"] {
        let err = scenario(variant, parent, r#"["exit"]"#).unwrap_err();
        assert!(err.contains("no FOLL_PIN"), "{variant}: {err}");
    }
    for variant in FOLL_PIN {
        scenario(variant, parent, r#"["exit"]"#).unwrap();
    }
}

#[test]
fn fork_keeps_a_foll_pin_pinned_page_for_the_parent_but_not_a_foll_get_pinned_one() {
    // The vfio shape: pin, fork, the child exits, the parent writes the pinned subpage.
    let pinned = |pin: &str| format!(r#"["thp_fault", "{pin}(0)", "fork", "write(0)"]"#);
    for split in [false, true] {
        for variant in FOLL_PIN {
            let with = |pin: &str| {
                let parent = pinned(pin);
                let parent = if split {
                    parent.replace("\"thp_fault\",", "\"thp_fault\", \"split_huge_pmd\",")
                } else {
                    parent
                };
                failed(variant, &parent, r#"["exit"]"#)
            };
            // FOLL_PIN: fork copies the page for the child at once (70e806e4e645,
            // d042035eaf5f; v5.19's page_try_dup_anon_rmap), so the parent keeps its page.
            assert_eq!(with("pin_user_pages"), None, "{variant} split {split}");
            // FOLL_GET: fork shares the page and the parent's write copies it away.
            assert_eq!(
                with("gup_pin").as_deref(),
                Some("false_cow"),
                "{variant} split {split}"
            );
        }
    }
}

#[test]
fn an_unpinned_page_is_shared_at_fork_again() {
    // With the pin dropped (compound_pincount back to 0, MMF_HAS_PINNED still set) fork
    // shares the page; the parent's write then copies, and nothing is pinned to go stale.
    let parent = r#"["thp_fault", "pin_user_pages(0)", "gup_unpin(0)", "fork", "write(0)"]"#;
    for variant in FOLL_PIN {
        assert_eq!(failed(variant, parent, r#"["exit"]"#), None, "{variant}");
    }
    // Kept, the pin goes stale on every variant if fork shared the page: here it did not.
    let kept = r#"["thp_fault", "pin_user_pages(0)", "fork", "write(0)", "gup_unpin(0)"]"#;
    for variant in FOLL_PIN {
        assert_eq!(failed(variant, kept, r#"["exit"]"#), None, "{variant}");
    }
}

#[test]
fn a_read_only_foll_pin_of_a_shared_page_is_reliable_from_v5_19() {
    // cow.c's "R/O GUP pin on R/O-mapped shared page": fork, a read-only FOLL_PIN pin while
    // the child lives, then a write. Before v5.19 the pin lands on the shared page and the
    // write copies away from it; v5.19's pin unshares first (FAULT_FLAG_UNSHARE), so the
    // page it pins is the parent's own, and the write reuses it by PageAnonExclusive.
    for shape in ["", "\"split_huge_pmd\", "] {
        let parent =
            format!(r#"["thp_fault", {shape}"fork", "pin_user_pages_read(0)", "write(0)"]"#);
        for variant in ["v5_9_page_count", "v5_18_cow_fixes"] {
            assert_eq!(
                failed(variant, &parent, r#"["exit"]"#).as_deref(),
                Some("pin_coherence"),
                "{variant} {shape}"
            );
        }
        assert_eq!(
            failed("v5_19_anon_exclusive", &parent, r#"["exit"]"#),
            None,
            "{shape}"
        );
    }
}

#[test]
fn the_thp_vmsplice_leak_closes_in_v5_18() {
    // CVE-2020-29374 on a PMD-mapped THP: v5.9's huge reuse test still counted mappings;
    // 3bff7e3f1f16 (v5.18) made it page_count() == 1, which the child's pin prevents.
    let parent = r#"["thp_fault", "fork", "write(0)"]"#;
    let child = r#"["gup_pin_read(0)", "exit"]"#;
    assert_eq!(
        failed("v5_9_page_count", parent, child).as_deref(),
        Some("pin_isolation")
    );
    assert_eq!(failed("v5_18_cow_fixes", parent, child), None);
    assert_eq!(failed("v5_19_anon_exclusive", parent, child), None);
}

/// A scenario with a GUP-fast thread `T` of `P` (`thread_of`) that pins subpage 0 with
/// `pin` (`pin_user_pages_fast_only` or `gup_fast_pin`) while `P` runs `parent` and forks `C`,
/// which exits.
fn with_gup_fast(variant: &str, parent: &str, pin: &str) -> Scenario {
    let text = format!(
        "model = \"thp\"\nvariant = \"{variant}\"\n[params]\nsubpages = 1\n\
         [[thread]]\nname = \"P\"\nops = {parent}\n\
         [[thread]]\nname = \"T\"\nthread_of = \"P\"\nops = [\"{pin}(0)\"]\n\
         [[thread]]\nname = \"C\"\nchild_of = \"P\"\nops = [\"exit\"]\n"
    );
    Scenario::parse("fast", "fast.toml", &text).unwrap()
}

#[test]
fn gup_fast_racing_fork_is_closed_by_write_protect_seq() {
    // 57efa1fe5957 (v5.11): without write_protect_seq (v5.9) a GUP-fast pin taken while fork
    // copies the page tables can survive on a page fork shared, and the parent's write then
    // copies away from it; from then on (v5.18, v5.19) the pin is undone.
    for shape in ["", "\"split_huge_pmd\", "] {
        let parent = format!(r#"["thp_fault", {shape}"fork", "write(0)"]"#);
        let check = |variant: &str| {
            common::failed_check(&with_gup_fast(variant, &parent, "pin_user_pages_fast_only"))
        };
        assert_eq!(
            check("v5_9_page_count").as_deref(),
            Some("pin_coherence"),
            "{shape}"
        );
        assert_eq!(check("v5_18_cow_fixes"), None, "{shape}");
        assert_eq!(check("v5_19_anon_exclusive"), None, "{shape}");
    }
    // Without a fork to race with, the GUP-fast pin stays coherent on v5.9 too.
    let text = "model = \"thp\"\nvariant = \"v5_9_page_count\"\n[params]\nsubpages = 1\n\
                [[thread]]\nname = \"P\"\nops = [\"thp_fault\", \"write(0)\"]\n\
                [[thread]]\nname = \"T\"\nthread_of = \"P\"\n\
                ops = [\"pin_user_pages_fast_only(0)\"]\n";
    let s = Scenario::parse("nofork", "nofork.toml", text).unwrap();
    assert_eq!(common::failed_check(&s), None);
}

#[test]
fn a_process_thread_is_checked_where_it_is_declared() {
    let build = |threads: &str| {
        let text = format!(
            "model = \"thp\"\nvariant = \"v5_9_page_count\"\n\
             [[thread]]\nname = \"P\"\nops = [\"thp_fault\"]\n{threads}"
        );
        Scenario::parse("t", "t.toml", &text).map_err(|e| e.to_string())
    };
    let fast = "ops = [\"pin_user_pages_fast_only(0)\"]\n";
    let err = build(&format!(
        "[[thread]]\nname = \"T\"\nthread_of = \"Q\"\n{fast}"
    ))
    .unwrap_err();
    assert!(err.contains("no thread is named so"), "{err}");
    let err = build(&format!(
        "[[thread]]\nname = \"T\"\nthread_of = \"T\"\n{fast}"
    ))
    .unwrap_err();
    assert!(err.contains("a thread of itself"), "{err}");
    let err =
        build("[[thread]]\nname = \"T\"\nthread_of = \"P\"\nops = [\"write(0)\"]\n").unwrap_err();
    assert!(err.contains("only takes"), "{err}");
    let err = build(&format!("[[thread]]\nname = \"T\"\n{fast}")).unwrap_err();
    assert!(err.contains("another thread of a process"), "{err}");
    build(&format!(
        "[[thread]]\nname = \"T\"\nthread_of = \"P\"\n{fast}"
    ))
    .unwrap();
    let pt_frag = "model = \"pt_frag\"\nvariant = \"set_page_count\"\n\
                   [[thread]]\nname = \"A\"\nops = [\"pte_fragment_alloc\"]\n\
                   [[thread]]\nname = \"B\"\nthread_of = \"A\"\nops = [\"pte_fragment_alloc\"]\n";
    let err = Scenario::parse("p", "p.toml", pt_frag)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`thread_of` does not apply"), "{err}");
}

#[test]
fn a_2016_gup_fast_pin_meets_the_2016_reuse_tests_as_a_slow_one_does() {
    // vfio's path in 2016: GUP-fast with FOLL_GET from another thread, while the process forks
    // and writes. v4.5 copies the pinned page once the child has gone (false_cow, as in A);
    // the merged fix, counting mappings, reuses it.
    let parent = r#"["thp_fault", "fork", "write(0)"]"#;
    let check =
        |variant: &str| common::failed_check(&with_gup_fast(variant, parent, "gup_fast_pin"));
    assert_eq!(check("v4_5").as_deref(), Some("false_cow"));
    assert_eq!(check("merged_fix"), None);
}
