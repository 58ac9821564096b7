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
pub mod interp;
pub mod ir;
pub mod lexer;
pub mod lower;
pub mod model;
pub mod parser;

use ast::{Expr, ExprKind, File, Function, Scalar, Stmt, StmtKind, TypeRef};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

pub use model::LangModel;

/// The kernel primitives (`atomic_inc`, `atomic_dec_and_test`, `atomic_add_unless`, ...),
/// written in the language itself so a user can read what each one does in one step.
pub const PRELUDE: &str = include_str!("prelude.weft");

/// Most threads a language model runs (a lock holds its holder's number).
pub const MAX_THREADS: usize = 16;

/// A mistake in a model file: where, what, and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    /// Byte range in the file.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// A word at the caret.
    pub label: String,
}

impl Diag {
    /// A mistake at `span`.
    pub fn new(span: Range<usize>, message: String, label: &str) -> Diag {
        Diag {
            span,
            message,
            label: label.to_string(),
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
        if diags.is_empty() {
            program.check(&mut diags);
        }
        if diags.is_empty() {
            return Ok(program);
        }
        diags.sort_by_key(|d| (d.span.start, d.message.clone()));
        diags.dedup();
        Err(diags)
    }

    /// Checks what needs no scenario: names, recursion, then every operation lowered in each
    /// variant with the parameters' defaults.
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
                    diags.push(Diag::new(f.span.clone(), msg, "no such function"));
                }
            }
        }
        self.check_recursion(diags);
        if !diags.is_empty() {
            return;
        }
        let consts = self.defaults();
        let calls: Vec<lower::OpCall> = self
            .file
            .ops
            .iter()
            .map(|o| lower::OpCall {
                name: o.name.clone(),
                args: o.params.iter().map(|p| zero_of(&p.ty)).collect(),
            })
            .collect();
        let variants: Vec<Option<&ast::VariantDecl>> = match self.file.variants.len() {
            0 => vec![None],
            _ => self.file.variants.iter().map(Some).collect(),
        };
        for v in variants {
            let ctx = self.ctx(v, consts.clone(), 1);
            if let Err(e) = lower::lower(ctx, std::slice::from_ref(&calls)) {
                diags.extend(e);
            }
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

    /// A function that calls itself, directly or through others, is refused: calls are
    /// inlined, and a kernel path's depth is fixed.
    fn check_recursion(&self, diags: &mut Vec<Diag>) {
        let all: Vec<&Function> = self
            .file
            .functions
            .iter()
            .chain(self.file.variants.iter().flat_map(|v| &v.functions))
            .chain(&self.file.ops)
            .collect();
        let mut graph: HashMap<&str, Vec<(&str, Range<usize>)>> = HashMap::new();
        for f in &all {
            let mut calls = Vec::new();
            f.body.iter().for_each(|s| calls_in_stmt(s, &mut calls));
            graph.entry(&f.name).or_default().extend(calls);
        }
        for f in &all {
            let mut path = vec![f.name.as_str()];
            if let Some(span) = cycle(&graph, &mut path, f.name.as_str()) {
                let msg = format!("recursion: {}", path.join(" -> "));
                diags.push(Diag::new(span, msg, "a function may not call itself"));
            }
        }
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
        for (t, thread) in threads.iter().enumerate() {
            let mut ops = Vec::new();
            for (i, (name, args)) in thread.ops.iter().enumerate() {
                ops.push(self.op_call(name, args).map_err(|message| Problem {
                    at: At::Op(t, i),
                    message,
                })?);
            }
            calls.push(ops);
        }
        let ctx = self.ctx(v, consts, threads.len());
        let lowered = lower::lower(ctx, &calls).map_err(|d| Problem {
            at: At::Threads,
            message: d
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
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
        let names = threads.iter().map(|t| t.name.clone()).collect();
        Ok(LangModel::new(lowered, names))
    }

    /// An operation call with its arguments as integers within the parameters' types.
    fn op_call(&self, name: &str, args: &[String]) -> Result<lower::OpCall, String> {
        let op = self
            .file
            .ops
            .iter()
            .find(|o| o.name == name)
            .ok_or(format!("unknown operation `{name}`"))?;
        if op.params.len() != args.len() {
            return Err(format!("`{name}` takes {} argument(s)", op.params.len()));
        }
        let mut values = Vec::new();
        for (p, a) in op.params.iter().zip(args) {
            let v = match (a.as_str(), &p.ty) {
                ("true", TypeRef::Scalar(Scalar::Bool)) => 1,
                ("false", TypeRef::Scalar(Scalar::Bool)) => 0,
                (_, TypeRef::Scalar(Scalar::Int { min, max })) => match a.parse::<i64>() {
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
        })
    }
}

/// A value of type `ty` to check an operation with: zero, or its least value.
fn zero_of(ty: &TypeRef) -> i64 {
    match ty {
        TypeRef::Scalar(Scalar::Int { min, max }) => 0.clamp(*min, *max),
        _ => 0,
    }
}

fn calls_in_stmt<'a>(s: &'a Stmt, out: &mut Vec<(&'a str, Range<usize>)>) {
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut bodies: Vec<&[Stmt]> = Vec::new();
    match &s.kind {
        StmtKind::Local(d) => exprs.extend(d.init.as_ref()),
        StmtKind::Assign(a, b) => exprs.extend([a, b]),
        StmtKind::Expr(e) | StmtKind::Lock(e) | StmtKind::Unlock(e) | StmtKind::Check(_, e, _) => {
            exprs.push(e)
        }
        StmtKind::If(c, a, b) => {
            exprs.push(c);
            bodies.extend([a.as_slice(), b.as_slice()]);
        }
        StmtKind::While {
            cond, body, step, ..
        } => {
            exprs.push(cond);
            bodies.extend([body.as_slice(), step.as_slice()]);
        }
        StmtKind::Atomic(b) | StmtKind::Block(b) => bodies.push(b),
        StmtKind::Return(e) => exprs.extend(e.as_ref()),
    }
    for e in exprs {
        calls_in_expr(e, out);
    }
    for b in bodies {
        b.iter().for_each(|s| calls_in_stmt(s, out));
    }
}

fn calls_in_expr<'a>(e: &'a Expr, out: &mut Vec<(&'a str, Range<usize>)>) {
    match &e.kind {
        ExprKind::Call(n, args) => {
            out.push((n, e.span.clone()));
            args.iter().for_each(|a| calls_in_expr(a, out));
        }
        ExprKind::Field(a, _) | ExprKind::Deref(a) | ExprKind::AddrOf(a) => calls_in_expr(a, out),
        ExprKind::Not(a) | ExprKind::Neg(a) => calls_in_expr(a, out),
        ExprKind::Index(a, b) | ExprKind::Bin(_, a, b) => {
            calls_in_expr(a, out);
            calls_in_expr(b, out);
        }
        _ => {}
    }
}

/// A call path from the last of `path` back to `target`, if there is one: `path` then holds
/// it, and the span of the call that closes it is returned.
fn cycle<'a>(
    graph: &HashMap<&'a str, Vec<(&'a str, Range<usize>)>>,
    path: &mut Vec<&'a str>,
    target: &str,
) -> Option<Range<usize>> {
    let last = *path.last()?;
    for (callee, span) in graph.get(last).into_iter().flatten() {
        if *callee == target {
            path.push(callee);
            return Some(span.clone());
        }
        if path.contains(callee) || !graph.contains_key(callee) || path.len() > 64 {
            continue;
        }
        path.push(callee);
        if let Some(s) = cycle(graph, path, target) {
            return Some(s);
        }
        path.pop();
    }
    None
}
