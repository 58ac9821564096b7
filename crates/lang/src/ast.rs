//! The program as written: declarations, statements and expressions, each with its span.

use std::ops::Range;

/// Byte range in the file.
pub type Span = Range<usize>;

/// A scalar type: `bool`, an integer with its range, or a spinlock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `bool`.
    Bool,
    /// An integer in `min..=max` (`u8`, `int in 0..8`).
    Int {
        /// Least value.
        min: i64,
        /// Greatest value.
        max: i64,
    },
    /// `spinlock_t`: free, or held by a thread.
    Lock,
    /// `struct NAME *`: NULL (0), or the number of an instance of the struct (from 1), in
    /// the order the globals declare them.
    Ptr {
        /// The struct.
        to: String,
        /// How many instances it has.
        count: u32,
    },
}

/// A type as written: a scalar, or a struct by name.
#[derive(Clone, Debug)]
pub enum TypeRef {
    /// A scalar.
    Scalar(Scalar),
    /// `struct NAME`.
    Struct(String),
    /// `struct NAME *`, a pointer held in a variable or a field.
    Ptr(String),
}

/// A declared variable or field: `int _refcount in 0..8 = 1`, `struct page pages[NR]`.
#[derive(Clone, Debug)]
pub struct VarDecl {
    /// Its type.
    pub ty: TypeRef,
    /// Its name.
    pub name: String,
    /// `[N]`: an array of N.
    pub len: Option<Expr>,
    /// Its initial value.
    pub init: Option<Expr>,
    /// `ghost`: model bookkeeping, never a step of its own.
    pub ghost: bool,
    /// Where it is declared.
    pub span: Span,
}

/// `@source("function", "file", "version")`.
#[derive(Clone, Debug, Default)]
pub struct SourceNote {
    /// The kernel function.
    pub function: String,
    /// Its file.
    pub file: String,
    /// The version it was read at.
    pub version: String,
}

/// A function parameter: a value, or `T *name`, a place passed by `&place`.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    /// Its type.
    pub ty: TypeRef,
    /// Whether it is a pointer (`*`).
    pub pointer: bool,
    /// Its name.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A function, or an operation (`op`) scenario threads call.
#[derive(Clone, Debug)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its return type, `None` for `void`.
    pub ret: Option<TypeRef>,
    /// Its parameters.
    pub params: Vec<ParamDecl>,
    /// Its body.
    pub body: Vec<Stmt>,
    /// The kernel code it mirrors.
    pub source: Option<SourceNote>,
    /// Where its name is.
    pub span: Span,
}

/// `param NAME = DEFAULT in LO..HI "what it means";`
#[derive(Clone, Debug)]
pub struct ParamConst {
    /// Its name.
    pub name: String,
    /// Default value.
    pub default: i64,
    /// Least value.
    pub min: i64,
    /// Greatest value.
    pub max: i64,
    /// What it means.
    pub doc: String,
    /// Where.
    pub span: Span,
}

/// `invariant NAME(expr, "message");` or `end_check NAME(expr, "message");`
#[derive(Clone, Debug)]
pub struct CheckDecl {
    /// The check's name.
    pub name: String,
    /// What must hold.
    pub cond: Expr,
    /// What a violation prints.
    pub message: String,
    /// Where its name is.
    pub span: Span,
}

/// `variant NAME;` or `variant NAME { functions that replace the base ones }`.
#[derive(Clone, Debug)]
pub struct VariantDecl {
    /// Its name.
    pub name: String,
    /// The functions it replaces.
    pub functions: Vec<Function>,
    /// Where.
    pub span: Span,
}

/// A whole file.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// `struct` types: name, fields.
    pub structs: Vec<(String, Vec<VarDecl>, Span)>,
    /// Globals (shared memory and ghost state).
    pub globals: Vec<VarDecl>,
    /// Parameters.
    pub params: Vec<ParamConst>,
    /// Functions.
    pub functions: Vec<Function>,
    /// Operations.
    pub ops: Vec<Function>,
    /// Invariants, checked in every state.
    pub invariants: Vec<CheckDecl>,
    /// End checks, checked in terminal states.
    pub end_checks: Vec<CheckDecl>,
    /// Variants, in order.
    pub variants: Vec<VariantDecl>,
    /// Names in declarations and statements that did not parse.
    pub broken: Vec<String>,
}

/// A statement, with its source text's span (its step label).
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What it does.
    pub kind: StmtKind,
    /// Where (the label of its step).
    pub span: Span,
    /// `@source(...)` on the statement.
    pub source: Option<SourceNote>,
}

/// What a statement does.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// A local declaration.
    Local(VarDecl),
    /// `place = value;`
    Assign(Expr, Expr),
    /// An expression evaluated for its calls: `f(x);`.
    Expr(Expr),
    /// `if (c) a else b`.
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `while (c) bound(N) body`, or a `for` loop desugared to one (its init before it).
    While {
        /// Loop condition.
        cond: Expr,
        /// Most iterations, if given.
        bound: Option<Expr>,
        /// Body.
        body: Vec<Stmt>,
        /// `for`'s step, run after the body.
        step: Vec<Stmt>,
    },
    /// `atomic { ... }`: one step.
    Atomic(Vec<Stmt>),
    /// `{ ... }`.
    Block(Vec<Stmt>),
    /// `spin_lock(&l);`
    Lock(Expr),
    /// `spin_unlock(&l);`
    Unlock(Expr),
    /// `wait_until(c);`: the thread waits until `c` holds; no step of its own, it guards the
    /// step that follows.
    WaitUntil(Expr),
    /// `BUG_ON(c)`, `assert NAME(c, "m")`: the check's name, the condition that must hold, and
    /// the message.
    Check(String, Expr, String),
    /// `return [e];`
    Return(Option<Expr>),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// What an expression is.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer.
    Int(i64),
    /// `true`/`false`.
    Bool(bool),
    /// A name.
    Name(String),
    /// `e.f` or `e->f`.
    Field(Box<Expr>, String),
    /// `e[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `*p`.
    Deref(Box<Expr>),
    /// `&place`.
    AddrOf(Box<Expr>),
    /// `!e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `f(args)`.
    Call(String, Vec<Expr>),
}
