//! What the command-line tests share: running the `weft` binary from the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root, where shipped scenario names and `models/` resolve.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs weft from the workspace: its exit code, stdout and stderr.
pub fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("weft runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
