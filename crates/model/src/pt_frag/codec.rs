//! The pt_frag state packed by hand: the breadth-first search queues every state it
//! discovers encoded ([`Model::encode`](weft_explorer::Model::encode)), and serde's generic
//! encoding costs as much as the steps themselves.
//!
//! Layout: the page and thread counts; `mm->context.pte_frag` (present, page, slot); the lock
//! holder (`u8::MAX`: free); each page's 13 bytes ([`Page::to_bytes`]); each thread's
//! [`THREAD`] bytes.

use super::{Fragment, State, ThreadState, MAX_HELD, MAX_THREADS};
use crate::page::Page;
use crate::pt_frag::steps::Pc;
use smallvec::SmallVec;

/// Most pages a scenario has: one per `pte_fragment_alloc`, at most 15.
const MAX_PAGES: usize = 16;

/// Bytes of a packed thread: op, pc, page, generation, index, test, holds_reference, held,
/// then every fragment slot (page, generation, index).
const THREAD: usize = 8 + 3 * MAX_HELD;

/// Bytes of a packed page.
const PAGE: usize = 13;

/// Appends `s` packed to `out`.
pub(super) fn pack(s: &State, out: &mut Vec<u8>) {
    let (frag_page, frag_slot) = s.pte_frag.unwrap_or((0, 0));
    out.extend_from_slice(&[
        s.pages.len() as u8,
        s.threads.len() as u8,
        s.pte_frag.is_some() as u8,
        frag_page,
        frag_slot,
        s.lock.unwrap_or(u8::MAX),
    ]);
    for p in &s.pages {
        out.extend_from_slice(&p.to_bytes());
    }
    for t in &s.threads {
        let mut b = [0u8; THREAD];
        b[..8].copy_from_slice(&[
            t.op,
            t.pc as u8,
            t.page,
            t.generation,
            t.index,
            t.test as u8,
            t.holds_reference as u8,
            t.held,
        ]);
        for (i, f) in t.fragments.iter().enumerate() {
            b[8 + 3 * i..11 + 3 * i].copy_from_slice(&[f.page, f.generation, f.index]);
        }
        out.extend_from_slice(&b);
    }
}

/// The state [`pack`] wrote as `b`.
pub(super) fn unpack(b: &[u8]) -> State {
    let (pages, threads) = (b[0] as usize, b[1] as usize);
    let pte_frag = (b[2] != 0).then_some((b[3], b[4]));
    let lock = (b[5] != u8::MAX).then_some(b[5]);
    let b = &b[6..];
    // Built on the stack and copied in at once: collecting into a SmallVec goes element by
    // element, and this runs once per state the search expands.
    let mut page_buf = [Page::default(); MAX_PAGES];
    for (i, p) in page_buf[..pages].iter_mut().enumerate() {
        *p = Page::from_bytes(b[i * PAGE..(i + 1) * PAGE].try_into().unwrap());
    }
    let mut thread_buf = [EMPTY; MAX_THREADS];
    for (t, out) in b[pages * PAGE..]
        .chunks_exact(THREAD)
        .zip(&mut thread_buf[..threads])
    {
        *out = ThreadState {
            op: t[0],
            pc: Pc::ALL[t[1] as usize],
            page: t[2],
            generation: t[3],
            index: t[4],
            test: t[5] != 0,
            holds_reference: t[6] != 0,
            held: t[7],
            fragments: std::array::from_fn(|i| Fragment {
                page: t[8 + 3 * i],
                generation: t[9 + 3 * i],
                index: t[10 + 3 * i],
            }),
        };
    }
    State {
        pages: SmallVec::from_slice(&page_buf[..pages]),
        pte_frag,
        lock,
        threads: SmallVec::from_slice(&thread_buf[..threads]),
    }
}

/// A placeholder for the thread buffer.
const EMPTY: ThreadState = ThreadState {
    op: 0,
    pc: Pc::Done,
    page: 0,
    generation: 0,
    index: 0,
    test: false,
    holds_reference: false,
    held: 0,
    fragments: [Fragment {
        page: 0,
        generation: 0,
        index: 0,
    }; MAX_HELD],
};
