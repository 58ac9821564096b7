//! The command-line contract, end to end through the `weft` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn check_prints_the_shortest_counterexample_and_saves_it() {
    let trace = temp("lost-update.json");
    let o = weft(&[
        "check",
        "pt_frag/set_page_count_L",
        "--trace-out",
        trace.to_str().unwrap(),
    ]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("VIOLATION of refcount_underflow  (as expected)"),
        "{out}"
    );
    assert!(
        out.contains("counterexample (18 steps, shortest, 3 preemptions"),
        "{out}"
    );
    assert!(
        out.contains("set_page_count(page0, PTE_FRAG_NR=2)"),
        "{out}"
    );
    assert!(out.contains("page0._refcount 1 -> 2"), "{out}");

    let o = weft(&["show", trace.to_str().unwrap()]);
    let (shown, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(shown.contains("18 steps:"), "{shown}");
    assert!(
        shown.contains("=> violation of refcount_underflow"),
        "{shown}"
    );

    let o = weft(&["replay", trace.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.starts_with("confirmed: 18 steps"), "{out}");
}

/// Runs saving to one path at once each write a whole trace: a shared temporary name made
/// all but one of eight fail with "cannot write" (every round of ten, before the fix).
#[test]
fn checks_saving_one_trace_path_at_once_all_succeed() {
    let trace = temp("shared.json");
    for _ in 0..10 {
        let runs: Vec<_> = (0..8)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_weft"))
                    .args(["check", "pt_frag/set_page_count_L", "--trace-out"])
                    .arg(&trace)
                    .current_dir(workspace())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("weft starts")
            })
            .collect();
        for run in runs {
            let o = run.wait_with_output().expect("weft runs");
            let (out, err) = text(&o);
            assert_eq!(o.status.code(), Some(1), "{out}{err}");
        }
        let o = weft(&["replay", trace.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{out}{err}");
    }
}

#[test]
fn replay_refuses_a_tampered_trace() {
    let trace = temp("tamper.json");
    weft(&[
        "check",
        "pt_frag/page_ref_add_D",
        "--trace-out",
        trace.to_str().unwrap(),
        "-q",
    ]);
    let original = std::fs::read_to_string(&trace).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();

    // A step whose recorded effect was edited.
    doc["steps"][0]["changes"] = serde_json::json!([]);
    let edited = temp("tamper-changes.json");
    std::fs::write(&edited, doc.to_string()).unwrap();
    let o = weft(&["replay", edited.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("refused: step 1"), "{err}");

    // A schedule that names a thread the scenario does not have.
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    doc["schedule"][1] = serde_json::json!("intruder");
    std::fs::write(&edited, doc.to_string()).unwrap();
    let (_, err) = text(&weft(&["replay", edited.to_str().unwrap()]));
    assert!(err.contains("step 2, field `schedule`"), "{err}");

    // A claimed violation the schedule does not produce.
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    doc["violation"]["check"] = serde_json::json!("double_free");
    std::fs::write(&edited, doc.to_string()).unwrap();
    let o = weft(&["replay", edited.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("the trace says violation of double_free"),
        "{err}"
    );

    // A variant that no longer matches the embedded scenario.
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    doc["variant"] = serde_json::json!("pt_frag_refcount");
    std::fs::write(&edited, doc.to_string()).unwrap();
    let (_, err) = text(&weft(&["replay", edited.to_str().unwrap()]));
    assert!(
        err.contains("refused: field `variant`: the trace says `pt_frag_refcount`"),
        "{err}"
    );

    // Not a trace at all.
    std::fs::write(&edited, "{\"hello\": 1}").unwrap();
    let o = weft(&["replay", edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("not a weft trace"));
}

#[test]
fn the_fixed_variant_passes_and_every_shipped_verdict_is_as_expected() {
    let o = weft(&["check", "pt_frag/pt_frag_refcount_L"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("PASS: no violation in any schedule  (as expected)"),
        "{out}"
    );

    let mut args = vec!["check", "--json", "-j", "2"];
    let files: Vec<String> = std::fs::read_dir(workspace().join("models/pt_frag"))
        .unwrap()
        .map(|e| {
            format!(
                "models/pt_frag/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .filter(|f| !f.contains("scaled_3x3"))
        .collect();
    args.extend(files.iter().map(String::as_str));
    let o = weft(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "some shipped scenarios fail, as kernel history says"
    );
    let docs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), files.len());
    for d in docs {
        assert_eq!(d["as_expected"], serde_json::json!(true), "{d}");
        assert!(d["states"].as_u64().unwrap() > 0);
    }
}

#[test]
fn bad_scenario_files_exit_2_with_line_and_column() {
    let bad = temp("bad.toml");
    std::fs::write(
        &bad,
        "model = \"pt_frag\"\nvariant = \"set_page_count\"\n[[thread]]\nname = \"t\"\nops = [\"pte_fragment_alloc\", \"frobnicate\"]\n",
    )
    .unwrap();
    let o = weft(&["check", bad.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("bad.toml:5:30: unknown pt_frag operation `frobnicate`"),
        "{err}"
    );
    assert!(
        err.contains("pte_fragment_alloc, pte_fragment_free"),
        "the valid operations are listed: {err}"
    );

    std::fs::write(&bad, "model = [\n").unwrap();
    let o = weft(&["check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("bad.toml:"), "{}", text(&o).1);

    let o = weft(&["check", "pt_frag/no_such_scenario"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("weft list"));

    let o = weft(&["check"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn limits_stop_with_exit_3_and_a_summary() {
    let o = weft(&[
        "check",
        "pt_frag/pt_frag_refcount_scaled_2x2",
        "--max-states",
        "100",
    ]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(
        out.contains("STOPPED before a verdict: state limit reached (100 states)"),
        "{out}"
    );
    assert!(out.contains("explored so far: 100 states"), "{out}");

    let o = weft(&[
        "check",
        "pt_frag/pt_frag_refcount_scaled_2x2",
        "--max-depth",
        "5",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["verdict"], "stopped");
    assert_eq!(doc["stopped"], "depth limit reached (depth 5)");

    let o = weft(&[
        "check",
        "pt_frag/pt_frag_refcount_scaled_3x3",
        "--time-limit",
        "0.05",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).0.contains("time limit reached"));
}

#[test]
fn list_names_every_shipped_scenario() {
    let o = weft(&["list", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let docs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"pt_frag/set_page_count_L"));
    let on_disk = std::fs::read_dir(workspace().join("models/pt_frag"))
        .unwrap()
        .count();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("pt_frag/")).count(),
        on_disk
    );
}

#[test]
fn graph_draws_dot_that_graphviz_parses_and_svg() {
    let o = weft(&["graph", "pt_frag/set_page_count_L"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let dot = text(&o).0;
    assert!(
        dot.contains("color=\"#d62728\""),
        "the counterexample path is highlighted"
    );
    assert!(dot.contains("refcount_underflow"));
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("graphviz's dot is installed (./scripts/test.sh installs it)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(parsed.status.success(), "dot parses weft's DOT");

    let svg = temp("graph.svg");
    let o = weft(&[
        "graph",
        "pt_frag/set_page_count_L",
        "--format",
        "svg",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

    // Node and edge counts equal the explorer's states and transitions (plus one node per
    // failing step, of which this model has none: its checks are on states).
    let o = weft(&["graph", "pt_frag/pt_frag_refcount_D", "--format", "json"]);
    let g: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        g["nodes"].as_array().unwrap().len() as u64,
        g["states"].as_u64().unwrap()
    );
    assert_eq!(
        g["edges"].as_array().unwrap().len() as u64,
        g["transitions"].as_u64().unwrap()
    );

    let o = weft(&["graph", "pt_frag/pt_frag_refcount_scaled_2x2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--project shared"), "{}", text(&o).1);
    let o = weft(&[
        "graph",
        "pt_frag/pt_frag_refcount_scaled_2x2",
        "--project",
        "shared",
        "--max-nodes",
        "2000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
}

#[test]
fn preemption_bound_zero_hides_the_race_and_says_so() {
    let o = weft(&["check", "pt_frag/set_page_count_L", "--preemptions", "0"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("at most 0 preemptions"), "{out}");
    let o = weft(&["check", "pt_frag/set_page_count_L"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("3 preemptions, the fewest among the shortest"),
        "{out}"
    );
    assert!(
        out.contains("with 2 preemptions, a 19-step schedule breaks dtor_missed instead"),
        "{out}"
    );
}

#[test]
fn check_summaries_show_schedules_and_coverage() {
    let o = weft(&["check", "pt_frag/pt_frag_refcount_D", "--json", "--no-por"]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(d["schedules"].as_u64().unwrap() > 1);
    let owner = &d["threads_detail"]["owner"];
    assert!(owner["steps"].as_u64().unwrap() > 0);
    assert!(!owner["coverage"].as_array().unwrap().is_empty());
    let o = weft(&["check", "pt_frag/set_page_count_D"]);
    let out = text(&o).0;
    assert!(out.contains("coverage: "), "{out}");
    assert!(out.contains("unreached in"), "{out}");
}

#[test]
fn compare_prints_one_row_per_variant() {
    let o = weft(&[
        "compare",
        "pt_frag/set_page_count_L",
        "--variants",
        "all",
        "--format",
        "markdown",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(out.lines().count(), 2 + 5, "{out}");
    assert!(
        out.contains("| pt_frag/set_page_count_L | pt_frag_refcount | pass |"),
        "{out}"
    );
    assert!(
        out.contains(
            "| pt_frag/set_page_count_L | set_page_count | violation | refcount_underflow |"
        ),
        "{out}"
    );
    let o = weft(&[
        "compare",
        "--json",
        "pt_frag/page_ref_add_D",
        "pt_frag/top_bits_D",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["check"], "dtor_missed");
    assert_eq!(rows[1]["verdict"], "pass");
    assert_eq!(rows[0]["as_expected"], true);
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_3_and_a_summary() {
    let child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args([
            "check",
            "bench/scenarios/pt_frag_refcount_scaled_4x4.toml",
            "--no-por",
            "-j",
            "1",
        ])
        .current_dir(workspace())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("weft runs");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}{err}");
    assert!(
        out.contains("STOPPED before a verdict: interrupted"),
        "{out}"
    );
    assert!(out.contains("explored so far: "), "{out}");
}

#[test]
fn the_queue_on_disk_gives_the_same_answer_and_says_what_it_wrote() {
    // Three processes: levels of thousands of states, more than the write buffers hold.
    let scenario = "bench/scenarios/thp_merged_fix_3proc_M.toml";
    let json = |extra: &[&str]| {
        let mut args = vec!["check", scenario, "--json", "--no-por"];
        args.extend_from_slice(extra);
        let o = weft(&args);
        assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let (memory, disk) = (json(&[]), json(&["--frontier-memory", "0"]));
    for key in ["check", "states", "transitions", "depth", "trace_length"] {
        assert_eq!(memory[key], disk[key], "{key}");
    }
    let written = |v: &serde_json::Value| v["disk_bytes"].as_u64().unwrap();
    assert!(
        written(&disk) > written(&memory),
        "the levels go to the file too: {} against {}",
        written(&disk),
        written(&memory)
    );
    assert!(disk["visited_bytes"].as_u64().unwrap() > 0);
    let (out, _) = text(&weft(&[
        "check",
        scenario,
        "--no-por",
        "--frontier-memory",
        "0",
    ]));
    assert!(out.contains("in a temporary file (deleted)"), "{out}");
}

/// An option the chosen engine cannot honour is refused with exit 2 and a message naming
/// the option, before anything is explored; none is dropped.
#[test]
fn options_an_engine_cannot_honour_are_refused() {
    let cases: [(&[&str], &str); 7] = [
        (&["--engine", "dfs", "-j", "2"], "--threads"),
        (&["--engine", "random", "--bitstate", "1"], "--bitstate"),
        (
            &["--engine", "timely", "--preemptions", "1"],
            "--preemptions",
        ),
        (
            &["--engine", "dfs", "--frontier-memory", "1"],
            "--frontier-memory",
        ),
        (&["--seed", "3"], "--seed"),
        (&["--engine", "random", "--pct-depth", "2"], "--pct-depth"),
        (&["--workers", "2"], "--workers"),
    ];
    for (options, flag) in cases {
        let mut args = vec!["check", "pt_frag/set_page_count_L"];
        args.extend_from_slice(options);
        let o = weft(&args);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{options:?}: {out}{err}");
        assert!(err.contains(flag), "{options:?}: {err}");
        assert!(!out.contains("VIOLATION"), "{options:?} explored: {out}");
    }
    // thp declares footprints: reduction asked for runs, and the summary says where.
    let o = weft(&["check", "thp/merged_fix_A", "--por"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("partial-order reduction: on in"), "{out}");
}

/// Traces written before the format typed its fields (weft-trace/1) still show and replay.
#[test]
fn a_version_1_trace_still_shows_and_replays() {
    let v1 = "crates/cli/tests/fixtures/set_page_count_L.v1.trace.json";
    let o = weft(&["replay", v1]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.starts_with("confirmed: 18 steps"), "{out}");
    let o = weft(&["show", v1, "--format", "list"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("page0.state (ghost) free -> allocated"),
        "{out}"
    );
    assert!(out.contains("[plain store: _refcount 2 -> 2]"), "{out}");
}
