//! Hand-edited, cut or foreign traces through `weft replay` and `weft show`: every field is
//! checked against the model, every refusal names its step and field and exits 2, and no
//! input makes weft panic.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("weft runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-traces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The trace `weft check` writes for `scenario` with `extra` options, as JSON.
fn trace_of(scenario: &str, extra: &[&str]) -> Value {
    let path = temp(&format!("{}.json", scenario.replace('/', "_")));
    let mut args = vec![
        "check",
        scenario,
        "-q",
        "--trace-out",
        path.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = weft(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `doc` written to a file of its own, and that file's path.
fn write(name: &str, doc: &Value) -> PathBuf {
    let path = temp(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

/// `weft replay` and `weft show` both refuse `doc` with exit code 2 and a message containing
/// `want`, and neither panics.
fn refused(name: &str, doc: &Value, want: &str) {
    let path = write(name, doc);
    for cmd in [&["replay"][..], &["show"], &["show", "--format", "html"]] {
        let mut args = cmd.to_vec();
        args.push(path.to_str().unwrap());
        let o = weft(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {args:?}: {err}");
        assert!(
            err.contains(want),
            "{name}: {args:?}: wanted `{want}` in {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {args:?}: {err}");
    }
}

#[test]
fn every_edited_field_is_refused_naming_its_step_and_field() {
    let original = trace_of("pt_frag/set_page_count_D", &[]);
    let edits: [(&str, &str, &str); 12] = [
        ("/steps/4/thread", "7", "step 5 "),
        (
            "/steps/4/thread_name",
            "\"walker\"",
            "step 5, field `schedule`",
        ),
        ("/steps/2/label", "\"spin_lock(x)\"", "field `label`"),
        ("/steps/4/note", "\"edited\"", "field `note`"),
        ("/steps/0/source/file", "\"mm/x.c\"", "field `source`"),
        ("/steps/0/source/version", "\"v9.9\"", "field `source`"),
        ("/steps/3/changes/0/after", "\"5\"", "field `changes`"),
        ("/params/frag_nr", "3", "field `params`"),
        ("/model", "\"thp\"", "field `model`"),
        ("/variant", "\"top_bits\"", "field `variant`"),
        ("/engine", "\"quantum\"", "field `engine`"),
        ("/violation/message", "\"edited\"", "field `violation`"),
    ];
    for (i, (pointer, value, want)) in edits.iter().enumerate() {
        let mut doc = original.clone();
        *doc.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = serde_json::from_str(value).unwrap();
        refused(&format!("edit{i}.json"), &doc, want);
    }
    // The out-of-range thread is named: the trace says 7, the model another.
    let mut doc = original.clone();
    doc["steps"][4]["thread"] = json!(7);
    refused("thread.json", &doc, "field `thread`: the trace says 7");
    // A shuttle schedule on a trace bfs found.
    let mut doc = original.clone();
    doc["shuttle_schedule"] = json!("9101");
    refused("stray-schedule.json", &doc, "field `shuttle_schedule`");
    // A step dropped, from the steps and the schedule alike.
    let mut doc = original.clone();
    doc["steps"].as_array_mut().unwrap().pop();
    doc["schedule"].as_array_mut().unwrap().pop();
    refused("short.json", &doc, "field `violation`");
}

#[test]
fn the_unedited_trace_is_confirmed_and_shown() {
    let doc = trace_of("pt_frag/set_page_count_D", &[]);
    let path = write("unedited.json", &doc);
    let o = weft(&["replay", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = weft(&["show", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A byte-order mark before a scenario and before a trace: both load.
#[test]
fn a_byte_order_mark_is_skipped_in_scenarios_and_traces_alike() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/pt_frag/set_page_count_D.toml"),
    )
    .unwrap();
    let scenario = temp("bom.toml");
    std::fs::write(&scenario, format!("\u{feff}{text}")).unwrap();
    let trace = temp("bom-from-scenario.json");
    let o = weft(&[
        "check",
        scenario.to_str().unwrap(),
        "-q",
        "--trace-out",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc = std::fs::read_to_string(&trace).unwrap();
    let bom = temp("bom.json");
    std::fs::write(&bom, format!("\u{feff}{doc}")).unwrap();
    for cmd in ["replay", "show"] {
        let o = weft(&[cmd, bom.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", stderr(&o));
    }
}

/// Every cut of a shuttle schedule string, and every one-digit edit of it, is confirmed or
/// refused with exit code 2: never a panic.
#[test]
fn edited_shuttle_schedules_are_refused_without_a_panic() {
    let original = trace_of(
        "pt_frag/set_page_count_L",
        &["--engine", "pct", "--seed", "1"],
    );
    let schedule = original["shuttle_schedule"].as_str().unwrap().to_string();
    let mut variants: Vec<String> = (0..schedule.len()).map(|n| schedule[..n].into()).collect();
    variants.extend(["zz".into(), format!("{schedule}00"), format!("{schedule}0")]);
    for at in (0..schedule.len()).step_by(3) {
        let mut edited = schedule.clone().into_bytes();
        edited[at] = if edited[at] == b'f' { b'0' } else { b'f' };
        variants.push(String::from_utf8(edited).unwrap());
    }
    let mut refused = 0;
    for (i, s) in variants.iter().enumerate() {
        let mut doc = original.clone();
        doc["shuttle_schedule"] = json!(s);
        let path = write(&format!("shuttle{i}.json"), &doc);
        for cmd in [&["replay", "--engine", "shuttle"][..], &["show"]] {
            let mut args = cmd.to_vec();
            args.push(path.to_str().unwrap());
            let o = weft(&args);
            let err = stderr(&o);
            assert!(!err.contains("panicked"), "{s:?}: {args:?}: {err}");
            match o.status.code() {
                Some(0) => {}
                Some(2) => refused += 1,
                other => panic!("{s:?}: {args:?}: exit {other:?}: {err}"),
            }
        }
    }
    // The empty string and every cut are refused by `weft replay --engine shuttle`.
    assert!(refused >= schedule.len(), "only {refused} refusals");
}
