//! Statements and calls of one thread, lowered into its instruction table.

use super::{intern, join, source_of, Binding, Ctx, OpCall, ThreadCode};
use crate::ast::*;
use crate::ir::*;
use crate::Diag;
use std::collections::HashMap;
use weft_explorer::{Footprint, Source};

/// A function being lowered (inlined at its call).
pub(super) struct Frame {
    pub scopes: Vec<HashMap<String, Binding>>,
    /// Where `return` puts the value, and its type.
    pub ret: Option<(u32, Scalar)>,
    /// `return` jumps to patch to the function's end.
    pub returns: Vec<usize>,
    /// `atomic { }` blocks open in this function.
    pub atomic: u32,
    pub source: Source,
    pub prelude: bool,
    /// Where its code starts.
    pub start: u32,
}

/// One thread's lowering.
pub(crate) struct ThreadLower<'c, 'a> {
    pub ctx: &'c mut Ctx<'a>,
    pub thread: usize,
    pub code: Vec<Instr>,
    pub labels: Vec<Label>,
    pub ops: Vec<(u32, String, u32, u32)>,
    pub frames: Vec<Frame>,
    pub calls: Vec<String>,
    pub label: u32,
    /// `atomic { }` blocks open, across calls.
    pub atomic: u32,
    /// What the instruction being built reads and writes, and its shared accesses.
    pub pending: Footprint,
    pub shared: u32,
    /// The statement being lowered, for errors.
    pub stmt_span: Span,
    /// Whether the statement being lowered is in the prelude.
    pub in_prelude: bool,
}

impl<'c, 'a> ThreadLower<'c, 'a> {
    /// Closes the innermost function's frame: its `return`s jump here, and the locals it
    /// declared from slot `first` on are reset. Returns the end of those slots.
    pub(crate) fn end_frame(&mut self, first: u32) -> u32 {
        let frame = self.frames.pop().expect("a function's frame");
        let end = self.here();
        for r in frame.returns {
            self.patch(r, end);
        }
        let last = self.ctx.slots.len() as u32;
        // Inner calls' locals have theirs already.
        for s in &mut self.ctx.slots[first as usize..] {
            s.live.get_or_insert((frame.start, end));
        }
        if last > first {
            self.emit(Op::Reset(first, last, Box::default()));
        }
        last
    }

    pub fn new(ctx: &'c mut Ctx<'a>, thread: usize) -> Self {
        ThreadLower {
            ctx,
            thread,
            code: Vec::new(),
            labels: Vec::new(),
            ops: Vec::new(),
            frames: Vec::new(),
            calls: Vec::new(),
            label: 0,
            atomic: 0,
            pending: Footprint::default(),
            shared: 0,
            stmt_span: 0..0,
            in_prelude: false,
        }
    }

    /// Sets the thread's `finished` flag (if the program reads it) in its last step, or from
    /// the start for a thread that calls nothing.
    pub fn mark_finished(&mut self, calls: bool) {
        let Some(place) = self.finished_place(Val::Const(self.thread as i64)) else {
            return;
        };
        if !calls {
            self.ctx.slots[place.base as usize].init = 1;
            return;
        }
        self.write(&place);
        self.emit(Op::Set(place, Val::Const(1)));
    }

    pub fn finish(self) -> ThreadCode {
        ThreadCode {
            code: self.code,
            labels: self.labels,
            ops: self.ops,
            names_thread: false,
        }
    }

    pub fn err(&mut self, span: &Span, message: String, label: &str) {
        self.report(Diag::new(span.clone(), message, label));
    }

    /// A mistake that says `name` is not declared.
    pub fn unknown(&mut self, span: &Span, name: &str, message: String) {
        self.report(Diag::unknown(span.clone(), name, message, "here"));
    }

    fn report(&mut self, mut d: Diag) {
        if self.in_prelude {
            // A mistake in how the prelude is called is the call's: report it there.
            d.span = self.stmt_span.clone();
        }
        self.ctx.diags.push(d);
    }

    /// Appends an instruction built from what was read and written since the last one.
    pub fn emit(&mut self, op: Op) -> usize {
        let extra = matches!(op, Op::Lock(_) | Op::Unlock(_) | Op::AtomicBegin) as u32;
        let shared = self.shared + extra;
        if shared > 1 && self.atomic == 0 && !matches!(op, Op::Await(_)) {
            let span = self.stmt_span.clone();
            self.err(
                &span,
                format!(
                    "this statement touches shared memory {shared} times, so it is not one step"
                ),
                "read into a local first, or wrap it in `atomic { }`",
            );
        }
        self.code.push(Instr {
            op,
            shared: shared > 0,
            label: self.label,
            fp: std::mem::take(&mut self.pending),
        });
        self.shared = 0;
        self.code.len() - 1
    }

    /// Whether condition `cond` of the statement being lowered is decided before it runs
    /// (parameters made it a constant, and it touches no shared memory, so that it is no
    /// step's access): what it reads is then read by nothing.
    fn decided(&mut self, cond: &Val) -> Option<bool> {
        let c = super::expr::constant(cond).filter(|_| self.shared == 0)?;
        self.pending = Footprint::default();
        Some(c != 0)
    }

    pub fn here(&self) -> u32 {
        self.code.len() as u32
    }

    pub fn patch(&mut self, at: usize, to: u32) {
        match &mut self.code[at].op {
            Op::Jump(t) | Op::BranchIfNot(_, t) => *t = to,
            _ => unreachable!("only jumps are patched"),
        }
    }

    /// A new local slot of this thread.
    pub fn local(&mut self, name: &str, scalar: Scalar, hidden: bool) -> u32 {
        let (min, max) = scalar.bounds(self.ctx.threads);
        self.ctx.slots.push(Slot {
            name: name.to_string(),
            scalar,
            ghost: false,
            thread: Some(self.thread),
            init: 0.clamp(min, max),
            hidden: hidden || self.frames.last().is_some_and(|f| f.prelude),
            live: None,
            born: self.here(),
        });
        self.ctx.slots.len() as u32 - 1
    }

    pub fn local_place(&self, slot: u32) -> Place {
        let s = &self.ctx.slots[slot as usize];
        Place {
            base: slot,
            stride: 1,
            len: 1,
            index: None,
            scalar: s.scalar.clone(),
            name: s.name.clone(),
            via: None,
        }
    }

    fn bind(&mut self, name: &str, b: Binding) {
        if let Some(f) = self.frames.last_mut() {
            f.scopes
                .last_mut()
                .expect("a scope")
                .insert(name.to_string(), b);
        }
    }

    /// The label of a statement: its own text, whitespace collapsed, `if`/`while` up to
    /// their condition.
    fn set_label(&mut self, stmt: &Stmt) {
        self.stmt_span = stmt.span.clone();
        let frame = self.frames.last().expect("a frame");
        if frame.prelude {
            self.in_prelude = true;
            return;
        }
        self.in_prelude = false;
        let end = match &stmt.kind {
            StmtKind::If(c, ..) | StmtKind::While { cond: c, .. } => c.span.end + 1,
            _ => stmt.span.end,
        };
        let raw = &self.ctx.texts[0][stmt.span.start..end.min(stmt.span.end)];
        let mut text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > 80 {
            text = text.chars().take(77).collect::<String>() + "...";
        }
        let source = stmt
            .source
            .as_ref()
            .map(source_of)
            .unwrap_or_else(|| frame.source.clone());
        self.labels.push(Label { text, source });
        self.label = self.labels.len() as u32 - 1;
    }

    /// Lowers operation `call` of this thread: its arguments set, its body, its locals reset.
    pub fn op(&mut self, call: &OpCall) {
        let file = self.ctx.file;
        let same = |o: &&Function| o.name == call.name && o.params.len() == call.args.len();
        let Some(op) = file.ops.iter().find(same) else {
            return;
        };
        let first = self.ctx.slots.len() as u32;
        let start = self.here();
        let source = op.source.as_ref().map(source_of).unwrap_or_default();
        self.frames.push(Frame {
            scopes: vec![HashMap::new()],
            ret: None,
            returns: Vec::new(),
            atomic: 0,
            source: source.clone(),
            prelude: false,
            start: self.here(),
        });
        self.labels.push(Label {
            text: format!("{}({})", op.name, join_args(&call.args)),
            source,
        });
        self.label = self.labels.len() as u32 - 1;
        self.stmt_span = op.span.clone();
        for (p, v) in op.params.iter().zip(&call.args) {
            let Some(s) = self.param_scalar(p) else {
                continue;
            };
            let slot = self.local(&p.name, s, false);
            let place = self.local_place(slot);
            self.emit(Op::Set(place, Val::Const(*v)));
            self.bind(
                &p.name,
                Binding::Local(slot, self.ctx.slots[slot as usize].scalar.clone()),
            );
        }
        self.body(&op.body);
        let last = self.end_frame(first);
        self.ops.push((start, call.name.clone(), first, last));
    }

    fn param_scalar(&mut self, p: &ParamDecl) -> Option<Scalar> {
        if p.pointer {
            self.err(
                &p.span,
                "an operation's arguments are values, not pointers".into(),
                "here",
            );
            return None;
        }
        self.ctx.scalar_of(&p.ty, &p.span)
    }

    pub fn body(&mut self, stmts: &[Stmt]) {
        if let Some(f) = self.frames.last_mut() {
            f.scopes.push(HashMap::new());
        }
        for s in stmts {
            self.stmt(s);
        }
        if let Some(f) = self.frames.last_mut() {
            f.scopes.pop();
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let (saved_span, saved_label, saved_prelude) =
            (self.stmt_span.clone(), self.label, self.in_prelude);
        self.set_label(s);
        self.stmt_kind(s);
        self.stmt_span = saved_span;
        self.label = saved_label;
        self.in_prelude = saved_prelude;
    }

    fn stmt_kind(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Local(d) => self.local_decl(d),
            StmtKind::Assign(target, value) => self.assign(target, value),
            StmtKind::Expr(e) => {
                if let ExprKind::Call(name, args) = &e.kind {
                    self.call(name, args, &e.span);
                }
            }
            StmtKind::If(c, then, otherwise) => {
                let Some(cond) = self.cond(c) else { return };
                // A condition that parameters decide: no test at run time, only the jump
                // over a branch that never runs (which is still lowered and checked).
                let branch = match (self.decided(&cond), cond) {
                    (Some(true), _) => None,
                    (Some(false), _) => Some(self.emit(Op::Jump(0))),
                    (None, cond) => Some(self.emit(Op::BranchIfNot(cond, 0))),
                };
                self.body(then);
                if otherwise.is_empty() {
                    let end = self.here();
                    if let Some(b) = branch {
                        self.patch(b, end);
                    }
                } else {
                    let jump = self.emit(Op::Jump(0));
                    let at = self.here();
                    if let Some(b) = branch {
                        self.patch(b, at);
                    }
                    self.body(otherwise);
                    let end = self.here();
                    self.patch(jump, end);
                }
            }
            StmtKind::While {
                cond,
                bound,
                body,
                step,
            } => self.while_loop(s, cond, bound.as_ref(), body, step),
            StmtKind::Atomic(body) => {
                self.emit(Op::AtomicBegin);
                self.atomic += 1;
                self.frames.last_mut().expect("a frame").atomic += 1;
                self.body(body);
                self.atomic -= 1;
                self.frames.last_mut().expect("a frame").atomic -= 1;
                self.emit(Op::AtomicEnd);
            }
            StmtKind::Block(body) => self.body(body),
            StmtKind::Lock(e) | StmtKind::Unlock(e) => {
                let Some(place) = self.lock_place(e) else {
                    return;
                };
                let fp = Footprint::rw(super::place_objects(&place, self.globals()));
                join(&mut self.pending, fp);
                if matches!(s.kind, StmtKind::Lock(_)) {
                    self.emit(Op::Lock(place));
                } else {
                    self.emit(Op::Unlock(place));
                }
            }
            StmtKind::WaitUntil(c) => {
                let Some(cond) = self.cond(c) else { return };
                // A guard, not an access of its own: it reads what the step it guards reads.
                let at = self.emit(Op::Await(cond));
                self.code[at].shared = false;
            }
            StmtKind::Check(name, c, message) => {
                let Some(cond) = self.cond(c) else { return };
                let message = if message.is_empty() {
                    format!("{} failed", self.text_of(&s.span))
                } else {
                    message.clone()
                };
                let name = intern(name);
                self.ctx.checks.push(name);
                // A check that parameters make hold needs no test at run time.
                if self.decided(&cond) != Some(true) {
                    self.emit(Op::Check(name, cond, message));
                }
            }
            StmtKind::Return(value) => self.ret(value.as_ref(), &s.span),
        }
    }

    pub fn text_of(&self, span: &Span) -> String {
        let text = if self.in_prelude {
            self.ctx.texts[1]
        } else {
            self.ctx.texts[0]
        };
        let raw = text.get(span.clone()).unwrap_or("");
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// How many slots are global (laid out before any thread's locals).
    pub fn globals(&self) -> u32 {
        self.ctx.global_count
    }

    fn local_decl(&mut self, d: &VarDecl) {
        if d.len.is_some() {
            self.err(&d.span, "a local cannot be an array".into(), "here");
        }
        let Some(scalar) = self.ctx.scalar_of(&d.ty, &d.span) else {
            return;
        };
        if scalar == Scalar::Lock {
            self.err(
                &d.span,
                "a spinlock is shared: declare it as a global".into(),
                "here",
            );
            return;
        }
        let (min, max) = scalar.bounds(0);
        // A mistake in the initial value is reported; the local is still declared, so that
        // its uses are not reported as unknown.
        let value = (d.init.as_ref())
            .and_then(|e| self.value_of_kind(e, &scalar))
            .unwrap_or(Val::Const(0.clamp(min, max)));
        let declared = self.frames.last().and_then(|f| f.scopes.last());
        if declared.is_some_and(|scope| scope.contains_key(&d.name)) {
            let msg = format!("`{}` is declared twice in this block", d.name);
            self.err(&d.span, msg, "the second one");
        }
        let slot = self.local(&d.name, scalar.clone(), false);
        let place = self.local_place(slot);
        self.emit(Op::Set(place, value));
        self.bind(&d.name, Binding::Local(slot, scalar));
    }

    fn assign(&mut self, target: &Expr, value: &Expr) {
        let Some(place) = self.scalar_place(target) else {
            return;
        };
        if place.scalar == Scalar::Lock {
            self.err(
                &target.span,
                "a spinlock changes by spin_lock and spin_unlock only".into(),
                "here",
            );
            return;
        }
        let Some(v) = self.value_of_kind(value, &place.scalar) else {
            return;
        };
        self.write(&place);
        self.emit(Op::Set(place, v));
    }

    fn while_loop(
        &mut self,
        s: &Stmt,
        c: &Expr,
        bound: Option<&Expr>,
        body: &[Stmt],
        step: &[Stmt],
    ) {
        let Some(bound) = bound else {
            self.err(
                &s.span,
                "a loop with no bound".into(),
                "write `while (c) bound(N) { }`, or `for (int i = A; i < B; i++)`",
            );
            return;
        };
        let Some(n) = self.ctx.const_eval(bound) else {
            return;
        };
        if !(0..=u16::MAX as i64).contains(&n) {
            self.err(
                &bound.span,
                format!("a loop bound is 0 to 65535, not {n}"),
                "here",
            );
            return;
        }
        let counter = self.local("loop", Scalar::Int { min: 0, max: n }, true);
        let place = self.local_place(counter);
        self.emit(Op::Set(place.clone(), Val::Const(0)));
        let head = self.here();
        let Some(cond) = self.cond(c) else { return };
        let exit = self.emit(Op::BranchIfNot(cond, 0));
        self.emit(Op::Count(counter, n as u32));
        self.body(body);
        self.body(step);
        self.emit(Op::Jump(head));
        let end = self.here();
        self.patch(exit, end);
        self.emit(Op::Set(place, Val::Const(0)));
    }

    fn ret(&mut self, value: Option<&Expr>, span: &Span) {
        let frame = self.frames.last().expect("a frame");
        let (ret, atomic) = (frame.ret.clone(), frame.atomic);
        match (value, ret) {
            (Some(e), Some((slot, scalar))) => {
                let Some(v) = self.value_of_kind(e, &scalar) else {
                    return;
                };
                let place = self.local_place(slot);
                self.emit(Op::Set(place, v));
            }
            (None, None) => {}
            (Some(_), None) => {
                return self.err(
                    span,
                    "this function returns nothing".into(),
                    "no value here",
                )
            }
            (None, Some(_)) => {
                return self.err(span, "this function returns a value".into(), "give it one")
            }
        }
        for _ in 0..atomic {
            self.emit(Op::AtomicEnd);
        }
        let jump = self.emit(Op::Jump(0));
        self.frames.last_mut().expect("a frame").returns.push(jump);
    }
}

fn join_args(args: &[i64]) -> String {
    args.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
