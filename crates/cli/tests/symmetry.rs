//! Thread symmetry changes no result a user reads: on every shipped scenario the verdict, the
//! failed check, the counterexample's length and preemptions are those of the search without
//! it, and its counterexample (of the real threads) replays.

mod common;

/// weft's exit code and stdout.
fn weft(args: &[&str]) -> (Option<i32>, String) {
    let (code, out, _) = common::run(args);
    (code, out)
}

fn shipped() -> Vec<String> {
    let (_, out) = weft(&["list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn results_are_those_of_the_full_search_and_traces_replay() {
    let dir = std::env::temp_dir().join(format!("weft-symmetry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut symmetric = 0;
    for name in shipped() {
        let trace = dir.join(format!("{}.json", name.replace('/', "_")));
        let run = |extra: &[&str]| {
            let mut args = vec!["check", name.as_str(), "--json", "-j", "2"];
            args.extend_from_slice(extra);
            let (code, out) = weft(&args);
            let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
            (code, doc)
        };
        let (code, with) = run(&["--trace-out", trace.to_str().unwrap()]);
        let (full_code, without) = run(&["--no-symmetry"]);
        assert_eq!(code, full_code, "{name}");
        for key in [
            "verdict",
            "check",
            "trace_length",
            "preemptions",
            "as_expected",
        ] {
            assert_eq!(with[key], without[key], "{name}: {key}");
        }
        assert!(without["symmetry"].is_null(), "{name}");
        if !with["symmetry"].is_null() {
            symmetric += 1;
            assert!(
                with["states"].as_u64() <= without["states"].as_u64(),
                "{name}"
            );
        }
        if code == Some(1) {
            let (code, out) = weft(&["replay", trace.to_str().unwrap()]);
            assert_eq!(code, Some(0), "{name}: {out}");
        }
    }
    assert!(
        symmetric >= 5,
        "only {symmetric} shipped scenarios have interchangeable threads"
    );
}

/// The same orbits on every engine that explores states, on one thread or several.
#[test]
fn every_engine_stores_the_same_orbits() {
    let scenario = "pt_frag/pt_frag_refcount_scaled_3x3";
    let runs: [&[&str]; 4] = [
        &["-j", "1"],
        &["-j", "2"],
        &["--engine", "dfs"],
        &["--engine", "timely", "--workers", "2"],
    ];
    for extra in runs {
        let mut args = vec!["check", scenario, "--json"];
        args.extend_from_slice(extra);
        let (code, out) = weft(&args);
        assert_eq!(code, Some(0), "{extra:?}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["states"], 39_556, "{extra:?}");
        assert_eq!(doc["symmetry"]["orbits"], 39_556, "{extra:?}");
        assert_eq!(
            doc["symmetry"]["groups"],
            serde_json::json!([
                ["owner1", "owner2", "owner3"],
                ["walker1", "walker2", "walker3"]
            ]),
            "{extra:?}"
        );
    }
}
