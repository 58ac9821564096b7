//! The shuttle engine against the breadth-first engine, on the toy models.

mod toy;

use toy::{Locks, LostUpdate};
use weft_explorer::shuttle_engine::{self, explore_shuttle, ShuttleOptions, Strategy};
use weft_explorer::{explore, trace, Model, Options, Schedules, Verdict};

fn bfs_schedules<M: Model>(model: &M) -> u128 {
    let out = explore(
        model,
        &Options {
            threads: 1,
            keep_going: true,
            count_schedules: true,
            ..Options::default()
        },
    );
    match out.stats.schedules {
        Some(Schedules::Exactly(n)) => n,
        other => panic!("bfs did not count schedules: {other:?}"),
    }
}

fn dfs_all<M: Model>(model: &M) -> shuttle_engine::ShuttleOutcome {
    explore_shuttle(
        model,
        &ShuttleOptions {
            strategy: Strategy::Dfs,
            keep_going: true,
            ..ShuttleOptions::default()
        },
    )
}

/// One shuttle execution per model schedule: every decision shuttle's DFS makes is a step.
#[test]
fn dfs_shuttle_visits_exactly_the_schedules_bfs_counts() {
    let cases: Vec<(String, u128, shuttle_engine::ShuttleOutcome)> =
        vec![lost(2, 1), lost(3, 1), lost(2, 2), {
            let m = Locks { ordered: true };
            ("locks ordered".into(), bfs_schedules(&m), dfs_all(&m))
        }];
    for (name, bfs, out) in cases {
        let s = &out.summary;
        assert!(s.exhausted, "{name}: dfs-shuttle did not finish");
        assert_eq!(s.schedules as u128, bfs, "{name}: distinct schedules");
        assert_eq!(s.iterations as u128, bfs, "{name}: executions");
    }
}

fn lost(threads: usize, rounds: u8) -> (String, u128, shuttle_engine::ShuttleOutcome) {
    let m = LostUpdate { threads, rounds };
    (
        format!("lost update {threads}x{rounds}"),
        bfs_schedules(&m),
        dfs_all(&m),
    )
}

#[test]
fn dfs_shuttle_states_match_bfs_states() {
    let m = LostUpdate {
        threads: 2,
        rounds: 2,
    };
    let bfs = explore(
        &m,
        &Options {
            threads: 1,
            keep_going: true,
            ..Options::default()
        },
    );
    let out = dfs_all(&m);
    assert_eq!(out.summary.states, bfs.stats.states);
}

fn sampled<M: Model>(model: &M, strategy: Strategy, seed: u64) -> shuttle_engine::ShuttleOutcome {
    explore_shuttle(
        model,
        &ShuttleOptions {
            strategy,
            iterations: Some(2000),
            seed,
            ..ShuttleOptions::default()
        },
    )
}

#[test]
fn random_and_pct_find_the_lost_update_and_the_trace_replays() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        let out = sampled(&m, strategy, 1);
        let Verdict::Violation(cex) = &out.outcome.verdict else {
            panic!("{strategy:?}: no violation found");
        };
        assert_eq!(cex.violation.check, "lost_update");
        // The model-level schedule replays in the exhaustive engines' executor.
        let t = trace::execute(&m, &cex.schedule).expect("re-executes");
        assert_eq!(t.violation.as_ref(), Some(&cex.violation));
        // shuttle's schedule string replays on shuttle threads to the same schedule.
        let s = out.summary.shuttle_schedule.as_deref().expect("a schedule");
        let r = shuttle_engine::replay(&m, s).expect("replays");
        assert_eq!(r.schedule, cex.schedule);
        assert_eq!(r.violation.as_ref(), Some(&cex.violation));
    }
}

#[test]
fn pct_reports_its_bound() {
    let m = LostUpdate {
        threads: 3,
        rounds: 1,
    };
    let out = sampled(&m, Strategy::Pct { depth: 3 }, 7);
    let s = &out.summary;
    assert_eq!(s.threads, 3);
    let p = s.pct_bound().expect("a bound");
    let expected = 1.0 / (3.0 * (s.longest as f64).powi(2));
    assert!((p - expected).abs() < 1e-12);
    assert!(s.lines().iter().any(|l| l.contains("PCT depth 3")));
}

#[test]
fn passing_model_passes_under_random_and_pct() {
    let m = Locks { ordered: true };
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        let out = sampled(&m, strategy, 3);
        assert!(matches!(out.outcome.verdict, Verdict::Pass), "{strategy:?}");
        assert_eq!(out.summary.iterations, 2000);
        assert!(out.summary.schedules > 1);
    }
}

/// The deadlock is shuttle's: every task waits on a real condition variable.
#[test]
fn shuttle_detects_the_deadlock_and_replays_it() {
    let m = Locks { ordered: false };
    let out = sampled(&m, Strategy::Random, 5);
    let Verdict::Violation(cex) = &out.outcome.verdict else {
        panic!("no deadlock found");
    };
    assert_eq!(cex.violation.check, "deadlock");
    let t = trace::execute(&m, &cex.schedule).expect("re-executes");
    assert_eq!(t.violation.as_ref(), Some(&cex.violation));
    let s = out.summary.shuttle_schedule.as_deref().expect("a schedule");
    let r = shuttle_engine::replay(&m, s).expect("replays");
    assert_eq!(r.schedule, cex.schedule);
    assert_eq!(r.violation.as_ref(), Some(&cex.violation));
}

#[test]
fn same_seed_same_result() {
    let m = LostUpdate {
        threads: 3,
        rounds: 2,
    };
    let a = sampled(&m, Strategy::Random, 11);
    let b = sampled(&m, Strategy::Random, 11);
    assert_eq!(a.summary.iterations, b.summary.iterations);
    assert_eq!(a.summary.shuttle_schedule, b.summary.shuttle_schedule);
}

#[test]
fn replay_rejects_garbage() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    assert!(shuttle_engine::replay(&m, "not hex").is_err());
}
