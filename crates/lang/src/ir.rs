//! The lowered program: per thread, a flat table of instructions over numbered slots, every
//! name resolved. The interpreter runs it; each instruction knows whether it touches shared
//! memory (a step boundary) and what it reads and writes (its footprint).

use crate::ast::{BinOp, Scalar};
use weft_explorer::{Footprint, Source};

/// A value computed from slots and constants.
#[derive(Clone, Debug)]
pub enum Val {
    /// A constant.
    Const(i64),
    /// The value in a place.
    Read(Box<Place>),
    /// `!v`.
    Not(Box<Val>),
    /// `-v`.
    Neg(Box<Val>),
    /// `a op b`.
    Bin(BinOp, Box<Val>, Box<Val>),
    /// An index into an array of `.1` elements named `.2`: a violation outside it.
    InBounds(Box<Val>, u32, Box<str>),
}

/// A scalar place: slot `base`, or element `index` of an array of `len` whose elements are
/// `stride` slots apart.
#[derive(Clone, Debug)]
pub struct Place {
    /// The first element's slot (the slot itself, without an index).
    pub base: u32,
    /// Slots between elements.
    pub stride: u32,
    /// Elements.
    pub len: u32,
    /// Which element, if an array.
    pub index: Option<Box<Val>>,
    /// What it holds.
    pub scalar: Scalar,
    /// The array's name, for out-of-bounds messages.
    pub name: String,
    /// Reached through a pointer: its value, and the first slot of each instance it may
    /// point to (`base` is then the field's offset in the instance).
    pub via: Option<(Box<Val>, std::sync::Arc<[u32]>)>,
}

/// One instruction.
#[derive(Clone, Debug)]
pub enum Op {
    /// `dst = val`, a violation if `val` is outside `dst`'s range.
    Set(Place, Val),
    /// Jump to `.1` unless `.0` holds.
    BranchIfNot(Val, u32),
    /// Jump.
    Jump(u32),
    /// Start of an `atomic { }`: the rest up to its end is the same step.
    AtomicBegin,
    /// End of an `atomic { }`.
    AtomicEnd,
    /// `spin_lock`: the thread waits while another holds it.
    Lock(Place),
    /// `spin_unlock`.
    Unlock(Place),
    /// `wait_until(c)`: the thread waits while `c` is false. No access of its own: it ends
    /// the step before it and guards the one it starts.
    Await(Val),
    /// A check that must hold: its name, condition, message.
    Check(&'static str, Val, String),
    /// A loop's iteration counter: one more, a violation past the bound.
    Count(u32, u32),
    /// Locals `.0...1` back to their initial values: a finished call's variables are not
    /// state. `.2` is filled in once the state is laid out: the bytes they take, merged,
    /// which are then all zero (a local is stored as its distance from its initial value).
    Reset(u32, u32, Box<[(u32, u32)]>),
}

/// An instruction with what the explorer needs to know of it.
#[derive(Clone, Debug)]
pub struct Instr {
    /// What it does.
    pub op: Op,
    /// Whether it touches shared memory (not ghost, not locals): it starts a step.
    pub shared: bool,
    /// The statement it comes from (an index into the thread's labels).
    pub label: u32,
    /// What it reads and writes.
    pub fp: Footprint,
}

impl Instr {
    /// Whether a step that has touched shared memory stops before this instruction: it
    /// touches shared memory itself, or it is a `wait_until`, which guards the next step.
    pub fn starts_step(&self) -> bool {
        self.shared || matches!(self.op, Op::Await(_))
    }
}

/// A statement's label and source, for traces.
#[derive(Clone, Debug)]
pub struct Label {
    /// The statement's own text.
    pub text: String,
    /// The kernel code it mirrors.
    pub source: Source,
}

/// A slot: a scalar of a global, a struct field, an array element, or a thread's local.
#[derive(Clone, Debug)]
pub struct Slot {
    /// Its name (`pages[1]._refcount`, `ret`).
    pub name: String,
    /// Its type.
    pub scalar: Scalar,
    /// Ghost state.
    pub ghost: bool,
    /// The thread owning it, for locals.
    pub thread: Option<usize>,
    /// Its initial value.
    pub init: i64,
    /// A name the model made up (a temporary, a loop counter) or the prelude's: not shown.
    pub hidden: bool,
    /// For a local, the positions in its thread's code where the function declaring it
    /// runs: shown there only.
    pub live: Option<(u32, u32)>,
    /// For a local, the position in its thread's code where it is declared: from there (an
    /// argument is written before its function's code starts) to the end of `live`, it
    /// holds bytes of its own.
    pub born: u32,
}

impl Scalar {
    /// Least and greatest values; a lock holds 0 (free) or a thread number plus one.
    pub fn bounds(&self, threads: usize) -> (i64, i64) {
        match *self {
            Scalar::Bool => (0, 1),
            Scalar::Int { min, max } => (min, max),
            Scalar::Lock => (0, threads as i64),
            Scalar::Ptr { count, .. } => (0, count as i64),
        }
    }
}
