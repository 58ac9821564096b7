//! The pt_frag state packed by hand: the breadth-first search queues every state it
//! discovers encoded ([`Model::encode`](weft_explorer::Model::encode)), and serde's generic
//! encoding costs as much as the steps themselves.
//!
//! Layout: the page and thread counts; `mm->context.pte_frag` (present, page, slot; bit 1 of
//! the present byte says a PMD cache follows the header); the lock holder (`u8::MAX`: free);
//! `mm->context.pmd_frag` (page, slot) when present; each page ([`Page::pack`]: 6 bytes while its counters fit in one
//! byte each); each thread's bytes ([`ThreadState::to_bits`]) up to its last held fragment,
//! and whom it waits for while it waits for a grace period.
//! The state's fingerprint hashes the same bytes ([`fingerprint`]).

use super::{Fragment, State, ThreadState, MAX_THREADS, THREAD_BYTES};
use crate::page::Page;
use crate::pt_frag::steps::Pc;
use smallvec::SmallVec;
use std::cell::RefCell;

/// Most pages a scenario has: one per `pte_fragment_alloc`, at most 15.
const MAX_PAGES: usize = 16;

/// Bytes of [`ThreadState::to_bits`]' number, all written for each thread.
const THREAD_BITS: usize = std::mem::size_of::<u128>();

/// Most bytes a packed state takes, and room for the last thread's whole number.
const MAX_PACKED: usize =
    8 + MAX_PAGES * Page::MAX_PACKED + MAX_THREADS * THREAD_BYTES + THREAD_BITS;

thread_local! {
    /// Room to pack a state in, kept per thread: a fresh array on the stack would be zeroed
    /// first, all of it, for every successor (4% of a 2-thread profile).
    static PACKED: RefCell<[u8; MAX_PACKED]> = const { RefCell::new([0; MAX_PACKED]) };
}

/// Appends `s` packed to `out`.
pub(super) fn pack(s: &State, out: &mut Vec<u8>) {
    PACKED.with_borrow_mut(|buf| {
        let len = pack_into(s, buf);
        out.extend_from_slice(&buf[..len]);
    })
}

/// The fingerprint of `s`: xxh3 of its packed bytes.
pub(super) fn fingerprint(s: &State) -> u64 {
    PACKED.with_borrow_mut(|buf| {
        let len = pack_into(s, buf);
        weft_explorer::fingerprint_bytes(&buf[..len])
    })
}

/// Packs `s` at the start of `buf`; returns how many bytes it took. Fixed-size copies, each
/// piece's unused tail overwritten by the next: this runs for every successor the search
/// generates. Small, since the queue holds whole levels of packed states.
#[inline]
fn pack_into(s: &State, buf: &mut [u8; MAX_PACKED]) -> usize {
    let (frag_page, frag_slot) = s.pte_frag.unwrap_or((0, 0));
    buf[..6].copy_from_slice(&[
        s.pages.len() as u8,
        s.threads.len() as u8,
        s.pte_frag.is_some() as u8 | (s.pmd_frag.is_some() as u8) << 1,
        frag_page,
        frag_slot,
        s.lock.unwrap_or(u8::MAX),
    ]);
    let mut at = 6;
    // A PTE-only state packs as it did before PMD fragments were modelled.
    if let Some((page, slot)) = s.pmd_frag {
        buf[6..8].copy_from_slice(&[page, slot]);
        at = 8;
    }
    for p in &s.pages {
        at += p.pack((&mut buf[at..at + Page::MAX_PACKED]).try_into().unwrap());
    }
    for t in &s.threads {
        // The whole number at once; the next piece overwrites what is past its length.
        buf[at..at + THREAD_BITS].copy_from_slice(&t.to_bits().to_le_bytes());
        at += t.kept_len();
    }
    at
}

/// The state [`pack`] wrote as `b`.
pub(super) fn unpack(b: &[u8]) -> State {
    let (pages, threads) = (b[0] as usize, b[1] as usize);
    let pte_frag = (b[2] & 1 != 0).then_some((b[3], b[4]));
    let lock = (b[5] != u8::MAX).then_some(b[5]);
    let pmd_frag = (b[2] & 2 != 0).then_some((b[6], b[7]));
    let mut at = if pmd_frag.is_some() { 8 } else { 6 };
    // Built on the stack and copied in at once: collecting into a SmallVec goes element by
    // element, and this runs once per state the search expands.
    let mut page_buf = [Page::default(); MAX_PAGES];
    for p in &mut page_buf[..pages] {
        let (page, len) = Page::unpack(&b[at..]);
        *p = page;
        at += len;
    }
    let mut thread_buf = [EMPTY; MAX_THREADS];
    for out in &mut thread_buf[..threads] {
        let len = ThreadState::packed_len(&b[at..]);
        let mut t = [0; THREAD_BYTES];
        t[..len].copy_from_slice(&b[at..at + len]);
        *out = ThreadState::from_bytes(&t);
        at += len;
    }
    State {
        pages: SmallVec::from_slice(&page_buf[..pages]),
        pte_frag,
        pmd_frag,
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
    section: false,
    gp_wait: 0,
    held: 0,
    fragments: [Fragment {
        page: 0,
        generation: 0,
        index: 0,
        table: super::Table::Pte,
    }; super::MAX_HELD],
};
