//! `put_page_testzero` with and without `CONFIG_DEBUG_VM` (parameter `debug_vm`): with it,
//! `VM_BUG_ON_PAGE` is a read of its own before the decrement; without it nothing checks.

mod common;

use common::{follow, typed};
use weft_explorer::{Checker, Model, Verdict, Violation};
use weft_model::Scenario;

/// Scenario L (the lost update: two allocations, two frees, a stale walker) for `variant`, with `debug_vm` as given (absent: `None`).
fn lost_update(variant: &str, debug_vm: Option<i64>) -> String {
    let params = debug_vm.map_or(String::new(), |on| format!("[params]\ndebug_vm = {on}\n"));
    format!(
        "model = \"pt_frag\"\nvariant = \"{variant}\"\n{params}\
         [[thread]]\nname = \"owner\"\n\
         ops = [\"pte_fragment_alloc\", \"pte_fragment_alloc\", \"pte_fragment_free\", \
         \"pte_fragment_free\"]\n\
         [[thread]]\nname = \"walker\"\nops = [\"speculative_get_put\"]\n"
    )
}

fn parse(text: &str) -> Scenario {
    Scenario::parse("debug_vm", "debug_vm.toml", text).unwrap()
}

/// The violation the search finds first, and the number of states explored.
fn explore(text: &str) -> (Option<Violation>, u64) {
    let out = parse(text)
        .model()
        .check(&Checker::new().threads(2).symmetry(false))
        .unwrap();
    let states = out.stats.states;
    match out.verdict {
        Verdict::Pass => (None, states),
        Verdict::Violation(c) => (Some(c.violation), states),
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

/// Runs `schedule` on `text`'s model and returns what the last step gave.
fn run(text: &str, schedule: &[(usize, &str)]) -> Result<(), Violation> {
    let s = parse(text);
    typed!(s, |m| follow(m, &mut m.initial_state(), schedule))
}

/// Scenario L's owner up to `set_page_count`, the walker's stale get, the owner's first free,
/// and the owner's second free up to its decrement (with `debug_vm`, past its check):
/// `_refcount` is 1 (the walker's reference was erased) with two puts to come.
fn owner_and_walker_at_count_one(debug_vm: bool) -> Vec<(usize, &'static str)> {
    let mut schedule = vec![
        (0, "spin_lock"),
        (0, "ret = mm->context.pte_frag"),
        (0, "spin_unlock"),
        (0, "page0 = alloc_page"),
        (0, "pgtable_page_ctor"),
        (0, "spin_lock"),
        (0, "if (!mm->context.pte_frag)"),
        (1, "get_page_unless_zero(page0)"),
        (0, "set_page_count(page0"),
        (0, "mm->context.pte_frag = "),
        (0, "spin_unlock"),
        (0, "spin_lock"),
        (0, "ret = mm->context.pte_frag"),
        (0, "mm->context.pte_frag = NULL"),
        (0, "spin_unlock"),
    ];
    let put = if debug_vm {
        "if (page_ref_dec_and_test(page0))"
    } else {
        "if (put_page_testzero(page0))"
    };
    if debug_vm {
        schedule.push((0, "VM_BUG_ON_PAGE(page_ref_count(page0) == 0)"));
    }
    schedule.push((0, put));
    if debug_vm {
        schedule.push((0, "VM_BUG_ON_PAGE(page_ref_count(page0) == 0)"));
    }
    schedule
}

#[test]
fn two_puts_pass_vm_bug_on_on_a_count_of_one_and_both_decrement() {
    // The owner's last put and the walker's put both read _refcount 1 in VM_BUG_ON_PAGE;
    // the owner takes it to 0, the walker to -1: the check runs, and still misses.
    let mut schedule = owner_and_walker_at_count_one(true);
    schedule.extend([
        (1, "VM_BUG_ON_PAGE(page_ref_count(page0) == 0)"),
        (0, "if (page_ref_dec_and_test(page0))"),
        (1, "put_page(page0)"),
    ]);
    let v = run(&lost_update("set_page_count", Some(1)), &schedule).unwrap_err();
    assert_eq!(v.check, "refcount_underflow");
    assert!(
        v.message.contains("takes _refcount to -1")
            && v.message.contains("another put passed VM_BUG_ON_PAGE"),
        "{}",
        v.message
    );
}

#[test]
fn without_debug_vm_the_extra_put_takes_the_count_below_zero() {
    let mut schedule = owner_and_walker_at_count_one(false);
    schedule.extend([(0, "if (put_page_testzero(page0))"), (1, "put_page(page0)")]);
    let v = run(&lost_update("set_page_count", None), &schedule).unwrap_err();
    assert_eq!(v.check, "refcount_underflow");
    assert!(
        v.message.contains("from 0 to -1") && v.message.contains("without CONFIG_DEBUG_VM"),
        "{}",
        v.message
    );
}

#[test]
fn with_debug_vm_a_put_on_zero_crashes_in_vm_bug_on() {
    let (v, _) = explore(&lost_update("set_page_count", Some(1)));
    let v = v.expect("the lost update is found");
    assert_eq!(v.check, "refcount_underflow");
    assert!(v.message.starts_with("VM_BUG_ON_PAGE:"), "{}", v.message);
}

#[test]
fn debug_vm_adds_a_step_to_every_put_and_no_verdict_to_the_fix() {
    // Default and explicit 0 are the same model; 1 adds the check's states. The merged fix
    // passes both ways: its puts never race on a wrong count.
    let (default, default_states) = explore(&lost_update("pt_frag_refcount", None));
    let (off, off_states) = explore(&lost_update("pt_frag_refcount", Some(0)));
    let (on, on_states) = explore(&lost_update("pt_frag_refcount", Some(1)));
    assert!(default.is_none() && off.is_none() && on.is_none());
    assert_eq!(default_states, off_states);
    assert!(on_states > off_states, "{on_states} <= {off_states}");
}

#[test]
fn debug_vm_outside_zero_and_one_is_refused() {
    let e = Scenario::parse(
        "debug_vm",
        "debug_vm.toml",
        &lost_update("top_bits", Some(2)),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("debug_vm"), "{e}");
}
