//! The crate's example model runs, and finds what it says it finds.

#[allow(dead_code)]
#[path = "../../examples/refcount.rs"]
mod refcount;

use weft_explorer::Verdict;

#[test]
fn the_racy_put_leaks_and_the_atomic_one_does_not() {
    let Verdict::Violation(cex) = refcount::check(false).verdict else {
        panic!("the racy put leaks")
    };
    assert_eq!(cex.violation.check, "leak");
    // Both read 2, then both write 1: four steps.
    assert_eq!(cex.schedule.len(), 4);
    assert!(matches!(refcount::check(true).verdict, Verdict::Pass));
}

#[test]
fn the_example_program_runs() {
    refcount::main();
}
