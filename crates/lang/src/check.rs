//! Checks of a whole file that need no scenario: every operation declared, names declared
//! once, no recursion, every function that returns a value returning one.

use crate::ast::{Expr, ExprKind, File, Function, Span, Stmt, StmtKind};
use crate::Diag;
use std::collections::HashMap;

/// Every check of this module, its mistakes into `diags`.
pub(crate) fn file(file: &File, diags: &mut Vec<Diag>) {
    operations(file, diags);
    duplicates(file, diags);
    recursion(file, diags);
    returns(file, diags);
}

/// A file with no operation gives scenario threads nothing to run.
fn operations(file: &File, diags: &mut Vec<Diag>) {
    if file.ops.is_empty() && file.broken.is_empty() {
        let msg = "the file declares no operation: scenario threads call `op NAME() { }`";
        diags.push(Diag::new(0..0, msg.into(), "here"));
    }
}

/// Reports the second of two declarations of one kind with the same name.
fn once<'a>(what: &str, decls: impl IntoIterator<Item = (&'a str, Span)>, diags: &mut Vec<Diag>) {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (name, span) in decls {
        if seen.insert(name, ()).is_some() {
            let msg = format!("two {what} are named `{name}`");
            diags.push(Diag::new(span, msg, "the second one"));
        }
    }
}

fn duplicates(file: &File, diags: &mut Vec<Diag>) {
    for (name, fields, _) in &file.structs {
        let fields = fields.iter().map(|f| (f.name.as_str(), f.span.clone()));
        once(&format!("fields of `struct {name}`"), fields, diags);
    }
    once("functions", named(&file.functions), diags);
    // Operations of one name differ by their number of arguments (`pte_fragment_free()`,
    // `pte_fragment_free(from)`).
    let mut arities: HashMap<(&str, usize), ()> = HashMap::new();
    for op in &file.ops {
        if arities.insert((&op.name, op.params.len()), ()).is_some() {
            let msg = format!(
                "two operations named `{}` take {} argument(s)",
                op.name,
                op.params.len()
            );
            diags.push(Diag::new(op.span.clone(), msg, "the second one"));
        }
    }
    clash(
        "an operation and a function",
        &named(&file.functions),
        &named(&file.ops),
        diags,
    );
    for v in &file.variants {
        once(
            &format!("functions of variant `{}`", v.name),
            named(&v.functions),
            diags,
        );
    }
    let variants = file
        .variants
        .iter()
        .map(|v| (v.name.as_str(), v.span.clone()));
    once("variants", variants, diags);
    let params = file
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.span.clone()));
    once("parameters", params, diags);
    let globals: Vec<(&str, Span)> = (file.globals.iter())
        .map(|g| (g.name.as_str(), g.span.clone()))
        .collect();
    let params: Vec<(&str, Span)> = (file.params.iter())
        .map(|p| (p.name.as_str(), p.span.clone()))
        .collect();
    clash("a parameter and a global", &globals, &params, diags);
    for (name, span) in params.iter().chain(&globals) {
        if [crate::lower::NR_THREADS, crate::lower::THREAD].contains(name) {
            let msg = format!("`{name}` is built in: the scenario's thread count or number");
            diags.push(Diag::new(span.clone(), msg, "another name"));
        }
    }
    let checks = file.invariants.iter().chain(&file.end_checks);
    once(
        "checks",
        checks.map(|c| (c.name.as_str(), c.span.clone())),
        diags,
    );
    for f in all_functions(file) {
        let params = f.params.iter().map(|p| (p.name.as_str(), p.span.clone()));
        once(&format!("parameters of `{}`", f.name), params, diags);
    }
}

fn named(fs: &[Function]) -> Vec<(&str, Span)> {
    fs.iter()
        .map(|f| (f.name.as_str(), f.span.clone()))
        .collect()
}

/// Reports each of `b` named as one of `a` is.
fn clash(what: &str, a: &[(&str, Span)], b: &[(&str, Span)], diags: &mut Vec<Diag>) {
    for (name, span) in b {
        if a.iter().any(|(n, _)| n == name) {
            let msg = format!("{what} are both named `{name}`");
            diags.push(Diag::new(span.clone(), msg, "rename one"));
        }
    }
}

fn all_functions(file: &File) -> impl Iterator<Item = &Function> {
    file.functions
        .iter()
        .chain(file.variants.iter().flat_map(|v| &v.functions))
        .chain(&file.ops)
}

/// A function that calls itself, directly or through others, is refused: calls are
/// inlined, and a kernel path's depth is fixed.
fn recursion(file: &File, diags: &mut Vec<Diag>) {
    let mut graph: HashMap<&str, Vec<(&str, Span)>> = HashMap::new();
    for f in all_functions(file) {
        let mut calls = Vec::new();
        f.body.iter().for_each(|s| calls_in_stmt(s, &mut calls));
        graph.entry(&f.name).or_default().extend(calls);
    }
    // Each cycle once, from the first of its functions in the file.
    let mut reported: Vec<Vec<&str>> = Vec::new();
    for f in all_functions(file) {
        let mut path = vec![f.name.as_str()];
        if let Some(span) = cycle(&graph, &mut path, f.name.as_str()) {
            let mut members = path[1..].to_vec();
            members.sort();
            if reported.contains(&members) {
                continue;
            }
            reported.push(members);
            let msg = format!("recursion: {}", path.join(" -> "));
            diags.push(Diag::new(span, msg, "a function may not call itself"));
        }
    }
}

/// Whether any function, operation or check calls the builtin `finished(t)`.
pub(crate) fn calls_finished(file: &File) -> bool {
    let mut calls = Vec::new();
    for f in all_functions(file) {
        f.body.iter().for_each(|s| calls_in_stmt(s, &mut calls));
    }
    for c in file.invariants.iter().chain(&file.end_checks) {
        calls_in_expr(&c.cond, &mut calls);
    }
    calls
        .iter()
        .any(|(name, _)| *name == crate::lower::FINISHED)
}

/// A function that returns a value and can reach its end without `return`.
fn returns(file: &File, diags: &mut Vec<Diag>) {
    for f in all_functions(file) {
        if f.ret.is_some() && !always_returns(&f.body) {
            let msg = format!(
                "`{}` returns a value, but can reach its end without `return`",
                f.name
            );
            diags.push(Diag::new(
                f.span.clone(),
                msg,
                "every path ends in `return VALUE;`",
            ));
        }
    }
}

/// Whether every path through `body` ends in `return`.
fn always_returns(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::If(_, a, b) => always_returns(a) && always_returns(b),
        StmtKind::Atomic(b) | StmtKind::Block(b) => always_returns(b),
        _ => false,
    })
}

fn calls_in_stmt<'a>(s: &'a Stmt, out: &mut Vec<(&'a str, Span)>) {
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut bodies: Vec<&[Stmt]> = Vec::new();
    match &s.kind {
        StmtKind::Local(d) => exprs.extend(d.init.as_ref()),
        StmtKind::Assign(a, b) => exprs.extend([a, b]),
        StmtKind::Expr(e)
        | StmtKind::Lock(e)
        | StmtKind::Unlock(e)
        | StmtKind::WaitUntil(e)
        | StmtKind::Check(_, e, _) => exprs.push(e),
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

fn calls_in_expr<'a>(e: &'a Expr, out: &mut Vec<(&'a str, Span)>) {
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
    graph: &HashMap<&'a str, Vec<(&'a str, Span)>>,
    path: &mut Vec<&'a str>,
    target: &str,
) -> Option<Span> {
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
