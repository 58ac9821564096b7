//! Models written in weft's language. A scenario names one by its file,
//! `model = "lang/NAME.weft"`, found beside the scenario first (its folder, then the folder
//! above), then under `models/`, then among the model files built into weft; the file is parsed and checked once, and becomes a
//! [`ModelKind`] like a built-in model's, so that every command works on it.

use crate::registry::{ModelKind, Spec};
use crate::scenario::{BuildError, Where};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use weft_explorer::AnyModel;
use weft_lang::{At, Diag, Program, ThreadCalls};

/// Whether a scenario's `model` names a language model file.
pub fn is_language_model(model: &str) -> bool {
    model.ends_with(".weft")
}

/// Why a language model cannot be loaded.
pub(crate) enum LoadError {
    /// No file at any of these paths.
    NotFound(Vec<PathBuf>),
    /// The file exists but cannot be read.
    Unreadable(PathBuf, std::io::Error),
    /// The file has mistakes: its path, text, and every mistake.
    Program(PathBuf, String, Vec<Diag>),
}

/// Every language model loaded: the file, its text, and its kind (leaked: a kind lives as
/// long as the process, as built-in ones do, and each file is loaded once per text).
type Loaded = Vec<(PathBuf, String, &'static ModelKind)>;

static LOADED: Mutex<Loaded> = Mutex::new(Vec::new());

/// The language model a scenario loaded under `name`, if any.
pub(crate) fn loaded(name: &str) -> Option<&'static ModelKind> {
    let loaded = LOADED.lock().ok()?;
    loaded
        .iter()
        .rev()
        .find(|(_, _, k)| k.name == name)
        .map(|l| l.2)
}

/// Where `model` may be for a scenario at `scenario`, in the order they are tried.
fn candidates(model: &str, scenario: &str) -> Vec<PathBuf> {
    let dir = Path::new(scenario).parent().unwrap_or(Path::new(""));
    let mut out = vec![dir.join(model)];
    if let Some(up) = dir.parent() {
        out.push(up.join(model));
    }
    out.push(Path::new("models").join(model));
    out.dedup();
    out
}

/// Loads the model file `model` names for the scenario at `scenario`.
pub(crate) fn load(model: &str, scenario: &str) -> Result<&'static ModelKind, LoadError> {
    let tried = candidates(model, scenario);
    let (path, text) = match tried.iter().find(|p| p.is_file()) {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| LoadError::Unreadable(path.clone(), e))?;
            (path.clone(), text)
        }
        None => match shipped(model) {
            Some(text) => (Path::new("models").join(model), text.to_string()),
            None => return Err(LoadError::NotFound(tried)),
        },
    };
    let key = path.canonicalize().unwrap_or_else(|_| path.clone());
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, kind)) = loaded.iter().find(|(p, t, _)| *p == key && *t == text) {
        return Ok(kind);
    }
    let program =
        Program::load(&text).map_err(|d| LoadError::Program(path.clone(), text.clone(), d))?;
    let kind = leak_kind(model, program);
    loaded.push((key, text, kind));
    Ok(kind)
}

/// The shipped model file `model` names (`lang/page_ref_freeze.weft`), built into weft.
fn shipped(model: &str) -> Option<&'static str> {
    let model = model.strip_prefix("models/").unwrap_or(model);
    (crate::scenario::SHIPPED_MODELS.iter())
        .find(|(name, _)| *name == model)
        .map(|(_, text)| *text)
}

fn leak<T: ?Sized>(b: Box<T>) -> &'static T {
    Box::leak(b)
}

fn strs(v: Vec<String>) -> &'static [&'static str] {
    let v: Vec<&'static str> = v.into_iter().map(|s| leak(s.into_boxed_str())).collect();
    leak(v.into_boxed_slice())
}

/// A [`ModelKind`] for `program`, named `model` as the scenario wrote it.
fn leak_kind(model: &str, program: Program) -> &'static ModelKind {
    let params: Vec<(&'static str, &'static str)> = program
        .params()
        .into_iter()
        .map(|(n, d)| (leak(n.into_boxed_str()), leak(d.into_boxed_str())))
        .collect();
    let name: &'static str = leak(model.to_string().into_boxed_str());
    let kind = ModelKind {
        name,
        summary: "a model written in weft's language",
        variants: strs(program.variants()),
        operations: strs(program.operations()),
        params: leak(params.into_boxed_slice()),
        max_threads: weft_lang::MAX_THREADS,
        max_ops: crate::scenario::MAX_OPS,
        build: leak(Box::new(move |spec: &Spec| build(&program, spec))),
    };
    leak(Box::new(kind))
}

/// Builds `program` for a scenario's variant, parameters and threads.
fn build(program: &Program, spec: &Spec) -> Result<Arc<dyn AnyModel>, BuildError> {
    let mut params = BTreeMap::new();
    for (name, default, min, max) in program.param_ranges() {
        params.insert(name.clone(), spec.params.int(&name, default, min, max)?);
    }
    let mut threads = Vec::new();
    for (t, thread) in spec.threads.iter().enumerate() {
        thread.refuse_process_keys(t, "a language model's threads are not processes", "")?;
        threads.push(ThreadCalls {
            name: thread.name.clone(),
            ops: thread
                .ops
                .iter()
                .map(|c| (c.name.clone(), c.args.clone()))
                .collect(),
        });
    }
    let model = program
        .instantiate(spec.variant, &params, &threads)
        .map_err(|p| BuildError {
            at: match p.at {
                At::Variant => Where::Variant,
                At::Param(n) => Where::Param(n),
                At::Op(t, i) => Where::Op(t, i),
                At::Threads => Where::Threads,
            },
            message: p.message,
            help: None,
        })?;
    Ok(Arc::new(model))
}
