//! The breadth-first search gives the same answer on any number of worker threads. With
//! workers, a chunk of a level is inserted while the next one is expanded; pt_frag 3x3 has
//! levels many chunks wide (512 states a chunk on one thread, 1024 with workers), so this is
//! where that overlap shows if it changes anything.

mod common;

use common::report;
use weft_explorer::{Checker, Reduction};
use weft_model::Scenario;

/// Each search on 1 and on 2 threads gives the same report.
fn check(name: &str, checkers: Vec<Checker<'static>>) {
    let scenario = Scenario::resolve(name).unwrap();
    for checker in checkers {
        let on = |threads| {
            report(
                &scenario
                    .model()
                    .check(&checker.clone().threads(threads))
                    .unwrap(),
            )
        };
        assert_eq!(on(1), on(2), "{name}: 1 thread, then 2");
    }
}

#[test]
fn wide_levels_explore_the_same_on_one_and_two_threads() {
    check(
        "pt_frag/pt_frag_refcount_scaled_3x3",
        vec![
            Checker::new().reduction(Reduction::Off),
            Checker::new().reduction(Reduction::On),
            Checker::new().count_schedules(true).frontier_memory(0),
            // The exact state limit inserts one by one.
            Checker::new().reduction(Reduction::Off).max_states(300_000),
        ],
    );
}

#[test]
fn a_violation_in_a_wide_level_is_the_same_on_one_and_two_threads() {
    // THP with three processes breaks cow_isolation at depth 20-odd, after levels of several
    // chunks: the first violation in candidate order must not depend on what ran alongside it.
    check(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../bench/scenarios/thp_merged_fix_3proc_M.toml"
        ),
        vec![Checker::new(), Checker::new().keep_going(true)],
    );
}
