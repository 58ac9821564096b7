//! Bad scenario files are refused with the file, line and column, and what is valid there.

use weft_model::Scenario;

fn error(text: &str) -> String {
    Scenario::parse("bad", "bad.toml", text)
        .unwrap_err()
        .to_string()
}

const GOOD: &str = r#"model = "pt_frag"
variant = "set_page_count"
[params]
frag_nr = 2
[[thread]]
name = "owner"
ops = ["pte_fragment_alloc", "pte_fragment_free"]
"#;

#[test]
fn a_good_file_loads() {
    let s = Scenario::parse("good", "good.toml", GOOD).unwrap();
    assert_eq!(s.variant, "set_page_count");
    assert_eq!(s.params.get("frag_nr"), Some(&2));
}

#[test]
fn unknown_model_variant_operation_parameter() {
    let e = error(&GOOD.replace("\"pt_frag\"", "\"pt_frog\""));
    assert!(
        e.starts_with("bad.toml:1:9: unknown model `pt_frog`"),
        "{e}"
    );
    let e = error(&GOOD.replace("\"set_page_count\"", "\"set_page_cnt\""));
    assert!(
        e.starts_with("bad.toml:2:11: unknown pt_frag variant"),
        "{e}"
    );
    let e = error(&GOOD.replace("\"pte_fragment_free\"", "\"pte_fragment_fre\""));
    assert!(
        e.starts_with("bad.toml:7:30: unknown pt_frag operation `pte_fragment_fre`"),
        "{e}"
    );
    let e = error(&GOOD.replace("frag_nr = 2", "frag_nr = 2\nfrags = 3"));
    assert!(
        e.starts_with("bad.toml:5:9: unknown parameter `frags`"),
        "{e}"
    );
    let e = error(&GOOD.replace("\"pte_fragment_free\"", "\"pte_fragment_free(nobody)\""));
    assert!(e.contains("no thread is named `nobody`"), "{e}");
}

#[test]
fn wrong_types_and_values() {
    let e = error(&GOOD.replace("frag_nr = 2", "frag_nr = \"two\""));
    assert!(
        e.starts_with("bad.toml:4:11: `frag_nr` must be an integer"),
        "{e}"
    );
    let e = error(&GOOD.replace("frag_nr = 2", "frag_nr = 0"));
    assert!(
        e.starts_with("bad.toml:4:11: `frag_nr` must be between 1 and"),
        "{e}"
    );
    let e = error(&GOOD.replace("ops = [", "ops = [1, "));
    assert!(e.starts_with("bad.toml:7:"), "{e}");
}

#[test]
fn broken_toml_and_missing_fields() {
    let e = error("model = \"pt_frag\"\nvariant = ");
    assert!(e.starts_with("bad.toml:2:"), "{e}");
    let e = error("variant = \"set_page_count\"\n[[thread]]\nname = \"t\"\n");
    assert!(e.contains("missing field `model`"), "{e}");
    let e = error(&GOOD.replace("[[thread]]", "[[threads]]"));
    assert!(e.contains("unknown field `threads`"), "{e}");
}

#[test]
fn scenario_logic_errors() {
    let e = error(&GOOD.replace(
        "[\"pte_fragment_alloc\", \"pte_fragment_free\"]",
        "[\"pte_fragment_free\"]",
    ));
    assert!(
        e.contains("frees a pte fragment before it has allocated one"),
        "{e}"
    );
    let e = error(&format!("{GOOD}[expect]\nverdict = \"maybe\"\n"));
    assert!(
        e.starts_with("bad.toml:9:11: unknown verdict `maybe`"),
        "{e}"
    );
}

/// The one rule that says whether a result is what `[expect]` says.
#[test]
fn the_expectation_rule() {
    use weft_explorer::{Counterexample, Outcome, Stats, StopReason, Verdict, Violation};
    let outcome = |verdict: Verdict, shortest: bool, bound: Option<u32>| Outcome {
        verdict,
        stats: Stats::default(),
        engine: "bfs",
        shortest,
        reduced: false,
        preemption_bound: bound,
        only_checks: None,
        symmetry: None,
        preemptions: None,
        sampling: None,
    };
    let failing = |check: &str| {
        Verdict::Violation(Counterexample {
            schedule: vec![0],
            violation: Violation::new(check, "saw it"),
        })
    };
    let expect = |violation: bool, check: Option<&str>| weft_model::Expect {
        violation,
        check: check.map(String::from),
    };
    let dtor = expect(true, Some("dtor_missed"));
    assert_eq!(
        dtor.judge(&outcome(failing("dtor_missed"), true, None)),
        Some(true)
    );
    assert_eq!(
        dtor.judge(&outcome(failing("double_free"), true, None)),
        Some(false)
    );
    // A depth-first or sampled counterexample meets whichever failure comes first.
    assert_eq!(
        dtor.judge(&outcome(failing("double_free"), false, None)),
        Some(true)
    );
    assert_eq!(dtor.judge(&outcome(Verdict::Pass, true, None)), Some(false));
    // A bounded pass says nothing about violations beyond the bound.
    assert_eq!(dtor.judge(&outcome(Verdict::Pass, true, Some(1))), None);
    let stopped = Verdict::Stopped(StopReason::Interrupted);
    assert_eq!(dtor.judge(&outcome(stopped, true, None)), None);
    let pass = expect(false, None);
    assert_eq!(
        pass.judge(&outcome(Verdict::Pass, true, Some(1))),
        Some(true)
    );
    assert_eq!(pass.judge(&outcome(failing("x"), false, None)), Some(false));
    // A search for some checks only (`--check`) judges only the checks it looked for.
    let only = |verdict: Verdict, checks: &[&str]| Outcome {
        only_checks: Some(checks.iter().map(|c| c.to_string()).collect()),
        ..outcome(verdict, true, None)
    };
    assert_eq!(dtor.judge(&only(Verdict::Pass, &["deadlock"])), None);
    assert_eq!(
        dtor.judge(&only(Verdict::Pass, &["dtor_missed"])),
        Some(false)
    );
    assert_eq!(dtor.judge(&only(failing("deadlock"), &["deadlock"])), None);
    assert_eq!(
        dtor.judge(&only(failing("dtor_missed"), &["dtor_missed"])),
        Some(true)
    );
    assert_eq!(pass.judge(&only(Verdict::Pass, &["deadlock"])), None);
    assert_eq!(
        pass.judge(&only(failing("deadlock"), &["deadlock"])),
        Some(false)
    );
}

/// Misspelt names are refused with the closest valid one; an `[expect]` check the model does
/// not have is an error, not a silent "NOT as expected".
#[test]
fn misspellings_are_refused_with_a_suggestion() {
    let e = error(&format!(
        "{GOOD}[expect]\nverdict = \"violation\"\ncheck = \"dtor_mised\"\n"
    ));
    assert!(
        e.starts_with("bad.toml:10:9: pt_frag has no check `dtor_mised`"),
        "{e}"
    );
    let err = Scenario::parse(
        "bad",
        "bad.toml",
        &format!("{GOOD}[expect]\nverdict = \"violation\"\ncheck = \"dtor_mised\"\n"),
    )
    .unwrap_err();
    assert!(
        err.help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `dtor_missed`?"),
        "{:?}",
        err.help
    );
    let err = Scenario::parse(
        "bad",
        "bad.toml",
        &GOOD.replace("\"set_page_count\"", "\"set_pagecount\""),
    )
    .unwrap_err();
    assert!(
        err.help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `set_page_count`?"),
        "{:?}",
        err.help
    );
    let help = |name: &str| {
        Scenario::resolve(name)
            .unwrap_err()
            .help
            .unwrap_or_default()
    };
    assert!(help("thp/merged_fix_m").starts_with("did you mean: thp/merged_fix_M"));
    assert!(help("pt_frag/set_pagecount_L").starts_with("did you mean: pt_frag/set_page_count_L"));
    // The implied deadlock check may be expected.
    Scenario::parse(
        "ok",
        "ok.toml",
        &format!("{GOOD}[expect]\nverdict = \"violation\"\ncheck = \"deadlock\"\n"),
    )
    .unwrap();
}

/// An operation called with the wrong arguments says how it is written; a thread with no
/// operations is refused.
#[test]
fn wrong_arguments_and_empty_threads() {
    let thp = "model = \"thp\"\nvariant = \"merged_fix\"\n[[thread]]\nname = \"P\"\n\
               ops = [\"thp_fault\", \"write\"]\n";
    let e = error(thp);
    assert!(
        e.contains("`write` with 0 argument(s) is not an operation: it is written write(i)"),
        "{e}"
    );
    let e = error(&GOOD.replace(
        "ops = [\"pte_fragment_alloc\", \"pte_fragment_free\"]",
        "ops = []",
    ));
    assert!(
        e.starts_with("bad.toml:6:8: thread `owner` calls no operations"),
        "{e}"
    );
}

/// `child_of` mistakes point at the `child_of` line.
#[test]
fn child_of_errors_have_a_line_and_column() {
    let e = error(
        "model = \"thp\"\nvariant = \"merged_fix\"\n[[thread]]\nname = \"P\"\n\
         ops = [\"thp_fault\"]\n[[thread]]\nname = \"C\"\nchild_of = \"P\"\nops = [\"exit\"]\n",
    );
    assert!(
        e.starts_with("bad.toml:8:12: thread `C` is child_of `P`, but `P` has no fork for it"),
        "{e}"
    );
}

/// Every mistake found before the model is built comes in one run, in file order: a type
/// error on line 4 is no longer hidden behind "no threads".
#[test]
fn mistakes_come_together_in_file_order() {
    let text = "model = \"pt_frag\"\nvariant = \"set_page_cnt\"\n[params]\nfrag_nr = \"two\"\n\
                [[thread]]\nname = \"a\"\nops = [\"pte_fragment_fre\", \"write\"]\n\
                [[thread]]\nname = \"a\"\nops = [\"pte_fragment_alloc\"]\n\
                [expect]\nverdict = \"maybe\"\n";
    let e = Scenario::parse("bad", "bad.toml", text).unwrap_err();
    let all: Vec<String> = std::iter::once(&e)
        .chain(&e.others)
        .map(|e| e.to_string())
        .collect();
    let want = [
        "bad.toml:2:11: unknown pt_frag variant `set_page_cnt`",
        "bad.toml:4:11: `frag_nr` must be an integer, not string",
        "bad.toml:7:8: unknown pt_frag operation `pte_fragment_fre`",
        "bad.toml:7:28: unknown pt_frag operation `write`",
        "bad.toml:9:8: two threads are named `a`",
        "bad.toml:12:11: unknown verdict `maybe`",
    ];
    assert_eq!(all, want);
    let e =
        error("model = \"pt_frag\"\nvariant = \"set_page_count\"\n[params]\nfrag_nr = \"two\"\n");
    assert!(
        e.starts_with("bad.toml:4:11: `frag_nr` must be an integer"),
        "{e}"
    );
}

/// A free that can never run is refused, instead of ending in a deadlock report.
#[test]
fn a_free_of_a_fragment_never_allocated_is_refused() {
    let e = error(
        "model = \"pt_frag\"\nvariant = \"pt_frag_refcount\"\n[[thread]]\nname = \"owner\"\n\
         ops = [\"pte_fragment_alloc\", \"pte_fragment_free(walker)\"]\n[[thread]]\n\
         name = \"walker\"\nops = [\"speculative_get_put\"]\n",
    );
    assert!(
        e.starts_with("bad.toml:5:30: this frees a fragment of walker that is never allocated"),
        "{e}"
    );
    // As many frees as allocations is fine, whoever frees.
    let ok = "model = \"pt_frag\"\nvariant = \"pt_frag_refcount\"\n[[thread]]\nname = \"owner\"\n\
              ops = [\"pte_fragment_alloc\"]\n[[thread]]\nname = \"rcu\"\n\
              ops = [\"pte_fragment_free(owner)\"]\n";
    assert!(Scenario::parse("ok", "ok.toml", ok).is_ok());
    // Another thread's free of the owner's fragment, written first, is not the owner's own.
    let ok = "model = \"pt_frag\"\nvariant = \"pt_frag_refcount\"\n[[thread]]\nname = \"rcu\"\n\
              ops = [\"pte_fragment_free(owner)\"]\n[[thread]]\nname = \"owner\"\n\
              ops = [\"pte_fragment_alloc\", \"pte_fragment_alloc\", \"pte_fragment_free\"]\n";
    assert!(Scenario::parse("ok", "ok.toml", ok).is_ok());
}

/// `variant` may be left out only where there is one to pick: a language model that
/// declares none explores its own code (`base`); elsewhere the error lists the variants.
#[test]
fn variant_is_optional_only_for_a_model_with_one() {
    let e = Scenario::parse(
        "bad",
        "bad.toml",
        &GOOD.replace("variant = \"set_page_count\"\n", ""),
    )
    .unwrap_err();
    assert!(e.message.contains("missing field `variant`"), "{e}");
    let help = e.help.unwrap_or_default();
    assert!(help.contains("set_page_count, page_ref_add"), "{help}");
    let dir = std::env::temp_dir().join(format!("weft-variant-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = "int x in 0..2;\nop inc() {\n    atomic_inc(&x);\n}\n";
    std::fs::write(dir.join("one.weft"), model).unwrap();
    let scenario = dir.join("one.toml");
    let text = "model = \"one.weft\"\n[[thread]]\nname = \"t\"\nops = [\"inc\"]\n";
    let s = Scenario::parse("one", scenario.to_str().unwrap(), text).unwrap();
    assert_eq!(s.variant, "base");
    let text = text.replace("[[thread]]", "variant = \"fixed\"\n[[thread]]");
    let e = Scenario::parse("one", scenario.to_str().unwrap(), &text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown"), "{e}");
}
