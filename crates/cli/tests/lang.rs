//! The command line on models written in the language: shipped scenarios checked as
//! expected; every view on them prints the verdict, check and trace that exploring found;
//! and a model file with mistakes refused with exit 2 and every mistake's place.

mod common;

use common::{run, workspace};
use std::path::PathBuf;

#[test]
fn shipped_language_scenarios_check_as_expected_with_and_without_reduction() {
    // A violation exits 1 even when expected; a pass 0.
    for (name, exit) in [
        ("migrate_vs_lookup_split_freeze", 1),
        ("migrate_vs_lookup_cmpxchg_freeze", 0),
    ] {
        let path = format!("models/lang/{name}.toml");
        for extra in [None, Some("--no-por")] {
            let mut args = vec!["check", path.as_str()];
            args.extend(extra);
            let (code, out, err) = run(&args);
            assert_eq!(code, Some(exit), "{args:?}\n{out}\n{err}");
            assert!(out.contains("(as expected)"), "{args:?}\n{out}");
        }
    }
}

#[test]
fn compare_runs_every_variant_of_a_language_model() {
    let (code, out, err) = run(&[
        "compare",
        "models/lang/migrate_vs_lookup_split_freeze.toml",
        "--variants",
        "all",
    ]);
    assert!(code.is_some(), "{err}");
    assert!(
        out.contains("split_freeze") && out.contains("cmpxchg_freeze"),
        "{out}\n{err}"
    );
}

#[test]
fn a_model_file_with_mistakes_is_refused_with_exit_2_and_every_place() {
    let bad = "int x in 0..3;\nop a() {\n    x = = 1;\n    if (x) { x = 1 }\n}\n";
    at(&refused("bad", bad, ""), &["bad.weft:3:9", "bad.weft:4:20"]);
    let (code, _, err) = run(&[
        "check",
        workspace().join("models/lang/none.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
}

const SPLIT: &str = "lang/migrate_vs_lookup_split_freeze";
const CMPXCHG: &str = "lang/migrate_vs_lookup_cmpxchg_freeze";

fn ok(args: &[&str], exit: i32) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, Some(exit), "{args:?}\n{out}\n{err}");
    out
}

/// Whether `out` says each of `words`, whitespace aside (long lines are wrapped).
fn has(out: &str, words: &[&str]) {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(out);
    for w in words {
        assert!(text.contains(&flat(w)), "no {w:?} in:\n{out}");
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-lang-views-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The split freeze's counterexample, saved.
fn trace() -> (PathBuf, String) {
    let dir = temp("trace");
    let path = dir.join("split.json");
    let out = ok(&["check", SPLIT, "--trace-out", path.to_str().unwrap()], 1);
    (path, out)
}

#[test]
fn list_shows_the_language_scenarios_and_they_run_by_name_anywhere() {
    let out = ok(&["list"], 0);
    has(&out, &[SPLIT, CMPXCHG, "lang/page_ref_freeze.weft"]);
    // From a folder with no models/: the model file built into weft is used.
    let dir = temp("anywhere");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["check", CMPXCHG])
        .current_dir(&dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    has(&out, &["PASS", "(as expected)"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_prints_the_race_as_the_statements_that_make_it() {
    let (path, out) = trace();
    has(
        &out,
        &[
            "VIOLATION of VM_BUG_ON  (as expected)",
            "counterexample (4 steps, shortest",
            "1. migrate  if (!page_ref_freeze(&page, 2))",
            "2. lookup   return atomic_add_unless(&page->_refcount, 1, 0);",
            "3. migrate  page->_refcount = 0;",
            "page._refcount 3 -> 0",
            "held (ghost) 3 -> 2",
        ],
    );
    std::fs::remove_file(path).ok();
}

#[test]
fn show_draws_swimlanes_a_story_a_state_and_a_page() {
    let (path, _) = trace();
    let p = path.to_str().unwrap();
    let lanes = ok(&["show", p, "--color", "never"], 0);
    has(
        &lanes,
        &[
            "│ migrate",
            "│ lookup",
            "page->_refcount = 0;",
            "frozen (ghost) false -> true",
            "=> violation of VM_BUG_ON",
        ],
    );
    let story = ok(&["show", p, "--explain"], 0);
    has(
        &story,
        &[
            "how the check VM_BUG_ON fails",
            "Step 3: the migrate runs `page->_refcount = 0;`",
            "The model's ghost bookkeeping",
            "fails at step 4",
        ],
    );
    let state = ok(&["show", p, "--state", "2", "--color", "never"], 0);
    has(
        &state,
        &[
            "the state after step 2 of 4",
            "* page._refcount = 3",
            "* held (ghost)   = 3",
            "next: page->_refcount = 0;",
        ],
    );
    let html = path.with_extension("html");
    ok(
        &[
            "show",
            p,
            "--format",
            "html",
            "--out",
            html.to_str().unwrap(),
        ],
        0,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    has(&page, &["<html", "VM_BUG_ON", "page._refcount", "held"]);
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn replay_re_executes_the_saved_race() {
    let (path, _) = trace();
    let out = ok(&["replay", path.to_str().unwrap()], 0);
    has(
        &out,
        &["confirmed: 4 steps", "end in violation of VM_BUG_ON"],
    );
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn graph_draws_the_states_with_the_counterexample() {
    let out = ok(&["graph", SPLIT], 0);
    has(
        &out,
        &[
            "digraph weft",
            "counterexample of VM_BUG_ON in red",
            "page._refcount=3",
            "(ghost)",
        ],
    );
}

#[test]
fn compare_puts_the_bug_and_its_fix_side_by_side() {
    let out = ok(&["compare", SPLIT, "--variants", "all"], 0);
    let row = |variant: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(variant))
            .unwrap_or_else(|| panic!("no {variant} row:\n{out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("split_freeze")[2..4], ["violation", "VM_BUG_ON"]);
    assert_eq!(row("cmpxchg_freeze")[2..4], ["pass", "-"]);
}

/// timely finds the same shortest race as bfs; shuttle's engines find a violation of the
/// buggy freeze and none of the kernel's.
#[test]
fn the_timely_and_shuttle_engines_run_language_models() {
    let timely = ok(&["check", SPLIT, "--engine", "timely"], 1);
    has(
        &timely,
        &[
            "VIOLATION of VM_BUG_ON  (as expected)",
            "counterexample (4 steps",
            "page->_refcount = 0;",
        ],
    );
    has(&ok(&["check", CMPXCHG, "--engine", "timely"], 0), &["PASS"]);
    for engine in ["random", "pct", "dfs-shuttle"] {
        let out = ok(&["check", SPLIT, "--engine", engine], 1);
        has(&out, &["VIOLATION of", &format!("shuttle {engine}:")]);
        let fixed = ok(&["check", CMPXCHG, "--engine", engine], 0);
        has(&fixed, &["PASS", &format!("shuttle {engine}:")]);
    }
}

#[test]
fn scenario_files_by_path_name_their_folder() {
    let path = workspace().join("models/lang/migrate_vs_lookup_cmpxchg_freeze.toml");
    let out = ok(&["check", path.to_str().unwrap()], 0);
    has(&out, &[&format!("{CMPXCHG}: PASS")]);
}

/// Writes `lang/NAME.weft` and a scenario `NAME.toml` whose one thread calls operation
/// `a` (after the scenario's extra lines), and checks it: exit code, stdout, stderr.
fn check_model(name: &str, model: &str, extra: &str) -> (Option<i32>, String, String) {
    let dir = temp(name);
    std::fs::create_dir_all(dir.join("lang")).unwrap();
    std::fs::write(dir.join(format!("lang/{name}.weft")), model).unwrap();
    let scenario = dir.join(format!("{name}.toml"));
    let toml = format!(
        "model = \"lang/{name}.weft\"\nvariant = \"base\"\n{extra}[[thread]]\nname = \"t\"\nops = [\"a\"]\n"
    );
    std::fs::write(&scenario, toml).unwrap();
    let got = run(&["check", scenario.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    got
}

/// Stderr of checking a model with mistakes, having asserted that it was refused.
fn refused(name: &str, model: &str, extra: &str) -> String {
    let (code, out, err) = check_model(name, model, extra);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(out.is_empty(), "{out}");
    err
}

/// Every place is `file:line:col` with the line drawn and a caret under the mistake.
fn at(err: &str, places: &[&str]) {
    // A wrapped message goes on after a `│` in the margin.
    has(&err.replace('│', " "), places);
    assert!(err.contains('┬') || err.contains('^'), "no caret:\n{err}");
}

#[test]
fn syntax_type_loop_and_recursion_mistakes_are_refused_together() {
    let err = refused(
        "together",
        "int x in 0..3;\nvoid f() { f(); }\nop a() {\n    x = = 1;\n    y = 2;\n    while (x < 3) { x = 1; }\n    x = true;\n    f();\n}\n",
        "",
    );
    at(
        &err,
        &[
            "together.weft:2:12: recursion: f -> f",
            "together.weft:4:9: expected an expression",
            "together.weft:5:5: unknown name `y`",
            "together.weft:6:5: a loop with no bound",
            "together.weft:7:9: expected an integer",
        ],
    );
}

#[test]
fn names_twice_and_values_out_of_range_are_refused() {
    let err = refused(
        "twice",
        "int x in 0..3;\nint x in 0..3;\nu8 f() {\n    return 300;\n}\nop a() {\n    x = 7;\n    f();\n}\n",
        "",
    );
    at(
        &err,
        &[
            "twice.weft:2:1: two globals are named `x`",
            "twice.weft:4:12: 300 is outside the range 0..255",
            "twice.weft:7:9: 7 is outside the range 0..3",
        ],
    );
}

#[test]
fn a_state_that_would_not_fit_is_refused_at_the_model_or_the_scenario() {
    let err = refused(
        "wide",
        "param NR = 2 in 1..300 \"pages\";\nstruct page { int c in 0..3; }\nstruct page pages[NR];\nop a() { }\n",
        "",
    );
    at(
        &err,
        &["wide.weft:3:19: an array has 1 to 256 elements, not 300"],
    );
    let err = refused(
        "shrinks",
        "param NR = 200 in 1..250 \"pages\";\nstruct page { int c in 0..3; }\nstruct page pages[300 - NR];\nop a() { }\n",
        "[params]\nNR = 1\n",
    );
    at(&err, &["shrinks.toml:4:6:", "not 299"]);
}

/// A counter that would cross its declared range at run time is a violation, never a wrap.
#[test]
fn a_counter_crossing_its_range_at_run_time_is_a_violation() {
    let model = "u8 n = 255;\nop a() {\n    atomic_inc(&n);\n}\n";
    let (code, out, err) = check_model("count", model, "");
    assert_eq!(code, Some(1), "{out}\n{err}");
    has(
        &out,
        &[
            "VIOLATION of overflow",
            "n = 256 is outside its range 0..255",
        ],
    );
}
