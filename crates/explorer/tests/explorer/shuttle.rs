//! The shuttle engine against the breadth-first engine, on the toy models.

use crate::toy::{Locks, LostUpdate};
use weft_explorer::{
    replay_on_shuttle, trace, Checker, Counterexample, Engine, Model, Outcome, Sampling,
    Scheduler as Strategy, Schedules, Shuttle, Verdict,
};

fn bfs_schedules<M: Model>(model: &M) -> u128 {
    let out = Checker::new()
        .threads(1)
        .keep_going(true)
        .count_schedules(true)
        .check(model)
        .unwrap();
    match out.stats.schedules {
        Some(Schedules::Exactly(n)) => n,
        other => panic!("bfs did not count schedules: {other:?}"),
    }
}

fn dfs_all<M: Model>(model: &M) -> Outcome {
    Checker::new()
        .engine(Engine::Shuttle(Shuttle::new(Strategy::Dfs)))
        .keep_going(true)
        .check(model)
        .unwrap()
}

fn summary(out: &Outcome) -> &Sampling {
    out.sampling
        .as_ref()
        .expect("a shuttle run says what it sampled")
}

/// One shuttle execution per model schedule: every decision shuttle's DFS makes is a step.
#[test]
fn dfs_shuttle_visits_exactly_the_schedules_bfs_counts() {
    let cases: Vec<(String, u128, Outcome)> = vec![lost(2, 1), lost(3, 1), lost(2, 2), {
        let m = Locks { ordered: true };
        ("locks ordered".into(), bfs_schedules(&m), dfs_all(&m))
    }];
    for (name, bfs, out) in cases {
        let s = summary(&out);
        assert!(s.exhausted, "{name}: dfs-shuttle did not finish");
        assert_eq!(s.schedules as u128, bfs, "{name}: distinct schedules");
        assert_eq!(s.executions as u128, bfs, "{name}: executions");
    }
}

fn lost(threads: usize, rounds: u8) -> (String, u128, Outcome) {
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
    let bfs = Checker::new()
        .threads(1)
        .keep_going(true)
        .check(&m)
        .unwrap();
    let out = dfs_all(&m);
    assert_eq!(out.stats.states, bfs.stats.states);
}

fn sampled<M: Model>(model: &M, strategy: Strategy, seed: u64) -> Outcome {
    let shuttle = Shuttle {
        scheduler: strategy,
        executions: Some(2000),
        seed,
    };
    Checker::new()
        .engine(Engine::Shuttle(shuttle))
        .check(model)
        .unwrap()
}

#[test]
fn random_and_pct_find_the_lost_update_and_the_trace_replays() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        let out = sampled(&m, strategy, 1);
        let Verdict::Violation(cex) = &out.verdict else {
            panic!("{strategy:?}: no violation found");
        };
        assert_eq!(cex.violation.check, "lost_update");
        replays(&m, &out, cex);
    }
}

/// The counterexample `out` found on shuttle replays: its model-level schedule in the
/// exhaustive engines' executor, and shuttle's schedule string on shuttle threads to the same
/// schedule, both to the same violation.
fn replays<M: Model>(m: &M, out: &Outcome, cex: &Counterexample) {
    let t = trace::execute(m, &cex.schedule).expect("re-executes");
    assert_eq!(t.violation.as_ref(), Some(&cex.violation));
    let s = summary(out)
        .shuttle_schedule
        .as_deref()
        .expect("a schedule");
    let r = replay_on_shuttle(m, s).expect("replays");
    assert_eq!(r.schedule, cex.schedule);
    assert_eq!(r.violation.as_ref(), Some(&cex.violation));
}

#[test]
fn pct_reports_its_bound() {
    let m = LostUpdate {
        threads: 3,
        rounds: 1,
    };
    let out = sampled(&m, Strategy::Pct { depth: 3 }, 7);
    let s = summary(&out);
    assert_eq!(s.threads, 3);
    let p = s.pct_bound().expect("a bound");
    let expected = 1.0 / (3.0 * (s.longest as f64).powi(2));
    assert!((p - expected).abs() < 1e-12);
    let miss = s.pct_miss_bound().expect("a bound");
    assert!((miss - (1.0 - p).powf(s.executions as f64)).abs() < 1e-12);
}

#[test]
fn passing_model_passes_under_random_and_pct() {
    let m = Locks { ordered: true };
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        let out = sampled(&m, strategy, 3);
        assert!(matches!(out.verdict, Verdict::Pass), "{strategy:?}");
        assert_eq!(summary(&out).executions, 2000);
        assert!(summary(&out).schedules > 1);
    }
}

/// Shuttle reports a deadlock of the model by panicking; the engine catches it, and neither
/// the panic's message nor a backtrace reaches stderr. The search runs in a child process
/// (this test binary, asked for this test alone) so that its stderr can be read.
#[test]
fn a_deadlock_on_shuttle_threads_prints_no_panic() {
    const CHILD: &str = "WEFT_SHUTTLE_DEADLOCK_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let m = Locks { ordered: false };
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }, Strategy::Dfs] {
            let out = sampled(&m, strategy, 20);
            assert!(matches!(out.verdict, Verdict::Violation(_)), "{out:?}");
        }
        return;
    }
    // The harness names a test by its path below the crate: `shuttle::a_deadlock_...`.
    let (_, module) = module_path!()
        .split_once("::")
        .expect("a module of the test crate");
    let name = format!("{module}::a_deadlock_on_shuttle_threads_prints_no_panic");
    let o = std::process::Command::new(std::env::current_exe().unwrap())
        .args([&name, "--exact", "--nocapture"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // The child ran this test, not none: a name that matches nothing passes too.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("1 passed"), "{name} did not run: {out}");
    assert!(!err.contains("panicked at"), "{err}");
    assert!(!err.contains("stack backtrace"), "{err}");
}

/// The deadlock is shuttle's: every task waits on a real condition variable.
#[test]
fn shuttle_detects_the_deadlock_and_replays_it() {
    let m = Locks { ordered: false };
    let out = sampled(&m, Strategy::Random, 5);
    let Verdict::Violation(cex) = &out.verdict else {
        panic!("no deadlock found");
    };
    assert_eq!(cex.violation.check, "deadlock");
    replays(&m, &out, cex);
}

#[test]
fn same_seed_same_result() {
    let m = LostUpdate {
        threads: 3,
        rounds: 2,
    };
    let a = sampled(&m, Strategy::Random, 11);
    let b = sampled(&m, Strategy::Random, 11);
    assert_eq!(summary(&a).executions, summary(&b).executions);
    assert_eq!(summary(&a).shuttle_schedule, summary(&b).shuttle_schedule);
}

#[test]
fn replay_rejects_garbage() {
    let m = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    assert!(replay_on_shuttle(&m, "not hex").is_err());
    // Truncated and edited schedule strings are refused, not a crash.
    let out = sampled(&m, Strategy::Random, 1);
    let s = summary(&out).shuttle_schedule.clone().expect("a schedule");
    assert!(
        replay_on_shuttle(&m, &s).is_ok(),
        "the string itself replays"
    );
    for n in 0..s.len() {
        assert!(
            replay_on_shuttle(&m, &s[..n]).is_err(),
            "cut to {n}: {}",
            &s[..n]
        );
    }
    for extra in ["00", "0", "z"] {
        assert!(
            replay_on_shuttle(&m, &format!("{s}{extra}")).is_err(),
            "{s}{extra}"
        );
    }
}
