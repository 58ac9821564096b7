//! weft-lang: kernel paths written as text. A model file declares structs, globals, ghost
//! state, parameters, functions, the operations scenario threads call, invariants and
//! variants, in a language that reads like the kernel C it stands for; it is parsed, checked
//! and lowered to a flat instruction table per thread, which [`LangModel`] runs as a
//! `weft_explorer::Model`: one statement that touches shared memory is one step.
//!
//! - [`lexer`], [`parser`]: text to syntax, every mistake collected with its location.
//! - [`lower`]: names to slots, calls inlined, types, bounds and atomicity checked.
//! - [`interp`], [`model`]: packed states, steps, footprints for reduction.

pub mod ast;
mod check;
pub mod interp;
pub mod ir;
pub mod lexer;
pub mod lower;
pub mod model;
pub mod parser;
mod symmetry;

use ast::{File, Function, Scalar, TypeRef};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

pub use model::LangModel;

/// The kernel primitives (`atomic_inc`, `atomic_dec_and_test`, `atomic_add_unless`, ...),
/// written in the language itself so a user can read what each one does in one step.
pub const PRELUDE: &str = include_str!("prelude.weft");

/// Most threads a language model runs (a lock holds its holder's number).
pub const MAX_THREADS: usize = 16;

/// Most bytes a packed state takes: every thread's position and every value, each in as few
/// bytes as its range needs. A larger state is refused when the model is loaded.
pub const MAX_STATE_BYTES: usize = 4096;

/// A mistake in a model file: where, what, and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    /// Byte range in the file.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// A word at the caret.
    pub label: String,
    /// The name the mistake says is not declared, if it says so: where that name's own
    /// declaration did not parse, the mistake follows from that one and is not reported.
    pub unknown: Option<String>,
}

impl Diag {
    /// A mistake at `span`.
    pub fn new(span: Range<usize>, message: String, label: &str) -> Diag {
        Diag {
            span,
            message,
            label: label.to_string(),
            unknown: None,
        }
    }

    /// A mistake at `span` that says `name` is not declared.
    pub fn unknown(span: Range<usize>, name: &str, message: String, label: &str) -> Diag {
        Diag {
            unknown: Some(name.to_string()),
            ..Diag::new(span, message, label)
        }
    }
}

/// A parsed and checked model file.
#[derive(Clone, Debug)]
pub struct Program {
    file: File,
    text: String,
    prelude: Vec<Function>,
}

/// The part of a scenario an instance objects to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    /// The variant.
    Variant,
    /// A parameter.
    Param(String),
    /// Operation `.1` of thread `.0`.
    Op(usize, usize),
    /// The threads as a whole.
    Threads,
}

/// Why a scenario cannot instantiate a program.
#[derive(Clone, Debug)]
pub struct Problem {
    /// Where.
    pub at: At,
    /// What.
    pub message: String,
}

/// One scenario thread: its name and its operations, each a name and arguments as written.
pub struct ThreadCalls {
    /// The thread's name.
    pub name: String,
    /// Its operations.
    pub ops: Vec<(String, Vec<String>)>,
}

impl Program {
    /// Parses and checks a model file; every mistake at once, in file order.
    pub fn load(text: &str) -> Result<Program, Vec<Diag>> {
        let mut diags = Vec::new();
        let tokens = lexer::lex(text, &mut diags);
        let file = parser::parse(tokens, text, &mut diags);
        let mut prelude_diags = Vec::new();
        let ptoks = lexer::lex(PRELUDE, &mut prelude_diags);
        let prelude = parser::parse(ptoks, PRELUDE, &mut prelude_diags).functions;
        assert!(
            prelude_diags.is_empty(),
            "the prelude parses: {prelude_diags:?}"
        );
        let program = Program {
            file,
            text: text.to_string(),
            prelude,
        };
        // Checked even when some of it did not parse, so that every mistake is reported at
        // once; a name whose declaration did not parse is not reported as unknown as well.
        let mut found = Vec::new();
        program.check(&mut found);
        let broken = &program.file.broken;
        diags.extend(
            (found.into_iter()).filter(|d| !d.unknown.as_ref().is_some_and(|n| broken.contains(n))),
        );
        if diags.is_empty() {
            return Ok(program);
        }
        diags.sort_by_key(|d| (d.span.start, d.message.clone()));
        diags.dedup();
        Err(diags)
    }

    /// Checks what needs no scenario: the file as a whole, then every operation lowered in
    /// each variant with the parameters' defaults, and the state's layout with the
    /// parameters at their greatest.
    fn check(&self, diags: &mut Vec<Diag>) {
        for p in &self.file.params {
            if p.default < p.min || p.default > p.max {
                let msg = format!("the default {} is outside {}..{}", p.default, p.min, p.max);
                diags.push(Diag::new(p.span.clone(), msg, "this parameter"));
            }
        }
        for v in &self.file.variants {
            for f in &v.functions {
                if !self.file.functions.iter().any(|g| g.name == f.name) {
                    let msg = format!(
                        "variant `{}` replaces `{}`, which no function is",
                        v.name, f.name
                    );
                    diags.push(Diag::unknown(
                        f.span.clone(),
                        &f.name,
                        msg,
                        "no such function",
                    ));
                }
            }
        }
        check::file(&self.file, diags);
        let calls: Vec<lower::OpCall> = self
            .file
            .ops
            .iter()
            .map(|o| lower::OpCall {
                name: o.name.clone(),
                args: o.params.iter().map(|p| zero_of(&p.ty)).collect(),
                names: Vec::new(),
            })
            .collect();
        let variants: Vec<Option<&ast::VariantDecl>> = match self.file.variants.len() {
            0 => vec![None],
            _ => self.file.variants.iter().map(Some).collect(),
        };
        let before = diags.len();
        for v in variants {
            let ctx = self.ctx(v, self.defaults(), 1);
            if let Err(e) = lower::lower(ctx, std::slice::from_ref(&calls)) {
                diags.extend(e);
            }
        }
        if diags.len() == before {
            self.check_greatest_layout(diags);
        }
    }

    /// The state's layout with every parameter at its greatest value must fit as well: a
    /// scenario may set them so.
    fn check_greatest_layout(&self, diags: &mut Vec<Diag>) {
        let greatest: HashMap<String, i64> = (self.file.params.iter())
            .map(|p| (p.name.clone(), p.max))
            .collect();
        if greatest == self.defaults() {
            return;
        }
        let said: Vec<String> = (self.file.params.iter())
            .map(|p| format!("{} = {}", p.name, p.max))
            .collect();
        for mut d in self.ctx(None, greatest, MAX_THREADS).diags {
            d.message = format!(
                "{}, with the parameters at their greatest ({})",
                d.message,
                said.join(", ")
            );
            diags.push(d);
        }
    }

    fn ctx<'a>(
        &'a self,
        v: Option<&'a ast::VariantDecl>,
        consts: HashMap<String, i64>,
        threads: usize,
    ) -> lower::Ctx<'a> {
        lower::Ctx::new(
            &self.file,
            [&self.text, PRELUDE],
            &self.prelude,
            v,
            consts,
            threads,
        )
    }

    fn defaults(&self) -> HashMap<String, i64> {
        self.file
            .params
            .iter()
            .map(|p| (p.name.clone(), p.default))
            .collect()
    }

    /// The variants, in the order the file declares them (`base` if it declares none).
    pub fn variants(&self) -> Vec<String> {
        match self.file.variants.len() {
            0 => vec!["base".into()],
            _ => self.file.variants.iter().map(|v| v.name.clone()).collect(),
        }
    }

    /// The operations, as scenarios write them: `name` or `name(arg, ...)`.
    pub fn operations(&self) -> Vec<String> {
        self.file
            .ops
            .iter()
            .map(|o| match o.params.len() {
                0 => o.name.clone(),
                _ => {
                    let names: Vec<&str> = o.params.iter().map(|p| p.name.as_str()).collect();
                    format!("{}({})", o.name, names.join(", "))
                }
            })
            .collect()
    }

    /// The parameters: name, and what it means with its default and range.
    pub fn params(&self) -> Vec<(String, String)> {
        self.file
            .params
            .iter()
            .map(|p| {
                let doc = format!("{} (default {}, {}..{})", p.doc, p.default, p.min, p.max);
                (p.name.clone(), doc.trim_start().to_string())
            })
            .collect()
    }

    /// The parameters: name, default, least and greatest value.
    pub fn param_ranges(&self) -> Vec<(String, i64, i64, i64)> {
        self.file
            .params
            .iter()
            .map(|p| (p.name.clone(), p.default, p.min, p.max))
            .collect()
    }

    /// The model for one scenario: a variant, parameter values, threads.
    pub fn instantiate(
        &self,
        variant: &str,
        params: &BTreeMap<String, i64>,
        threads: &[ThreadCalls],
    ) -> Result<LangModel, Problem> {
        let v = match self.file.variants.iter().find(|v| v.name == variant) {
            Some(v) => Some(v),
            None if self.file.variants.is_empty() && variant == "base" => None,
            None => {
                return Err(Problem {
                    at: At::Variant,
                    message: format!("unknown variant `{variant}`"),
                })
            }
        };
        let mut consts = self.defaults();
        for p in &self.file.params {
            if let Some(&value) = params.get(&p.name) {
                if value < p.min || value > p.max {
                    return Err(Problem {
                        at: At::Param(p.name.clone()),
                        message: format!("`{}` must be between {} and {}", p.name, p.min, p.max),
                    });
                }
                consts.insert(p.name.clone(), value);
            }
        }
        if threads.len() > MAX_THREADS {
            return Err(Problem {
                at: At::Threads,
                message: format!("a language model runs at most {MAX_THREADS} threads"),
            });
        }
        let mut calls = Vec::new();
        let names: Vec<&str> = threads.iter().map(|t| t.name.as_str()).collect();
        for (t, thread) in threads.iter().enumerate() {
            let mut ops = Vec::new();
            for (i, (name, args)) in thread.ops.iter().enumerate() {
                ops.push(
                    self.op_call(name, args, &names)
                        .map_err(|message| Problem {
                            at: At::Op(t, i),
                            message,
                        })?,
                );
            }
            calls.push(ops);
        }
        let ctx = self.ctx(v, consts, threads.len());
        if !ctx.diags.is_empty() {
            // The layout fits with the defaults (checked at load): a parameter changed it.
            let changed = (self.file.params.iter())
                .find(|p| params.get(&p.name).is_some_and(|v| *v != p.default));
            return Err(Problem {
                at: changed.map_or(At::Threads, |p| At::Param(p.name.clone())),
                message: messages(&ctx.diags),
            });
        }
        let lowered = lower::lower(ctx, &calls).map_err(|d| Problem {
            at: At::Threads,
            message: messages(&d),
        })?;
        if lowered
            .threads
            .iter()
            .any(|t| t.code.len() >= u16::MAX as usize)
        {
            return Err(Problem {
                at: At::Threads,
                message: "a thread's program is too long to fit the state's layout".into(),
            });
        }
        let bytes = interp::state_bytes(&lowered.slots, threads.len());
        if bytes > MAX_STATE_BYTES {
            return Err(Problem {
                at: At::Threads,
                message: format!(
                    "the state of these threads would not fit its layout: {bytes} bytes, \
                     more than {MAX_STATE_BYTES}"
                ),
            });
        }
        let names = threads.iter().map(|t| t.name.clone()).collect();
        Ok(LangModel::new(lowered, names, &calls))
    }

    /// An operation call with its arguments as integers within the parameters' types; an
    /// integer argument may name a scenario thread (one of `threads`), which stands for its
    /// number.
    fn op_call(
        &self,
        name: &str,
        args: &[String],
        threads: &[&str],
    ) -> Result<lower::OpCall, String> {
        let named: Vec<&ast::Function> = self.file.ops.iter().filter(|o| o.name == name).collect();
        if named.is_empty() {
            return Err(format!("unknown operation `{name}`"));
        }
        let Some(op) = named.iter().find(|o| o.params.len() == args.len()) else {
            let counts: Vec<String> = named.iter().map(|o| o.params.len().to_string()).collect();
            return Err(format!(
                "`{name}` takes {} argument(s)",
                counts.join(" or ")
            ));
        };
        let (mut values, mut names) = (Vec::new(), Vec::new());
        for (p, a) in op.params.iter().zip(args) {
            let thread = threads.iter().position(|t| t == a);
            let v = match (a.as_str(), &p.ty, thread) {
                ("true", TypeRef::Scalar(Scalar::Bool), _) => 1,
                ("false", TypeRef::Scalar(Scalar::Bool), _) => 0,
                (_, TypeRef::Scalar(Scalar::Int { min, max }), Some(t)) => {
                    let v = t as i64;
                    if v < *min || v > *max {
                        return Err(format!(
                            "`{}` must be in {min}..{max}: thread `{a}` is number {v}",
                            p.name
                        ));
                    }
                    names.push(v as usize);
                    v
                }
                (_, TypeRef::Scalar(Scalar::Int { min, max }), None) => match a.parse::<i64>() {
                    Ok(v) if v >= *min && v <= *max => v,
                    _ => {
                        return Err(format!(
                            "`{}` must be an integer in {min}..{max}, not `{a}`",
                            p.name
                        ))
                    }
                },
                _ => return Err(format!("`{}` cannot be `{a}`", p.name)),
            };
            values.push(v);
        }
        Ok(lower::OpCall {
            name: name.to_string(),
            args: values,
            names,
        })
    }
}

/// Mistakes' messages, as one.
fn messages(diags: &[Diag]) -> String {
    let all: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    all.join("; ")
}

/// A value of type `ty` to check an operation with: zero, or its least value.
fn zero_of(ty: &TypeRef) -> i64 {
    match ty {
        TypeRef::Scalar(Scalar::Int { min, max }) => 0.clamp(*min, *max),
        _ => 0,
    }
}
