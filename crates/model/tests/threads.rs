//! The breadth-first search gives the same answer on any number of worker threads. With
//! workers, a chunk of a level is inserted while the next one is expanded; pt_frag 3x3 has
//! levels many chunks wide (512 states a chunk on one thread, 2048 with workers), so this is
//! where that overlap shows if it changes anything.

mod common;

use common::report;
use weft_explorer::{explore, Limits, Model, Options};
use weft_model::{Scenario, WithModel};

/// One search per option set, on 1 and on 2 threads.
struct OnThreads(Vec<Options<'static>>);
impl WithModel for OnThreads {
    type Output = Vec<(String, String)>;
    fn run<M: Model>(self, m: &M) -> Self::Output {
        self.0
            .into_iter()
            .map(|o| {
                let on = |threads| {
                    report(&explore(
                        m,
                        &Options {
                            threads,
                            ..o.clone()
                        },
                    ))
                };
                (on(1), on(2))
            })
            .collect()
    }
}

fn check(name: &str, options: Vec<Options<'static>>) {
    let scenario = Scenario::resolve(name).unwrap();
    for (one, two) in scenario.with_model(OnThreads(options)) {
        assert_eq!(one, two, "{name}: 1 thread, then 2");
    }
}

#[test]
fn wide_levels_explore_the_same_on_one_and_two_threads() {
    check(
        "pt_frag/pt_frag_refcount_scaled_3x3",
        vec![
            Options::default(),
            Options {
                por: true,
                ..Options::default()
            },
            Options {
                count_schedules: true,
                frontier_memory: Some(0),
                ..Options::default()
            },
            // The exact state limit inserts one by one.
            Options {
                limits: Limits {
                    max_states: Some(300_000),
                    ..Limits::default()
                },
                ..Options::default()
            },
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
        vec![
            Options::default(),
            Options {
                keep_going: true,
                ..Options::default()
            },
        ],
    );
}
