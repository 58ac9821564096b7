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

/// `weft graph` draws one node per orbit, as `weft check` counts them, says so, and marks
/// the counterexample (found on the real threads) through the orbits it crosses.
#[test]
fn graph_draws_the_quotient_and_says_so() {
    let dir = std::env::temp_dir().join(format!("weft-graph-quotient-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The scaled 2x2 scenario on the variant that loses a count: it fails.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/pt_frag/pt_frag_refcount_scaled_2x2.toml"
    ))
    .unwrap()
    .replace(
        "variant = \"pt_frag_refcount\"",
        "variant = \"set_page_count\"",
    );
    let scenario = dir.join("set_page_count_2x2.toml");
    std::fs::write(&scenario, text).unwrap();
    let scenario = scenario.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let (_, out) = weft(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let graph_of = |scenario: &str, extra: &[&str]| {
        let args = [
            "graph",
            scenario,
            "--format",
            "json",
            "--max-nodes",
            "20000",
        ];
        json(&[&args[..], extra].concat())
    };
    for symmetry in [true, false] {
        let extra: &[&str] = if symmetry { &[] } else { &["--no-symmetry"] };
        // As many nodes as `weft check` counts states (orbits with symmetry), on a pass.
        let shipped = "pt_frag/pt_frag_refcount_scaled_2x2";
        let check = json(&[&["check", shipped, "--json"][..], extra].concat());
        let graph = graph_of(shipped, extra);
        assert_eq!(graph["states"], check["states"], "symmetry {symmetry}");
        assert_eq!(
            graph["nodes"].as_array().unwrap().len() as u64,
            check["states"]
        );
        assert_eq!(graph["symmetry"].is_null(), !symmetry);
        // An edge of the quotient is a step of one of a group's threads, named by the group.
        let moved: std::collections::BTreeSet<&str> = (graph["edges"].as_array().unwrap())
            .iter()
            .map(|e| e["thread_name"].as_str().unwrap())
            .collect();
        let want: &[&str] = match symmetry {
            true => &["owner1|owner2", "walker1|walker2"],
            false => &["owner1", "owner2", "walker1", "walker2"],
        };
        assert_eq!(moved.into_iter().collect::<Vec<_>>(), want);
        // The counterexample of the failing one goes through one node per state it reaches.
        let check = json(&[&["check", scenario, "--json"][..], extra].concat());
        let graph = graph_of(scenario, extra);
        assert_eq!(check["verdict"], "violation");
        let on_path = |part: &str| {
            (graph[part].as_array().unwrap().iter())
                .filter(|x| x["on_counterexample"] == true)
                .count() as u64
        };
        let steps = check["trace_length"].as_u64().unwrap();
        assert_eq!(on_path("nodes"), steps + 1, "symmetry {symmetry}");
        assert_eq!(on_path("edges"), steps, "symmetry {symmetry}");
    }
    let (code, dot) = weft(&["graph", scenario, "--max-nodes", "20000"]);
    assert_eq!(code, Some(0));
    assert!(
        dot.contains("orbits of interchangeable threads (owner1, owner2; walker1, walker2"),
        "{}",
        dot.lines().nth(1).unwrap_or("")
    );
}
