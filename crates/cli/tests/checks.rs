//! More than the first violation: `--check NAME` looks for the named checks only, and
//! `--continue` reports the shortest counterexample of every distinct check violated.

mod common;

use common::run;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-checks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `--continue --json`: each search's document, in order.
fn continue_json(scenario: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["check", scenario, "--continue", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, Some(1), "{out}{err}");
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .expect("--continue gives an array of documents")
        .clone()
}

#[test]
fn continue_reports_each_check_violated_once_and_ends_in_a_pass_of_the_others() {
    let docs = continue_json("pt_frag/set_page_count_E", &[]);
    let violated: Vec<&str> = docs.iter().filter_map(|d| d["check"].as_str()).collect();
    assert!(violated.len() >= 2, "E breaks several checks: {violated:?}");
    let mut distinct = violated.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        violated.len(),
        "each check once: {violated:?}"
    );
    let last = docs.last().unwrap();
    assert_eq!(last["verdict"], "pass", "{last}");
    let rest: Vec<&str> = last["only_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(violated.iter().all(|c| !rest.contains(c)), "{rest:?}");
    assert!(rest.contains(&"deadlock"), "{rest:?}");
}

#[test]
fn each_continued_counterexample_is_saved_and_replays() {
    let dir = temp_dir("traces");
    let (code, out, err) = run(&[
        "check",
        "pt_frag/set_page_count_E",
        "--continue",
        "-q",
        "--trace-out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("checks violated: dtor_missed (14 steps)"),
        "{out}"
    );
    let mut traces: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    traces.sort();
    assert!(traces.len() >= 2, "{traces:?}");
    for trace in &traces {
        let check = trace
            .to_str()
            .unwrap()
            .split('.')
            .rev()
            .nth(2)
            .unwrap()
            .to_string();
        let (code, out, err) = run(&["replay", trace.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{}: {out}{err}", trace.display());
        assert!(
            out.contains(&format!("end in violation of {check}")),
            "{out}"
        );
    }
    let (code, _, err) = run(&[
        "check",
        "pt_frag/set_page_count_E",
        "--continue",
        "--trace-out",
        dir.join("x.json").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("give a folder"), "{err}");
}

#[test]
fn check_looks_for_the_named_checks_only() {
    // Alone, E's first violation is dtor_missed; looking for refcount_underflow finds it,
    // no longer than --continue did after leaving dtor_missed out.
    let (code, out, _) = run(&[
        "check",
        "pt_frag/set_page_count_E",
        "--check",
        "refcount_underflow",
        "--json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["check"], "refcount_underflow");
    let alone = doc["trace_length"].as_u64().unwrap_or(0);
    let continued = continue_json("pt_frag/set_page_count_E", &[]);
    let after = continued
        .iter()
        .find(|d| d["check"] == "refcount_underflow")
        .expect("--continue finds refcount_underflow");
    let after = after["trace_length"].as_u64().unwrap_or(0);
    assert!(alone > 0 && alone <= after, "{alone} vs {after}");
}

#[test]
fn a_pass_of_some_checks_says_so_and_cannot_grade_others() {
    let (code, out, _) = run(&[
        "check",
        "pt_frag/set_page_count_L",
        "--check",
        "deadlock",
        "-q",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            "PASS: no violation of deadlock in any schedule (the other checks were not looked for)"
        ),
        "{out}"
    );
    // L expects refcount_underflow: a search for deadlock alone cannot say.
    let (code, _, err) = run(&[
        "check",
        "pt_frag/set_page_count_L",
        "--check",
        "deadlock",
        "--as-expected",
        "-q",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not graded"), "{err}");
    let (code, out, err) = run(&[
        "check",
        "pt_frag/set_page_count_L",
        "--check",
        "refcount_underflow",
        "--as-expected",
        "-q",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn an_unknown_check_is_bad_input_with_a_suggestion() {
    let (code, _, err) = run(&["check", "pt_frag/set_page_count_L", "--check", "dtor_mised"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `dtor_missed`?"), "{err}");
}
