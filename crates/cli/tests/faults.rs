//! Faults a user's machine throws at weft: a full disk, a closed or full stdout, SIGTERM and
//! SIGINT mid-search, a memory limit, paths that cannot be written. Each run checks the exit
//! code, the message, that the summary is printed, that nothing panicked, and that no file
//! that existed was damaged.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const WEFT: &str = env!("CARGO_BIN_EXE_weft");

/// A search that runs for minutes (with `--no-symmetry`): long enough to be stopped from outside.
const LONG: &str = "bench/scenarios/pt_frag_refcount_scaled_4x4.toml";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn weft(args: &[&str]) -> Output {
    Command::new(WEFT)
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("weft runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// No panic message, no backtrace, no abort.
fn no_panic(o: &Output) {
    let (_, err) = text(o);
    assert!(
        !err.contains("panicked at") && !err.contains("stack backtrace"),
        "{err}"
    );
    assert!(
        o.status.code().is_some(),
        "killed by a signal: {:?}",
        o.status
    );
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Runs `script` with `sh` where it may mount a file system of its own (a private mount
/// namespace, as root or in a user namespace); `None` where it cannot, which CI does not allow.
fn in_mount_namespace(script: &str) -> Option<Output> {
    for unshare in [&["-m"][..], &["-rm"][..]] {
        let probe = Command::new("unshare")
            .args(unshare)
            .args([
                "sh",
                "-c",
                "mount -t tmpfs -o size=64k tmpfs /mnt || exit 1",
            ])
            .output();
        if probe.is_ok_and(|o| o.status.success()) {
            let o = Command::new("unshare")
                .args(unshare)
                .args(["sh", "-c", script])
                .current_dir(workspace())
                .output()
                .expect("sh runs");
            return Some(o);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must be able to mount a small tmpfs (unshare -m, or -rm) for the full-disk test"
    );
    eprintln!("skipped: this machine cannot mount a tmpfs in a private namespace");
    None
}

/// What a script run on a full disk printed, and what its commands wrote to `$OUT` and `$ERR`.
struct FullDisk {
    report: String,
    stdout: String,
    stderr: String,
}

/// Mounts a tmpfs of `size` at `$M` (a folder of `dir`), runs `setup`, fills the tmpfs, then
/// runs `run`, in `sh` with `$M`, `$OUT`, `$ERR` (files of `dir`) and `$WEFT` set; `None`
/// where no tmpfs can be mounted ([`in_mount_namespace`]).
fn on_a_full_disk(dir: &Path, size: &str, setup: &str, run: &str) -> Option<FullDisk> {
    let mnt = dir.join("full");
    std::fs::create_dir(&mnt).unwrap();
    let (out, err) = (dir.join("out"), dir.join("err"));
    let script = format!(
        "set -u; M={m}; OUT={out}; ERR={err}; WEFT={WEFT}
         mount -t tmpfs -o size={size} tmpfs \"$M\" || exit 100
         {setup}
         dd if=/dev/zero of=\"$M/fill\" bs=4k 2>/dev/null
         {run}",
        m = mnt.display(),
        out = out.display(),
        err = err.display(),
    );
    let o = in_mount_namespace(&script)?;
    Some(FullDisk {
        report: text(&o).0,
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
    })
}

/// On a full disk, saving a trace over a good one leaves the good one whole, prints the
/// verdict and summary anyway, and exits 2 naming the path; `show --out` the same.
#[test]
fn a_full_disk_damages_no_file_and_loses_no_verdict() {
    let dir = scratch();
    let good = dir.path().join("good.json");
    let o = weft(&[
        "check",
        "pt_frag/set_page_count_L",
        "-q",
        "--trace-out",
        good.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let good = good.display();
    let setup = format!("cp {good} \"$M/t.json\"; printf old > \"$M/view.txt\"");
    let run = format!(
        "$WEFT check pt_frag/set_page_count_L --trace-out \"$M/t.json\" > \"$OUT\" 2> \"$ERR\"
         echo check=$?
         $WEFT show {good} --out \"$M/view.txt\" >> \"$OUT\" 2>> \"$ERR\"
         echo show=$?
         cmp -s {good} \"$M/t.json\" && echo trace-unchanged
         [ \"$(cat \"$M/view.txt\")\" = old ] && echo view-unchanged
         ls -a \"$M\" | grep -c '^\\.weft-' || true"
    );
    let Some(FullDisk {
        report,
        stdout,
        stderr,
    }) = on_a_full_disk(dir.path(), "256k", &setup, &run)
    else {
        return;
    };
    assert!(report.contains("check=2"), "{report}\n{stderr}");
    assert!(report.contains("show=2"), "{report}\n{stderr}");
    assert!(report.contains("trace-unchanged"), "{report}");
    assert!(report.contains("view-unchanged"), "{report}");
    // No temporary file is left behind.
    assert!(report.trim_end().ends_with('0'), "{report}");
    assert!(
        stdout.contains("VIOLATION of refcount_underflow"),
        "{stdout}"
    );
    assert!(stdout.contains("counterexample (18 steps"), "{stdout}");
    assert!(!stdout.contains("trace saved"), "{stdout}");
    assert!(
        stderr.contains("the trace was not saved") && stderr.contains("t.json"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// When the disk of the search's temporary file fills, or no file can be made, the search
/// keeps the rest of its queue and parent links in memory, says so once, and answers as it
/// would have: same verdict, counts and counterexample.
#[test]
fn a_full_temporary_disk_keeps_the_search_in_memory() {
    // A violation after tens of thousands of states, the queue on disk from the first chunk.
    let args = "check bench/scenarios/thp_merged_fix_3proc_M.toml --frontier-memory 0 --json";
    let roomy = weft(&args.split(' ').collect::<Vec<_>>());
    assert_eq!(roomy.status.code(), Some(1), "{:?}", text(&roomy));
    let dir = scratch();
    let run = format!("TMPDIR=\"$M\" $WEFT {args} > \"$OUT\" 2> \"$ERR\"; echo check=$?");
    let Some(FullDisk {
        report,
        stdout,
        stderr,
    }) = on_a_full_disk(dir.path(), "64k", "", &run)
    else {
        return;
    };
    assert!(report.contains("check=1"), "{report}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr
            .matches("cannot write the search's temporary file")
            .count(),
        1,
        "{stderr}"
    );
    let json = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
    let (roomy, full) = (json(&roomy.stdout), json(stdout.as_bytes()));
    assert!(
        roomy["disk_bytes"].as_u64().unwrap() > 0,
        "the roomy run used its file"
    );
    assert_eq!(full["disk_bytes"], 0, "{full}");
    for key in [
        "check",
        "states",
        "transitions",
        "depth",
        "trace_length",
        "trace",
    ] {
        assert_eq!(roomy[key], full[key], "{key}");
    }
    // No file at all (a temporary folder that is not there): the same, said once.
    let o = Command::new(WEFT)
        .args(args.split(' '))
        .env("TMPDIR", dir.path().join("missing"))
        .current_dir(workspace())
        .output()
        .expect("weft runs");
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    no_panic(&o);
    let (_, stderr) = text(&o);
    assert_eq!(
        stderr
            .matches("cannot create the search's temporary file")
            .count(),
        1,
        "{stderr}"
    );
    let nowhere = json(&o.stdout);
    assert_eq!(nowhere["disk_bytes"], 0, "{nowhere}");
    for key in ["check", "states", "transitions", "trace"] {
        assert_eq!(roomy[key], nowhere[key], "{key}");
    }
}

/// A closed stdout (the reader went away) and a full one are exit 2, not a panic.
#[test]
fn a_closed_or_full_stdout_is_an_error_not_a_panic() {
    let mut child = Command::new(WEFT)
        .args(["check", "pt_frag/set_page_count_L"])
        .current_dir(workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    no_panic(&o);
    let full = std::fs::File::create("/dev/full").unwrap();
    let o = Command::new(WEFT)
        .args(["list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    no_panic(&o);
    assert!(
        text(&o).1.contains("No space left on device"),
        "{:?}",
        text(&o)
    );
}

/// SIGTERM and SIGINT mid-search stop it like a limit: exit 3 and the summary.
#[test]
fn sigterm_and_sigint_stop_a_search_with_its_summary() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let child = Command::new(WEFT)
            .args(["check", LONG, "--no-symmetry", "-q", "--time-limit", "120"])
            .current_dir(workspace())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        // SAFETY: a signal to a child this test started and has not reaped.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let o = child.wait_with_output().unwrap();
        let (out, _) = text(&o);
        assert_eq!(o.status.code(), Some(3), "signal {signal}: {out}");
        assert!(
            out.contains("STOPPED before a verdict: interrupted"),
            "{out}"
        );
        no_panic(&o);
    }
}

/// Running out of address space (`ulimit -v`) ends like a limit: exit 3, the summary of what
/// was explored, and the hint.
#[test]
fn out_of_memory_is_a_limit_with_a_summary() {
    let o = Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -v 250000 && exec {WEFT} check {LONG} --no-symmetry -j 2 --time-limit 300"
            ),
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        out.contains("STOPPED before a verdict: out of memory"),
        "{out}"
    );
    assert!(
        out.contains("--bitstate MB") && out.contains("explored so far"),
        "{out}"
    );
    no_panic(&o);
}

/// Paths that cannot be written are refused before the search, and what is there (a link,
/// its target, a device) is left alone.
#[test]
fn unwritable_paths_are_refused_first_and_left_alone() {
    let dir = scratch();
    let target = dir.path().join("target.json");
    std::fs::write(&target, "mine").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let missing = dir.path().join("no/such/folder/t.json");
    for (path, says) in [
        (link.as_path(), "a symbolic link"),
        (Path::new("/dev/null"), "a device"),
        (missing.as_path(), "no such folder"),
        (dir.path(), "a folder"),
    ] {
        // The long search would take minutes: refused first, it returns at once.
        let o = weft(&["check", LONG, "--trace-out", path.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(says), "{}: {err}", path.display());
        assert!(out.is_empty(), "{out}");
        no_panic(&o);
    }
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// Two scenarios with the same file name keep a trace each in `--trace-out DIR`.
#[test]
fn traces_of_scenarios_named_alike_do_not_overwrite_each_other() {
    let dir = scratch();
    for (sub, shipped) in [("a", "set_page_count_D"), ("b", "set_page_count_L")] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::copy(
            workspace().join(format!("models/pt_frag/{shipped}.toml")),
            dir.path().join(sub).join("x.toml"),
        )
        .unwrap();
    }
    let traces = dir.path().join("traces");
    let (a, b) = (dir.path().join("a/x.toml"), dir.path().join("b/x.toml"));
    let o = weft(&[
        "check",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-q",
        "--trace-out",
        traces.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let checks: Vec<String> = ["x.trace.json", "x-2.trace.json"]
        .iter()
        .map(|f| {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(traces.join(f)).unwrap()).unwrap();
            doc["violation"]["check"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(checks, ["dtor_missed", "refcount_underflow"]);
}

/// Every numeric option outside its range is refused with exit 2 and the range.
#[test]
fn numeric_options_out_of_range_are_refused() {
    for (args, says) in [
        (&["--max-states", "0"][..], "must be at least 1"),
        (&["-j", "100000"], "must be between 0 and 256"),
        (&["--bitstate", "0"], "must be at least 1"),
        (
            &["--bitstate", "18000000000000"],
            "more than this machine's memory",
        ),
        (
            &["--frontier-memory", "99999999999"],
            "more than this machine's memory",
        ),
        (&["--time-limit", "nan"], "positive number of seconds"),
        (
            &["--engine", "pct", "--pct-depth", "0"],
            "must be between 1 and",
        ),
        (
            &["--engine", "random", "--iterations", "0"],
            "must be at least 1",
        ),
        (
            &["--engine", "timely", "--workers", "0"],
            "must be between 1 and",
        ),
    ] {
        let mut all = vec!["check", "pt_frag/set_page_count_D"];
        all.extend_from_slice(args);
        let o = weft(&all);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        no_panic(&o);
    }
}

// A deadlock found on shuttle threads printing no panic is tested in the explorer
// (crates/explorer/tests/explorer/shuttle.rs): no valid scenario of the shipped models deadlocks.
