//! Scenarios of models written in the language: loaded from their files, verdicts from
//! exploring as their `[expect]` says, with and without reduction, and the counterexample
//! of the buggy variant shaped as the race it stands for.

use std::path::{Path, PathBuf};
use weft_explorer::{Checker, Outcome, Reduction, Verdict};
use weft_model::Scenario;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/lang")
}

fn shipped() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(models())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    all.sort();
    all
}

fn explore(s: &Scenario, reduction: Reduction) -> Outcome {
    let checker = Checker::new().threads(1).reduction(reduction);
    s.model().check(&checker).unwrap()
}

#[test]
fn every_language_scenario_gives_its_expected_verdict_with_and_without_reduction() {
    let all = shipped();
    assert!(all.len() >= 2, "{all:?}");
    for path in all {
        let s = Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e:?}"));
        let expect = s.expect.clone().expect("an [expect] table");
        let (full, reduced) = (explore(&s, Reduction::Off), explore(&s, Reduction::On));
        assert_eq!(expect.judge(&full), Some(true), "{}", path.display());
        assert_eq!(expect.judge(&reduced), Some(true), "{}", path.display());
        assert_eq!(
            format!("{:?}", full.verdict),
            format!("{:?}", reduced.verdict),
            "{}",
            path.display()
        );
    }
}

/// The split freeze fails because a lookup's get lands between the freeze's read and its
/// store: in the counterexample, migration moves, then the lookup, then migration again
/// (the store), and the lookup's reference is then missing from the count.
#[test]
fn the_split_freeze_counterexample_is_a_get_between_read_and_store() {
    let s = Scenario::from_file(&models().join("migrate_vs_lookup_split_freeze.toml")).unwrap();
    let o = explore(&s, Reduction::Off);
    let Verdict::Violation(c) = &o.verdict else {
        panic!("{:?}", o.verdict)
    };
    let (migrate, lookup) = (0, 1);
    let first_lookup = c.schedule.iter().position(|t| *t == lookup).unwrap();
    assert_eq!(c.schedule[..first_lookup], vec![migrate; first_lookup]);
    assert!(
        c.schedule[first_lookup..].contains(&migrate),
        "{:?}",
        c.schedule
    );
    assert_eq!(
        c.schedule.last(),
        Some(&lookup),
        "the lookup's put finds the count lost"
    );
    // The same threads with the kernel's freeze pass.
    let fixed = s.with_variant("cmpxchg_freeze").unwrap();
    assert!(matches!(
        explore(&fixed, Reduction::Off).verdict,
        Verdict::Pass
    ));
}

/// A model file with mistakes is refused with each mistake's place in the model file.
#[test]
fn mistakes_in_a_model_file_are_reported_in_that_file() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("lang")).unwrap();
    std::fs::write(
        dir.join("lang/bad.weft"),
        "int x in 0..3;\nop a() {\n    x = = 1;\n}\n",
    )
    .unwrap();
    let scenario = dir.join("bad.toml");
    std::fs::write(
        &scenario,
        "model = \"lang/bad.weft\"\nvariant = \"base\"\n[[thread]]\nname = \"t\"\nops = [\"a\"]\n",
    )
    .unwrap();
    let e = Scenario::from_file(&scenario).unwrap_err();
    assert!(e.location.ends_with("bad.weft:3:9"), "{}", e.location);
    std::fs::remove_dir_all(&dir).ok();
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-lang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every `weft` block of the guide is an excerpt of a model it walks through (the freeze it is
/// built on, or the pt_frag model), word for word.
#[test]
fn the_guides_examples_are_taken_from_the_model_the_tests_load() {
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/writing-a-model.md"),
    )
    .unwrap();
    let models: Vec<String> = ["page_ref_freeze.weft", "pt_frag.weft"]
        .iter()
        .map(|m| std::fs::read_to_string(models().join(m)).unwrap())
        .collect();
    let blocks: Vec<&str> = guide
        .split("```weft\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 4, "{}", blocks.len());
    for b in blocks {
        assert!(
            models.iter().any(|m| m.contains(b)),
            "not in the models:\n{b}"
        );
    }
}
