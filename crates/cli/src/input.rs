//! Reading a scenario named on the command line: a file, a folder of them, or a shipped
//! scenario's name.

use anyhow::{bail, Context, Result};
use std::path::Path;
use weft_model::Scenario;

/// The scenario arguments with each folder replaced by the `.toml` files in it, by name
/// (`weft check models/thp/`); files and shipped names as they are.
pub fn expand(args: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if !path.is_dir() {
            out.push(arg.clone());
            continue;
        }
        let mut files: Vec<String> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the folder {arg}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if files.is_empty() {
            bail!("the folder {arg} holds no scenario (.toml) files");
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// The scenario `arg` names (a file or a shipped name), or `None` after drawing what is wrong
/// with it on stderr (file, line, column and what would be valid).
pub fn load_scenario(arg: &str) -> Option<Scenario> {
    match Scenario::resolve(arg) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            None
        }
    }
}
