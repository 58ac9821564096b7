//! Lowering: a parsed file, a variant, parameter values and threads' operation calls become
//! slots and a flat instruction table per thread. Every call is inlined (recursion is refused),
//! so each name is resolved to a slot here, once.

mod check_call;
mod expr;
mod pointer;
mod stmt;

use crate::ast::*;
use crate::interp::state_bytes;
use crate::ir::*;
use crate::Diag;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use weft_explorer::{Footprint, Source};

/// A global's or a struct field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Scalar(Scalar),
    Struct(String),
}

/// A struct's fields: name, type, slot offset; and its size in slots.
struct StructLayout {
    /// Name, type, offset, initial value, and whether the field is ghost.
    fields: Vec<(String, Scalar, u32, i64, bool)>,
    size: u32,
}

/// A resolved place that may still be a struct or a whole array.
#[derive(Clone, Debug)]
pub(crate) struct PlaceRef {
    base: u32,
    stride: u32,
    len: u32,
    index: Option<Box<Val>>,
    /// An array not indexed yet.
    array: bool,
    ty: Ty,
    name: String,
    /// Reached through a pointer: its value, and the struct it points to.
    via: Option<(Box<Val>, String)>,
}

/// What a name means in a function.
#[derive(Clone, Debug)]
enum Binding {
    Local(u32, Scalar),
    Ptr(PlaceRef),
    /// A by-value parameter whose argument is a constant and which the function never
    /// changes: the constant itself, folded where it is used (no local, no instruction).
    Const(i64, Scalar),
}

/// A global's layout.
#[derive(Clone, Debug)]
struct GlobalInfo {
    base: u32,
    ty: Ty,
    len: Option<u32>,
}

/// The thread's operations as a scenario calls them: name and integer arguments.
#[derive(PartialEq, Eq)]
pub struct OpCall {
    /// The operation.
    pub name: String,
    /// Its arguments.
    pub args: Vec<i64>,
    /// The threads its arguments name (by the thread's name in the scenario).
    pub names: Vec<usize>,
}

/// One thread lowered.
pub struct ThreadCode {
    /// Instructions.
    pub code: Vec<Instr>,
    /// Statement labels.
    pub labels: Vec<Label>,
    /// Each operation: its first instruction, its name, its locals' slots.
    pub ops: Vec<(u32, String, u32, u32)>,
    /// Whether the code names `THREAD` other than as the index of an array in
    /// [`Lowered::thread_arrays`]: then it is not interchangeable with another thread's,
    /// whatever operations they call.
    pub names_thread: bool,
}

/// A global array with an element per thread that only `THREAD` indexes (`tasks[THREAD]`),
/// in no check and through no pointer: element `t` is thread `t`'s own state.
#[derive(Clone, Debug)]
pub struct ThreadArray {
    /// The first element's first slot.
    pub base: u32,
    /// Slots per element.
    pub stride: u32,
    /// The struct its elements are, if they are: a pointer to one disqualifies the array.
    of: Option<String>,
    /// Whether every index that names it so far is `THREAD`.
    only_by_thread: bool,
}

/// The whole lowered model.
pub struct Lowered {
    /// Every slot, globals first.
    pub slots: Vec<Slot>,
    /// How many slots are global.
    pub globals: u32,
    /// Each thread's code.
    pub threads: Vec<ThreadCode>,
    /// Invariants: name, condition, message.
    pub invariants: Vec<(&'static str, Val, String)>,
    /// End checks: name, condition, message.
    pub end_checks: Vec<(&'static str, Val, String)>,
    /// What the invariants read.
    pub invariant_reads: u64,
    /// Every check's name.
    pub checks: Vec<&'static str>,
    /// Each struct's instances, in pointer order.
    pub instances: HashMap<String, Vec<String>>,
    /// The arrays whose element `t` is thread `t`'s own.
    pub thread_arrays: Vec<ThreadArray>,
}

/// The checks the interpreter itself runs.
pub const BUILTIN_CHECKS: [&str; 6] = [
    "overflow",
    "out_of_bounds",
    "loop_bound",
    "spinlock",
    "division_by_zero",
    "null_deref",
];

/// The built-in constant that is the number of threads in the scenario (an array of one
/// element per thread is `[NR_THREADS]`).
pub const NR_THREADS: &str = "NR_THREADS";

/// The built-in constant that is the number of the thread running the code, from 0 in the
/// scenario's order: per-thread state that outlives an operation is `tasks[THREAD]`.
pub const THREAD: &str = "THREAD";

/// The builtin `finished(t)`: whether thread `t` has run all its operations.
pub const FINISHED: &str = "finished";

/// The footprint object of global slot `s`.
pub(crate) fn object(s: u32) -> u64 {
    1u64 << (s % 64)
}

/// A string that lives as long as the program: check names are `&'static str` in the
/// explorer's interface.
pub(crate) fn intern(s: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().expect("names");
    if let Some(n) = names.iter().find(|n| **n == s) {
        return n;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    names.push(leaked);
    leaked
}

/// What lowering needs to know about the program and the instance.
pub(crate) struct Ctx<'a> {
    pub file: &'a File,
    /// The user's text and the prelude's.
    pub texts: [&'a str; 2],
    /// Functions of the prelude, by name.
    pub prelude: &'a [Function],
    pub variant: Option<&'a VariantDecl>,
    pub consts: HashMap<String, i64>,
    structs: HashMap<String, StructLayout>,
    globals: HashMap<String, GlobalInfo>,
    pub slots: Vec<Slot>,
    pub global_count: u32,
    pub threads: usize,
    pub diags: Vec<Diag>,
    pub checks: Vec<&'static str>,
    /// Each struct's instances, in the order the globals declare them: name, first slot.
    pub instances: HashMap<String, Vec<(String, u32)>>,
    /// How many instances each struct has, counted before the layout (pointers' ranges).
    counts: HashMap<String, u32>,
    /// Whether `THREAD` was read since the thread's lowering began, other than as an array
    /// index.
    thread_named: bool,
    /// Arrays with an element per thread, by first slot, and those the thread being lowered
    /// indexes by `THREAD`.
    thread_arrays: BTreeMap<u32, ThreadArray>,
    thread_indexed: BTreeSet<u32>,
    /// The first of the hidden ghost flags `finished(t)` reads, one per thread, if the
    /// program calls it.
    pub finished: Option<u32>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        file: &'a File,
        texts: [&'a str; 2],
        prelude: &'a [Function],
        variant: Option<&'a VariantDecl>,
        consts: HashMap<String, i64>,
        threads: usize,
    ) -> Self {
        let mut consts = consts;
        consts.insert(NR_THREADS.into(), threads as i64);
        let mut ctx = Ctx {
            file,
            texts,
            prelude,
            variant,
            consts,
            structs: HashMap::new(),
            globals: HashMap::new(),
            slots: Vec::new(),
            global_count: 0,
            threads,
            diags: Vec::new(),
            checks: BUILTIN_CHECKS.to_vec(),
            instances: HashMap::new(),
            counts: HashMap::new(),
            thread_named: false,
            thread_arrays: BTreeMap::new(),
            thread_indexed: BTreeSet::new(),
            finished: None,
        };
        ctx.count_instances();
        ctx.layout_structs();
        ctx.layout_globals();
        if crate::check::calls_finished(file) {
            ctx.finished = Some(ctx.slots.len() as u32);
            for t in 0..threads {
                ctx.slots.push(Slot {
                    name: format!("{FINISHED}({t})"),
                    scalar: Scalar::Bool,
                    ghost: true,
                    thread: None,
                    init: 0,
                    hidden: true,
                    live: None,
                    born: 0,
                });
            }
        }
        ctx.global_count = ctx.slots.len() as u32;
        ctx
    }

    fn err(&mut self, span: &Span, message: String, label: &str) {
        self.diags.push(Diag::new(span.clone(), message, label));
    }

    /// The value of constant `name`, if it is one (noting a read of `THREAD`).
    pub fn constant(&mut self, name: &str) -> Option<i64> {
        let v = self.consts.get(name).copied();
        self.thread_named |= v.is_some() && name == THREAD;
        v
    }

    /// The value of a constant expression: literals, parameters and arithmetic.
    pub fn const_eval(&mut self, e: &Expr) -> Option<i64> {
        let v = match &e.kind {
            ExprKind::Int(i) => Some(*i),
            ExprKind::Name(n) if self.consts.contains_key(n) => self.constant(n),
            ExprKind::Neg(a) => self.const_eval(a)?.checked_neg(),
            ExprKind::Bin(op, a, b) => {
                let (a, b) = (self.const_eval(a)?, self.const_eval(b)?);
                match op {
                    BinOp::Add => a.checked_add(b),
                    BinOp::Sub => a.checked_sub(b),
                    BinOp::Mul => a.checked_mul(b),
                    _ => None,
                }
            }
            _ => None,
        };
        if v.is_none() {
            self.err(
                &e.span,
                "expected a constant: numbers, parameters and + - *".into(),
                "not constant",
            );
        }
        v
    }

    fn scalar_of(&mut self, ty: &TypeRef, span: &Span) -> Option<Scalar> {
        match ty {
            TypeRef::Scalar(s) => Some(s.clone()),
            TypeRef::Ptr(to) => self.pointer_to(to, span),
            TypeRef::Struct(n) => {
                self.err(
                    span,
                    format!("`struct {n}` cannot be here: only scalars"),
                    "a bool, an integer or a spinlock here",
                );
                None
            }
        }
    }

    /// The initial value of `scalar`: `init`, or zero (the least value if zero is outside).
    fn initial(&mut self, scalar: &Scalar, init: Option<&Expr>) -> i64 {
        let (min, max) = scalar.bounds(self.threads);
        match init {
            Some(e) => {
                let v = match &e.kind {
                    ExprKind::Bool(b) => Some(*b as i64),
                    ExprKind::Name(n) if n == "NULL" => Some(0),
                    _ => self.const_eval(e),
                };
                match v {
                    Some(v) if v < min || v > max => {
                        self.err(
                            &e.span,
                            format!("{v} is outside the range {min}..{max}"),
                            "this value",
                        );
                        min
                    }
                    Some(v) => v,
                    None => min,
                }
            }
            None => 0.clamp(min, max),
        }
    }

    fn layout_structs(&mut self) {
        for (name, fields, span) in &self.file.structs {
            let mut layout = StructLayout {
                fields: Vec::new(),
                size: 0,
            };
            for f in fields {
                if f.len.is_some() {
                    self.err(&f.span, "a struct field cannot be an array".into(), "here");
                }
                if let Some(s) = self.scalar_of(&f.ty, &f.span) {
                    let init = self.initial(&s, f.init.as_ref());
                    layout
                        .fields
                        .push((f.name.clone(), s, layout.size, init, f.ghost));
                    layout.size += 1;
                }
            }
            if self.structs.insert(name.clone(), layout).is_some() {
                self.err(
                    span,
                    format!("two structs are named `{name}`"),
                    "second one",
                );
            }
        }
    }

    fn layout_globals(&mut self) {
        let mut too_large = false;
        for g in &self.file.globals {
            let len = match &g.len {
                Some(e) => match self.const_eval(e) {
                    Some(n) if (1..=256).contains(&n) => Some(n as u32),
                    // Still an array, of one, so that its uses are not mistakes as well.
                    Some(n) => {
                        self.err(
                            &e.span,
                            format!("an array has 1 to 256 elements, not {n}"),
                            "here",
                        );
                        Some(1)
                    }
                    None => Some(1),
                },
                None => None,
            };
            let base = self.slots.len() as u32;
            let ty = match &g.ty {
                TypeRef::Struct(n) => Ty::Struct(n.clone()),
                other => match self.scalar_of(other, &g.span) {
                    Some(s) => Ty::Scalar(s),
                    None => continue,
                },
            };
            for i in 0..len.unwrap_or(1) {
                let elem = match len {
                    Some(_) => format!("{}[{i}]", g.name),
                    None => g.name.clone(),
                };
                self.push_global_slots(g, &ty, &elem);
            }
            if self.globals.contains_key(&g.name) {
                self.err(
                    &g.span,
                    format!("two globals are named `{}`", g.name),
                    "second one",
                );
            }
            let info = GlobalInfo { base, ty, len };
            self.globals.insert(g.name.clone(), info);
            if !too_large && state_bytes(&self.slots, self.threads) > crate::MAX_STATE_BYTES {
                too_large = true;
                let msg = format!(
                    "the shared state would not fit its layout: more than {} bytes with `{}`",
                    crate::MAX_STATE_BYTES,
                    g.name
                );
                self.err(&g.span, msg, "fewer or smaller globals, or smaller arrays");
            }
        }
    }

    fn push_global_slots(&mut self, g: &VarDecl, ty: &Ty, elem: &str) {
        match ty {
            Ty::Scalar(s) => {
                let init = self.initial(s, g.init.as_ref());
                self.slots.push(Slot {
                    name: elem.to_string(),
                    scalar: s.clone(),
                    ghost: g.ghost,
                    thread: None,
                    init,
                    hidden: false,
                    live: None,
                    born: 0,
                });
            }
            Ty::Struct(n) => {
                if g.init.is_some() {
                    self.err(
                        &g.span,
                        "a struct takes its fields' defaults".into(),
                        "here",
                    );
                }
                let Some(layout) = self.structs.get(n) else {
                    let msg = format!("no struct is named `{n}`");
                    self.diags
                        .push(Diag::unknown(g.span.clone(), n, msg, "this type"));
                    return;
                };
                let first = self.slots.len() as u32;
                let instances = self.instances.entry(n.clone()).or_default();
                instances.push((elem.to_string(), first));
                for (f, s, _, init, ghost) in &layout.fields {
                    self.slots.push(Slot {
                        name: format!("{elem}.{f}"),
                        scalar: s.clone(),
                        ghost: g.ghost || *ghost,
                        thread: None,
                        init: *init,
                        hidden: false,
                        live: None,
                        born: 0,
                    });
                }
            }
        }
    }

    /// Lowers the invariants and end checks, which read globals only.
    pub fn checks_of(&mut self, decls: &[CheckDecl]) -> (Vec<(&'static str, Val, String)>, u64) {
        let mut out = Vec::new();
        let mut reads = 0;
        for c in decls {
            let mut t = stmt::ThreadLower::new(self, usize::MAX);
            // A check that parameters make hold (`invariants == 0 || ...`) is never
            // evaluated, and what it would read does not limit reduction.
            let cond = t.cond(&c.cond);
            if let Some(v) = cond.filter(|v| expr::constant(v).is_none_or(|c| c == 0)) {
                reads |= t.pending.reads;
                let name = intern(&c.name);
                out.push((name, v, c.message.clone()));
            }
            self.checks.push(intern(&c.name));
        }
        (out, reads)
    }
}

/// Lowers a whole instance: `calls[t]` are thread `t`'s operations.
pub(crate) fn lower(mut ctx: Ctx<'_>, calls: &[Vec<OpCall>]) -> Result<Lowered, Vec<Diag>> {
    let globals = ctx.slots.len() as u32;
    let mut threads = Vec::new();
    for (t, ops) in calls.iter().enumerate() {
        ctx.consts.insert(THREAD.into(), t as i64);
        ctx.thread_named = false;
        let mut tl = stmt::ThreadLower::new(&mut ctx, t);
        for call in ops {
            tl.op(call);
        }
        tl.mark_finished(!ops.is_empty());
        let mut code = tl.finish();
        // `finished(t)` reads flags that do not move with their threads: no symmetry.
        code.names_thread = ctx.thread_named || ctx.finished.is_some();
        threads.push((code, std::mem::take(&mut ctx.thread_indexed)));
    }
    // Checks belong to no thread.
    ctx.consts.remove(THREAD);
    let file = ctx.file;
    let (invariants, invariant_reads) = ctx.checks_of(&file.invariants);
    let (end_checks, _) = ctx.checks_of(&file.end_checks);
    if !ctx.diags.is_empty() {
        return Err(ctx.diags);
    }
    let instances = ctx.instance_names();
    let (thread_arrays, threads) = own_arrays(&ctx, threads);
    ctx.checks.dedup();
    let mut checks: Vec<&'static str> = Vec::new();
    for c in ctx.checks {
        if !checks.contains(&c) {
            checks.push(c);
        }
    }
    Ok(Lowered {
        slots: ctx.slots,
        globals,
        threads,
        invariants,
        end_checks,
        invariant_reads,
        checks,
        instances,
        thread_arrays,
    })
}

/// The arrays whose elements are their threads' own (indexed by `THREAD` alone, the index
/// of no check, the target of no pointer), and each thread's code, marked as naming
/// `THREAD` if it indexes an array that is not.
fn own_arrays(
    ctx: &Ctx<'_>,
    threads: Vec<(ThreadCode, BTreeSet<u32>)>,
) -> (Vec<ThreadArray>, Vec<ThreadCode>) {
    let pointed = |of: &str| {
        (ctx.slots.iter()).any(|s| matches!(&s.scalar, Scalar::Ptr { to, .. } if to == of))
    };
    let own: Vec<ThreadArray> = (ctx.thread_arrays.values())
        .filter(|a| a.only_by_thread && !a.of.as_deref().is_some_and(pointed))
        .cloned()
        .collect();
    let threads = (threads.into_iter())
        .map(|(mut code, indexed)| {
            code.names_thread |= indexed.iter().any(|b| !own.iter().any(|a| a.base == *b));
            code
        })
        .collect();
    (own, threads)
}

impl Ctx<'_> {
    /// Notes that the array at `base`, of `len` elements `stride` slots apart (of struct
    /// `of`), is indexed, by `THREAD` alone or not; `named` is whether `THREAD` had been
    /// named before this index was lowered.
    pub(crate) fn note_index(
        &mut self,
        array: (u32, u32, u32),
        of: Option<&str>,
        by_thread: bool,
        named: bool,
    ) {
        let (base, stride, len) = array;
        if base >= self.global_count || len as usize != self.threads {
            return;
        }
        let entry = self.thread_arrays.entry(base).or_insert(ThreadArray {
            base,
            stride,
            of: of.map(String::from),
            only_by_thread: true,
        });
        entry.only_by_thread &= by_thread;
        if by_thread {
            self.thread_named = named;
            self.thread_indexed.insert(base);
        }
    }
}

/// `Source` of an annotation.
pub(crate) fn source_of(note: &SourceNote) -> Source {
    Source::new(&note.function, &note.file, &note.version)
}

/// The footprint of reading (or writing) every element `place` may name.
pub(crate) fn place_objects(p: &Place, globals: u32) -> u64 {
    if let Some((_, all)) = &p.via {
        return all.iter().fold(0, |bits, s| bits | object(s + p.base));
    }
    if p.base >= globals {
        return 0;
    }
    let mut bits = 0;
    match p.index {
        None => bits |= object(p.base),
        Some(_) => {
            for i in 0..p.len {
                bits |= object(p.base + i * p.stride);
            }
        }
    }
    bits
}

/// Joins `b` into `a`.
pub(crate) fn join(a: &mut Footprint, b: Footprint) {
    *a = a.union(b);
}
