//! The seed corpus: the files weft ships (scenarios under `models/` and `bench/scenarios/`,
//! the traces under `reports/` and the test fixtures) and the extra seeds in `fuzz/corpus/`.

use crate::Target;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The folders whose files seed `target`, and the file name ending they must have.
fn sources(target: Target) -> (Vec<&'static str>, &'static str) {
    match target {
        Target::Scenario => (
            vec!["models", "bench/scenarios", "fuzz/corpus/scenario"],
            ".toml",
        ),
        Target::Trace => (
            vec!["reports", "crates/cli/tests/fixtures", "fuzz/corpus/trace"],
            ".json",
        ),
        Target::Hostfile => (vec!["fuzz/corpus/hostfile"], ".txt"),
    }
}

/// The seed files of `target`, sorted by path so that a run is the same on every machine.
pub fn files(target: Target) -> Vec<PathBuf> {
    let (dirs, ending) = sources(target);
    let mut found = Vec::new();
    for dir in dirs {
        walk(&root().join(dir), ending, &mut found);
    }
    found.sort();
    found
}

/// The contents of `target`'s seed files.
pub fn seeds(target: Target) -> Vec<Vec<u8>> {
    files(target)
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn walk(dir: &Path, ending: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, ending, out);
        } else if path.to_string_lossy().ends_with(ending) {
            out.push(path);
        }
    }
}
