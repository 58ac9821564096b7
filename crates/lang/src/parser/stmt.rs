//! Statements.

use super::{PResult, Parser};
use crate::ast::*;
use crate::lexer::Tok;

impl Parser<'_> {
    pub(super) fn stmt_kind(&mut self) -> PResult<StmtKind> {
        if self.is(&Tok::LBrace) {
            return Ok(StmtKind::Block(self.block()?));
        }
        if self.eat_word("if") {
            let cond = self.paren_expr()?;
            let then = self.body()?;
            let otherwise = if self.eat_word("else") {
                self.body()?
            } else {
                Vec::new()
            };
            return Ok(StmtKind::If(cond, then, otherwise));
        }
        if self.eat_word("while") {
            let cond = self.paren_expr()?;
            let bound = if self.eat_word("bound") {
                Some(self.paren_expr()?)
            } else {
                None
            };
            let body = self.body()?;
            return Ok(StmtKind::While {
                cond,
                bound,
                body,
                step: Vec::new(),
            });
        }
        if self.eat_word("for") {
            return self.for_loop();
        }
        if self.eat_word("atomic") {
            return Ok(StmtKind::Atomic(self.block()?));
        }
        if self.eat_word("return") {
            let value = if self.is(&Tok::Semi) {
                None
            } else {
                Some(self.expr()?)
            };
            self.expect(&Tok::Semi, "`;`")?;
            return Ok(StmtKind::Return(value));
        }
        if let Some(kind) = self.builtin_stmt()? {
            self.expect(&Tok::Semi, "`;`")?;
            return Ok(kind);
        }
        if self.starts_type() {
            let decl = self.var_decl(false)?;
            self.expect(&Tok::Semi, "`;` after the declaration")?;
            return Ok(StmtKind::Local(decl));
        }
        let kind = self.simple_stmt()?;
        self.expect(&Tok::Semi, "`;`")?;
        Ok(kind)
    }

    fn paren_expr(&mut self) -> PResult<Expr> {
        self.expect(&Tok::LParen, "`(`")?;
        let e = self.expr()?;
        self.expect(&Tok::RParen, "`)`")?;
        Ok(e)
    }

    /// `spin_lock(&l)`, `spin_unlock(&l)`, `wait_until(c)`, `BUG_ON(c)`, `VM_BUG_ON(c)`, `assert [NAME](c, "m")`,
    /// `WRITE_ONCE(p, v)`; without the `;`.
    fn builtin_stmt(&mut self) -> PResult<Option<StmtKind>> {
        let word = match self.peek() {
            Some(Tok::Ident(w)) if matches!(self.peek_at(1), Some(Tok::LParen | Tok::Ident(_))) => {
                w.clone()
            }
            _ => return Ok(None),
        };
        let kind = match word.as_str() {
            "spin_lock" | "spin_unlock" => {
                self.pos += 1;
                let place = self.paren_expr()?;
                if word == "spin_lock" {
                    StmtKind::Lock(place)
                } else {
                    StmtKind::Unlock(place)
                }
            }
            "wait_until" => {
                self.pos += 1;
                StmtKind::WaitUntil(self.paren_expr()?)
            }
            "BUG_ON" | "VM_BUG_ON" => {
                self.pos += 1;
                let cond = self.paren_expr()?;
                let span = cond.span.clone();
                let holds = Expr {
                    kind: ExprKind::Not(Box::new(cond)),
                    span,
                };
                StmtKind::Check(word, holds, String::new())
            }
            "assert" => {
                self.pos += 1;
                let name = match self.peek() {
                    Some(Tok::Ident(_)) => self.ident("the check's name")?.0,
                    _ => "assert".into(),
                };
                self.expect(&Tok::LParen, "`(`")?;
                let cond = self.expr()?;
                let message = if self.eat(&Tok::Comma) {
                    self.string("the message")?
                } else {
                    String::new()
                };
                self.expect(&Tok::RParen, "`)`")?;
                StmtKind::Check(name, cond, message)
            }
            "WRITE_ONCE" if matches!(self.peek_at(1), Some(Tok::LParen)) => {
                self.pos += 2;
                let place = self.expr()?;
                self.expect(&Tok::Comma, "`,` and the value")?;
                let value = self.expr()?;
                self.expect(&Tok::RParen, "`)`")?;
                StmtKind::Assign(place, value)
            }
            _ => return Ok(None),
        };
        Ok(Some(kind))
    }

    /// `place = e`, `place += e`, `place -= e`, `place++`, `place--`, or `call(...)`.
    fn simple_stmt(&mut self) -> PResult<StmtKind> {
        let target = self.expr()?;
        let by = |p: &mut Self, op: BinOp, rhs: Expr| {
            let span = target.span.start..p.last_end();
            StmtKind::Assign(
                target.clone(),
                Expr {
                    kind: ExprKind::Bin(op, Box::new(target.clone()), Box::new(rhs)),
                    span,
                },
            )
        };
        let one = |span: Span| Expr {
            kind: ExprKind::Int(1),
            span,
        };
        if self.eat(&Tok::Assign) {
            let value = self.expr()?;
            Ok(StmtKind::Assign(target, value))
        } else if self.eat(&Tok::PlusAssign) {
            let value = self.expr()?;
            Ok(by(self, BinOp::Add, value))
        } else if self.eat(&Tok::MinusAssign) {
            let value = self.expr()?;
            Ok(by(self, BinOp::Sub, value))
        } else if self.eat(&Tok::PlusPlus) {
            let s = target.span.clone();
            Ok(by(self, BinOp::Add, one(s)))
        } else if self.eat(&Tok::MinusMinus) {
            let s = target.span.clone();
            Ok(by(self, BinOp::Sub, one(s)))
        } else if matches!(target.kind, ExprKind::Call(..)) {
            Ok(StmtKind::Expr(target))
        } else {
            let found = self.describe_here();
            self.fail(
                format!("expected `=`, `++`, `--` or `;` after a call, found {found}"),
                "a statement assigns or calls",
            )
        }
    }

    /// `for (T i = A; i < B; i++) body`: a loop bounded by `B - A` (`B - A + 1` with `<=`).
    /// Another shape has no bound the loader can see, and is refused there.
    fn for_loop(&mut self) -> PResult<StmtKind> {
        self.expect(&Tok::LParen, "`(`")?;
        let init_start = self.span().start;
        let init = if self.starts_type() {
            StmtKind::Local(self.var_decl(false)?)
        } else {
            self.simple_stmt()?
        };
        let init_span = init_start..self.last_end();
        self.expect(&Tok::Semi, "`;`")?;
        let cond = self.expr()?;
        self.expect(&Tok::Semi, "`;`")?;
        let step_start = self.span().start;
        let step = self.simple_stmt()?;
        let step_span = step_start..self.last_end();
        self.expect(&Tok::RParen, "`)`")?;
        let body = self.body()?;
        let bound = for_bound(&init, &cond, &step);
        let stmt = |kind, span| Stmt {
            kind,
            span,
            source: None,
        };
        let looped = StmtKind::While {
            cond,
            bound,
            body,
            step: vec![stmt(step, step_span)],
        };
        Ok(StmtKind::Block(vec![
            stmt(init, init_span.clone()),
            stmt(looped, init_span),
        ]))
    }
}

/// The bound of `for (T i = A; i < B; i++)`: `B - A` (or `B - A + 1` with `<=`).
fn for_bound(init: &StmtKind, cond: &Expr, step: &StmtKind) -> Option<Expr> {
    let (var, start) = match init {
        StmtKind::Local(d) => (d.name.clone(), d.init.clone()?),
        StmtKind::Assign(
            Expr {
                kind: ExprKind::Name(n),
                ..
            },
            e,
        ) => (n.clone(), e.clone()),
        _ => return None,
    };
    let is_var = |e: &Expr| matches!(&e.kind, ExprKind::Name(n) if *n == var);
    let increments = matches!(step, StmtKind::Assign(t, Expr { kind: ExprKind::Bin(BinOp::Add, a, b), .. })
        if is_var(t) && is_var(a) && matches!(b.kind, ExprKind::Int(1)));
    let ExprKind::Bin(op @ (BinOp::Lt | BinOp::Le), lhs, end) = &cond.kind else {
        return None;
    };
    if !increments || !is_var(lhs) {
        return None;
    }
    let span = cond.span.clone();
    let mut bound = Expr {
        kind: ExprKind::Bin(BinOp::Sub, end.clone(), Box::new(start)),
        span: span.clone(),
    };
    if *op == BinOp::Le {
        bound = Expr {
            kind: ExprKind::Bin(
                BinOp::Add,
                Box::new(bound),
                Box::new(Expr {
                    kind: ExprKind::Int(1),
                    span: span.clone(),
                }),
            ),
            span,
        };
    }
    Some(bound)
}
