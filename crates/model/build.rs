//! Embeds the shipped scenario files (models/<model>/<name>.toml) and the language's model
//! files (models/lang/<name>.weft) into the crate, so that `weft list` and
//! `weft check pt_frag/<name>` work wherever the binary is.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    // Model files in the language: a shipped scenario finds its model here when the file is
    // not beside it.
    let mut models = Vec::new();
    if let Ok(dirs) = std::fs::read_dir(&root) {
        for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
            println!("cargo:rerun-if-changed={}", dir.path().display());
            for file in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = file.path();
                let folder = dir.file_name().to_string_lossy().to_string();
                // A scenario is named without `.toml`; a model file as a scenario names it.
                let (list, part) = match path.extension().and_then(|e| e.to_str()) {
                    Some("toml") => (&mut entries, path.file_stem()),
                    Some("weft") => (&mut models, path.file_name()),
                    _ => continue,
                };
                let name = format!("{folder}/{}", part.unwrap().to_string_lossy());
                list.push((name, path.canonicalize().unwrap()));
            }
        }
    }
    entries.sort();
    let mut out = String::from("/// Shipped scenarios: (name, path under models/, contents).\npub static SHIPPED: &[(&str, &str, &str)] = &[\n");
    for (name, path) in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = format!("models/{name}.toml");
        writeln!(
            out,
            "    ({name:?}, {rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    models.sort();
    out.push_str("/// Shipped model files in the language: (name as a scenario writes it, contents).\npub static SHIPPED_MODELS: &[(&str, &str)] = &[\n");
    for (name, path) in &models {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("shipped.rs");
    std::fs::write(dest, out).unwrap();
}
