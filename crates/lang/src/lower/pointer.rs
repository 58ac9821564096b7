//! Pointers between struct instances: `struct page *p`, `&pages[i]`, `p->_refcount`, `NULL`.
//! A pointer holds 0 for NULL, or the number of an instance of its struct (from 1), in the
//! order the globals declare them; through it, a field is found at run time, and its
//! footprint is that field in every instance it may point to.

use super::expr::Kind;
use super::stmt::ThreadLower;
use super::{intern, Binding, Ctx, PlaceRef, Ty};
use crate::ast::*;
use crate::ir::*;
use std::sync::Arc;

impl Ctx<'_> {
    /// Counts each struct's instances, before any is laid out: a pointer's range is that
    /// count, and a struct's own fields may point to its instances.
    pub(super) fn count_instances(&mut self) {
        let file = self.file;
        for g in &file.globals {
            if let TypeRef::Struct(n) = &g.ty {
                let mark = self.diags.len();
                let len = g.len.as_ref().map_or(Some(1), |e| self.const_eval(e));
                // Layout reports a length that is not a constant, or out of range.
                self.diags.truncate(mark);
                let len = len.unwrap_or(1).clamp(1, 256) as u32;
                *self.counts.entry(n.clone()).or_default() += len;
            }
        }
    }

    /// The type `struct to *`.
    pub(super) fn pointer_to(&mut self, to: &str, span: &Span) -> Option<Scalar> {
        if !self.file.structs.iter().any(|s| s.0 == to) {
            let msg = format!("no struct is named `{to}`");
            self.diags
                .push(crate::Diag::unknown(span.clone(), to, msg, "this type"));
            return None;
        }
        let count = self.counts.get(to).copied().unwrap_or(0);
        Some(Scalar::Ptr {
            to: to.to_string(),
            count,
        })
    }

    /// The first slot of every instance of `to`.
    pub(super) fn instance_slots(&self, to: &str) -> Arc<[u32]> {
        let all = self.instances.get(to).map(Vec::as_slice).unwrap_or(&[]);
        all.iter().map(|i| i.1).collect()
    }

    /// Each struct's instances by name, for showing pointers.
    pub(super) fn instance_names(&self) -> std::collections::HashMap<String, Vec<String>> {
        (self.instances.iter())
            .map(|(s, all)| (s.clone(), all.iter().map(|i| i.0.clone()).collect()))
            .collect()
    }
}

/// The instance of `to` that pointer `value` names, called `name`.
fn through(value: Val, to: &str, name: String) -> PlaceRef {
    PlaceRef {
        base: 0,
        stride: 0,
        len: 1,
        index: None,
        array: false,
        ty: Ty::Struct(to.to_string()),
        name,
        via: Some((Box::new(value), to.to_string())),
    }
}

/// Whether a value of kind `got` may go where `want` goes: the same kind, or NULL for a
/// pointer.
pub(crate) fn compatible(got: Kind, want: Kind) -> bool {
    match (got, want) {
        (Kind::Ptr(a), Kind::Ptr(b)) => a == b || a.is_empty() || b.is_empty(),
        (a, b) => a == b,
    }
}

impl ThreadLower<'_, '_> {
    /// The instance the pointer in place `p` points to; the pointer is read.
    pub(super) fn deref(&mut self, p: PlaceRef, span: &Span) -> Option<PlaceRef> {
        let Ty::Scalar(Scalar::Ptr { to, .. }) = &p.ty else {
            return Some(p);
        };
        let to = to.clone();
        let name = format!("{}->", p.name);
        let place = self.scalar_place_of(p, span)?;
        let value = self.read_value(place);
        Some(through(value, &to, name))
    }

    /// `&instance` as a value: a pointer to it.
    pub(super) fn address(&mut self, e: &Expr) -> Option<(Val, Kind)> {
        let p = self.place_of(e)?;
        let Ty::Struct(to) = &p.ty else {
            let msg = "`&` of a scalar is only an argument of a call".into();
            self.err(&e.span, msg, "here");
            return None;
        };
        if self.unindexed(&p, &e.span) {
            return None;
        }
        let kind = Kind::Ptr(intern(to));
        if let Some((v, _)) = p.via {
            return Some((*v, kind));
        }
        let all = self.ctx.instance_slots(to);
        let first = all.iter().position(|s| *s == p.base)? as i64 + 1;
        let v = match p.index {
            None => Val::Const(first),
            Some(i) => Val::Bin(
                BinOp::Add,
                Box::new(Val::Const(first)),
                Box::new(Val::InBounds(i, p.len, p.name.as_str().into())),
            ),
        };
        Some((v, kind))
    }

    /// A pointer parameter bound to a pointer value (not `&place`): the value is copied into
    /// a local of the callee, and the parameter names the instance it points to. `None` when
    /// `a` is no pointer value; `Some(None)` for a mistake, reported.
    pub(super) fn pointer_argument(&mut self, p: &ParamDecl, a: &Expr) -> Option<Option<Binding>> {
        let TypeRef::Struct(to) = &p.ty else {
            return None;
        };
        let is_null = matches!(&a.kind, ExprKind::Name(n) if n == "NULL");
        let holds_pointer =
            !matches!(a.kind, ExprKind::AddrOf(_)) && (is_null || self.is_pointer(a));
        if !holds_pointer {
            return None;
        }
        let scalar = self.ctx.pointer_to(to, &p.span)?;
        let Some(v) = self.value_of_kind(a, &scalar) else {
            return Some(None);
        };
        let slot = self.local(&p.name, scalar, false);
        let place = self.local_place(slot);
        self.emit(Op::Set(place.clone(), v));
        let name = format!("{}->", p.name);
        Some(Some(Binding::Ptr(through(
            Val::Read(Box::new(place)),
            to,
            name,
        ))))
    }

    /// Whether `e` names a place that holds a pointer, without reading it.
    fn is_pointer(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => match self.lookup(n) {
                Some(Binding::Local(_, s)) => matches!(s, Scalar::Ptr { .. }),
                Some(Binding::Ptr(p)) => matches!(p.ty, Ty::Scalar(Scalar::Ptr { .. })),
                Some(Binding::Const(..)) => false,
                None => matches!(
                    self.ctx.globals.get(n).map(|g| &g.ty),
                    Some(Ty::Scalar(Scalar::Ptr { .. }))
                ),
            },
            ExprKind::Field(..) | ExprKind::Index(..) => {
                // Only its type is wanted: what finding it reads and reports is undone.
                let mark = (self.ctx.diags.len(), self.pending, self.shared);
                let p = self.place_of(e);
                self.ctx.diags.truncate(mark.0);
                (self.pending, self.shared) = (mark.1, mark.2);
                p.is_some_and(|p| matches!(p.ty, Ty::Scalar(Scalar::Ptr { .. })))
            }
            _ => false,
        }
    }
}
