//! The shuttle engines (random, pct, dfs-shuttle) against bfs on the shipped scenarios, and
//! `weft check --engine pct` / `weft replay --engine shuttle` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use weft_explorer::shuttle_engine::{self, explore_shuttle, ShuttleOptions, Strategy};
use weft_explorer::{explore, trace, Model, Options, Schedules, Verdict};
use weft_model::{Scenario, WithModel};

/// bfs's verdict (None: pass; Some(check): violation) next to random's and PCT's.
struct CrossCheck;

impl WithModel for CrossCheck {
    type Output = Result<(), String>;
    fn run<M: Model>(self, model: &M) -> Result<(), String> {
        let bfs = explore(
            model,
            &Options {
                por: true,
                ..Options::default()
            },
        );
        let bfs_fails = match &bfs.verdict {
            Verdict::Pass => false,
            Verdict::Violation(_) => true,
            Verdict::Stopped(r) => return Err(format!("bfs stopped: {r}")),
        };
        let runs = [
            (Strategy::Random, 3_000, 200_000),
            (Strategy::Pct { depth: 3 }, 2_000, 2_000),
        ];
        for (strategy, iterations, more) in runs {
            let run = |iterations| {
                explore_shuttle(
                    model,
                    &ShuttleOptions {
                        strategy,
                        iterations: Some(iterations),
                        seed: 1,
                        ..ShuttleOptions::default()
                    },
                )
            };
            let mut out = run(iterations);
            // A uniformly random walk rarely leaves one thread's steps all to the end: where
            // bfs finds a bug, random gets more executions (it stops at the first violation).
            if bfs_fails && matches!(out.outcome.verdict, Verdict::Pass) && more > iterations {
                out = run(more);
            }
            match (&out.outcome.verdict, bfs_fails) {
                (Verdict::Pass, false) => {}
                (Verdict::Violation(cex), true) => {
                    // The model-level trace replays in the exhaustive engines' executor...
                    let t = trace::execute(model, &cex.schedule).map_err(|e| {
                        format!("{}: the trace does not replay: {e}", strategy.name())
                    })?;
                    if t.violation.as_ref() != Some(&cex.violation) {
                        return Err(format!(
                            "{}: the trace replays to {:?}",
                            strategy.name(),
                            t.violation
                        ));
                    }
                    // ...and shuttle's schedule string replays on shuttle threads.
                    let s = out
                        .summary
                        .shuttle_schedule
                        .as_deref()
                        .ok_or("no shuttle schedule")?;
                    let r = shuttle_engine::replay(model, s)?;
                    if r.schedule != cex.schedule || r.violation.as_ref() != Some(&cex.violation) {
                        return Err(format!("{}: shuttle replay differs", strategy.name()));
                    }
                }
                (v, _) => {
                    return Err(format!(
                        "{}: {v:?} after {} executions, but bfs {}",
                        strategy.name(),
                        out.summary.iterations,
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
}

#[test]
fn random_and_pct_agree_with_bfs_on_every_shipped_scenario() {
    let mut failures = Vec::new();
    let mut n = 0;
    for name in Scenario::shipped_names() {
        let scenario = Scenario::shipped(name).expect("shipped").expect("loads");
        n += 1;
        if let Err(e) = scenario.with_model(CrossCheck) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(n > 20, "only {n} shipped scenarios");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// bfs's count of complete schedules, and dfs-shuttle's executions and distinct schedules.
struct CountSchedules;

impl WithModel for CountSchedules {
    type Output = (u128, u64, u64, bool);
    fn run<M: Model>(self, model: &M) -> (u128, u64, u64, bool) {
        let bfs = explore(
            model,
            &Options {
                keep_going: true,
                count_schedules: true,
                ..Options::default()
            },
        );
        let Some(Schedules::Exactly(expected)) = bfs.stats.schedules else {
            panic!("bfs did not count: {:?}", bfs.stats.schedules);
        };
        let out = explore_shuttle(
            model,
            &ShuttleOptions {
                strategy: Strategy::Dfs,
                keep_going: true,
                ..ShuttleOptions::default()
            },
        );
        (
            expected,
            out.summary.iterations,
            out.summary.schedules,
            out.summary.exhausted,
        )
    }
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
            let (bfs, iterations, schedules, exhausted) = scenario.with_model(CountSchedules);
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
