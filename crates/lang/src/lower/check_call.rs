//! Calls in invariants and end checks. A check is a condition over one state, so a function
//! it calls must only compute a value: `if (c) return a;` lines and a last `return b;`, with
//! constant arguments (a number, a parameter, `true`). Its body is folded into the condition,
//! and a variant's body replaces the file's as it does in code: a fix can say what its counts
//! mean.

use super::expr::{constant, fold, kind_of, Kind};
use super::stmt::{Frame, ThreadLower};
use super::{source_of, Binding};
use crate::ast::*;
use crate::ir::*;
use std::collections::HashMap;

const SHAPE: &str = "a function a check calls computes a value and changes nothing: \
                     `if (c) return a;` lines, then `return b;`";

impl ThreadLower<'_, '_> {
    /// The value of `name(args)` in a check: its body folded, its arguments constants.
    pub(super) fn check_call(
        &mut self,
        name: &str,
        f: &Function,
        args: &[Expr],
        span: &Span,
    ) -> Option<(Val, Kind)> {
        let Some(ret) = &f.ret else {
            let msg = format!("`{name}` returns nothing: {SHAPE}");
            self.err(span, msg, "no value");
            return None;
        };
        let ret = self.ctx.scalar_of(ret, &f.span)?;
        let mut scope = HashMap::new();
        for (p, a) in f.params.iter().zip(args) {
            let s = match p.pointer {
                false => self.ctx.scalar_of(&p.ty, &p.span)?,
                true => {
                    let msg = format!("a check passes values, not pointers: `{}`", p.name);
                    self.err(&a.span, msg, "here");
                    return None;
                }
            };
            let v = self.value_of_kind(a, &s)?;
            let Some(c) = constant(&v) else {
                let msg = "a check calls a function with constant arguments: a number, a \
                           parameter, `true`";
                self.err(&a.span, msg.into(), "not a constant");
                return None;
            };
            scope.insert(p.name.clone(), Binding::Const(c, s));
        }
        self.frames.push(Frame {
            scopes: vec![scope],
            ret: None,
            returns: Vec::new(),
            atomic: 0,
            source: f.source.as_ref().map(source_of).unwrap_or_default(),
            prelude: false,
            start: 0,
        });
        self.calls.push(name.to_string());
        let v = self.folded_body(&f.body, &ret, &f.span);
        self.calls.pop();
        self.frames.pop();
        Some((v?, kind_of(&ret)))
    }

    /// `if (c) return a; ... return b;` as one value: from the last line back, each `if`
    /// picks its value where `c` holds, `b + c * (a - b)` (a truth value is 0 or 1).
    fn folded_body(&mut self, body: &[Stmt], ret: &Scalar, span: &Span) -> Option<Val> {
        let Some((last, ifs)) = body.split_last() else {
            self.err(span, SHAPE.into(), "here");
            return None;
        };
        let StmtKind::Return(Some(e)) = &last.kind else {
            self.err(&last.span, SHAPE.into(), "here");
            return None;
        };
        let mut v = self.value_of_kind(e, ret)?;
        for s in ifs.iter().rev() {
            let (c, a) = match &s.kind {
                StmtKind::If(c, then, els) if els.is_empty() => match then.as_slice() {
                    [Stmt {
                        kind: StmtKind::Return(Some(a)),
                        ..
                    }] => (c, a),
                    _ => {
                        self.err(&s.span, SHAPE.into(), "here");
                        return None;
                    }
                },
                _ => {
                    self.err(&s.span, SHAPE.into(), "here");
                    return None;
                }
            };
            let c = self.cond(c)?;
            let a = self.value_of_kind(a, ret)?;
            v = match c {
                // Decided by the arguments or parameters: the line that holds, alone.
                Val::Const(c) if c != 0 => a,
                Val::Const(_) => v,
                c => {
                    let pick = fold(BinOp::Mul, c, fold(BinOp::Sub, a, v.clone()));
                    fold(BinOp::Add, v, pick)
                }
            };
        }
        Some(v)
    }
}
