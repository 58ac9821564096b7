//! The timely engine against the bfs engine, on one machine over loopback: worker threads in
//! one process, two processes, a peer that never comes, and a peer killed mid-run.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const WEFT: &str = env!("CARGO_BIN_EXE_weft");

/// Shipped scenarios whose full state space (no reduction) is at most this big are compared.
const SMALL_ENOUGH: u64 = 200_000;

fn weft(args: &[&str]) -> Output {
    Command::new(WEFT)
        .args(args)
        .output()
        .expect("run the weft binary")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn shipped() -> Vec<String> {
    let list = json(&weft(&["list", "--json"]));
    list.as_array()
        .expect("a list")
        .iter()
        .map(|s| s["name"].as_str().expect("a name").to_string())
        .collect()
}

/// Two free loopback ports, in a hostfile.
fn hostfile(dir: &str) -> PathBuf {
    let a = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let text = format!(
        "127.0.0.1:{}\n127.0.0.1:{}\n",
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port()
    );
    let dir = std::env::temp_dir().join(format!("weft-timely-{}-{dir}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hosts");
    std::fs::write(&path, text).unwrap();
    path
}

fn spawn(args: &[&str], stderr: Stdio) -> Child {
    Command::new(WEFT)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn weft")
}

/// Runs `scenario` on two processes of one worker each; returns process 0's output.
fn two_processes(scenario: &str, hosts: &std::path::Path) -> Output {
    let hosts = hosts.to_str().unwrap();
    let common = [
        "check",
        scenario,
        "--engine",
        "timely",
        "--json",
        "-q",
        "--processes",
        "2",
        "--hostfile",
        hosts,
        "--connect-timeout",
        "20",
    ];
    let p1 = spawn(&[&common[..], &["--process", "1"]].concat(), Stdio::null());
    let p0 = spawn(&[&common[..], &["--process", "0"]].concat(), Stdio::piped());
    let out0 = p0.wait_with_output().expect("process 0");
    let out1 = p1.wait_with_output().expect("process 1");
    assert_eq!(out0.status.code(), out1.status.code(), "{scenario}");
    assert!(out1.stdout.is_empty(), "only process 0 prints");
    out0
}

/// What timely must report beside bfs (`--no-por`): the same verdict, check and trace length;
/// after a pass the same counts. After a violation, the counts of every state up to the
/// shallowest violating depth ([`whole_levels`]), where bfs, which stops at its first
/// violating step, counts that last level only up to it.
fn same(scenario: &str, bfs: &Value, timely: &Value) {
    for key in ["verdict", "check", "trace_length"] {
        assert_eq!(bfs[key], timely[key], "{scenario}: {key}");
    }
    let counts = ["states", "transitions", "depth", "terminal_states"];
    if bfs["verdict"] == "pass" {
        for key in counts {
            assert_eq!(bfs[key], timely[key], "{scenario}: {key}");
        }
        return;
    }
    let depth = timely["trace_length"].as_u64().expect("a trace length") as usize;
    let whole = whole_levels(scenario, depth);
    for key in counts {
        assert_eq!(timely[key], whole[key], "{scenario}: {key} of whole levels");
        let (b, t) = (bfs[key].as_u64().unwrap(), timely[key].as_u64().unwrap());
        assert!(b <= t, "{scenario}: {key}: bfs {b} above timely {t}");
    }
}

/// The counts of an unreduced breadth-first search that goes on past violations (a
/// violating state is counted, not expanded) and stops before expanding `depth`: every state
/// up to `depth` and every transition into them.
fn whole_levels(scenario: &str, depth: usize) -> Value {
    let scenario = weft_model::Scenario::resolve(scenario).expect("a shipped scenario");
    let checker = weft_explorer::Checker::new()
        .reduction(weft_explorer::Reduction::Off)
        .keep_going(true)
        .limits(weft_explorer::Limits {
            max_depth: Some(depth),
            ..Default::default()
        });
    let stats = scenario.model().check(&checker).expect("bfs runs").stats;
    serde_json::json!({
        "states": stats.states,
        "transitions": stats.transitions,
        "depth": stats.depth,
        "terminal_states": stats.terminal_states,
    })
}

fn bfs(scenario: &str) -> (Value, Option<i32>) {
    let out = weft(&["check", scenario, "--no-por", "--json", "-q"]);
    (json(&out), out.status.code())
}

fn small_shipped() -> Vec<(String, Value, Option<i32>)> {
    shipped()
        .into_iter()
        .filter(|s| !s.ends_with("_3x3"))
        .map(|s| {
            let (doc, code) = bfs(&s);
            (s, doc, code)
        })
        .filter(|(_, doc, _)| doc["states"].as_u64().unwrap() <= SMALL_ENOUGH)
        .collect()
}

#[test]
fn two_workers_match_bfs_on_every_small_shipped_scenario() {
    let scenarios = small_shipped();
    assert!(scenarios.len() > 20);
    for (s, doc, code) in scenarios {
        let out = weft(&[
            "check",
            &s,
            "--engine",
            "timely",
            "--workers",
            "2",
            "--json",
            "-q",
        ]);
        assert_eq!(out.status.code(), code, "{s}");
        let timely = json(&out);
        assert_eq!(timely["engine"], "timely");
        assert_eq!(timely["threads"], 2);
        same(&s, &doc, &timely);
    }
}

#[test]
fn two_processes_match_bfs_on_every_small_shipped_scenario() {
    let hosts = hostfile("two");
    for (s, doc, code) in small_shipped() {
        let out = two_processes(&s, &hosts);
        assert_eq!(out.status.code(), code, "{s}");
        same(&s, &doc, &json(&out));
    }
}

#[test]
fn scaled_3x3_matches_bfs_on_two_workers_and_two_processes() {
    let s = "pt_frag/pt_frag_refcount_scaled_3x3";
    let (doc, code) = bfs(s);
    let out = weft(&[
        "check",
        s,
        "--engine",
        "timely",
        "--workers",
        "2",
        "--json",
        "-q",
    ]);
    assert_eq!(out.status.code(), code);
    same(s, &doc, &json(&out));
    let out = two_processes(s, &hostfile("3x3"));
    assert_eq!(out.status.code(), code);
    same(s, &doc, &json(&out));
}

#[test]
fn a_timely_counterexample_replays() {
    let dir = std::env::temp_dir().join(format!("weft-timely-{}-replay", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("l.json");
    let out = weft(&[
        "check",
        "pt_frag/set_page_count_L",
        "--engine",
        "timely",
        "--workers",
        "3",
        "--trace-out",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("counterexample (18 steps, shortest"),
        "{text}"
    );
    let replay = weft(&["replay", trace.to_str().unwrap()]);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replay.stdout)
    );
}

#[test]
fn a_peer_that_never_comes_ends_the_run_with_exit_3() {
    let hosts = hostfile("absent");
    let start = Instant::now();
    let out = weft(&[
        "check",
        "pt_frag/set_page_count_L",
        "--engine",
        "timely",
        "--processes",
        "2",
        "--process",
        "1",
        "--hostfile",
        hosts.to_str().unwrap(),
        "--connect-timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(start.elapsed() < Duration::from_secs(10));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not answer within 1s"), "{err}");
}

#[test]
fn a_peer_killed_mid_run_ends_the_other_with_exit_3() {
    let hosts = hostfile("killed");
    let hosts = hosts.to_str().unwrap();
    let common = [
        "check",
        "pt_frag/pt_frag_refcount_scaled_3x3",
        "--engine",
        "timely",
        "--processes",
        "2",
        "--hostfile",
        hosts,
        "--connect-timeout",
        "20",
    ];
    let mut p1 = spawn(&[&common[..], &["--process", "1"]].concat(), Stdio::null());
    let mut p0 = spawn(&[&common[..], &["--process", "0"]].concat(), Stdio::piped());
    // Wait until the search is under way (a few levels done), then kill process 1.
    let mut lines = BufReader::new(p0.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("level 10:") {
            break;
        }
    }
    p1.kill().unwrap();
    p1.wait().unwrap();
    let killed = Instant::now();
    std::thread::spawn(move || lines.for_each(drop));
    let status = loop {
        if let Some(status) = p0.try_wait().unwrap() {
            break status;
        }
        if killed.elapsed() > Duration::from_secs(20) {
            p0.kill().unwrap();
            panic!("process 0 hangs after its peer died");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(3));
}

/// A cluster that cannot be described is bad usage (exit 2), refused before any connection,
/// with the hostfile's line: not a peer failure (exit 3).
#[test]
fn a_malformed_hostfile_or_zero_workers_is_exit_2() {
    let dir = std::env::temp_dir().join(format!("weft-timely-{}-bad", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hosts = dir.join("hosts");
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "pt_frag/set_page_count_D", "--engine", "timely"];
        args.extend(extra);
        let out = weft(&args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let cluster = ["--processes", "2", "--hostfile", hosts.to_str().unwrap()];
    for (text, want) in [
        (
            "127.0.0.1:2101\nnode1\n",
            "line 2: `node1` is not host:port",
        ),
        ("# hosts\n127.0.0.1:http\n127.0.0.1:2102\n", "line 2:"),
        ("127.0.0.1:2101\n\n127.0.0.1:2101\n", "line 3:"),
        ("127.0.0.1:2101\n", "1 address(es) for 2 processes"),
    ] {
        std::fs::write(&hosts, text).unwrap();
        let (code, err) = run(&cluster);
        assert_eq!(code, Some(2), "{text:?}: {err}");
        assert!(err.contains(want), "{text:?}: wanted `{want}` in {err}");
    }
    let (code, err) = run(&["--workers", "0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--workers <W>': must be between 1 and"),
        "{err}"
    );
}
