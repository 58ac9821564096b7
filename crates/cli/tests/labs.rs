//! The labs in reports/labs/ run as written: every command of their ```sh blocks, in order, from
//! a scratch folder that has the source tree's models/, exits with the code its `# exit N`
//! comment states.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One lab command: the shell line and the exit code it states.
struct Cmd {
    line: String,
    exit: i32,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The labs, in order (the answers folder is not a lab).
fn labs() -> Vec<PathBuf> {
    let mut labs: Vec<PathBuf> = std::fs::read_dir(root().join("reports/labs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect();
    labs.sort();
    labs
}

/// The commands of a lab's ```sh blocks (fences may be indented inside a list).
fn commands(lab: &Path) -> Vec<Cmd> {
    let text = std::fs::read_to_string(lab).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if !in_sh || line.is_empty() {
            continue;
        }
        let (cmd, comment) = line
            .split_once("# exit ")
            .unwrap_or_else(|| panic!("{}: `{line}` states no `# exit N`", lab.display()));
        let code: String = comment.chars().take_while(char::is_ascii_digit).collect();
        out.push(Cmd {
            line: cmd.trim().to_string(),
            exit: code.parse().expect("an exit code"),
        });
    }
    out
}

#[test]
fn every_lab_command_exits_as_the_lab_states() {
    let weft = Path::new(env!("CARGO_BIN_EXE_weft"));
    let path = format!(
        "{}:{}",
        weft.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let labs = labs();
    assert!(labs.len() >= 4, "four labs or more: {labs:?}");
    let mut ran = 0;
    for lab in &labs {
        let cmds = commands(lab);
        assert!(!cmds.is_empty(), "{} has no ```sh commands", lab.display());
        let answers = lab.with_file_name("answers").join(lab.file_name().unwrap());
        assert!(answers.exists(), "{} has no answers file", lab.display());
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(root().join("models"), dir.path().join("models")).unwrap();
        for c in cmds {
            assert!(
                c.line.starts_with("weft "),
                "{}: `{}`",
                lab.display(),
                c.line
            );
            let o = Command::new("sh")
                .args(["-c", &c.line])
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(c.exit),
                "{}: `{}`\n{}",
                lab.display(),
                c.line,
                String::from_utf8_lossy(&o.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 4 * 5, "only {ran} lab commands ran");
}

#[test]
fn the_command_parser_reads_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let lab = dir.path().join("lab.md");
    std::fs::write(
        &lab,
        "text\n```sh\nweft check x   # exit 1\n```\n\n   ```sh\n   weft replay t --variant v   \
         # exit 0\n   ```\n```text\nnot a command\n```\n",
    )
    .unwrap();
    let cmds = commands(&lab);
    let got: Vec<(&str, i32)> = cmds.iter().map(|c| (c.line.as_str(), c.exit)).collect();
    assert_eq!(got, [("weft check x", 1), ("weft replay t --variant v", 0)]);
}
