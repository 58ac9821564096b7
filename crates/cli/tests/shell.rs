//! Shell completions and man pages come from the clap definitions: every subcommand and
//! option is in them.

use std::process::Command;

fn weft(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .output()
        .expect("weft runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn completions_cover_every_subcommand_and_the_shells_parse_them() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, script) = weft(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        for word in ["check", "replay", "trace-out", "as-expected"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // The bash script is valid bash.
    let (_, script) = weft(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weft.bash");
    std::fs::write(&file, script).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&file).status().unwrap();
    assert!(checked.success());
    let (code, _) = weft(&["completions", "tcsh"]);
    assert_eq!(code, Some(2));
}

#[test]
fn man_pages_are_written_for_every_subcommand() {
    let (code, page) = weft(&["man"]);
    assert_eq!(code, Some(0));
    assert!(page.contains(".TH weft 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let (code, _) = weft(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(0));
    for sub in [
        "weft",
        "weft-check",
        "weft-show",
        "weft-replay",
        "weft-graph",
        "weft-report",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("{sub}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {sub} 1")), "{sub}");
    }
    let check = std::fs::read_to_string(dir.path().join("weft-check.1")).unwrap();
    assert!(
        check.contains("max\\-states"),
        "weft-check.1 lacks --max-states"
    );
}
