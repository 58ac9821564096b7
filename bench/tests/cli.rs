//! The benchmark commands explain themselves and refuse bad input before measuring anything.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin)
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_names_the_options() {
    let (code, out, _) = run(env!("CARGO_BIN_EXE_weft-bench"), &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--runs") && out.contains("SCENARIOS"), "{out}");
    let (code, out, _) = run(env!("CARGO_BIN_EXE_weft-peers"), &["--help"]);
    assert_eq!(code, 0);
    for option in [
        "--runs",
        "--sizes",
        "--budget",
        "--mem-budget",
        "--tools",
        "--threads",
        "--promela",
        "spin-hc-por",
    ] {
        assert!(out.contains(option), "{option} missing from:\n{out}");
    }
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let (code, _, err) = run(env!("CARGO_BIN_EXE_weft-bench"), &["no_such_scenario"]);
    assert_eq!(code, 2);
    assert!(err.contains("no_such_scenario"), "{err}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_weft-peers"), &["--sizes", "3y3"]);
    assert_eq!(code, 2);
    assert!(err.contains("WALKERSxOWNERS"), "{err}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_weft-bench"), &["--runs", "0"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_weft-peers"), &["--tools", "tlc"]);
    assert_eq!(code, 2);
    assert!(err.contains("spin-hc"), "the choices are listed: {err}");
    let (code, _, err) = run(env!("CARGO_BIN_EXE_weft-peers"), &["--threads", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn only_the_chosen_configurations_run() {
    let (code, out, err) = run(
        env!("CARGO_BIN_EXE_weft-peers"),
        &[
            "--sizes",
            "2x2",
            "--runs",
            "1",
            "--threads",
            "2",
            "--tools",
            "weft-por",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| 2x2 |")).collect();
    assert_eq!(
        rows.len(),
        1,
        "one configuration on one thread count:\n{out}"
    );
    let cells: Vec<&str> = rows[0].split('|').map(str::trim).collect();
    assert_eq!(&cells[2..5], ["weft + POR", "2", "yes"], "{out}");
    assert!(cells[5].parse::<u64>().is_ok_and(|n| n > 0), "{out}");
}

#[test]
fn promela_is_printed_for_a_size() {
    let (code, out, _) = run(env!("CARGO_BIN_EXE_weft-peers"), &["--promela", "2x2"]);
    assert_eq!(code, 0);
    assert!(out.contains("proctype"), "{out}");
}

/// With `--baseline`, another build's children run beside this build's and the table says
/// how the two compare (here the baseline is this build itself).
#[test]
fn a_baseline_build_is_measured_side_by_side() {
    let bench = env!("CARGO_BIN_EXE_weft-bench");
    let (code, out, err) = run(
        bench,
        &[
            "pt_frag/pt_frag_refcount_C",
            "--runs",
            "1",
            "--min-time",
            "0",
            "--baseline",
            bench,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("| baseline |").count(), 4, "{out}");
    assert_eq!(out.matches("| this |").count(), 4, "{out}");
    assert!(
        out.contains("this build's states/s over the baseline's"),
        "{out}"
    );
}
