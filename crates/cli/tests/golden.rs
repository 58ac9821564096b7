//! Every shipped scenario gives the verdicts, counts and counterexamples that were recorded in
//! `tests/golden/outcomes.json`, on every engine, with and without reduction, bounded and
//! limited, and draws the same state graph.
//!
//! The file was recorded by the build before the architecture change (commit 84e76fc's
//! `weft`) with `WEFT_GOLDEN=record WEFT_GOLDEN_BIN=path/to/that/weft cargo test -p weft
//! --test golden`. A change that is meant to change results records it again, and its commit
//! says why; any other difference is a regression. Scenarios shipped since are recorded by
//! the build that ships them, with `WEFT_GOLDEN=record-new`, which leaves the others alone.
//!
//! Two differences are by design. pt_frag's reduction, on by default in the old build, is on
//! only when asked for now, so the runs the old build reduced ask for it ([`options`]); since
//! reduction is on only in the levels where it pays, those runs' counts and coverage are this
//! build's (recorded again from their runs here; their verdicts, checks, traces and stops are
//! still the old build's). And the
//! thp model no longer offers partial-order reduction (no two
//! of its steps are independent: each resets the other threads' R2 judgement, a ghost flag the
//! old footprints left out, so the old build's reduction of thp, on steps whose footprint was
//! empty, rested on an argument about busy flags that no footprint stated; under a preemption
//! bound it also ignored the bound's own bookkeeping). So a thp run that the old build reduced
//! must now give what the old build gave without reduction ([`recorded_run`]).

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `weft check` runs recorded per scenario: a name, and the options after the scenario.
const CHECKS: &[(&str, &[&str])] = &[
    ("bfs", &["-j", "2"]),
    ("bfs-no-por", &["-j", "1", "--no-por"]),
    ("bfs-preemptions-1", &["-j", "1", "--preemptions", "1"]),
    (
        "bfs-preemptions-1-no-por",
        &["-j", "1", "--preemptions", "1", "--no-por"],
    ),
    ("bfs-preemptions-2", &["-j", "2", "--preemptions", "2"]),
    (
        "bfs-preemptions-2-no-por",
        &["-j", "2", "--preemptions", "2", "--no-por"],
    ),
    ("bfs-bitstate", &["-j", "1", "--bitstate", "1"]),
    (
        "bfs-bitstate-no-por",
        &["-j", "1", "--bitstate", "1", "--no-por"],
    ),
    ("bfs-max-states", &["-j", "1", "--max-states", "40"]),
    (
        "bfs-max-states-no-por",
        &["-j", "1", "--max-states", "40", "--no-por"],
    ),
    ("bfs-max-depth", &["-j", "2", "--max-depth", "9"]),
    ("dfs", &["--engine", "dfs"]),
    ("dfs-no-por", &["--engine", "dfs", "--no-por"]),
    ("timely", &["--engine", "timely", "--workers", "2"]),
    (
        "random",
        &["--engine", "random", "--iterations", "200", "--seed", "3"],
    ),
    (
        "pct",
        &["--engine", "pct", "--iterations", "200", "--seed", "3"],
    ),
    (
        "dfs-shuttle",
        &["--engine", "dfs-shuttle", "--iterations", "150"],
    ),
];

/// The fields of `weft check --json` that a run's result consists of. Not recorded: times,
/// memory, thread counts, and whether schedules were counted (which follows from whether
/// reduction was on: see [`counts_schedules`]).
const CHECK_FIELDS: &[&str] = &[
    "verdict",
    "check",
    "message",
    "stopped",
    "states",
    "transitions",
    "depth",
    "terminal_states",
    "preemption_bound",
    "preemptions",
    "fewer_preemptions",
    "threads_detail",
    "trace_length",
    "expected",
    "as_expected",
];

/// The shuttle summary's fields that are results (not times).
const SHUTTLE_FIELDS: &[&str] = &[
    "iterations",
    "distinct_schedules",
    "distinct_states",
    "longest",
    "exhausted",
    "shuttle_schedule",
];

/// Runs whose schedule count is part of the result: the unbounded one without reduction.
fn counts_schedules(run: &str) -> bool {
    run == "bfs-no-por"
}

/// The recorded run a scenario's `run` must equal now: itself, except for the thp runs the old
/// build reduced, which must equal the old build's run without reduction (see the module
/// documentation).
fn recorded_run<'a>(scenario: &str, run: &'a str) -> std::borrow::Cow<'a, str> {
    let reduced_then = [
        "bfs",
        "bfs-preemptions-1",
        "bfs-preemptions-2",
        "bfs-bitstate",
        "bfs-max-states",
        "dfs",
    ];
    if scenario.starts_with("thp/") && reduced_then.contains(&run) {
        format!("{run}-no-por").into()
    } else {
        run.into()
    }
}

/// The options of `run` for `scenario`: the run's own, and `--por` for the pt_frag runs the
/// old build reduced by default, since pt_frag's reduction is on only when asked for now.
/// (Recording runs the old build, which has no `--por`.) Every run turns thread symmetry
/// off (`--no-symmetry`): the recorded counts are of every state; symmetry has tests of its own.
fn options(scenario: &str, run: &str, recording: bool) -> Vec<&'static str> {
    let (_, options) = CHECKS
        .iter()
        .find(|(r, _)| *r == run)
        .expect("a recorded run");
    let mut options = options.to_vec();
    let reduced_then = [
        "bfs",
        "bfs-bitstate",
        "bfs-max-states",
        "bfs-max-depth",
        "dfs",
    ];
    if !recording && scenario.starts_with("pt_frag/") && reduced_then.contains(&run) {
        options.push("--por");
    }
    // The old build knew no thread symmetry: its counts are of every state.
    if !recording {
        options.push("--no-symmetry");
    }
    options
}

/// A run's record with its steps and coverage as digests, and without a schedule count: the
/// form in which a run of one kind compares with its recorded twin of another.
fn digested(rec: &Value) -> Value {
    let mut rec = rec.clone();
    let map = rec.as_object_mut().expect("a run");
    map.remove("schedules");
    for key in ["steps", "threads_detail"] {
        if let Some(v) = map.get_mut(key) {
            if !v.is_string() {
                *v = json!(digest(&v.to_string()));
            }
        }
    }
    rec
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/outcomes.json")
}

fn weft(args: &[&str]) -> (Option<i32>, String, String) {
    // Recording may run another build's `weft` (the build before a change).
    let bin = std::env::var("WEFT_GOLDEN_BIN").unwrap_or(env!("CARGO_BIN_EXE_weft").into());
    let o = Command::new(bin)
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("weft runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// FNV-1a, 64 bits: a stable digest of long canonical texts (state graphs, traces).
fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn pick(doc: &Value, keys: &[&str]) -> Value {
    let map: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), doc.get(*k).cloned().unwrap_or(Value::Null)))
        .collect();
    Value::Object(map)
}

/// A trace file's steps as the record keeps them: thread, label, source and changes, in the
/// terms of the trace format the record was made with (`weft-trace/1`): a note after its
/// label as `  [note]`, a ghost field named `field (ghost)`, a source's version as `commit`.
/// Not kept: the thp reader's partial sums (`P.mapcount read so far`), which the old build
/// showed as a state field and which are the reading thread's locals now; and the notes that
/// now give a reader step's value and running result ([`is_reader_note`]).
fn trace_steps(trace: &Value) -> Value {
    let steps = trace["steps"].as_array().expect("a trace has steps");
    Value::Array(
        steps
            .iter()
            .map(|s| {
                let label = match s["note"].as_str().filter(|n| !is_reader_note(n)) {
                    Some(note) => format!("{}  [{note}]", s["label"].as_str().unwrap()),
                    None => s["label"].as_str().unwrap().to_string(),
                };
                let source = &s["source"];
                let changes: Vec<Value> = s["changes"]
                    .as_array()
                    .expect("changes")
                    .iter()
                    .filter(|c| {
                        !c["field"]
                            .as_str()
                            .unwrap()
                            .ends_with(".mapcount read so far")
                    })
                    .map(|c| {
                        let field = c["field"].as_str().unwrap();
                        let field = if c["kind"] == "ghost" {
                            format!("{field} (ghost)")
                        } else {
                            field.to_string()
                        };
                        json!({"field": field, "before": c["before"], "after": c["after"]})
                    })
                    .collect();
                json!({
                    "thread": s["thread_name"],
                    "label": label,
                    "source": {
                        "function": source["function"],
                        "file": source["file"],
                        "commit": source.get("version").unwrap_or(&source["commit"]),
                    },
                    "changes": changes,
                })
            })
            .collect(),
    )
}

/// One `weft check` run of `scenario` with `options`, as recorded: the result fields, the
/// counterexample's schedule, and its steps and per-thread coverage (whole for the first run, a
/// digest for the others).
fn check(scenario: &str, run: &str, options: &[&str], dir: &Path, whole_steps: bool) -> Value {
    let trace = dir.join(format!("{}-{run}.json", scenario.replace('/', "_")));
    let _ = std::fs::remove_file(&trace);
    let mut args = vec!["check", scenario, "--json", "--trace-out"];
    let trace_arg = trace.to_str().unwrap().to_string();
    args.push(&trace_arg);
    args.extend_from_slice(options);
    let (code, out, err) = weft(&args);
    let doc: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{scenario} {run}: not JSON ({e}): {out}{err}"));
    let mut fields = CHECK_FIELDS.to_vec();
    if counts_schedules(run) {
        fields.push("schedules");
    }
    let mut rec = pick(&doc, &fields);
    rec["exit"] = json!(code);
    // thp counts the steps each thread reached since after the recording, when it named
    // none: its coverage is left out (the per-thread step counts stay).
    if scenario.starts_with("thp/") {
        for thread in rec["threads_detail"]
            .as_object_mut()
            .into_iter()
            .flat_map(|t| t.values_mut())
        {
            thread["coverage"] = json!([]);
        }
    }
    if !whole_steps {
        rec["threads_detail"] = json!(digest(&rec["threads_detail"].to_string()));
    }
    if doc["shuttle"].is_object() {
        rec["shuttle"] = pick(&doc["shuttle"], SHUTTLE_FIELDS);
    }
    if let Ok(text) = std::fs::read_to_string(&trace) {
        let t: Value = serde_json::from_str(&text).expect("a trace is JSON");
        rec["schedule"] = t["schedule"].clone();
        let steps = trace_steps(&t);
        rec["steps"] = if whole_steps {
            steps
        } else {
            json!(digest(&steps.to_string()))
        };
    }
    rec
}

/// Whether a step's note is the thp mapcount reader's value and running result
/// (`compound_mapcount 1 + 1 = 2: ret = 1, _total_mapcount = 0; returns 1`). Added after the
/// recording so that the views show the value that decides reuse or copy; it changes no
/// verdict, count or schedule, so the comparison leaves it out.
fn is_reader_note(note: &str) -> bool {
    let read = ["H[", "PageDoubleMap is ", "compound_mapcount "];
    note.contains(": ret = ") && read.iter().any(|r| note.starts_with(r))
}

/// An edge label without a reader's note ([`is_reader_note`]).
fn without_reader_note(label: &str) -> &str {
    match label.rfind("  [") {
        Some(at) if label.ends_with(']') && is_reader_note(&label[at + 3..label.len() - 1]) => {
            &label[..at]
        }
        _ => label,
    }
}

/// `weft graph --format json --no-symmetry` of `scenario` (every state): node and edge counts
/// and a digest of both, or that the graph was refused (too large).
fn graph(scenario: &str) -> Value {
    let (code, out, _) = weft(&[
        "graph",
        scenario,
        "--format",
        "json",
        "--max-nodes",
        "5000",
        "-j",
        "2",
        "--no-symmetry",
    ]);
    if code != Some(0) {
        return json!({ "refused": true });
    }
    let mut g: Value = serde_json::from_str(&out).expect("graph JSON");
    for edge in g["edges"].as_array_mut().into_iter().flatten() {
        if let Some(label) = edge["label"].as_str() {
            edge["label"] = json!(without_reader_note(label));
        }
    }
    json!({
        "states": g["states"],
        "transitions": g["transitions"],
        "nodes": g["nodes"].as_array().map(Vec::len),
        "edges": g["edges"].as_array().map(Vec::len),
        "digest": digest(&format!("{}{}", g["nodes"], g["edges"])),
    })
}

/// `weft compare --json` of `scenario`: its row.
fn compare(scenario: &str) -> Value {
    let (_, out, err) = weft(&["compare", scenario, "--json", "-j", "1"]);
    let rows: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{scenario}: {e}: {out}{err}"));
    pick(
        &rows[0],
        &[
            "verdict",
            "check",
            "states",
            "schedules",
            "trace_length",
            "preemptions",
            "as_expected",
        ],
    )
}

fn shipped() -> Vec<String> {
    let (_, out, _) = weft(&["list", "--json"]);
    let list: Value = serde_json::from_str(&out).expect("list JSON");
    list.as_array()
        .expect("a list")
        .iter()
        .map(|s| s["name"].as_str().expect("a name").to_string())
        .collect()
}

/// Everything recorded for one scenario.
fn record(scenario: &str, dir: &Path) -> Value {
    let mut checks = serde_json::Map::new();
    let recording = std::env::var("WEFT_GOLDEN").as_deref() == Ok("record");
    for (i, (run, _)) in CHECKS.iter().enumerate() {
        let options = options(scenario, run, recording);
        checks.insert(run.to_string(), check(scenario, run, &options, dir, i == 0));
    }
    json!({
        "check": checks,
        "graph": graph(scenario),
        "compare": compare(scenario),
    })
}

#[test]
fn every_shipped_scenario_gives_the_recorded_results_on_every_engine() {
    let dir = std::env::temp_dir().join(format!("weft-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let names = shipped();
    assert!(names.len() >= 40, "the shipped scenarios: {names:?}");
    // Two scenarios at a time: the machines have two cores.
    let halves: Vec<Vec<String>> = (0..2)
        .map(|h| names.iter().skip(h).step_by(2).cloned().collect())
        .collect();
    let got: BTreeMap<String, Value> = std::thread::scope(|scope| {
        let runs: Vec<_> = halves
            .iter()
            .map(|half| {
                let dir = &dir;
                scope.spawn(move || {
                    half.iter()
                        .map(|n| (n.clone(), record(n, dir)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|r| r.join().expect("a recording thread"))
            .collect()
    });
    std::fs::remove_dir_all(&dir).ok();
    let got = serde_json::to_value(&got).unwrap();
    if std::env::var("WEFT_GOLDEN").as_deref() == Ok("record") {
        let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
        std::fs::create_dir_all(golden_path().parent().unwrap()).unwrap();
        std::fs::write(golden_path(), text).unwrap();
        return;
    }
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_path()).expect("the recorded results"),
    )
    .expect("recorded JSON");
    let want = want.as_object().expect("scenarios");
    let got = got.as_object().expect("scenarios");
    if std::env::var("WEFT_GOLDEN").as_deref() == Ok("record-new") {
        // Scenarios shipped after the recording: this build records them, with the options
        // the comparison uses; recorded ones stay as they are.
        let mut all = want.clone();
        for (name, g) in got {
            all.entry(name.clone()).or_insert_with(|| g.clone());
        }
        let text = serde_json::to_string_pretty(&all).unwrap() + "\n";
        std::fs::write(golden_path(), text).unwrap();
        return;
    }
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the shipped scenarios differ from the recorded ones"
    );
    let mut differences = Vec::new();
    for (name, w) in want {
        for part in ["check", "graph", "compare"] {
            let (w, g) = (&w[part], &got[name][part]);
            if part == "check" {
                for run in w.as_object().expect("runs").keys() {
                    let twin = recorded_run(name, run);
                    let (wr, gr) = if twin == run.as_str() {
                        (w[run].clone(), g[run].clone())
                    } else {
                        (digested(&w[twin.as_ref()]), digested(&g[run]))
                    };
                    if gr != wr {
                        differences.push(format!(
                            "{name} {run} (recorded as {twin}):\n  recorded {wr}\n  now      {gr}"
                        ));
                    }
                }
            } else if g != w {
                differences.push(format!("{name} {part}:\n  recorded {w}\n  now      {g}"));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} results differ from tests/golden/outcomes.json:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
