//! The interpreter: packed states, values, and one step of a thread.

use crate::ast::{BinOp, Scalar};
use crate::ir::*;
use crate::model::{Gate, Inner};
use serde::{Deserialize, Serialize};
use weft_explorer::{Status, Violation};

/// A packed state: each thread's position (two bytes), then every global in as few bytes as
/// its range needs, stored as its distance from the range's least value (global bools eight
/// to a byte, but those of a thread's own array element, which move with it under
/// symmetry), then the threads' locals. A local is stored as its distance from its initial
/// value (wrapping within its bytes), so that a local at its initial value is all zero
/// bytes; and locals whose
/// functions never run at the same time share bytes: a finished call's locals are back at
/// zero, whichever call used the bytes last, so sharing tells no states apart that were
/// not apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State(pub(crate) Box<[u8]>);

/// A violation found while evaluating, boxed so that results stay two words wide (the
/// evaluator is recursive and hot).
pub(crate) type Fault = Box<Violation>;

/// A violation of `check`, boxed.
fn fault(check: &str, message: String) -> Fault {
    Box::new(Violation::new(check, message))
}

/// How a step ended.
pub(crate) enum Ran {
    /// It ran.
    Stepped,
    /// It reached a `wait_until` whose condition does not hold, or a `spin_lock` another
    /// thread holds, before it touched shared memory: the thread is blocked (only a trial
    /// run, from `status`, gets here).
    Waiting,
}

/// Where one slot is in a packed state, and its range.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cell {
    pub offset: u32,
    pub width: u8,
    /// A bool sharing its byte with others: its bit in the byte at `offset`.
    pub bit: Option<u8>,
    /// The range's least and greatest values.
    pub min: i64,
    pub max: i64,
    /// What is subtracted from the slot's distance to its least value before it is stored:
    /// a local's initial value's distance, 0 for a global.
    pub bias: u64,
}

/// Where each slot is in a packed state: one cell per slot, read together on every access.
pub(crate) struct Packing {
    pub cells: Vec<Cell>,
    pub size: usize,
}

impl Packing {
    /// The layout of `slots` for `threads` threads. With `bits`, global bools share bytes,
    /// eight to a byte, except those in the slots of `bits` (a thread's own array elements,
    /// whose bytes move with the thread under symmetry); without, each takes a byte.
    pub fn new(slots: &[Slot], threads: usize, bits: Option<&[std::ops::Range<u32>]>) -> Packing {
        let mut cells = vec![Cell::default(); slots.len()];
        let mut at = 2 * threads as u32;
        // The byte bools are being packed into, and its next free bit.
        let mut byte: Option<(u32, u8)> = None;
        for (i, (c, s)) in cells.iter_mut().zip(slots).enumerate() {
            let (lo, hi) = s.scalar.bounds(threads);
            (c.width, c.min, c.max) = (self::width(lo, hi), lo, hi);
            let owned = |r: &std::ops::Range<u32>| r.contains(&(i as u32));
            let shares = s.scalar == Scalar::Bool && bits.is_some_and(|b| !b.iter().any(owned));
            if s.thread.is_none() && shares {
                let (offset, bit) = match byte {
                    Some((offset, bit)) if bit < 8 => (offset, bit),
                    _ => {
                        at += 1;
                        (at - 1, 0)
                    }
                };
                (c.offset, c.bit) = (offset, Some(bit));
                byte = Some((offset, bit + 1));
            } else if s.thread.is_none() {
                c.offset = at;
                at += c.width as u32;
            } else {
                c.bias = (s.init as i128 - lo as i128) as u64;
            }
        }
        // Each thread's locals, by where they are declared: a local takes bytes that no local
        // live at the same time holds (a call's code is one range of its thread's code, and
        // calls nest), the narrowest that fit.
        let n = slots.len();
        let mut locals: Vec<usize> = (0..n).filter(|i| slots[*i].thread.is_some()).collect();
        locals.sort_by_key(|i| (slots[*i].thread, slots[*i].born, *i));
        // Per thread: each run of bytes, its width, and where in the code it is free again.
        let mut runs: Vec<(u32, u8, u32)> = Vec::new();
        let mut thread = None;
        for i in locals {
            let s = &slots[i];
            if s.thread != thread {
                thread = s.thread;
                runs.clear();
            }
            // A local whose range in the code is unknown keeps its bytes to itself.
            let (from, to) = s.live.map_or((0, u32::MAX), |l| (s.born.min(l.0), l.1));
            let width = cells[i].width;
            let free = (runs.iter_mut())
                .filter(|c| c.2 <= from && c.1 >= width)
                .min_by_key(|c| c.1);
            match free {
                Some(c) => {
                    cells[i].offset = c.0;
                    c.2 = to;
                }
                None => {
                    cells[i].offset = at;
                    runs.push((at, width, to));
                    at += width as u32;
                }
            }
        }
        Packing {
            cells,
            size: at as usize,
        }
    }

    /// The bytes that slots `from..to` take, in as few runs as they make: what a `Reset` of
    /// them zeroes.
    pub fn runs(&self, from: u32, to: u32) -> Box<[(u32, u32)]> {
        let mut bytes: Vec<(u32, u32)> = (from..to)
            .map(|i| self.bytes(i))
            .map(|r| (r.start as u32, r.end as u32))
            .collect();
        bytes.sort_unstable();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (at, end) in bytes {
            match runs.last_mut() {
                Some(last) if at <= last.1 => last.1 = last.1.max(end),
                _ => runs.push((at, end)),
            }
        }
        runs.into_boxed_slice()
    }

    /// The bytes slot `slot` takes.
    pub fn bytes(&self, slot: u32) -> std::ops::Range<usize> {
        let c = &self.cells[slot as usize];
        c.offset as usize..(c.offset as usize + c.width as usize)
    }
}

/// Bytes a value in `lo..=hi` takes in a packed state.
fn width(lo: i64, hi: i64) -> u8 {
    match (hi as i128 - lo as i128) as u128 {
        0..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 4,
        _ => 8,
    }
}

/// Bytes a packed state of `slots` and `threads` threads takes at most (a bool a byte).
pub(crate) fn state_bytes(slots: &[Slot], threads: usize) -> usize {
    Packing::new(slots, threads, None).size
}

impl Inner {
    #[inline]
    pub(crate) fn get(&self, s: &State, slot: u32) -> i64 {
        let c = &self.packing.cells[slot as usize];
        if let Some(bit) = c.bit {
            return ((s.0[c.offset as usize] >> bit) & 1) as i64;
        }
        let b = &s.0[c.offset as usize..];
        // Read in the slot's width: values are within their range, so the wrapping sums are
        // exact.
        let (raw, mask) = match c.width {
            1 => (b[0] as u64, 0xff),
            2 => (u16::from_le_bytes([b[0], b[1]]) as u64, 0xffff),
            4 => (
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64,
                0xffff_ffff,
            ),
            _ => (u64::from_le_bytes(b[..8].try_into().unwrap()), u64::MAX),
        };
        let distance = raw.wrapping_add(c.bias) & mask;
        (c.min as u64).wrapping_add(distance) as i64
    }

    /// Stores `v`, which is within the slot's range.
    pub(crate) fn put(&self, s: &mut State, slot: u32, v: i64) {
        let c = &self.packing.cells[slot as usize];
        let at = c.offset as usize;
        if let Some(bit) = c.bit {
            s.0[at] = (s.0[at] & !(1 << bit)) | (((v != 0) as u8) << bit);
            return;
        }
        let distance = (v as u64).wrapping_sub(c.min as u64);
        let raw = distance.wrapping_sub(c.bias);
        // Written in the slot's width, as `get` reads it: the wrapping truncation is exact.
        match c.width {
            1 => s.0[at] = raw as u8,
            2 => s.0[at..at + 2].copy_from_slice(&(raw as u16).to_le_bytes()),
            4 => s.0[at..at + 4].copy_from_slice(&(raw as u32).to_le_bytes()),
            _ => s.0[at..at + 8].copy_from_slice(&raw.to_le_bytes()),
        }
    }

    pub(crate) fn pc(&self, s: &State, t: usize) -> usize {
        u16::from_le_bytes([s.0[2 * t], s.0[2 * t + 1]]) as usize
    }

    fn set_pc(&self, s: &mut State, t: usize, pc: usize) {
        s.0[2 * t..2 * t + 2].copy_from_slice(&(pc as u16).to_le_bytes());
    }

    /// The slot `p` names in `s`.
    #[inline]
    pub(crate) fn slot_of(&self, s: &State, p: &Place) -> Result<u32, Fault> {
        match (&p.via, &p.index) {
            (None, None) => Ok(p.base),
            _ => self.slot_through(s, p),
        }
    }

    /// `slot_of` for an element or a place behind a pointer.
    fn slot_through(&self, s: &State, p: &Place) -> Result<u32, Fault> {
        if let Some((ptr, instances)) = &p.via {
            let v = self.eval(s, ptr)?;
            return match v {
                0 => Err(fault(
                    "null_deref",
                    format!("{}: a NULL pointer dereferenced", p.name),
                )),
                _ => Ok(instances[v as usize - 1] + p.base),
            };
        }
        match &p.index {
            None => Ok(p.base),
            Some(i) => {
                let i = self.eval(s, i)?;
                if i < 0 || i >= p.len as i64 {
                    return Err(fault(
                        "out_of_bounds",
                        format!("{}[{i}]: the array has {} elements", p.name, p.len),
                    ));
                }
                Ok(p.base + i as u32 * p.stride)
            }
        }
    }

    /// `eval`, with the leaves (a constant, a place) read in place, without a call.
    #[inline]
    pub(crate) fn eval(&self, s: &State, v: &Val) -> Result<i64, Fault> {
        match v {
            Val::Const(c) => Ok(*c),
            Val::Read(p) => Ok(self.get(s, self.slot_of(s, p)?)),
            v => self.eval_tree(s, v),
        }
    }

    /// `eval` of an operation.
    fn eval_tree(&self, s: &State, v: &Val) -> Result<i64, Fault> {
        Ok(match v {
            Val::Const(_) | Val::Read(_) => self.eval(s, v)?,
            Val::InBounds(i, len, name) => {
                let i = self.eval(s, i)?;
                if i < 0 || i >= *len as i64 {
                    return Err(fault(
                        "out_of_bounds",
                        format!("{name}[{i}]: the array has {len} elements"),
                    ));
                }
                i
            }
            Val::Not(a) => (self.eval(s, a)? == 0) as i64,
            Val::Neg(a) => {
                let a = self.eval(s, a)?;
                a.checked_neg().ok_or_else(|| overflow_of("-", a))?
            }
            Val::Bin(op, a, b) => {
                let x = self.eval(s, a)?;
                match op {
                    BinOp::And if x == 0 => return Ok(0),
                    BinOp::Or if x != 0 => return Ok(1),
                    _ => {}
                }
                let y = self.eval(s, b)?;
                binary(*op, x, y)?
            }
        })
    }

    /// Whether `thread` can move in `s`.
    pub(crate) fn status(&self, s: &State, t: usize) -> Status {
        let pc = self.pc(s, t);
        // `gates` has one entry per instruction: none past the end of the code.
        match self.gates[t].get(pc) {
            None => Status::Finished,
            Some(Gate::Open) => Status::Enabled,
            Some(Gate::Lock(slot)) if self.get(s, *slot) != 0 => Status::Blocked,
            Some(Gate::Lock(_)) => Status::Enabled,
            // A `wait_until`, or a lock the local work before it may choose: try it.
            Some(Gate::Trial) => match self.run(&mut s.clone(), t) {
                Ok(Ran::Waiting) => Status::Blocked,
                _ => Status::Enabled,
            },
        }
    }

    /// Runs `t`'s next step: instructions up to the next one that touches shared memory
    /// after one that did, an `atomic { }` block whole.
    pub(crate) fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        self.run(s, t).map(|_| ()).map_err(|f| *f)
    }

    fn run(&self, s: &mut State, t: usize) -> Result<Ran, Fault> {
        let code = &self.threads[t].code;
        let mut pc = self.pc(s, t);
        let (mut seen, mut depth) = (false, 0u32);
        while let Some(ins) = code.get(pc) {
            if depth == 0 && seen && ins.starts_step() {
                break;
            }
            seen |= ins.shared;
            pc += 1;
            match &ins.op {
                Op::Set(p, v) => {
                    let v = self.eval(s, v)?;
                    let slot = self.slot_of(s, p)?;
                    let Cell {
                        min: lo, max: hi, ..
                    } = self.packing.cells[slot as usize];
                    if v < lo || v > hi {
                        let name = &self.slots[slot as usize].name;
                        return Err(fault(
                            "overflow",
                            format!("{name} = {v} is outside its range {lo}..{hi}"),
                        ));
                    }
                    self.put(s, slot, v);
                }
                Op::BranchIfNot(c, to) => {
                    if self.eval(s, c)? == 0 {
                        pc = *to as usize;
                    }
                }
                Op::Jump(to) => pc = *to as usize,
                Op::AtomicBegin => depth += 1,
                Op::AtomicEnd => depth = depth.saturating_sub(1),
                Op::Lock(p) => {
                    let slot = self.slot_of(s, p)?;
                    if self.get(s, slot) != 0 {
                        if depth > 0 {
                            return Err(fault(
                                "spinlock",
                                format!("spin_lock({}) inside atomic on a held lock", p.name),
                            ));
                        }
                        self.set_pc(s, t, pc - 1);
                        return Ok(Ran::Waiting);
                    }
                    self.put(s, slot, t as i64 + 1);
                }
                Op::Unlock(p) => {
                    let slot = self.slot_of(s, p)?;
                    if self.get(s, slot) != t as i64 + 1 {
                        return Err(fault(
                            "spinlock",
                            format!(
                                "spin_unlock({}) of a lock this thread does not hold",
                                p.name
                            ),
                        ));
                    }
                    self.put(s, slot, 0);
                }
                Op::Await(c) => {
                    if self.eval(s, c)? == 0 {
                        if seen {
                            return Err(fault(
                                "wait_until",
                                "wait_until inside atomic { } after a shared access, on a \
                                 condition that does not hold: the step cannot wait halfway"
                                    .into(),
                            ));
                        }
                        self.set_pc(s, t, pc - 1);
                        return Ok(Ran::Waiting);
                    }
                }
                Op::Check(name, c, message) => {
                    if self.eval(s, c)? == 0 {
                        return Err(fault(name, message.clone()));
                    }
                }
                Op::Count(slot, bound) => {
                    let n = self.get(s, *slot) + 1;
                    if n > *bound as i64 {
                        return Err(fault(
                            "loop_bound",
                            format!("the loop ran more than its bound of {bound} times"),
                        ));
                    }
                    self.put(s, *slot, n);
                }
                Op::Reset(_, _, bytes) => {
                    for &(at, end) in bytes.iter() {
                        s.0[at as usize..end as usize].fill(0);
                    }
                }
            }
        }
        self.set_pc(s, t, pc);
        Ok(Ran::Stepped)
    }

    /// A slot's value as a person reads it.
    pub(crate) fn show(&self, s: &State, slot: u32) -> String {
        let v = self.get(s, slot);
        match self.slots[slot as usize].scalar {
            Scalar::Bool => (v != 0).to_string(),
            Scalar::Lock if v == 0 => "unlocked".into(),
            Scalar::Lock => format!("held by {}", self.names[v as usize - 1]),
            Scalar::Int { .. } => v.to_string(),
            Scalar::Ptr { .. } if v == 0 => "NULL".into(),
            Scalar::Ptr { ref to, .. } => match self.instances.get(to) {
                Some(names) => format!("&{}", names[v as usize - 1]),
                None => v.to_string(),
            },
        }
    }
}

fn overflow_of(op: &str, a: i64) -> Fault {
    fault("overflow", format!("{op}{a} does not fit 64 bits"))
}

pub(crate) fn binary(op: BinOp, x: i64, y: i64) -> Result<i64, Fault> {
    let over = || fault("overflow", format!("{x} {op:?} {y} does not fit 64 bits"));
    Ok(match op {
        BinOp::Add => x.checked_add(y).ok_or_else(over)?,
        BinOp::Sub => x.checked_sub(y).ok_or_else(over)?,
        BinOp::Mul => x.checked_mul(y).ok_or_else(over)?,
        BinOp::Div | BinOp::Rem if y == 0 => {
            return Err(fault("division_by_zero", format!("{x} divided by zero")))
        }
        BinOp::Div => x.checked_div(y).ok_or_else(over)?,
        BinOp::Rem => x.checked_rem(y).ok_or_else(over)?,
        BinOp::Lt => (x < y) as i64,
        BinOp::Le => (x <= y) as i64,
        BinOp::Gt => (x > y) as i64,
        BinOp::Ge => (x >= y) as i64,
        BinOp::Eq => (x == y) as i64,
        BinOp::Ne => (x != y) as i64,
        BinOp::And => (x != 0 && y != 0) as i64,
        BinOp::Or => (x != 0 || y != 0) as i64,
    })
}
