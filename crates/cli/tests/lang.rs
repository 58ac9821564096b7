//! The command line on models written in the language: shipped scenarios checked as
//! expected, and a model file with mistakes refused with exit 2 and every mistake's place.

mod common;

use common::{run, workspace};

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
    let dir = std::env::temp_dir().join(format!("weft-cli-lang-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lang")).unwrap();
    std::fs::write(
        dir.join("lang/bad.weft"),
        "int x in 0..3;\nop a() {\n    x = = 1;\n    if (x) { x = 1 }\n}\n",
    )
    .unwrap();
    let scenario = dir.join("bad.toml");
    std::fs::write(
        &scenario,
        "model = \"lang/bad.weft\"\nvariant = \"base\"\n[[thread]]\nname = \"t\"\nops = [\"a\"]\n",
    )
    .unwrap();
    let (code, out, err) = run(&["check", scenario.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(err.contains("bad.weft:3:9"), "{err}");
    assert!(err.contains("bad.weft:4:20"), "{err}");
    let (code, _, err) = run(&[
        "check",
        workspace().join("models/lang/none.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
