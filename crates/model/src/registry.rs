//! The models weft can load by name. Adding a model is a module that defines its
//! [`ModelKind`], and one line in [`MODELS`].

use crate::scenario::{BuildError, OpCall, Params, Where};
use std::sync::Arc;
use weft_explorer::AnyModel;

/// Every model a scenario file can name, in the order `weft list` tells them.
pub static MODELS: &[&ModelKind] = &[&crate::pt_frag::MODEL, &crate::thp::MODEL];

/// What scenario files need to know about a model, and how to build it from one.
pub struct ModelKind {
    /// The name scenario files use (`model = "pt_frag"`).
    pub name: &'static str,
    /// One line: what it models.
    pub summary: &'static str,
    /// Its variants, in the order scenarios list them.
    pub variants: &'static [&'static str],
    /// The operations scenario threads may call, with their argument forms.
    pub operations: &'static [&'static str],
    /// The parameters it accepts, each with what it means.
    pub params: &'static [(&'static str, &'static str)],
    /// Most threads a scenario may have (the model's thread indices and sets are bounded).
    pub max_threads: usize,
    /// Most operations one thread may call (a thread's operation index is one byte).
    pub max_ops: usize,
    /// Builds an instance from a scenario's parts.
    pub build: &'static Build,
}

/// How a model is built from a scenario's parts: a function for a built-in model, a closure
/// over the loaded program for a model written in the language.
pub type Build = dyn Fn(&Spec) -> Result<Arc<dyn AnyModel>, BuildError> + Send + Sync;

/// The model called `name`: a built-in one, or a language model a scenario has loaded.
pub fn model_kind(name: &str) -> Option<&'static ModelKind> {
    MODELS
        .iter()
        .copied()
        .find(|m| m.name == name)
        .or_else(|| crate::lang::loaded(name))
}

/// A scenario's parts a model is built from.
pub struct Spec<'a> {
    /// The variant's name, as written.
    pub variant: &'a str,
    /// The `[params]` table.
    pub params: &'a Params,
    /// The threads, in order.
    pub threads: &'a [ThreadSpec],
}

/// One `[[thread]]` of a scenario.
#[derive(Clone, Debug)]
pub struct ThreadSpec {
    /// Its name.
    pub name: String,
    /// The operations it calls, in order.
    pub ops: Vec<OpCall>,
    /// The thread whose `fork` creates it (models of processes), if any.
    pub child_of: Option<String>,
    /// The thread whose process it is another thread of, sharing its mm (models of
    /// processes), if any.
    pub thread_of: Option<String>,
}

impl ThreadSpec {
    /// Refuses the keys of models of processes (`child_of`, `thread_of`) on thread `t` of a
    /// model whose threads are not processes: `why` says what its threads are, and `help`
    /// follows "remove `key`".
    pub fn refuse_process_keys(&self, t: usize, why: &str, help: &str) -> Result<(), BuildError> {
        let keys = [
            ("child_of", self.child_of.is_some(), Where::ChildOf(t)),
            ("thread_of", self.thread_of.is_some(), Where::ThreadOf(t)),
        ];
        match keys.into_iter().find(|(_, given, _)| *given) {
            Some((key, _, at)) => Err(BuildError {
                at,
                message: format!("{why}: `{key}` does not apply"),
                help: Some(format!("remove `{key}`{help}")),
            }),
            None => Ok(()),
        }
    }
}

impl Spec<'_> {
    /// The thread names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.threads.iter().map(|t| t.name.as_str()).collect()
    }
}
