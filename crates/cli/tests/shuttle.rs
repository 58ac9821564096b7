//! The shuttle engines (random, pct, dfs-shuttle) against bfs on the shipped scenarios, and
//! `weft check --engine pct` / `weft replay --engine shuttle` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use weft_explorer::{
    AnyModel, Checker, Engine, Outcome, Reduction, Scheduler, Schedules, Shuttle, Verdict,
};
use weft_model::Scenario;

fn on_shuttle(model: &dyn AnyModel, shuttle: Shuttle, keep_going: bool) -> Outcome {
    let checker = Checker::new()
        .engine(Engine::Shuttle(shuttle))
        .keep_going(keep_going);
    model.check(&checker).unwrap()
}

/// bfs's verdict (None: pass; Some(check): violation) next to random's and PCT's.
fn cross_check(model: &dyn AnyModel) -> Result<(), String> {
    let bfs = model
        .check(&Checker::new().reduction(Reduction::Auto))
        .unwrap();
    let bfs_fails = match &bfs.verdict {
        Verdict::Pass => false,
        Verdict::Violation(_) => true,
        Verdict::Stopped(r) => return Err(format!("bfs stopped: {r}")),
    };
    // PCT finds a bug of depth d (d - 1 ordering constraints between threads) with
    // probability at least 1/(n k^(d-1)) per execution: a bug bfs can show only with more
    // preemptions gets the depth it needs.
    let needed = bfs.preemptions.as_ref().map_or(0, |p| p.count as usize);
    let runs = [
        (Scheduler::Random, 3_000, 200_000),
        (
            Scheduler::Pct {
                depth: 3.max(needed + 1),
            },
            2_000,
            20_000,
        ),
    ];
    for (scheduler, executions, more) in runs {
        let run = |executions| {
            let shuttle = Shuttle {
                scheduler,
                executions: Some(executions),
                seed: 1,
            };
            on_shuttle(model, shuttle, false)
        };
        let mut out = run(executions);
        // A uniformly random walk rarely leaves one thread's steps all to the end: where
        // bfs finds a bug, random gets more executions (it stops at the first violation).
        if bfs_fails && matches!(out.verdict, Verdict::Pass) && more > executions {
            out = run(more);
        }
        let sampling = out.sampling.as_ref().ok_or("no sampling summary")?;
        match (&out.verdict, bfs_fails) {
            (Verdict::Pass, false) => {}
            (Verdict::Violation(cex), true) => {
                // The model-level trace replays in the exhaustive engines' executor...
                let t = model
                    .trace(&cex.schedule)
                    .map_err(|e| format!("{}: the trace does not replay: {e}", scheduler.name()))?;
                if t.violation.as_ref() != Some(&cex.violation) {
                    return Err(format!(
                        "{}: the trace replays to {:?}",
                        scheduler.name(),
                        t.violation
                    ));
                }
                // ...and shuttle's schedule string replays on shuttle threads.
                let s = sampling
                    .shuttle_schedule
                    .as_deref()
                    .ok_or("no shuttle schedule")?;
                let r = model.replay_on_shuttle(s)?;
                if r.schedule != cex.schedule || r.violation.as_ref() != Some(&cex.violation) {
                    return Err(format!("{}: shuttle replay differs", scheduler.name()));
                }
            }
            (v, _) => {
                return Err(format!(
                    "{}: {v:?} after {} executions, but bfs {}",
                    scheduler.name(),
                    sampling.executions,
                    if bfs_fails {
                        "finds a violation"
                    } else {
                        "passes"
                    }
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn random_and_pct_agree_with_bfs_on_every_shipped_scenario() {
    let mut failures = Vec::new();
    let mut n = 0;
    for name in Scenario::shipped_names() {
        let scenario = Scenario::shipped(name).expect("shipped").expect("loads");
        n += 1;
        if let Err(e) = cross_check(scenario.model()) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(n > 20, "only {n} shipped scenarios");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// bfs's count of complete schedules, and dfs-shuttle's executions and distinct schedules.
fn count_schedules(model: &dyn AnyModel) -> (u128, u64, u64, bool) {
    let bfs = model
        .check(&Checker::new().keep_going(true).count_schedules(true))
        .unwrap();
    let Some(Schedules::Exactly(expected)) = bfs.stats.schedules else {
        panic!("bfs did not count: {:?}", bfs.stats.schedules);
    };
    let out = on_shuttle(model, Shuttle::new(Scheduler::Dfs), true);
    let s = out.sampling.expect("a sampling summary");
    (expected, s.executions, s.schedules, s.exhausted)
}

/// shuttle's DFS makes one decision per model step, so it runs each complete schedule once.
#[test]
fn dfs_shuttle_runs_exactly_the_schedules_bfs_counts() {
    let mut total = 0;
    for variant in [
        "set_page_count",
        "page_ref_add",
        "pt_frag_refcount",
        "top_bits",
        "top_bits_bad",
    ] {
        for case in ["D", "L", "E"] {
            let name = format!("pt_frag/{variant}_{case}");
            let scenario = Scenario::shipped(&name).expect("shipped").expect("loads");
            let (bfs, iterations, schedules, exhausted) = count_schedules(scenario.model());
            assert!(exhausted, "{name}: dfs-shuttle did not finish");
            assert_eq!(schedules as u128, bfs, "{name}: distinct schedules");
            assert_eq!(iterations as u128, bfs, "{name}: executions");
            total += bfs;
        }
    }
    assert!(total > 1000);
}

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("weft runs")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-shuttle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn pct_finds_the_lost_update_and_shuttle_replays_it() {
    let path = temp("pct-L.json");
    let p = path.to_str().unwrap();
    let o = weft(&[
        "check",
        "models/pt_frag/set_page_count_L.toml",
        "--engine",
        "pct",
        "--seed",
        "1",
        "--trace-out",
        p,
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("VIOLATION of"), "{out}");
    assert!(out.contains("(as expected)"), "{out}");
    assert!(out.contains("shuttle pct:"), "{out}");
    assert!(out.contains("PCT depth 3"), "{out}");
    assert!(out.contains("shuttle schedule: 91"), "{out}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["engine"], "pct");
    assert!(file["shuttle_schedule"].is_string());

    let o = weft(&["replay", p, "--engine", "shuttle"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("on shuttle threads"), "{out}");
    // The model replay still works on the same file.
    assert_eq!(weft(&["replay", p]).status.code(), Some(0));
}

#[test]
fn replay_on_shuttle_refuses_a_trace_without_a_shuttle_schedule() {
    let path = temp("bfs-L.json");
    let p = path.to_str().unwrap();
    let o = weft(&["check", "pt_frag/set_page_count_L", "--trace-out", p, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("shuttle_schedule"),
        "old format kept for bfs traces"
    );
    let o = weft(&["replay", p, "--engine", "shuttle"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no shuttle schedule"), "{err}");
}

/// Too large for bfs within a minute; PCT finds the bug in a few executions.
#[test]
fn pct_finds_the_bug_in_the_scaled_5x5_scenario() {
    let start = std::time::Instant::now();
    let o = weft(&[
        "check",
        "bench/scenarios/set_page_count_scaled_5x5.toml",
        "--engine",
        "pct",
        "--seed",
        "1",
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["verdict"], "violation", "{doc}");
    assert_eq!(doc["engine"], "pct");
    assert!(doc["shuttle"]["iterations"].as_u64().unwrap() <= 1000);
    assert!(doc["shuttle"]["pct_bound"].as_f64().unwrap() > 0.0);
    assert!(start.elapsed().as_secs() < 30);
}

#[test]
fn dfs_shuttle_passes_a_fixed_scenario_completely() {
    let o = weft(&[
        "check",
        "pt_frag/pt_frag_refcount_D",
        "--engine",
        "dfs-shuttle",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS: no violation in any schedule"), "{out}");
    assert!(out.contains("(every schedule)"), "{out}");
}
