//! Thread symmetry for language models, with no declaration: threads that call the same
//! operations with the same arguments run the same code over locals of the same layout, so
//! they are interchangeable.
//!
//! The only reference to a thread a state can hold is a spinlock's holder: a lock is a
//! global, it is not a value (it cannot be read into a variable or compared), and checks see
//! globals only, except the arrays with an element per thread that only `THREAD` indexes
//! (`tasks[THREAD]`, in no check and through no pointer): element `t` is thread `t`'s own, so
//! it is part of the thread's key and moves with it. A thread whose code names `THREAD` in
//! any other way is in no group, nor is a thread that an operation's argument names (the
//! argument is its number, which a renaming would have to change). A thread's sort key is therefore its position, its locals' bytes and which
//! locks it holds; renaming moves positions and locals and renames the holders.

use crate::ast::Scalar;
use crate::interp::State;
use crate::lower::{OpCall, ThreadArray};
use crate::model::{Inner, LangModel};
use weft_explorer::symmetry::Symmetric;

/// Where each thread's part of a packed state is, and which slots are locks.
#[derive(Default)]
pub(crate) struct Layout {
    /// Groups of interchangeable threads (two or more each).
    pub groups: Vec<Vec<usize>>,
    /// Each thread's locals: the byte range they take in a packed state.
    locals: Vec<std::ops::Range<usize>>,
    /// Each thread's own elements of the arrays `THREAD` indexes: where each slot's bytes
    /// are, slot by slot in the same order for every thread.
    owned: Vec<Vec<std::ops::Range<usize>>>,
    /// Every lock slot.
    locks: Vec<u32>,
}

impl Layout {
    /// The layout of `inner`'s states; threads are grouped when their `calls` are equal, their
    /// code does not name `THREAD`, and their locals are packed alike in bytes of their own.
    pub fn new(inner: &Inner, calls: &[Vec<OpCall>], arrays: &[ThreadArray]) -> Layout {
        let threads = inner.threads.len();
        let packing = &inner.packing;
        let bytes = |slot: u32| packing.bytes(slot);
        let owned: Vec<Vec<std::ops::Range<usize>>> = (0..threads as u32)
            .map(|t| {
                (arrays.iter())
                    .flat_map(|a| (0..a.stride).map(move |f| a.base + t * a.stride + f))
                    .map(bytes)
                    .collect()
            })
            .collect();
        // Per thread: its locals' bytes, and how each is packed relative to the first byte.
        let mut locals: Vec<Option<std::ops::Range<usize>>> = vec![None; threads];
        for (i, slot) in inner.slots.iter().enumerate() {
            let Some(t) = slot.thread else { continue };
            let std::ops::Range { start: at, end } = packing.bytes(i as u32);
            let range = locals[t].get_or_insert(at..end);
            *range = range.start.min(at)..range.end.max(end);
        }
        let locals: Vec<std::ops::Range<usize>> =
            locals.into_iter().map(Option::unwrap_or_default).collect();
        let mut packed: Vec<Vec<(usize, u8, u64, &Scalar)>> = vec![Vec::new(); threads];
        let mut own = vec![true; threads];
        for (i, slot) in inner.slots.iter().enumerate() {
            let cell = &packing.cells[i];
            let (at, width) = (cell.offset as usize, cell.width as usize);
            for (t, range) in locals.iter().enumerate() {
                let inside = at < range.end && range.start < at + width;
                own[t] &= !inside || slot.thread == Some(t);
            }
            if let Some(t) = slot.thread {
                let at = at - locals[t].start;
                packed[t].push((at, cell.width, cell.bias, &slot.scalar));
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        // A thread another's arguments name is that thread's, whatever the renaming.
        let named: Vec<usize> = calls
            .iter()
            .flatten()
            .flat_map(|c| c.names.clone())
            .collect();
        let fixed = |t: usize| inner.threads[t].names_thread || named.contains(&t);
        for t in (0..threads).filter(|&t| own[t] && !fixed(t)) {
            let same = |g: &&mut Vec<usize>| {
                let u = g[0];
                calls[u] == calls[t]
                    && packed[u] == packed[t]
                    && inner.threads[u].code.len() == inner.threads[t].code.len()
            };
            match groups.iter_mut().find(same) {
                Some(group) => group.push(t),
                None => groups.push(vec![t]),
            }
        }
        groups.retain(|g| g.len() > 1);
        let locks = (inner.slots.iter().enumerate())
            .filter(|(_, s)| s.scalar == Scalar::Lock)
            .map(|(i, _)| i as u32)
            .collect();
        Layout {
            groups,
            locals,
            owned,
            locks,
        }
    }
}

impl Symmetric for LangModel {
    /// The thread's position and locals, then one byte per lock: whether it holds it.
    type Key = Vec<u8>;

    fn thread_groups(&self) -> Vec<Vec<usize>> {
        self.0.layout.groups.clone()
    }

    fn thread_key(&self, s: &State, t: usize) -> Vec<u8> {
        let inner = &self.0;
        let locals = &inner.layout.locals[t];
        let mut key = Vec::with_capacity(2 + locals.len() + inner.layout.locks.len());
        key.extend_from_slice(&s.0[2 * t..2 * t + 2]);
        key.extend_from_slice(&s.0[locals.clone()]);
        for slot in &inner.layout.owned[t] {
            key.extend_from_slice(&s.0[slot.clone()]);
        }
        let holder = t as i64 + 1;
        key.extend((inner.layout.locks.iter()).map(|&l| u8::from(inner.get(s, l) == holder)));
        key
    }

    fn permute(&self, s: &mut State, to: &[u8]) {
        let inner = &self.0;
        let old = s.clone();
        for (t, &new) in to.iter().enumerate() {
            let new = usize::from(new);
            if new == t {
                continue;
            }
            s.0[2 * new..2 * new + 2].copy_from_slice(&old.0[2 * t..2 * t + 2]);
            let (from, into) = (&inner.layout.locals[t], &inner.layout.locals[new]);
            s.0[into.clone()].copy_from_slice(&old.0[from.clone()]);
            let owned = &inner.layout.owned;
            for (from, into) in owned[t].iter().zip(&owned[new]) {
                s.0[into.clone()].copy_from_slice(&old.0[from.clone()]);
            }
        }
        for &lock in &inner.layout.locks {
            let holder = inner.get(s, lock);
            if holder != 0 {
                inner.put(s, lock, i64::from(to[holder as usize - 1]) + 1);
            }
        }
    }
}
