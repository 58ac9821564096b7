//! A pass says how much it covers: every schedule, or only a bound, a sample or the states
//! bitstate hashing kept, on the verdict line, with `-q` and in JSON.

use std::path::Path;
use std::process::Command;

fn weft(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("weft runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
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
