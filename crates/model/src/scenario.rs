//! Scenario files: a model, a variant, parameters, threads built from the model's named
//! operations, and what kernel history says should happen (`[expect]`).
//!
//! ```toml
//! summary = "speculative get_page_unless_zero races set_page_count on a fresh fragment page"
//! model = "pt_frag"
//! variant = "set_page_count"
//! [params]
//! frag_nr = 2
//! [[thread]]
//! name = "owner"
//! ops = ["pte_fragment_alloc", "pte_fragment_alloc", "pte_fragment_free", "pte_fragment_free"]
//! [[thread]]
//! name = "walker"
//! ops = ["speculative_get_put"]
//! [expect]
//! verdict = "violation"
//! check = "free_with_live_fragment"
//! ```
//!
//! Every error names the file, line and column, and what would be valid there.

// Errors carry the scenario text so they can be drawn with a caret; they are rare and cold.
#![allow(clippy::result_large_err)]

use crate::registry::{model_kind, Spec, ThreadSpec, MODELS};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;
use weft_explorer::{AnyModel, Outcome, Verdict};

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// Most operations a scenario thread may call: every model keeps a thread's operation index
/// in one byte.
pub const MAX_OPS: usize = u8::MAX as usize;

/// Longest piece of a scenario echoed back in a message: a name or operation longer than this
/// is cut, so that a pathological file cannot flood the terminal.
const ECHO_MAX: usize = 60;

/// `text` as a message quotes it: whole if short, else its first 60 characters and
/// how many more there were.
pub fn echo(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(ECHO_MAX) {
        None => text.into(),
        Some((cut, _)) => format!(
            "{}… ({} more characters)",
            &text[..cut],
            text[cut..].chars().count()
        )
        .into(),
    }
}

/// The name among `known` closest to a misspelt `name`, if one is close enough to suggest.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&name.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .filter(|&(score, _)| score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// A help line listing `known`, led by the closest to `name` when one is close.
fn help_with_suggestion(name: &str, what: &str, known: &[&str]) -> String {
    match did_you_mean(name, known.iter().copied()) {
        Some(close) => format!("did you mean `{close}`? {what}: {}", known.join(", ")),
        None => format!("{what}: {}", known.join(", ")),
    }
}

/// A loaded scenario, ready to explore.
#[derive(Clone)]
pub struct Scenario {
    /// `pt_frag/set_page_count_L` for a shipped or `models/`-style path, else the file stem.
    pub name: String,
    /// Where it was read from (a path, or `models/...` for a shipped one).
    pub path: String,
    /// The file's full text (traces embed it).
    pub text: String,
    /// One line: what the scenario shows.
    pub summary: String,
    /// The model's name.
    pub model: String,
    /// The variant's name.
    pub variant: String,
    /// Parameters as written.
    pub params: BTreeMap<String, i64>,
    /// What kernel history says the verdict is.
    pub expect: Option<Expect>,
    model_instance: Arc<dyn AnyModel>,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("model", &self.model)
            .field("variant", &self.variant)
            .field("params", &self.params)
            .field("threads", &self.model_instance.thread_names())
            .finish_non_exhaustive()
    }
}

/// The expected result written in a scenario's `[expect]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// `pass` or `violation`.
    pub violation: bool,
    /// For a violation, which check fails (any check if absent).
    pub check: Option<String>,
}

impl Expect {
    /// Whether an exploration's result (the failed check, if any) is what was expected.
    pub fn matches(&self, failed: Option<&str>) -> bool {
        match failed {
            None => !self.violation,
            Some(c) => self.violation && self.check.as_deref().is_none_or(|e| e == c),
        }
    }

    /// Whether `outcome` is what was expected, or `None` when it cannot say. The one rule
    /// every command applies:
    /// - a search stopped by a limit says nothing;
    /// - a bounded search that passes says nothing about a violation beyond its bound;
    /// - an engine whose counterexamples are not shortest (depth-first, shuttle) meets
    ///   whichever failure its order reaches first, so any violation matches an expected one
    ///   (the check `[expect]` names is that of a shortest schedule);
    /// - a search for some checks only (`--check`) says nothing about the others: it judges
    ///   only an expected violation of a check it looked for, or a violation it found where a
    ///   pass was expected;
    /// - otherwise the failed check, or the pass, must be the expected one.
    pub fn judge(&self, outcome: &Outcome) -> Option<bool> {
        if let Some(only) = &outcome.only_checks {
            let looked_for = self.check.as_ref().is_some_and(|c| only.contains(c));
            match &outcome.verdict {
                Verdict::Violation(_) if !self.violation => return Some(false),
                Verdict::Pass | Verdict::Violation(_) if !looked_for => return None,
                _ => {}
            }
        }
        match &outcome.verdict {
            Verdict::Stopped(_) => None,
            Verdict::Pass if outcome.preemption_bound.is_some() && self.violation => None,
            Verdict::Violation(_) if !outcome.shortest => Some(self.violation),
            Verdict::Violation(c) => Some(self.matches(Some(&c.violation.check))),
            Verdict::Pass => Some(self.matches(None)),
        }
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.violation, &self.check) {
            (false, _) => write!(f, "pass"),
            (true, None) => write!(f, "violation"),
            (true, Some(c)) => write!(f, "violation of {c}"),
        }
    }
}

impl Scenario {
    /// The scenario's model, built: search it, trace it, draw it.
    pub fn model(&self) -> &dyn AnyModel {
        &*self.model_instance
    }

    /// Loads a scenario from a file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::unreadable(&path.display().to_string(), &e))?;
        let name = name_for(path);
        Scenario::parse(&name, &path.display().to_string(), &text)
    }

    /// A shipped scenario by name (`pt_frag/set_page_count_L`).
    pub fn shipped(name: &str) -> Option<Result<Scenario, ScenarioError>> {
        let (n, path, text) = SHIPPED.iter().find(|(n, _, _)| *n == name)?;
        Some(Scenario::parse(n, path, text))
    }

    /// Every shipped scenario's name.
    pub fn shipped_names() -> impl Iterator<Item = &'static str> {
        SHIPPED.iter().map(|(n, _, _)| *n)
    }

    /// The current text of the shipped scenario `name`, if there is one.
    pub fn shipped_text(name: &str) -> Option<&'static str> {
        SHIPPED
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, t)| *t)
    }

    /// The variants of this scenario's model.
    pub fn variants(&self) -> &'static [&'static str] {
        model_kind(&self.model).map_or(&[], |kind| kind.variants)
    }

    /// The same scenario with another variant of its model. Its `[expect]` is kept only for
    /// its own variant: kernel history speaks of one variant per file.
    pub fn with_variant(&self, variant: &str) -> Result<Scenario, ScenarioError> {
        if variant == self.variant {
            return Ok(self.clone());
        }
        let mut table: toml::Table = self.text.parse().map_err(|e: toml::de::Error| {
            ScenarioError::at(
                &self.path,
                &self.text,
                e.span(),
                e.message().into(),
                "here",
                None,
            )
        })?;
        table.insert("variant".into(), toml::Value::String(variant.into()));
        table.remove("expect");
        let text = toml::to_string(&table).expect("a TOML table serializes");
        Scenario::parse(
            &self.name,
            &format!("{} (variant {variant})", self.path),
            &text,
        )
    }

    /// A file path if it exists, else a shipped scenario's name.
    pub fn resolve(arg: &str) -> Result<Scenario, ScenarioError> {
        let path = Path::new(arg);
        match std::fs::metadata(path) {
            Ok(_) => return Scenario::from_file(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // A symbolic-link loop, a folder that may not be searched: said as it is, not
            // taken for a shipped name that does not exist.
            Err(e) => return Err(ScenarioError::unreadable(arg, &e)),
        }
        let trimmed = arg.trim_start_matches("models/").trim_end_matches(".toml");
        if let Some(found) = Scenario::shipped(trimmed) {
            return found;
        }
        let best = did_you_mean(trimmed, Scenario::shipped_names());
        let close: Vec<&str> = best
            .into_iter()
            .chain(Scenario::shipped_names().filter(|n| {
                Some(*n) != best
                    && (n.contains(trimmed)
                        || trimmed.contains(n.split('/').next_back().unwrap_or("")))
            }))
            .take(5)
            .collect();
        Err(ScenarioError {
            location: arg.to_string(),
            message: "no such scenario file, and no shipped scenario by that name".into(),
            src: NamedSource::new(arg, String::new()),
            span: None,
            label: String::new(),
            help: Some(if close.is_empty() {
                "`weft list` shows the shipped scenarios".into()
            } else {
                format!(
                    "did you mean: {}? (`weft list` shows them all)",
                    close.join(", ")
                )
            }),
            offset: None,
            others: Vec::new(),
        })
    }

    /// Parses scenario text; `path` is only used in messages.
    pub fn parse(name: &str, path: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let err =
            |span: Option<Range<usize>>, message: String, label: &str, help: Option<String>| {
                ScenarioError::at(path, text, span, message, label, help)
            };
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            err(
                e.span(),
                e.message().to_string(),
                "here",
                Some(
                    "a scenario has `model`, `variant`, optional `summary`, `[params]`, \
                      `[[thread]]` tables with `name` and `ops`, and `[expect]`"
                        .into(),
                ),
            )
        })?;
        let model = raw.model.get_ref().clone();
        let language = if crate::lang::is_language_model(&model) {
            Some(
                crate::lang::load(&model, path)
                    .map_err(|e| language_error(e, &model, raw.model.span(), &err))?,
            )
        } else {
            None
        };
        let Some(kind) = language.or_else(|| model_kind(&model)) else {
            let names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
            return Err(err(
                Some(raw.model.span()),
                format!("unknown model `{}`", echo(&model)),
                "this model",
                Some(format!("models: {}", names.join(", "))),
            ));
        };
        // Mistakes are gathered and reported together, in file order; only the limits on
        // sizes stop at once (a huge file is turned away before it is walked).
        let mut problems: Vec<ScenarioError> = Vec::new();
        if raw.threads.is_empty() {
            problems.push(err(
                None,
                "the scenario has no threads".into(),
                "",
                Some("add `[[thread]]` tables with `name` and `ops`".into()),
            ));
        }
        if let Some(extra) = raw.threads.get(kind.max_threads) {
            return Err(err(
                Some(extra.name.span()),
                format!(
                    "a {model} scenario has at most {} threads; this one has {}",
                    kind.max_threads,
                    raw.threads.len()
                ),
                "one too many",
                None,
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut threads = Vec::new();
        // Operations that do not parse, by (thread, index): the model is not asked about them.
        let mut unparsed = std::collections::HashSet::new();
        for (ti, t) in raw.threads.iter().enumerate() {
            let tname = t.name.get_ref();
            if !seen.insert(tname.as_str()) {
                problems.push(err(
                    Some(t.name.span()),
                    format!("two threads are named `{}`", echo(tname)),
                    "second one",
                    None,
                ));
            }
            if t.ops.is_empty() {
                problems.push(err(
                    Some(t.name.span()),
                    format!("thread `{}` calls no operations", echo(tname)),
                    "this thread",
                    Some("give it `ops = [...]`, or remove it".into()),
                ));
            }
            if let Some(extra) = t.ops.get(kind.max_ops) {
                return Err(err(
                    Some(extra.span()),
                    format!(
                        "thread `{}` calls {} operations; a thread calls at most {}",
                        echo(tname),
                        t.ops.len(),
                        kind.max_ops
                    ),
                    "one too many",
                    None,
                ));
            }
            let mut calls = Vec::new();
            for (i, op) in t.ops.iter().enumerate() {
                calls.push(OpCall::parse(op.get_ref()).unwrap_or_else(|m| {
                    problems.push(err(Some(op.span()), m, "this operation", None));
                    unparsed.insert((ti, i));
                    OpCall {
                        name: String::new(),
                        args: Vec::new(),
                    }
                }));
            }
            threads.push(ThreadSpec {
                name: tname.clone(),
                ops: calls,
                child_of: t.child_of.as_ref().map(|c| c.get_ref().clone()),
                thread_of: t.thread_of.as_ref().map(|c| c.get_ref().clone()),
            });
        }
        let params = Params {
            values: raw
                .params
                .iter()
                .map(|(k, v)| (k.clone(), (v.get_ref().clone(), v.span())))
                .collect(),
        };
        let variant = match (&raw.variant, kind.variants) {
            (Some(v), _) => v.get_ref().clone(),
            (None, [only]) => only.to_string(),
            (None, all) => {
                return Err(err(
                    None,
                    "missing field `variant`".into(),
                    "",
                    Some(format!(
                        "`variant` picks the code to explore: one of {}",
                        all.join(", ")
                    )),
                ))
            }
        };
        let spec = Spec {
            variant: &variant,
            params: &params,
            threads: &threads,
        };
        let located = |e: BuildError| {
            let (span, label) = match e.at {
                Where::Variant => (raw.variant.as_ref().map(|v| v.span()), "this variant"),
                Where::Param(ref p) => (params.values.get(p).map(|(_, s)| s.clone()), "this value"),
                Where::Op(t, i) => (Some(raw.threads[t].ops[i].span()), "this operation"),
                Where::ChildOf(t) => (
                    raw.threads[t].child_of.as_ref().map(|c| c.span()),
                    "this parent",
                ),
                Where::ThreadOf(t) => (
                    raw.threads[t].thread_of.as_ref().map(|c| c.span()),
                    "this process",
                ),
                Where::Threads => (None, ""),
            };
            err(span, e.message, label, e.help)
        };
        for e in crate::precheck::precheck(kind, &spec) {
            if !matches!(e.at, Where::Op(t, i) if unparsed.contains(&(t, i))) {
                problems.push(located(e));
            }
        }
        if let Some(e) = &raw.expect {
            problems.extend(expect_problems(e, &err));
        }
        if !problems.is_empty() {
            return Err(ScenarioError::together(problems));
        }
        let instance = (kind.build)(&spec).map_err(located)?;
        let expect = match raw.expect {
            None => None,
            Some(e) => {
                if let Some(c) = &e.check {
                    let mut checks = instance.checks();
                    checks.push(weft_explorer::DEADLOCK);
                    if !checks.contains(&c.get_ref().as_str()) {
                        return Err(err(
                            Some(c.span()),
                            format!("{model} has no check `{}`", echo(c.get_ref())),
                            "this check",
                            Some(help_with_suggestion(c.get_ref(), "checks", &checks)),
                        ));
                    }
                }
                Some(Expect {
                    violation: e.verdict.get_ref() == "violation",
                    check: e.check.map(|c| c.into_inner()),
                })
            }
        };
        Ok(Scenario {
            name: name.to_string(),
            path: path.to_string(),
            text: text.to_string(),
            summary: raw.summary.unwrap_or_default(),
            model,
            variant,
            params: params
                .values
                .iter()
                .filter_map(|(k, (v, _))| v.as_integer().map(|i| (k.clone(), i)))
                .collect(),
            expect,
            model_instance: instance,
        })
    }
}

/// The error for a language model that cannot be loaded: a missing or unreadable file points
/// at `model = ...`; mistakes in the file are drawn in the file, every one of them.
fn language_error(
    e: crate::lang::LoadError,
    model: &str,
    span: Range<usize>,
    err: &ErrorAt<'_>,
) -> ScenarioError {
    use crate::lang::LoadError;
    match e {
        LoadError::NotFound(tried) => {
            let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            err(
                Some(span),
                format!("no model file `{}`", echo(model)),
                "this model",
                Some(format!("looked for {}", tried.join(", "))),
            )
        }
        LoadError::Unreadable(path, e) => err(
            Some(span),
            format!("cannot read {}: {e}", path.display()),
            "this model",
            None,
        ),
        LoadError::Program(path, text, diags) => {
            let file = path.display().to_string();
            ScenarioError::together(
                diags
                    .into_iter()
                    .map(|d| {
                        ScenarioError::at(&file, &text, Some(d.span), d.message, &d.label, None)
                    })
                    .collect(),
            )
        }
    }
}

/// Makes a scenario error at a span: message, label, help.
type ErrorAt<'a> = dyn Fn(Option<Range<usize>>, String, &str, Option<String>) -> ScenarioError + 'a;

/// What is wrong with an `[expect]` table on its own: its verdict, or a check named for a pass.
fn expect_problems(e: &RawExpect, err: &ErrorAt<'_>) -> Vec<ScenarioError> {
    let mut problems = Vec::new();
    match e.verdict.get_ref().as_str() {
        "pass" => {
            if let Some(c) = &e.check {
                problems.push(err(
                    Some(c.span()),
                    "a passing scenario names no failed check".into(),
                    "remove this",
                    None,
                ));
            }
        }
        "violation" => {}
        other => problems.push(err(
            Some(e.verdict.span()),
            format!("unknown verdict `{}`", echo(other)),
            "this verdict",
            Some("expected `pass` or `violation`".into()),
        )),
    }
    problems
}

/// `models/pt_frag/x.toml` is `pt_frag/x`, `models/lang/x.toml` is `lang/x`; any other file
/// is its stem.
fn name_for(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().to_string());
    match parent {
        Some(dir) if model_kind(&dir).is_some() || dir == "lang" => format!("{dir}/{stem}"),
        _ => stem,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    summary: Option<String>,
    model: Spanned<String>,
    /// Optional for a model with one variant (a language model that declares none).
    variant: Option<Spanned<String>>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default, rename = "thread")]
    threads: Vec<RawThread>,
    expect: Option<RawExpect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThread {
    name: Spanned<String>,
    #[serde(default)]
    ops: Vec<Spanned<String>>,
    child_of: Option<Spanned<String>>,
    thread_of: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    verdict: Spanned<String>,
    check: Option<Spanned<String>>,
}

/// An operation as written in a scenario: `name` or `name(arg, ...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpCall {
    /// The operation's name.
    pub name: String,
    /// Its arguments, as written.
    pub args: Vec<String>,
}

impl OpCall {
    /// Parses `name` or `name(arg, ...)`.
    pub fn parse(text: &str) -> Result<OpCall, String> {
        let text = text.trim();
        let (name, args) = match text.split_once('(') {
            None => (text, Vec::new()),
            Some((name, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(|| {
                    format!("`{}` opens a parenthesis it does not close", echo(text))
                })?;
                let args = inner
                    .split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                (name.trim(), args)
            }
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{}` is not an operation: write `name` or `name(arg, ...)`",
                echo(text)
            ));
        }
        Ok(OpCall {
            name: name.to_string(),
            args,
        })
    }
}

/// The `[params]` table, with where each value was written.
pub struct Params {
    values: BTreeMap<String, (toml::Value, Range<usize>)>,
}

impl Params {
    /// The integer parameter `name`, `default` if absent, within `min..=max`.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, BuildError> {
        let Some((value, _)) = self.values.get(name) else {
            return Ok(default);
        };
        let at = Where::Param(name.to_string());
        let i = value.as_integer().ok_or_else(|| BuildError {
            at: at.clone(),
            message: format!("`{name}` must be an integer, not {}", value.type_str()),
            help: Some(format!("for example `{name} = {default}`")),
        })?;
        if i < min || i > max {
            return Err(BuildError {
                at,
                message: format!("`{name}` must be between {min} and {max}"),
                help: None,
            });
        }
        Ok(i)
    }

    /// Every parameter not in `known`, and every value that is not an integer.
    pub(crate) fn problems(&self, known: &[(&str, &str)]) -> Vec<BuildError> {
        crate::precheck::param_problems(self.values.iter().map(|(k, (v, _))| (k, v)), known)
    }

    /// Fails on any parameter not in `known`.
    pub fn only(&self, known: &[(&str, &str)]) -> Result<(), BuildError> {
        match self
            .values
            .keys()
            .find(|k| !known.iter().any(|(n, _)| n == k))
        {
            None => Ok(()),
            Some(k) => Err(BuildError {
                at: Where::Param(k.clone()),
                message: format!("unknown parameter `{}`", echo(k)),
                help: Some(format!(
                    "parameters: {}",
                    known
                        .iter()
                        .map(|(n, d)| format!("{n} ({d})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }),
        }
    }
}

/// The part of a scenario a model's builder objects to.
#[derive(Clone, Debug)]
pub enum Where {
    /// The `variant` value.
    Variant,
    /// A parameter's value.
    Param(String),
    /// Operation `.1` of thread `.0`.
    Op(usize, usize),
    /// The `child_of` of thread `.0`.
    ChildOf(usize),
    /// The `thread_of` of thread `.0`.
    ThreadOf(usize),
    /// The threads as a whole.
    Threads,
}

/// A model builder's objection.
#[derive(Clone, Debug)]
pub struct BuildError {
    /// Where.
    pub at: Where,
    /// What is wrong.
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
}

impl BuildError {
    /// `variant` is not one of `model`'s `variants`.
    pub fn unknown_variant(model: &str, variant: &str, variants: &[&str]) -> Self {
        BuildError {
            at: Where::Variant,
            message: format!("unknown {model} variant `{}`", echo(variant)),
            help: Some(help_with_suggestion(variant, "variants", variants)),
        }
    }

    /// `call` is not one of `model`'s `operations` (written `name` or `name(arg)`): either the
    /// name is unknown or it has the wrong number of arguments.
    pub fn unknown_operation(model: &str, at: Where, call: &OpCall, operations: &[&str]) -> Self {
        fn name_of<'a>(form: &&'a str) -> &'a str {
            form.split('(').next().unwrap_or(form)
        }
        let forms: Vec<&str> = operations
            .iter()
            .filter(|o| name_of(o) == call.name)
            .copied()
            .collect();
        let message = if forms.is_empty() {
            format!("unknown {model} operation `{}`", echo(&call.name))
        } else {
            format!(
                "`{}` with {} argument(s) is not an operation: it is written {}",
                echo(&call.name),
                call.args.len(),
                forms.join(" or ")
            )
        };
        let all = operations.join(", ");
        let help = match did_you_mean(&call.name, operations.iter().map(name_of)) {
            Some(close) if forms.is_empty() => format!("did you mean `{close}`? operations: {all}"),
            _ => format!("operations: {all}"),
        };
        BuildError {
            at,
            message,
            help: Some(help),
        }
    }
}

/// A scenario that cannot be loaded: where, what, and what would be valid.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{location}: {message}")]
pub struct ScenarioError {
    /// `file:line:column`, or the file alone.
    pub location: String,
    /// What is wrong.
    pub message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    /// What would be valid.
    #[help]
    pub help: Option<String>,
    /// Where in the text, to report several in file order.
    offset: Option<usize>,
    /// The scenario's other mistakes, found with this one (drawn after it by miette).
    #[related]
    pub others: Vec<ScenarioError>,
}

impl ScenarioError {
    /// Several mistakes as one error: the first in the file, the others with it.
    fn together(mut all: Vec<ScenarioError>) -> ScenarioError {
        all.sort_by_key(|e| e.offset.unwrap_or(usize::MAX));
        let mut first = all.remove(0);
        first.others = all;
        first
    }

    /// The scenario file at `location` cannot be read, for the reason `e` gives.
    fn unreadable(location: &str, e: &std::io::Error) -> ScenarioError {
        ScenarioError {
            location: location.to_string(),
            message: format!("cannot read the scenario file: {e}"),
            src: NamedSource::new(location, String::new()),
            span: None,
            label: String::new(),
            help: None,
            offset: None,
            others: Vec::new(),
        }
    }

    fn at(
        path: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ScenarioError {
        let location = match &span {
            Some(r) => {
                let (line, col) = line_col(text, r.start);
                format!("{path}:{line}:{col}")
            }
            None => path.to_string(),
        };
        let offset = span.as_ref().map(|r| r.start);
        // A snippet is drawn only for a line short enough to read: a pathological line would
        // be echoed whole, and underlined as long again.
        let span = span.filter(|r| line_of(text, r.start).len() <= SNIPPET_LINE_MAX);
        ScenarioError {
            location,
            message,
            src: NamedSource::new(path, text.to_string()),
            span: span.map(Into::into),
            label: label.to_string(),
            help,
            offset,
            others: Vec::new(),
        }
    }
}

/// Longest line a message draws with a caret under it.
const SNIPPET_LINE_MAX: usize = 300;

/// The line of `text` that byte `offset` is on.
fn line_of(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    &text[start..end]
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
