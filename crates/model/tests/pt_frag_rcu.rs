//! RCU in pt_frag: read-side sections (`rcu_lookup_get_put` under `rcu_read_lock()`,
//! `gup_fast_get_put` with interrupts off), `pte_fragment_free_rcu`'s grace period, and
//! `preempt` (CONFIG_PREEMPT), which takes `rcu_read_lock()` out of what the grace period
//! waits for.

mod common;

use common::{follow, typed};
use weft_explorer::{Checker, Model, Status, Verdict};
use weft_model::Scenario;

/// Scenario E's shape: the owner allocates and tears down, `rcu` frees the owner's fragment
/// with `free`, and one walker (or two) of kind `walker` holds a stale pointer.
fn teardown(variant: &str, free: &str, walker: &str, walkers: usize, preempt: u8) -> String {
    let mut text = format!(
        "model = \"pt_frag\"\nvariant = \"{variant}\"\n[params]\npreempt = {preempt}\n\
         [[thread]]\nname = \"owner\"\nops = [\"pte_fragment_alloc\", \"pte_frag_destroy\"]\n\
         [[thread]]\nname = \"rcu\"\nops = [\"{free}(owner)\"]\n"
    );
    for w in 0..walkers {
        text += &format!("[[thread]]\nname = \"walker{w}\"\nops = [\"{walker}\"]\n");
    }
    text
}

fn parse(text: &str) -> Scenario {
    Scenario::parse("rcu", "rcu.toml", text).unwrap()
}

/// The check the search finds violated, if any, with symmetry as asked.
fn explore(text: &str, symmetry: bool) -> Option<String> {
    let out = parse(text)
        .model()
        .check(&Checker::new().threads(2).symmetry(symmetry))
        .unwrap();
    match out.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some(c.violation.check),
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

#[test]
fn a_grace_period_closes_e_for_walkers_in_a_section_it_waits_for() {
    // page_ref_add's E: the walker's put can be the last one and skip the dtor. Deferring the
    // free past the grace period puts the walker's put first, if the walker is in a section
    // the grace period waits for.
    let cases = [
        ("speculative_get_put", 0, Some("dtor_missed")),
        ("rcu_lookup_get_put", 0, None),
        ("rcu_lookup_get_put", 1, Some("dtor_missed")),
        ("gup_fast_get_put", 0, None),
        ("gup_fast_get_put", 1, None),
    ];
    for (walker, preempt, want) in cases {
        let text = teardown("page_ref_add", "pte_fragment_free_rcu", walker, 1, preempt);
        assert_eq!(
            explore(&text, false).as_deref(),
            want,
            "{walker}, preempt {preempt}"
        );
        // A synchronous free waits for nobody.
        let text = teardown("page_ref_add", "pte_fragment_free", walker, 1, preempt);
        assert_eq!(
            explore(&text, false).as_deref(),
            Some("dtor_missed"),
            "{walker}, preempt {preempt}, synchronous free"
        );
    }
}

#[test]
fn the_stomp_frees_a_live_page_table_whatever_the_walker() {
    // set_page_count() erases the walker's reference, so the walker's own put frees the page
    // under the owner: no grace period can order that.
    for walker in ["rcu_lookup_get_put", "gup_fast_get_put"] {
        let text = teardown("set_page_count", "pte_fragment_free_rcu", walker, 1, 0);
        assert_eq!(
            explore(&text, false).as_deref(),
            Some("free_with_live_fragment"),
            "{walker}"
        );
    }
}

/// Runs `schedule` (thread, the label its step must start with) from the initial state,
/// then returns whether thread `t` may move.
fn enabled_after(text: &str, schedule: &[(usize, &str)], t: usize) -> bool {
    let s = parse(text);
    typed!(s, |m| {
        let mut state = m.initial_state();
        follow(m, &mut state, schedule).unwrap();
        m.status(&state, t) == Status::Enabled
    })
}

/// The walker enters its section; the owner allocates its page table (fragment 0, the rest
/// cached); `rcu` queues its free.
const QUEUED: [(usize, &str); 14] = [
    (
        2,
        "rcu_read_lock(); page = radix_tree_deref_slot(pagep) (page0)",
    ),
    (0, "spin_lock"),
    (0, "ret = mm->context.pte_frag"),
    (0, "spin_unlock"),
    (0, "page0 = alloc_page"),
    (0, "pgtable_page_ctor"),
    (0, "spin_lock"),
    (0, "if (!mm->context.pte_frag)"),
    (0, "page_ref_add"),
    (0, "mm->context.pte_frag = "),
    (0, "spin_unlock"),
    (1, "tlb_remove_table(tlb, page0)"),
    (2, "page_cache_get_speculative(page0)"),
    (2, "put_page(page0)"),
];

#[test]
fn the_callback_waits_until_the_reader_leaves_its_section() {
    let text = teardown(
        "page_ref_add",
        "pte_fragment_free_rcu",
        "rcu_lookup_get_put",
        1,
        0,
    );
    assert!(
        !enabled_after(&text, &QUEUED, 1),
        "the walker is still in its section"
    );
    let mut left = QUEUED.to_vec();
    left.push((2, "rcu_read_unlock()"));
    assert!(
        enabled_after(&text, &left, 1),
        "the walker has left its section"
    );
    // Under CONFIG_PREEMPT, rcu_read_lock() does not hold off RCU-sched.
    let text = teardown(
        "page_ref_add",
        "pte_fragment_free_rcu",
        "rcu_lookup_get_put",
        1,
        1,
    );
    assert!(enabled_after(&text, &QUEUED, 1));
}

#[test]
fn a_lookup_after_the_page_is_reused_finds_nothing_to_get() {
    // Once the page is a page table, the slot no longer points to it: the walker takes no
    // reference and enters no section, and a later grace period does not wait for it.
    let text = teardown(
        "page_ref_add",
        "pte_fragment_free_rcu",
        "rcu_lookup_get_put",
        1,
        0,
    );
    let mut schedule: Vec<(usize, &str)> = QUEUED[1..12].to_vec();
    schedule.push((
        2,
        "rcu_read_lock(); page = radix_tree_deref_slot(pagep) (no longer page0",
    ));
    let s = parse(&text);
    typed!(s, |m| {
        let mut state = m.initial_state();
        follow(m, &mut state, &schedule).unwrap();
        assert_eq!(m.status(&state, 2), Status::Finished);
        assert_eq!(m.status(&state, 1), Status::Enabled);
    });
}

#[test]
fn symmetric_walkers_in_sections_give_the_same_verdicts() {
    // Two walkers of one kind are interchangeable; the grace period's record of whom it
    // waits for is renamed with them.
    for (walker, variant) in [
        ("rcu_lookup_get_put", "page_ref_add"),
        ("gup_fast_get_put", "set_page_count"),
        ("rcu_lookup_get_put", "pt_frag_refcount"),
    ] {
        let text = teardown(variant, "pte_fragment_free_rcu", walker, 2, 0);
        assert_eq!(
            explore(&text, true),
            explore(&text, false),
            "{walker}, {variant}"
        );
    }
}

#[test]
fn a_thread_waiting_for_a_grace_period_round_trips_through_its_encoding() {
    // The owner frees its first fragment through the grace period while it holds the second:
    // the packed thread carries a fragment slot and whom it waits for.
    let text = "model = \"pt_frag\"\nvariant = \"top_bits\"\n\
        [[thread]]\nname = \"owner\"\n\
        ops = [\"pte_fragment_alloc\", \"pte_fragment_alloc\", \"pte_fragment_free_rcu\"]\n\
        [[thread]]\nname = \"walker\"\nops = [\"gup_fast_get_put\"]\n";
    let s = parse(text);
    typed!(s, |m| {
        let mut state = m.initial_state();
        m.step(&mut state, 1).unwrap(); // the walker's section
        let mut waited = false;
        while m.status(&state, 0) == Status::Enabled {
            m.step(&mut state, 0).unwrap();
            let mut bytes = Vec::new();
            m.encode(&state, &mut bytes);
            assert_eq!(m.decode(&bytes), state);
            waited |= m
                .step_info(&state, 0)
                .label
                .starts_with("tlb_remove_table_rcu");
        }
        assert!(waited, "the owner reached the grace period");
        assert_eq!(
            m.status(&state, 0),
            Status::Blocked,
            "it waits for the walker"
        );
    });
}

#[test]
fn preempt_outside_zero_and_one_is_refused() {
    let text = teardown(
        "top_bits",
        "pte_fragment_free_rcu",
        "gup_fast_get_put",
        1,
        2,
    );
    let e = Scenario::parse("rcu", "rcu.toml", &text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("preempt"), "{e}");
}
