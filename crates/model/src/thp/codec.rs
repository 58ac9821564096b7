//! The THP state packed by hand, as pt_frag's is: the breadth-first search encodes every new
//! state for its queue and fingerprints every successor, and serde's encoding and `Hash`'s
//! byte stream (8 bytes for each enum tag and each length) cost a third of a THP search.
//!
//! Layout, a byte a field unless said: the numbers of COW copies, processes, threads and pins,
//! and `page_lock`; the THP (`_refcount`, `compound_mapcount`, `PageDoubleMap`, `mapping`, each
//! subpage's `_mapcount`); each COW copy (`_refcount`, huge); each process (the PMD's kind and
//! write bit, its page, the PTEs' write bits, `anon_vma`, the chain links, both locks in one
//! byte, each PTE's page); each thread (op, pc, its five flags in one byte, subpage, i, page,
//! new_page, mapcount, total_mapcount, read, after, rmap_after, todo, the pages its zap
//! gathered); each pin (process, page, subpage). Of each per-subpage array only the scenario's
//! `n` entries are kept: the others keep their initial values, which unpacking puts back. The
//! fingerprint hashes the same bytes.

use super::flow::{After, Read, RmapAfter};
use super::steps::Pc;
use super::{CowCopy, Entry, Mm, Page, Pin, Pmd, State, ThreadState, MAX_SUBPAGES, NONE};
use smallvec::SmallVec;
use std::cell::RefCell;

thread_local! {
    /// Room to pack a state in to fingerprint it, kept per thread.
    static PACKED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The fingerprint of `s` (with `n` subpages): xxh3 of its packed bytes.
pub(super) fn fingerprint(s: &State, n: usize) -> u64 {
    PACKED.with_borrow_mut(|buf| {
        buf.clear();
        pack(s, n, buf);
        weft_explorer::fingerprint_bytes(buf)
    })
}

/// A counter's packed byte: [`Thp::range_check`](super::Thp::range_check) keeps every
/// counter of a state the search stores within one byte.
#[inline]
fn byte(counter: i16) -> u8 {
    i8::try_from(counter).expect("a stored state's counters are in range") as u8
}

/// A counter back from its packed byte.
#[inline]
fn counter(byte: u8) -> i16 {
    byte as i8 as i16
}

/// Appends `s` (with `n` subpages) packed to `out`.
pub(super) fn pack(s: &State, n: usize, out: &mut Vec<u8>) {
    let count = |len: usize| u8::try_from(len).expect("at most 255 copies, processes or pins");
    out.extend_from_slice(&[
        count(s.copies.len()),
        count(s.mms.len()),
        count(s.threads.len()),
        count(s.pins.len()),
        s.page_lock,
    ]);
    let p = &s.thp;
    // The 2020-2022 fields, kept only when set: the older variants never set them, so their
    // states pack (and fingerprint) as before.
    let later = p.anon_exclusive != 0 || p.pincount != 0;
    out.extend_from_slice(&[
        byte(p.refcount),
        byte(p.compound_mapcount),
        p.double_map as u8 | (later as u8) << 1,
        p.mapping,
    ]);
    if later {
        out.extend_from_slice(&[p.anon_exclusive, byte(p.pincount)]);
    }
    out.extend(p.mapcount[..n].iter().map(|&m| byte(m)));
    for c in &s.copies {
        out.extend_from_slice(&[byte(c.refcount), c.huge as u8]);
    }
    for mm in &s.mms {
        pack_mm(mm, n, out);
    }
    for t in &s.threads {
        pack_thread(t, n, out);
    }
    for pin in &s.pins {
        out.extend_from_slice(&[pin.mm, pin.page, pin.packed_subpage()]);
    }
}

/// Appends process `mm`'s part of a state (with `n` subpages) packed to `out`.
pub(super) fn pack_mm(mm: &Mm, n: usize, out: &mut impl Extend<u8>) {
    let (kind, e) = match mm.pmd {
        Pmd::None => (0, Entry::EMPTY),
        Pmd::Huge(e) => (1, e),
        Pmd::Invalid(e) => (2, e),
        Pmd::Table => (3, Entry::EMPTY),
    };
    let pte = &mm.pte[..n];
    let writes = pte
        .iter()
        .enumerate()
        .fold(0, |w, (i, e)| w | (e.write as u8) << i);
    out.extend([
        kind | (e.write as u8) << 2,
        e.page,
        writes,
        mm.anon_vma,
        mm.links,
        mm.pmd_lock as u8 | (mm.pte_lock as u8) << 1 | (mm.has_pinned as u8) << 2 | mm.wp_seq << 3,
    ]);
    out.extend(pte.iter().map(|e| e.page));
}

/// Appends thread `t`'s part of a state (with `n` subpages) packed to `out`.
pub(super) fn pack_thread(t: &ThreadState, n: usize, out: &mut impl Extend<u8>) {
    out.extend([
        t.op,
        t.pc as u8,
        t.busy as u8
            | (t.started as u8) << 1
            | (t.reuse as u8) << 2
            | (t.judged as u8) << 3
            | (t.write as u8) << 4
            | (t.exclusive as u8) << 5,
        t.subpage,
        t.i,
        t.page,
        t.new_page,
        byte(t.mapcount),
        byte(t.total_mapcount),
        t.read as u8,
        t.after as u8,
        t.rmap_after as u8,
        t.todo,
    ]);
    out.extend(t.gather[..n].iter().copied());
}

/// The state [`pack`] wrote as `b` (with `n` subpages).
pub(super) fn unpack(b: &[u8], n: usize) -> State {
    let mut r = Reader(b);
    let [copies, mms, threads, pins, page_lock] = r.take();
    let [refcount, compound_mapcount, flags, mapping] = r.take();
    let [anon_exclusive, pincount] = if flags & 2 != 0 { r.take() } else { [0, 0] };
    let mut mapcount = [-1; MAX_SUBPAGES];
    for (m, &b) in mapcount.iter_mut().zip(r.bytes(n)) {
        *m = counter(b);
    }
    let thp = Page {
        refcount: counter(refcount),
        mapcount,
        compound_mapcount: counter(compound_mapcount),
        double_map: flags & 1 != 0,
        mapping,
        anon_exclusive,
        pincount: counter(pincount),
    };
    let copies = (0..copies)
        .map(|_| {
            let [refcount, huge] = r.take();
            CowCopy {
                refcount: counter(refcount),
                huge: huge != 0,
            }
        })
        .collect();
    let mms = (0..mms)
        .map(|_| {
            let [kind, page, writes, anon_vma, links, locks] = r.take();
            let e = Entry {
                page,
                write: kind & 4 != 0,
            };
            let pmd = match kind & 3 {
                0 => Pmd::None,
                1 => Pmd::Huge(e),
                2 => Pmd::Invalid(e),
                _ => Pmd::Table,
            };
            let mut pte = [Entry::EMPTY; MAX_SUBPAGES];
            for (i, (e, &page)) in pte.iter_mut().zip(r.bytes(n)).enumerate() {
                *e = Entry {
                    page,
                    write: writes >> i & 1 != 0,
                };
            }
            Mm {
                pmd,
                pte,
                anon_vma,
                links,
                pmd_lock: locks & 1 != 0,
                pte_lock: locks & 2 != 0,
                has_pinned: locks & 4 != 0,
                wp_seq: locks >> 3,
            }
        })
        .collect();
    let threads = (0..threads)
        .map(|_| {
            let [op, pc, flags, subpage, i, page, new_page, mapcount, total_mapcount] = r.take();
            let [read, after, rmap_after, todo] = r.take();
            let mut gather = [NONE; MAX_SUBPAGES];
            gather[..n].copy_from_slice(r.bytes(n));
            ThreadState {
                op,
                pc: Pc::from_repr(pc).expect("a packed step"),
                busy: flags & 1 != 0,
                started: flags & 2 != 0,
                reuse: flags & 4 != 0,
                judged: flags & 8 != 0,
                write: flags & 16 != 0,
                exclusive: flags & 32 != 0,
                subpage,
                i,
                page,
                new_page,
                mapcount: counter(mapcount),
                total_mapcount: counter(total_mapcount),
                read: Read::from_repr(read).expect("a packed reader"),
                after: After::from_repr(after).expect("a packed return point"),
                rmap_after: RmapAfter::from_repr(rmap_after).expect("a packed return point"),
                todo,
                gather,
            }
        })
        .collect();
    let pins = (0..pins)
        .map(|_| {
            let [mm, page, subpage] = r.take();
            Pin {
                mm,
                page,
                subpage: subpage & 0x3f,
                read: subpage & 0x80 != 0,
                foll_pin: subpage & 0x40 != 0,
            }
        })
        .collect::<SmallVec<_>>();
    State {
        thp,
        copies,
        mms,
        threads,
        pins,
        page_lock,
    }
}

/// Reads a packed state from the front.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next `N` bytes.
    fn take<const N: usize>(&mut self) -> [u8; N] {
        self.bytes(N).try_into().unwrap()
    }

    /// The next `n` bytes.
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state with every kind of field away from its initial value, for `n` subpages.
    fn unusual(n: usize) -> State {
        let mut mapcount = [-1; MAX_SUBPAGES];
        mapcount[..n]
            .iter_mut()
            .enumerate()
            .for_each(|(i, m)| *m = i as i16 - 2);
        let mut pte = [Entry::EMPTY; MAX_SUBPAGES];
        pte[..n].iter_mut().enumerate().for_each(|(i, e)| {
            *e = Entry {
                page: i as u8,
                write: i % 2 == 0,
            }
        });
        let mm = |pmd| Mm {
            pmd,
            pte,
            anon_vma: 2,
            links: 0b101,
            pmd_lock: true,
            pte_lock: false,
            has_pinned: true,
            wp_seq: 31,
        };
        let mut gather = [NONE; MAX_SUBPAGES];
        gather[n - 1] = 3;
        let thread = |pc, started| ThreadState {
            op: 4,
            pc,
            busy: true,
            started,
            subpage: n as u8 - 1,
            i: 1,
            page: 2,
            new_page: NONE,
            mapcount: -128,
            total_mapcount: 127,
            reuse: true,
            write: true,
            exclusive: !started,
            judged: started,
            read: Read::HeadMapcountV44,
            after: After::PageCountCheck,
            rmap_after: RmapAfter::HugeWpCopy,
            todo: 0b1000_0001,
            gather,
        };
        let huge = Entry {
            page: 1,
            write: true,
        };
        State {
            thp: Page {
                refcount: -1,
                mapcount,
                compound_mapcount: 5,
                double_map: true,
                mapping: 1,
                anon_exclusive: 0b10,
                pincount: 3,
            },
            copies: [(3, true), (-2, false)]
                .map(|(refcount, huge)| CowCopy { refcount, huge })
                .into_iter()
                .collect(),
            mms: [Pmd::None, Pmd::Huge(huge), Pmd::Invalid(huge), Pmd::Table]
                .map(mm)
                .into_iter()
                .collect(),
            threads: [(Pc::Start, false), (Pc::Done, true)]
                .map(|(pc, started)| thread(pc, started))
                .into_iter()
                .collect(),
            pins: [Pin {
                mm: 1,
                page: 0,
                subpage: n as u8 - 1,
                read: n % 2 == 0,
                foll_pin: true,
            }]
            .into_iter()
            .collect(),
            page_lock: 1,
        }
    }

    #[test]
    fn a_packed_state_unpacks_to_itself() {
        for n in [1, 2, MAX_SUBPAGES] {
            let s = unusual(n);
            let mut bytes = vec![0xAA];
            pack(&s, n, &mut bytes);
            assert_eq!(unpack(&bytes[1..], n), s, "{n} subpages");
            // The header, the THP (with its 2020-2022 fields), two copies, four processes,
            // two threads, one pin.
            assert_eq!(
                bytes.len() - 1,
                5 + (4 + 2 + n) + 2 * 2 + 4 * (6 + n) + 2 * (13 + n) + 3
            );
            // Without those fields set, the THP takes its older bytes.
            let mut older = unusual(n);
            older.thp.anon_exclusive = 0;
            older.thp.pincount = 0;
            let mut bytes = Vec::new();
            pack(&older, n, &mut bytes);
            assert_eq!(unpack(&bytes, n), older, "{n} subpages");
            assert_eq!(
                bytes.len(),
                5 + (4 + n) + 2 * 2 + 4 * (6 + n) + 2 * (13 + n) + 3
            );
        }
    }

    #[test]
    fn states_that_differ_in_one_field_have_different_fingerprints() {
        let n = 2;
        let s = unusual(n);
        let changed: [fn(&mut State); 14] = [
            |s| s.thp.anon_exclusive = 0,
            |s| s.thp.pincount = 0,
            |s| s.mms[0].has_pinned = false,
            |s| s.mms[0].wp_seq = 30,
            |s| s.threads[1].exclusive = true,
            |s| s.pins[0].foll_pin = false,
            |s| s.thp.mapcount[1] += 1,
            |s| s.mms[1].pte[0].write = false,
            |s| {
                s.mms[2].pmd = Pmd::Huge(Entry {
                    page: 1,
                    write: true,
                })
            },
            |s| s.threads[0].judged = true,
            |s| s.threads[0].reuse = false,
            |s| s.threads[0].write = false,
            |s| s.threads[1].gather[0] = 0,
            |s| s.pins.clear(),
        ];
        for change in changed {
            let mut t = unusual(n);
            change(&mut t);
            assert_ne!(fingerprint(&s, n), fingerprint(&t, n), "{t:?}");
        }
    }
}
