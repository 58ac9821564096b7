//! Schedule counts, state graphs and preemption bounding, checked against brute force.

use crate::toy::{Locks, LostUpdate};
use weft_explorer::preemption::{self, Bounded};
use weft_explorer::{graph, naive, Checker, Model, Outcome, Schedules, Verdict};

fn complete(threads: usize) -> Checker<'static> {
    Checker::new()
        .threads(threads)
        .keep_going(true)
        .count_schedules(true)
}

fn explore<M: Model>(m: &M, checker: &Checker) -> Outcome {
    checker
        .check(m)
        .expect("the breadth-first engine takes every setting")
}

fn schedules_match_brute_force<M: Model>(m: &M) {
    let out = explore(m, &complete(2));
    let all = naive::enumerate(m, 10_000_000);
    assert!(!all.truncated);
    assert_eq!(
        out.stats.schedules,
        Some(Schedules::Exactly(all.schedules as u128))
    );
    assert_eq!(out.stats.states as usize, all.states.len());
}

#[test]
fn schedule_counts_equal_brute_force_enumeration() {
    // Passing and failing models alike: with keep_going the whole state space is explored.
    schedules_match_brute_force(&LostUpdate {
        threads: 2,
        rounds: 1,
    });
    schedules_match_brute_force(&LostUpdate {
        threads: 3,
        rounds: 1,
    });
    schedules_match_brute_force(&LostUpdate {
        threads: 2,
        rounds: 2,
    });
    schedules_match_brute_force(&Locks { ordered: true });
    schedules_match_brute_force(&Locks { ordered: false });
}

#[test]
fn two_threads_each_of_two_steps_interleave_six_ways() {
    // C(4,2) = 6 interleavings of two 2-step threads.
    let out = explore(
        &LostUpdate {
            threads: 2,
            rounds: 1,
        },
        &complete(1),
    );
    assert_eq!(out.stats.schedules, Some(Schedules::Exactly(6)));
}

#[test]
fn a_stopped_or_single_violation_search_claims_no_count() {
    let out = explore(
        &LostUpdate {
            threads: 2,
            rounds: 1,
        },
        &Checker::new().count_schedules(true),
    );
    assert!(matches!(out.verdict, Verdict::Violation(_)));
    assert_eq!(out.stats.schedules, None);
}

#[test]
fn the_graph_has_a_node_per_state_and_an_edge_per_transition() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    let g = graph::build(&m, &Checker::new(), false, 1000).unwrap();
    assert_eq!(g.graph.node_count() as u64, g.outcome.stats.states);
    assert_eq!(g.graph.edge_count() as u64, g.outcome.stats.transitions);
    // The counterexample path is marked: as many edges as steps.
    let Verdict::Violation(cex) = &g.outcome.verdict else {
        panic!("a violation")
    };
    let marked = g
        .graph
        .edge_weights()
        .filter(|e| e.on_counterexample)
        .count();
    assert_eq!(marked, cex.schedule.len());
    assert!(g
        .graph
        .node_weights()
        .any(|n| n.violation.as_deref() == Some("lost_update")));
    let dot = graph::to_dot(&g, "toy");
    assert!(dot.starts_with("digraph weft {"));
    assert_eq!(dot.matches(" -> ").count(), g.graph.edge_count());
}

#[test]
fn too_large_graphs_are_refused_with_the_count() {
    let m = LostUpdate {
        threads: 3,
        rounds: 2,
    };
    match graph::build(&m, &Checker::new(), false, 10) {
        Err(graph::GraphError::TooLarge { nodes, complete }) => {
            assert_eq!(nodes, 11);
            assert!(!complete);
        }
        other => panic!(
            "expected a refusal, got {:?}",
            other.map(|g| g.graph.node_count())
        ),
    }
}

#[test]
fn preemptions_are_switches_away_from_a_thread_that_could_continue() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    assert_eq!(preemption::count(&m, &[0, 0, 1, 1]), Some(0));
    assert_eq!(preemption::count(&m, &[0, 1, 0, 1]), Some(2));
    assert_eq!(preemption::count(&m, &[0, 1, 1, 0]), Some(1));
    assert_eq!(
        preemption::count(&m, &[0, 0, 0]),
        None,
        "t0 has only two steps"
    );
}

#[test]
fn bounding_preemptions_hides_bugs_that_need_them() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    let serial = explore(&Bounded::new(m.clone(), 0), &complete(1));
    assert!(
        matches!(serial.verdict, Verdict::Pass),
        "serial schedules lose no update"
    );
    assert_eq!(serial.stats.schedules, Some(Schedules::Exactly(2)));
    let one = explore(&Bounded::new(m.clone(), 1), &Checker::new());
    let Verdict::Violation(cex) = one.verdict else {
        panic!("one preemption loses an update")
    };
    assert_eq!(preemption::count(&m, &cex.schedule), Some(1));
}

#[test]
fn fewest_preemptions_among_the_shortest() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    let Verdict::Violation(shortest) = explore(&m, &Checker::new()).verdict else {
        panic!("a violation")
    };
    let fewest = explore(&m, &Checker::new().fewest_preemptions(true));
    let Verdict::Violation(found) = &fewest.verdict else {
        panic!("a violation")
    };
    assert_eq!(found.schedule.len(), shortest.schedule.len());
    let preemptions = fewest.preemptions.expect("counted");
    assert!(preemptions.fewest);
    assert_eq!(preemptions.count, 1);
    assert_eq!(preemption::count(&m, &found.schedule), Some(1));
    // The first shortest counterexample needs more: both read, then both write.
    assert_eq!(preemption::count(&m, &shortest.schedule), Some(2));
}
