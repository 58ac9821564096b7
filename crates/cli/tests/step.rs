//! `weft step` driven through stdin: a chosen schedule runs step by step, `undo` and `state`
//! work, mistakes are explained, and a violation ends the session with a trace that `weft
//! replay` confirms.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-step-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `weft step SCENARIO ARGS` fed `input` on stdin: exit code and stdout.
fn step(scenario: &str, args: &[&str], input: &str) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["step", scenario, "--color", "never"])
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weft runs");
    // A session may end before it has read every line (a violation ends it).
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), out)
}

/// The schedule of the shortest counterexample `weft check` finds, one thread name per line.
fn shortest_schedule(scenario: &str) -> String {
    let trace = temp_dir().join(format!("{}.json", scenario.replace('/', "_")));
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args([
            "check",
            scenario,
            "-q",
            "--trace-out",
            trace.to_str().unwrap(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let names: Vec<&str> = t["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    names.join("\n") + "\n"
}

#[test]
fn the_lost_update_chosen_by_hand_ends_in_its_violation_and_a_trace() {
    let scenario = "pt_frag/set_page_count_L";
    let trace = temp_dir().join("by-hand.trace.json");
    let input = shortest_schedule(scenario);
    let (code, out) = step(scenario, &["--trace-out", trace.to_str().unwrap()], &input);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("  1. owner runs spin_lock(&mm->page_table_lock)"),
        "{out}"
    );
    assert!(out.contains("=> violation of refcount_underflow"), "{out}");
    assert!(out.contains("the 18-step trace is in"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["replay", trace.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("confirmed: 18 steps"));
}

#[test]
fn undo_state_and_mistakes() {
    let (code, out) = step(
        "pt_frag/set_page_count_L",
        &[],
        "owner\nstate\nundo\nundo\nwalk\n7\n2\nquit\n",
    );
    assert_eq!(code, Some(0), "{out}");
    // `state` after step 1 shows the lock it took, and where each thread is.
    assert!(
        out.contains("mm.page_table_lock           = held by owner"),
        "{out}"
    );
    assert!(
        out.contains("owner   next: ret = mm->context.pte_frag"),
        "{out}"
    );
    assert!(out.contains("took step 1 back"), "{out}");
    assert!(out.contains("nothing to undo"), "{out}");
    assert!(
        out.contains("`walk` is neither a thread (owner, walker) nor a command"),
        "{out}"
    );
    assert!(out.contains("there is no thread 7 (1 to 2)"), "{out}");
    assert!(
        out.contains("  1. walker runs get_page_unless_zero(page0)"),
        "{out}"
    );
    assert!(
        out.contains("stopped after 1 steps, no check failed; the schedule: walker"),
        "{out}"
    );
}

#[test]
fn a_waiting_or_finished_thread_cannot_be_chosen_and_a_full_run_passes() {
    // Two allocators: while one holds page_table_lock the other waits for it.
    let scenario = "pt_frag/pt_frag_refcount_C";
    let mut input = String::from("1\n2\n");
    input += &"1\n".repeat(60);
    input += &"2\n".repeat(60);
    let (code, out) = step(scenario, &[], &input);
    assert!(out.contains("cannot move: it waits"), "{out}");
    assert!(out.contains("has finished"), "{out}");
    assert!(out.contains("=> every thread finished after"), "{out}");
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn end_of_input_ends_the_session_and_a_bad_scenario_is_exit_2() {
    let (code, out) = step("pt_frag/set_page_count_L", &[], "1\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("stopped after 1 steps"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["step", "pt_frag/set_pagecount_L"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("set_page_count_L"));
}

/// A language model steps like a built-in one: its statements are the steps, `state` shows
/// its globals and locals, and its shortest counterexample chosen by hand replays.
#[test]
fn a_language_model_steps_to_its_counterexample() {
    let scenario = "lang/migrate_vs_lookup_split_freeze";
    let trace = temp_dir().join("lang-by-hand.trace.json");
    let mut input = String::from("state\n");
    input += &shortest_schedule(scenario);
    let (code, out) = step(scenario, &["--trace-out", trace.to_str().unwrap()], &input);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("page._refcount"),
        "`state` shows the globals:\n{out}"
    );
    assert!(
        out.contains("runs if (!page_ref_freeze(&page, 2))"),
        "{out}"
    );
    assert!(out.contains("=> violation of"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["replay", trace.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("confirmed"));
}
