//! A pass says how much it covers: every schedule, or only a bound, a sample or the states
//! bitstate hashing kept, on the verdict line, with `-q` and in JSON.

mod common;

use common::run;
use std::path::Path;

/// Its exit code and stdout.
fn weft(args: &[&str]) -> (Option<i32>, String) {
    let (code, out, _) = run(args);
    (code, out)
}

#[test]
fn a_pass_that_is_not_a_proof_says_so() {
    let scenario = "pt_frag/set_page_count_C";
    let (code, out) = weft(&["check", scenario, "-q"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("PASS: no violation in any schedule"), "{out}");
    for (args, says) in [
        (
            &["--preemptions", "1"][..],
            "at most 1 preemptions (bounded",
        ),
        (
            &["--bitstate", "1"],
            "bitstate hashing stored (it may have missed some",
        ),
        (
            &["--engine", "random", "--iterations", "20"],
            "in 20 sampled executions",
        ),
    ] {
        let mut all = vec!["check", scenario, "-q"];
        all.extend_from_slice(args);
        let (code, out) = weft(&all);
        assert_eq!(code, Some(0), "{args:?}: {out}");
        assert!(out.contains(says), "{args:?}: {out}");
        assert!(!out.contains("in any schedule"), "{args:?}: {out}");
        all.retain(|a| *a != "-q");
        all.push("--json");
        let (_, json) = weft(&all);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(
            doc["partial_pass"]
                .as_str()
                .is_some_and(|p| p.contains(says)),
            "{args:?}: {json}"
        );
    }
    let (_, json) = weft(&["check", scenario, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(doc["partial_pass"].is_null(), "{json}");
}

/// `--as-expected` grades a batch: 0 when every result is the expected one (a batch of
/// violations as expected used to exit 1), 1 with a line for each that is not.
#[test]
fn as_expected_grades_a_batch() {
    let run = |args: &[&str]| {
        let (code, _, err) = run(args);
        (code, err)
    };
    let batch = [
        "check",
        "pt_frag/set_page_count_C",
        "pt_frag/set_page_count_L",
        "-q",
    ];
    assert_eq!(run(&batch).0, Some(1));
    let mut graded = batch.to_vec();
    graded.push("--as-expected");
    assert_eq!(run(&graded), (Some(0), String::new()));
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/pt_frag/set_page_count_C.toml"),
    )
    .unwrap();
    std::fs::write(&wrong, text.replace("\"pass\"", "\"violation\"")).unwrap();
    graded.push(wrong.to_str().unwrap());
    let (code, err) = run(&graded);
    assert_eq!(code, Some(1));
    assert_eq!(err.trim(), "mismatch: wrong: expected violation, got pass");
}

/// A folder of scenarios is checked whole; several scenarios need a folder for their traces.
#[test]
fn a_folder_is_checked_whole_and_traces_of_several_need_a_folder() {
    let (code, out, _) = run(&["check", "models/pt_frag/", "-q", "--as-expected"]);
    assert_eq!(code, Some(0), "{out}");
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/pt_frag");
    let expecting = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|text| text.contains("[expect]"))
        .count();
    assert!(expecting > 30, "{expecting}");
    let summary =
        format!("{expecting} of {expecting} scenarios with an [expect] gave the expected verdict");
    assert!(out.contains(&summary), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("x.json");
    let (code, out, err) = run(&[
        "check",
        "pt_frag/set_page_count_D",
        "pt_frag/set_page_count_L",
        "--trace-out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty() && err.contains("give a folder"), "{err}");
    assert!(!json.exists());
    let file = dir.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let (code, _, err) = run(&[
        "check",
        "pt_frag/set_page_count_D",
        "pt_frag/set_page_count_L",
        "--trace-out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("it is a regular file, not a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// A THP summary has a coverage section: how many of the model's steps each thread reached,
/// and in JSON each step with its count (thp declares no program per operation, so steps
/// never reached are not listed as unreached code).
#[test]
fn a_thp_summary_says_which_kernel_steps_each_thread_reached() {
    let (code, out) = weft(&["check", "thp/merged_fix_M"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("coverage: kernel steps reached per thread: P "),
        "{out}"
    );
    assert!(!out.contains("unreached in"), "{out}");
    let (_, json) = weft(&["check", "thp/merged_fix_M", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let reached = |thread: &str| -> Vec<String> {
        doc["threads_detail"][thread]["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["count"].as_u64() > Some(0))
            .map(|p| p["step"].as_str().unwrap().to_string())
            .collect()
    };
    // P reuses the page through its PMD; C splits it.
    assert!(
        reached("P").iter().any(|s| s.starts_with("HugeWpReuse: ")),
        "{:?}",
        reached("P")
    );
    assert!(
        reached("C").iter().any(|s| s.starts_with("SplitSetPte: ")),
        "{:?}",
        reached("C")
    );
}
