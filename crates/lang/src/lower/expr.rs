//! Expressions, places and calls: names resolved to slots, types checked, calls inlined.

use super::pointer::compatible;
use super::stmt::{Frame, ThreadLower};
use super::{intern, place_objects, source_of, Binding, PlaceRef, Ty};
use crate::ast::*;
use crate::ir::*;
use std::collections::HashMap;
use weft_explorer::Footprint;

/// `a op b`, computed now where it can be as the interpreter would: both constants (unless
/// that faults, which is left for the run to report), or a `&&` or `||` that its constant left
/// side decides. Parameters make such conditions (`invariants == 0 || ...`), and a step
/// should not pay for them in every state.
pub(super) fn fold(op: BinOp, a: Val, b: Val) -> Val {
    match (op, &a, &b) {
        (_, Val::Const(x), Val::Const(y)) => {
            if let Ok(v) = crate::interp::binary(op, *x, *y) {
                return Val::Const(v);
            }
        }
        (BinOp::And, Val::Const(0), _) => return Val::Const(0),
        (BinOp::Or, Val::Const(x), _) if *x != 0 => return Val::Const(1),
        // The right side of `&&` and `||` is a truth value already (`cond`).
        (BinOp::And, Val::Const(_), _) | (BinOp::Or, Val::Const(_), _) => return b,
        _ => {}
    }
    Val::Bin(op, Box::new(a), Box::new(b))
}

/// Whether a value is a truth value or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    /// A pointer to the struct named (empty for NULL, which goes with every pointer).
    Ptr(&'static str),
}

pub(super) fn kind_of(s: &Scalar) -> Kind {
    match s {
        Scalar::Bool => Kind::Bool,
        Scalar::Ptr { to, .. } => Kind::Ptr(intern(to)),
        _ => Kind::Int,
    }
}

fn describe(k: Kind) -> String {
    match k {
        Kind::Bool => "a bool".into(),
        Kind::Int => "an integer".into(),
        Kind::Ptr("") => "NULL".into(),
        Kind::Ptr(to) => format!("a `struct {to} *`"),
    }
}

fn contains_call(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call(n, args) => {
            (n != "READ_ONCE" && n != super::FINISHED) || args.iter().any(contains_call)
        }
        ExprKind::Field(a, _) | ExprKind::Deref(a) | ExprKind::AddrOf(a) => contains_call(a),
        ExprKind::Not(a) | ExprKind::Neg(a) => contains_call(a),
        ExprKind::Index(a, b) | ExprKind::Bin(_, a, b) => contains_call(a) || contains_call(b),
        _ => false,
    }
}

/// Whether `body` may assign `name` or take its address: then a constant argument cannot
/// stand in for the parameter.
fn changes(body: &[Stmt], name: &str) -> bool {
    let addr = |e: &Expr| takes_address(e, name);
    body.iter().any(|s| match &s.kind {
        StmtKind::Assign(t, v) => names_root(t, name) || addr(t) || addr(v),
        StmtKind::Local(d) => d.init.as_ref().is_some_and(addr),
        StmtKind::Expr(e)
        | StmtKind::Lock(e)
        | StmtKind::Unlock(e)
        | StmtKind::WaitUntil(e)
        | StmtKind::Check(_, e, _) => addr(e),
        StmtKind::If(c, a, b) => addr(c) || changes(a, name) || changes(b, name),
        StmtKind::While {
            cond, body, step, ..
        } => addr(cond) || changes(body, name) || changes(step, name),
        StmtKind::Atomic(b) | StmtKind::Block(b) => changes(b, name),
        StmtKind::Return(e) => e.as_ref().is_some_and(addr),
    })
}

/// Whether `e` is `name`, or a field or element of it.
fn names_root(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Name(n) => n == name,
        ExprKind::Field(a, _) | ExprKind::Index(a, _) => names_root(a, name),
        _ => false,
    }
}

/// Whether `e` takes the address of `name` (or of a part of it).
fn takes_address(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::AddrOf(a) => names_root(a, name) || takes_address(a, name),
        ExprKind::Field(a, _) | ExprKind::Deref(a) | ExprKind::Not(a) | ExprKind::Neg(a) => {
            takes_address(a, name)
        }
        ExprKind::Index(a, b) | ExprKind::Bin(_, a, b) => {
            takes_address(a, name) || takes_address(b, name)
        }
        ExprKind::Call(_, args) => args.iter().any(|a| takes_address(a, name)),
        _ => false,
    }
}

/// The value of `v` if it reads nothing.
pub(super) fn constant(v: &Val) -> Option<i64> {
    match v {
        // Lowering folds what constants decide (`fold`, `!`, `-`): anything else reads state.
        Val::Const(c) => Some(*c),
        _ => None,
    }
}

impl ThreadLower<'_, '_> {
    /// A condition: a bool, or an integer (true when not zero), as in C.
    pub fn cond(&mut self, e: &Expr) -> Option<Val> {
        let (v, k) = self.value(e)?;
        Some(match k {
            Kind::Bool => v,
            Kind::Int | Kind::Ptr(_) => Val::Bin(BinOp::Ne, Box::new(v), Box::new(Val::Const(0))),
        })
    }

    /// A value to be stored in a `scalar`.
    pub fn value_of_kind(&mut self, e: &Expr, scalar: &Scalar) -> Option<Val> {
        let (v, k) = self.value(e)?;
        let want = kind_of(scalar);
        if !compatible(k, want) {
            let msg = format!("expected {} here, found {}", describe(want), describe(k));
            self.err(&e.span, msg, "wrong type");
            return None;
        }
        let (min, max) = scalar.bounds(self.ctx.threads);
        match constant(&v) {
            // A constant that folds a constant argument may sit in code that argument never
            // runs (`if (taken != 0) return taken - 1;`): the store checks it if it runs.
            Some(_) if self.folds_argument(e) => Some(v),
            Some(c) if c < min || c > max => {
                let msg = format!("{c} is outside the range {min}..{max} it is stored in");
                self.err(&e.span, msg, "out of range");
                None
            }
            _ => Some(v),
        }
    }

    /// `finished(t)`: thread `t`'s hidden ghost flag, set in its last step.
    fn finished(&mut self, args: &[Expr], span: &Span) -> Option<(Val, Kind)> {
        let [arg] = args else {
            self.err(span, "`finished` takes one thread number".into(), "here");
            return None;
        };
        let index = self.int(arg)?;
        let place = self.finished_place(index)?;
        self.read(&place, true);
        Some((Val::Read(Box::new(place)), Kind::Bool))
    }

    /// Thread `index`'s hidden `finished` flag, one slot when `index` is a constant in range.
    pub fn finished_place(&self, index: Val) -> Option<Place> {
        let base = self.ctx.finished?;
        let threads = self.ctx.threads as u32;
        let (base, index) = match constant(&index) {
            Some(i) if (0..threads as i64).contains(&i) => (base + i as u32, None),
            _ => (base, Some(Box::new(index))),
        };
        Some(Place {
            base,
            stride: 1,
            len: threads,
            index,
            scalar: Scalar::Bool,
            name: super::FINISHED.into(),
            via: None,
        })
    }

    /// Whether `e` names a parameter bound to its constant argument.
    fn folds_argument(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => matches!(self.lookup(n), Some(Binding::Const(..))),
            ExprKind::Field(a, _)
            | ExprKind::Deref(a)
            | ExprKind::AddrOf(a)
            | ExprKind::Not(a)
            | ExprKind::Neg(a) => self.folds_argument(a),
            ExprKind::Index(a, b) | ExprKind::Bin(_, a, b) => {
                self.folds_argument(a) || self.folds_argument(b)
            }
            ExprKind::Call(_, args) => args.iter().any(|a| self.folds_argument(a)),
            _ => false,
        }
    }

    fn read(&mut self, place: &Place, ghost: bool) {
        let objects = place_objects(place, self.globals());
        self.pending = self.pending.union(Footprint::read(objects));
        if objects != 0 && !ghost {
            self.shared += 1;
        }
    }

    /// Records a write of `place` in the instruction being built.
    pub fn write(&mut self, place: &Place) {
        let objects = place_objects(place, self.globals());
        self.pending = self.pending.union(Footprint {
            reads: 0,
            writes: objects,
        });
        if objects != 0 && !self.is_ghost(place) {
            self.shared += 1;
        }
    }

    /// The value of `e` and whether it is a bool or an integer.
    pub fn value(&mut self, e: &Expr) -> Option<(Val, Kind)> {
        match &e.kind {
            ExprKind::Int(i) => Some((Val::Const(*i), Kind::Int)),
            ExprKind::Bool(b) => Some((Val::Const(*b as i64), Kind::Bool)),
            ExprKind::Name(n) if matches!(self.lookup(n), Some(Binding::Const(..))) => {
                let Some(Binding::Const(c, scalar)) = self.lookup(n) else {
                    unreachable!("matched above")
                };
                Some((Val::Const(c), kind_of(&scalar)))
            }
            ExprKind::Name(n) if self.lookup(n).is_none() && self.ctx.consts.contains_key(n) => {
                Some((Val::Const(self.ctx.constant(n)?), Kind::Int))
            }
            ExprKind::Not(a) => match self.cond(a)? {
                Val::Const(c) => Some((Val::Const((c == 0) as i64), Kind::Bool)),
                v => Some((Val::Not(Box::new(v)), Kind::Bool)),
            },
            ExprKind::Neg(a) => match self.int(a)? {
                Val::Const(c) if c.checked_neg().is_some() => Some((Val::Const(-c), Kind::Int)),
                v => Some((Val::Neg(Box::new(v)), Kind::Int)),
            },
            ExprKind::Bin(op, a, b) => self.binary(*op, a, b),
            ExprKind::Call(name, args) if name == "READ_ONCE" && args.len() == 1 => {
                self.value(&args[0])
            }
            ExprKind::Call(name, args)
                if name == super::FINISHED && self.function(name).is_none() =>
            {
                self.finished(args, &e.span)
            }
            ExprKind::Call(name, args) => {
                let Some(got) = self.call(name, args, &e.span)? else {
                    self.err(&e.span, format!("`{name}` returns nothing"), "no value");
                    return None;
                };
                Some(got)
            }
            ExprKind::AddrOf(a) => self.address(a),
            ExprKind::Name(n) if n == "NULL" && self.is_undeclared(n) => {
                Some((Val::Const(0), Kind::Ptr("")))
            }
            _ => {
                let place = self.scalar_place(e)?;
                if place.scalar == Scalar::Lock {
                    self.err(&e.span, "a spinlock is not a value".into(), "here");
                    return None;
                }
                let k = kind_of(&place.scalar);
                Some((self.read_value(place), k))
            }
        }
    }

    fn is_undeclared(&self, n: &str) -> bool {
        self.lookup(n).is_none() && !self.ctx.globals.contains_key(n)
    }

    /// Whether `place` is ghost state (through a pointer: in every instance it may name).
    pub(super) fn is_ghost(&self, place: &Place) -> bool {
        let slots = &self.ctx.slots;
        match &place.via {
            Some((_, all)) => all.iter().all(|s| slots[(s + place.base) as usize].ghost),
            None => place.base < self.globals() && slots[place.base as usize].ghost,
        }
    }

    /// The value in `place`, read: its footprint, and a shared access unless ghost.
    pub(super) fn read_value(&mut self, place: Place) -> Val {
        let ghost = self.is_ghost(&place);
        self.read(&place, ghost);
        Val::Read(Box::new(place))
    }

    fn int(&mut self, e: &Expr) -> Option<Val> {
        let (v, k) = self.value(e)?;
        if k != Kind::Int {
            self.err(
                &e.span,
                "expected an integer, found a bool".into(),
                "wrong type",
            );
            return None;
        }
        Some(v)
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Option<(Val, Kind)> {
        use BinOp::*;
        // A check's calls only compute a value (`check_call`): skipping one changes nothing.
        let checking = self.thread == usize::MAX;
        if matches!(op, And | Or) && contains_call(b) && !checking {
            self.err(
                &b.span,
                "a call on the right of `&&` or `||` would run even when skipped".into(),
                "call it in its own statement, or nest an `if`",
            );
            return None;
        }
        let (kind, va, vb) = match op {
            Add | Sub | Mul | Div | Rem => (Kind::Int, self.int(a), self.int(b)),
            Lt | Le | Gt | Ge => (Kind::Bool, self.int(a), self.int(b)),
            And | Or => (Kind::Bool, self.cond(a), self.cond(b)),
            Eq | Ne => {
                let x = self.value(a);
                let y = self.value(b);
                let (x, y) = (x?, y?);
                if !compatible(x.1, y.1) {
                    self.err(
                        &b.span,
                        "compares a bool with an integer".into(),
                        "wrong type",
                    );
                    return None;
                }
                (Kind::Bool, Some(x.0), Some(y.0))
            }
        };
        Some((fold(op, va?, vb?), kind))
    }

    /// Whether `p` is a whole array where an element is wanted: a mistake, reported.
    pub(super) fn unindexed(&mut self, p: &PlaceRef, span: &Span) -> bool {
        if p.array {
            let msg = format!("`{}` is an array: index it", p.name);
            self.err(span, msg, "here");
        }
        p.array
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Binding> {
        let frame = self.frames.last()?;
        frame.scopes.iter().rev().find_map(|s| s.get(name).cloned())
    }

    /// A scalar place: a local, a global, a field, an element.
    pub fn scalar_place(&mut self, e: &Expr) -> Option<Place> {
        let p = self.place_of(e)?;
        self.scalar_place_of(p, &e.span)
    }

    /// `p` as a scalar place: a mistake if it is a struct or a whole array.
    pub(super) fn scalar_place_of(&mut self, p: PlaceRef, span: &Span) -> Option<Place> {
        let e = Expr {
            kind: ExprKind::Int(0),
            span: span.clone(),
        };
        let scalar = match (&p.ty, p.array) {
            (_, true) => {
                self.unindexed(&p, span);
                return None;
            }
            (Ty::Struct(n), _) => {
                self.err(
                    &e.span,
                    format!("`{}` is a `struct {n}`: name a field", p.name),
                    "here",
                );
                return None;
            }
            (Ty::Scalar(s), _) => s.clone(),
        };
        // An element named by a constant within the array (`tasks[THREAD]`, `pages[0]`) is a
        // slot of its own: nothing to compute when it is read, and its footprint is its own.
        let (base, index) = match p.index.as_deref() {
            Some(Val::Const(i)) if p.via.is_none() && (0..p.len as i64).contains(i) => {
                (p.base + *i as u32 * p.stride, None)
            }
            _ => (p.base, p.index),
        };
        Some(Place {
            base,
            stride: p.stride,
            len: p.len,
            index,
            scalar,
            name: p.name,
            via: p.via.map(|(v, to)| (v, self.ctx.instance_slots(&to))),
        })
    }

    /// The lock `spin_lock(&l)` or `spin_unlock(&l)` names.
    pub fn lock_place(&mut self, e: &Expr) -> Option<Place> {
        let inner = match &e.kind {
            ExprKind::AddrOf(a) => a,
            _ => e,
        };
        let p = self.scalar_place(inner)?;
        if p.scalar != Scalar::Lock {
            self.err(&e.span, "expected a spinlock".into(), "not a `spinlock_t`");
            return None;
        }
        Some(p)
    }

    pub(super) fn place_of(&mut self, e: &Expr) -> Option<PlaceRef> {
        match &e.kind {
            ExprKind::Name(n) => self.named_place(n, &e.span),
            ExprKind::AddrOf(a) => self.place_of(a),
            ExprKind::Deref(a) => {
                let p = self.place_of(a)?;
                self.deref(p, &a.span)
            }
            ExprKind::Field(a, f) => {
                let p = self.place_of(a)?;
                let mut p = self.deref(p, &a.span)?;
                let Ty::Struct(sname) = &p.ty else {
                    self.err(
                        &e.span,
                        format!("`{}` has no fields", p.name),
                        "not a struct",
                    );
                    return None;
                };
                if self.unindexed(&p, &a.span) {
                    return None;
                }
                let Some(layout) = self.ctx.structs.get(sname) else {
                    let msg = format!("no struct is named `{sname}`");
                    self.unknown(&e.span, sname, msg);
                    return None;
                };
                let Some((_, s, off, _, _)) = layout.fields.iter().find(|x| x.0 == *f).cloned()
                else {
                    let known: Vec<&str> = layout.fields.iter().map(|x| x.0.as_str()).collect();
                    let msg = format!(
                        "`struct {sname}` has no field `{f}`; it has {}",
                        known.join(", ")
                    );
                    self.err(&e.span, msg, "no such field");
                    return None;
                };
                p.base += off;
                p.ty = Ty::Scalar(s);
                p.name = match p.via {
                    Some(_) => format!("{}{f}", p.name),
                    None => format!("{}.{f}", p.name),
                };
                Some(p)
            }
            ExprKind::Index(a, i) => {
                let mut p = self.place_of(a)?;
                if !p.array {
                    self.err(&e.span, format!("`{}` is not an array", p.name), "here");
                    return None;
                }
                let by_thread = matches!(&i.kind, ExprKind::Name(n) if n == super::THREAD)
                    && self.lookup(super::THREAD).is_none();
                let named = self.ctx.thread_named;
                let idx = self.int(i)?;
                if p.via.is_none() {
                    let of = match &p.ty {
                        Ty::Struct(n) => Some(n.as_str()),
                        Ty::Scalar(_) => None,
                    };
                    let array = (p.base, p.stride, p.len);
                    self.ctx.note_index(array, of, by_thread, named);
                }
                p.index = Some(Box::new(idx));
                p.array = false;
                Some(p)
            }
            _ => {
                self.err(
                    &e.span,
                    "expected a variable, a field or an element".into(),
                    "not a place",
                );
                None
            }
        }
    }

    fn named_place(&mut self, n: &str, span: &Span) -> Option<PlaceRef> {
        match self.lookup(n) {
            Some(Binding::Local(slot, s)) => {
                let name = n.to_string();
                return Some(PlaceRef {
                    base: slot,
                    stride: 1,
                    len: 1,
                    index: None,
                    array: false,
                    ty: Ty::Scalar(s),
                    name,
                    via: None,
                });
            }
            Some(Binding::Ptr(p)) => return Some(p),
            Some(Binding::Const(..)) => {
                self.err(
                    span,
                    format!("`{n}` is a constant here, not a place"),
                    "here",
                );
                return None;
            }
            None => {}
        }
        let Some(g) = self.ctx.globals.get(n).cloned() else {
            if self.ctx.consts.contains_key(n) {
                self.err(span, format!("`{n}` is a parameter, not a place"), "here");
            } else {
                self.unknown(span, n, format!("unknown name `{n}`"));
            }
            return None;
        };
        let stride = match &g.ty {
            Ty::Struct(s) => self.ctx.structs.get(s).map_or(1, |l| l.size),
            Ty::Scalar(_) => 1,
        };
        Some(PlaceRef {
            base: g.base,
            stride,
            len: g.len.unwrap_or(1),
            index: None,
            array: g.len.is_some(),
            ty: g.ty,
            name: n.to_string(),
            via: None,
        })
    }

    fn function(&self, name: &str) -> Option<(&Function, bool)> {
        let ctx = &*self.ctx;
        if let Some(f) = ctx
            .variant
            .and_then(|v| v.functions.iter().find(|f| f.name == name))
        {
            return Some((f, false));
        }
        if let Some(f) = ctx.file.functions.iter().find(|f| f.name == name) {
            return Some((f, false));
        }
        ctx.prelude
            .iter()
            .find(|f| f.name == name)
            .map(|f| (f, true))
    }

    /// Inlines a call; its value, if the function returns one. `None`: a mistake, reported.
    pub fn call(&mut self, name: &str, args: &[Expr], span: &Span) -> Option<Option<(Val, Kind)>> {
        let Some((f, prelude)) = self.function(name) else {
            let msg = match self.ctx.file.ops.iter().any(|o| o.name == name) {
                true => format!("`{name}` is an operation: threads call it, functions do not"),
                false => format!("no function is named `{name}`"),
            };
            self.unknown(span, name, msg);
            return None;
        };
        let f = f.clone();
        if self.calls.iter().any(|c| c == name) {
            // Recursion: `Program::load` has reported the cycle, at its call.
            return None;
        }
        if f.params.len() != args.len() {
            let msg = format!(
                "`{name}` takes {} argument(s), not {}",
                f.params.len(),
                args.len()
            );
            self.err(span, msg, "here");
            return None;
        }
        if self.thread == usize::MAX {
            return self.check_call(name, &f, args, span).map(Some);
        }
        let ret = match &f.ret {
            Some(t) => Some(self.ctx.scalar_of(t, &f.span)?),
            None => None,
        };
        let ret_slot = ret
            .as_ref()
            .map(|s| self.local(&format!("{name}()"), s.clone(), true));
        let first = self.ctx.slots.len() as u32;
        let (caller_label, start) = (self.label, self.code.len());
        let mut scope = HashMap::new();
        for (p, a) in f.params.iter().zip(args) {
            let b = self.argument(p, a, &f.body)?;
            scope.insert(p.name.clone(), b);
        }
        // Value arguments that are all constants set nothing. Where the call is the thread's
        // first instruction, its first step still shows the calling statement, as it did
        // when an argument's store came first; elsewhere a store joined the step before.
        let folded = scope.values().any(|b| matches!(b, Binding::Const(..)));
        let relabel = folded && start == 0 && self.code.len() == start;
        let caller_source = self
            .frames
            .last()
            .map(|fr| fr.source.clone())
            .unwrap_or_default();
        self.frames.push(Frame {
            scopes: vec![scope],
            ret: ret_slot.map(|s| (s, ret.clone().expect("a type"))),
            returns: Vec::new(),
            atomic: 0,
            source: f.source.as_ref().map(source_of).unwrap_or(caller_source),
            prelude,
            start: self.here(),
        });
        self.calls.push(name.to_string());
        self.body(&f.body);
        self.calls.pop();
        self.end_frame(first);
        if let Some(ins) = self.code.get_mut(start).filter(|_| relabel) {
            ins.label = caller_label;
        }
        Some(ret_slot.map(|s| {
            let place = self.local_place(s);
            (
                Val::Read(Box::new(place)),
                kind_of(ret.as_ref().expect("a type")),
            )
        }))
    }

    /// Binds parameter `p` to argument `a`: a pointer to the place `&a` names, a value to a
    /// new local set from `a`.
    fn argument(&mut self, p: &ParamDecl, a: &Expr, body: &[Stmt]) -> Option<Binding> {
        if p.pointer {
            if let Some(bound) = self.pointer_argument(p, a) {
                return bound;
            }
            let place = self.place_of(a)?;
            let want = match &p.ty {
                // A parameter's `*` is `pointer`: its type is never a pointer itself.
                TypeRef::Struct(n) | TypeRef::Ptr(n) => Ty::Struct(n.clone()),
                TypeRef::Scalar(s) => Ty::Scalar(s.clone()),
            };
            let fits = match (&want, &place.ty) {
                (Ty::Scalar(Scalar::Int { .. }), Ty::Scalar(Scalar::Int { .. })) => true,
                (w, t) => w == t,
            };
            if !fits || place.array {
                self.err(
                    &a.span,
                    format!("`{}` does not fit the parameter `{}`", place.name, p.name),
                    "here",
                );
                return None;
            }
            return Some(Binding::Ptr(place));
        }
        let s = self.ctx.scalar_of(&p.ty, &p.span)?;
        let v = self.value_of_kind(a, &s)?;
        if let Some(c) = constant(&v).filter(|_| !changes(body, &p.name)) {
            return Some(Binding::Const(c, s));
        }
        let slot = self.local(&p.name, s.clone(), false);
        let place = self.local_place(slot);
        self.emit(Op::Set(place, v));
        Some(Binding::Local(slot, s))
    }
}
