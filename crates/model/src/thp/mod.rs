//! THP copy-on-write reuse vs GUP pins, and the mapcount bookkeeping behind it:
//! one transparent huge page of `subpages` subpages, mapped by PMD or by
//! PTEs in several processes, its `_refcount`, per-subpage `_mapcount`, `compound_mapcount`
//! and `PageDoubleMap`, the anon_vma its head's `mapping` names, and the write-protect fault
//! paths whose reuse-or-copy decision the 2016 thread ("\[BUG\] vfio device assignment
//! regression with THP ref counting redesign") was about.
//!
//! Each scenario thread is one process (one mm with one anonymous vma covering the THP's
//! range); `child_of` threads are created by their parent's `fork`. Every path is cut into one
//! step per shared access; the reader loops
//! (`page_trans_huge_mapcount`, `page_remove_rmap`, the split's `_mapcount` loops) take one
//! step per subpage.
//!
//! Simplifications, written down:
//! - The per-mm PMD lock and PTE lock are steps, but they never make a thread wait: each mm
//!   is touched only by its own thread, and by its parent while `fork` copies it, before the
//!   child thread starts. The page lock of the head (`do_wp_page`) is a real lock between
//!   processes. `mmap_sem` is not modelled for the same reason (one thread per mm).
//! - The `pte_same`/`pmd_same` rechecks after retaking a page-table lock always succeed (no
//!   other thread writes this mm's entries) and are folded into the lock step.
//! - Pages made by COW copies are not modelled as compound pages: a copy has a `_refcount`
//!   and its mappings are read from the page tables. A write fault on a read-only entry to a
//!   copy, and splitting a PMD that maps a copy, are one coarse step each that decide by the
//!   true mapping count. The checks are about the THP; the copies only keep the counts right.
//! - Tail pages' `mapping` fields are not state: any write to one is the `tail_mapping_write`
//!   violation at once (for `page[1]` that slot is `compound_mapcount`).
//! - `reuse_swap_page` assumes `!PageSwapCache` and `!PageKsm`; huge allocations succeed (no
//!   fallback); no huge zero page; mlock, deferred split and statistics are not modelled.
//! - Andrea v1's `page_trans_huge_mapcount` has `VM_BUG_ON_PAGE(PageTail(page))`; the model
//!   lets it compute on the head as kernel history's table does (the posted `reuse_swap_page`
//!   would otherwise BUG on every tail fault in DEBUG_VM kernels).
//! - v4_4 (old refcounting) keeps the PMD mapcount in the head's `_mapcount` and cannot map a
//!   THP with PTEs: scenarios that split a PMD are refused for it.
//! - `gup_pin` is a write pin (FOLL_WRITE, as vfio takes): on a read-only entry it runs the
//!   write fault first and retries. Pins are dropped only by `gup_unpin`, never by `exit`.
//! - `v5_9_page_count` is `merged_fix` with 09854ba94c6a's `do_wp_page`; its huge path is the
//!   merged one (without c444eb564fb1's page lock around the PMD split).

mod codec;
mod scenario;
mod steps;

pub use scenario::{build, MODEL, PARAMS};

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use steps::{After, Pc, Read, RmapAfter};
use weft_explorer::{Field, Model, StepInfo, Violation};

/// The kernel version or proposal whose THP COW paths are explored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Variant {
    /// v4.4, old THP refcounting: huge reuse iff `page_mapcount(head) == 1`.
    V44,
    /// v4.5/v4.6 before the fix (1f25fe20a76a): huge reuse iff `page_mapcount == 1 &&
    /// page_count == 1`; `reuse_swap_page` refuses any compound page.
    V45,
    /// Teaching variant: the v4.4 huge check (`page_mapcount(head) == 1`) in the v4.5 world.
    V45MapcountOnly,
    /// Andrea Arcangeli's v1 (2016-04-29): `page_trans_huge_mapcount` in both paths,
    /// `page_move_anon_rmap(old_page)` on a possibly-tail page, unconditionally.
    AndreaV1,
    /// Andrea v1 with `compound_head()` added; the move is still unconditional.
    AndreaV1Head,
    /// The merged fix 6d0a07edd17c: move the anon_vma only if `total_mapcount == 1`.
    MergedFix,
    /// 09854ba94c6a (v5.9) at PTE level: reuse iff `page_count == 1` (and mapcount 1).
    V59PageCount,
}

impl Variant {
    /// Every variant, in the order scenarios list them.
    pub const ALL: [Variant; 7] = [
        Variant::V44,
        Variant::V45,
        Variant::V45MapcountOnly,
        Variant::AndreaV1,
        Variant::AndreaV1Head,
        Variant::MergedFix,
        Variant::V59PageCount,
    ];

    /// Every variant's name in scenario files, in the order of [`ALL`](Self::ALL).
    pub const NAMES: [&'static str; 7] = [
        "v4_4",
        "v4_5",
        "v4_5_mapcount_only",
        "andrea_v1",
        "andrea_v1_head",
        "merged_fix",
        "v5_9_page_count",
    ];

    /// The variant's name in scenario files.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The variant called `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether the reuse decisions use `page_trans_huge_mapcount`.
    fn ptm(self) -> bool {
        matches!(
            self,
            Variant::AndreaV1 | Variant::AndreaV1Head | Variant::MergedFix | Variant::V59PageCount
        )
    }
}

/// An operation a process performs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Write fault on the empty range: a new THP mapped by a writable PMD.
    ThpFault,
    /// GUP (FOLL_WRITE | FOLL_GET) on subpage i through this process's mapping.
    GupPin(u8),
    /// `put_page` of the pin this process took on subpage i.
    GupUnpin(u8),
    /// `fork()`: starts thread `child`, which shares every mapping, all write-protected.
    Fork {
        /// The child's thread index.
        child: u8,
    },
    /// `split_huge_pmd` on the range (mprotect of a subrange and back, say).
    SplitHugePmd,
    /// `munmap` of subpage i, splitting a PMD mapping first.
    Munmap(u8),
    /// A store to subpage i: the write-protect fault if the entry is read-only.
    Write(u8),
    /// `exit`: unmap everything.
    Exit,
}

/// The operation names scenario files may use.
pub const OPERATIONS: [&str; 8] = [
    "thp_fault",
    "gup_pin(i)",
    "gup_unpin(i)",
    "fork",
    "split_huge_pmd",
    "munmap(i)",
    "write(i)",
    "exit",
];

/// A scenario thread: one process.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Its name.
    pub name: String,
    /// What it does, in order.
    pub ops: Vec<Op>,
    /// The thread whose `fork` creates this one.
    pub child_of: Option<u8>,
}

/// A thp model instance.
#[derive(Clone, Debug)]
pub struct Thp {
    variant: Variant,
    n: u8,
    threads: Vec<Thread>,
}

/// Largest `subpages` accepted.
pub const MAX_SUBPAGES: usize = 8;
/// Largest number of threads (processes).
pub const MAX_THREADS: usize = 6;

/// Nothing (no page, no anon_vma, no lock holder).
pub(crate) const NONE: u8 = u8::MAX;
/// The THP's page number; COW copy k is page k + 1.
pub(crate) const H: u8 = 0;

/// A page-table entry: which page it maps (`NONE` if empty) and whether it is writable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    page: u8,
    write: bool,
}

impl Entry {
    const EMPTY: Entry = Entry {
        page: NONE,
        write: false,
    };
    fn present(self) -> bool {
        self.page != NONE
    }
}

/// A process's PMD entry for the THP's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pmd {
    /// `pmd_none`.
    None,
    /// A huge PMD mapping a whole (THP or copied) page.
    Huge(Entry),
    /// `pmdp_invalidate` during a split: not present, still counted as a mapping.
    Invalid(Entry),
    /// A pointer to a PTE table.
    Table,
}

/// One process: its page tables, its vma's anon_vma and chain, its page-table locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mm {
    pmd: Pmd,
    pte: [Entry; MAX_SUBPAGES],
    /// `vma->anon_vma`: the anon_vma this process created (numbered by thread), or NONE.
    anon_vma: u8,
    /// Bit a: the vma is linked (anon_vma_chain) into anon_vma a.
    links: u8,
    pmd_lock: bool,
    pte_lock: bool,
}

/// The THP's counters (raw, −1 based mapcounts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// Head `_refcount`.
    rc: i8,
    /// Each subpage's raw `_mapcount`.
    sub: [i8; MAX_SUBPAGES],
    /// Raw `compound_mapcount` (in `page[1]`).
    cmc: i8,
    /// `PageDoubleMap`.
    dm: bool,
    /// `head->mapping`: the anon_vma (numbered by the thread that created it), or NONE.
    mapping: u8,
}

/// A page made by a COW copy: its `_refcount`; whether it was a huge copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CowCopy {
    rc: i8,
    huge: bool,
}

/// Ghost: a GUP pin taken by process `mm` on subpage `sub` of page `page`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pin {
    mm: u8,
    page: u8,
    sub: u8,
}

/// A thread's position and locals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThreadState {
    op: u8,
    pc: Pc,
    /// Inside an operation (not at a quiescent point).
    busy: bool,
    /// Created (a child starts when its parent's fork finishes).
    started: bool,
    /// The subpage the operation is about.
    x: u8,
    /// Loop index over subpages.
    i: u8,
    /// The page in hand (`old_page`, `src_page`, ...).
    page: u8,
    /// The new page of a COW copy.
    new: u8,
    /// Reader accumulators: the mapcount (or max) and the total.
    m: i8,
    tot: i8,
    /// The reuse decision; the PMD's write bit during a split.
    flag: bool,
    /// Ghost: this fault is judged by R2 (the only mapper, every other process quiescent).
    judged: bool,
    read: Read,
    after: After,
    rmap_after: RmapAfter,
    /// Subpages still to visit (zap, fork's PTE copy).
    todo: u8,
    /// Pages gathered by a zap for the deferred `put_page` (per subpage), NONE if none.
    gather: [u8; MAX_SUBPAGES],
}

/// The whole state.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    thp: Page,
    copies: SmallVec<[CowCopy; 4]>,
    mms: SmallVec<[Mm; 4]>,
    threads: SmallVec<[ThreadState; 4]>,
    pins: SmallVec<[Pin; 4]>,
    /// `PG_locked` of the head: the thread holding it, or NONE.
    page_lock: u8,
}

impl Clone for State {
    fn clone(&self) -> Self {
        State {
            thp: self.thp,
            copies: SmallVec::from_slice(&self.copies),
            mms: SmallVec::from_slice(&self.mms),
            threads: SmallVec::from_slice(&self.threads),
            pins: SmallVec::from_slice(&self.pins),
            page_lock: self.page_lock,
        }
    }
}

impl Thp {
    /// A model of `variant` with `n` subpages and these threads.
    pub fn new(variant: Variant, n: u8, threads: Vec<Thread>) -> Result<Self, String> {
        if n == 0 || n as usize > MAX_SUBPAGES {
            return Err(format!("subpages must be between 1 and {MAX_SUBPAGES}"));
        }
        if threads.is_empty() || threads.len() > MAX_THREADS {
            return Err(format!("a scenario has 1 to {MAX_THREADS} threads"));
        }
        Ok(Thp {
            variant,
            n,
            threads,
        })
    }

    /// The variant explored.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Subpages per THP.
    pub fn subpages(&self) -> u8 {
        self.n
    }

    fn name(&self, t: usize) -> &str {
        &self.threads[t].name
    }

    /// `page_mapcount` of subpage i as the counters say (logical).
    pub(crate) fn logical(&self, p: &Page, i: usize) -> i32 {
        if self.variant == Variant::V44 {
            p.sub[0] as i32 + 1
        } else {
            (p.sub[i] as i32 + 1) + (p.cmc as i32 + 1) - p.dm as i32
        }
    }

    /// The entries a process's page tables make visible: (subpage, entry).
    fn visible(&self, mm: &Mm) -> SmallVec<[(u8, Entry); 8]> {
        match mm.pmd {
            Pmd::None => SmallVec::new(),
            Pmd::Huge(e) | Pmd::Invalid(e) => (0..self.n).map(|i| (i, e)).collect(),
            Pmd::Table => (0..self.n)
                .filter(|&i| mm.pte[i as usize].present())
                .map(|i| (i, mm.pte[i as usize]))
                .collect(),
        }
    }

    /// Ghost: how many entries, over all processes, map subpage `sub` of `page`.
    pub(crate) fn maps(&self, s: &State, page: u8, sub: u8) -> usize {
        s.mms
            .iter()
            .map(|mm| match mm.pmd {
                Pmd::None => 0,
                Pmd::Huge(e) | Pmd::Invalid(e) => (e.page == page) as usize,
                Pmd::Table => (mm.pte[sub as usize].page == page) as usize,
            })
            .sum()
    }

    /// Ghost: the processes mapping subpage `sub` of `page`.
    fn mappers(&self, s: &State, page: u8, sub: u8) -> Vec<&str> {
        (0..s.mms.len())
            .filter(|&m| {
                self.visible(&s.mms[m])
                    .iter()
                    .any(|&(i, e)| i == sub && e.page == page)
            })
            .map(|m| self.name(m))
            .collect()
    }

    /// Ghost: references a page's `_refcount` should hold at a quiescent point.
    fn expected_refs(&self, s: &State, page: u8) -> i32 {
        let mut r = 0;
        for mm in &s.mms {
            match mm.pmd {
                Pmd::None => {}
                Pmd::Huge(e) | Pmd::Invalid(e) => r += (e.page == page) as i32,
                Pmd::Table => {
                    r += mm.pte[..self.n as usize]
                        .iter()
                        .filter(|e| e.page == page)
                        .count() as i32
                }
            }
        }
        r + s.pins.iter().filter(|p| p.page == page).count() as i32
    }

    fn page_name(&self, page: u8) -> String {
        if page == H {
            "H".into()
        } else {
            format!("copy{}", page - 1)
        }
    }

    fn av_name(&self, av: u8) -> String {
        if av == NONE {
            "NULL".into()
        } else {
            format!("anon_vma({})", self.name(av as usize))
        }
    }

    fn show_entry(&self, e: Entry, sub: Option<u8>) -> String {
        if !e.present() {
            return "none".into();
        }
        let target = match sub {
            Some(i) if e.page == H => format!("H[{i}]"),
            _ => self.page_name(e.page),
        };
        format!("{target} {}", if e.write { "rw" } else { "ro" })
    }

    /// Whether `thread` is at a quiescent point.
    fn quiescent(s: &State) -> bool {
        s.threads.iter().all(|t| !t.busy)
    }
}

impl Model for Thp {
    type State = State;

    fn initial_state(&self) -> State {
        let mut s = State {
            thp: Page {
                rc: 0,
                sub: [-1; MAX_SUBPAGES],
                cmc: -1,
                dm: false,
                mapping: NONE,
            },
            copies: SmallVec::new(),
            mms: self
                .threads
                .iter()
                .map(|_| Mm {
                    pmd: Pmd::None,
                    pte: [Entry::EMPTY; MAX_SUBPAGES],
                    anon_vma: NONE,
                    links: 0,
                    pmd_lock: false,
                    pte_lock: false,
                })
                .collect(),
            threads: self
                .threads
                .iter()
                .map(|t| ThreadState {
                    op: 0,
                    pc: if t.ops.is_empty() {
                        Pc::Done
                    } else {
                        Pc::Start
                    },
                    busy: false,
                    started: t.child_of.is_none(),
                    x: 0,
                    i: 0,
                    page: NONE,
                    new: NONE,
                    m: 0,
                    tot: 0,
                    flag: false,
                    judged: false,
                    read: Read::PageMapcount,
                    after: After::Hwp,
                    rmap_after: RmapAfter::Zap,
                    todo: 0,
                    gather: [NONE; MAX_SUBPAGES],
                })
                .collect(),
            pins: SmallVec::new(),
            page_lock: NONE,
        };
        for t in 0..self.threads.len() {
            if s.threads[t].started {
                self.start_op(&mut s, t);
            }
        }
        s
    }

    fn thread_count(&self) -> usize {
        self.threads.len()
    }

    fn thread_name(&self, thread: usize) -> &str {
        &self.threads[thread].name
    }

    fn status(&self, s: &State, t: usize) -> weft_explorer::Status {
        self.status_of(s, t)
    }

    fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        self.exec(s, t)
    }

    fn step_info(&self, s: &State, t: usize) -> StepInfo {
        self.info(s, t)
    }

    fn encode(&self, s: &State, out: &mut Vec<u8>) {
        codec::pack(s, self.n as usize, out)
    }

    /// The packed bytes are what the fingerprint hashes: packed once for both.
    #[inline]
    fn encode_fingerprinted(&self, s: &State, out: &mut Vec<u8>) -> u64 {
        let from = out.len();
        codec::pack(s, self.n as usize, out);
        weft_explorer::fingerprint_bytes(&out[from..])
    }

    fn decode(&self, bytes: &[u8]) -> State {
        codec::unpack(bytes, self.n as usize)
    }

    fn fingerprint(&self, s: &State) -> u64 {
        codec::fingerprint(s, self.n as usize)
    }

    /// At quiescent points `counter_mismatch` (R1); then `refcount_underflow`, `cow_isolation`
    /// (R3), `rmap_unreachable` (R4).
    fn invariant(&self, s: &State) -> Result<(), Violation> {
        // R1 first, so that a counter bug is never hidden behind the checks it would cause.
        if Self::quiescent(s) {
            self.counters_check(s)?;
        }
        if s.thp.rc < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!("H._refcount is {}", s.thp.rc),
            ));
        }
        for (k, c) in s.copies.iter().enumerate() {
            if c.rc < 0 {
                return Err(Violation::new(
                    "refcount_underflow",
                    format!("copy{k}._refcount is {}", c.rc),
                ));
            }
        }
        // R3: a writable entry maps a page nobody else maps.
        for (m, mm) in s.mms.iter().enumerate() {
            for (i, e) in self.visible(mm) {
                if e.write && self.maps(s, e.page, i) > 1 {
                    let others: Vec<&str> = self
                        .mappers(s, e.page, i)
                        .into_iter()
                        .filter(|n| *n != self.name(m))
                        .collect();
                    return Err(Violation::new(
                        "cow_isolation",
                        format!(
                            "{} has a writable {} to {}[{i}], which {} still map{}: its writes \
                             are visible to another process",
                            self.name(m),
                            if matches!(mm.pmd, Pmd::Table) {
                                "PTE"
                            } else {
                                "PMD"
                            },
                            self.page_name(e.page),
                            others.join(", "),
                            if others.len() == 1 { "s" } else { "" }
                        ),
                    ));
                }
            }
        }
        // R4: every mapping of the THP is reachable from head->mapping.
        for (m, mm) in s.mms.iter().enumerate() {
            if self.visible(mm).iter().any(|(_, e)| e.page == H)
                && (s.thp.mapping == NONE || mm.links & (1 << s.thp.mapping) == 0)
            {
                return Err(Violation::new(
                    "rmap_unreachable",
                    format!(
                        "{} maps H but its vma is not linked into {} (head->mapping): rmap \
                         walks (reclaim, migration, split_huge_page) cannot find the mapping",
                        self.name(m),
                        self.av_name(s.thp.mapping)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn checks(&self) -> Vec<&'static str> {
        vec![
            "counter_mismatch",
            "false_cow",
            "cow_isolation",
            "rmap_unreachable",
            "tail_mapping_write",
            "refcount_underflow",
            "free_while_referenced",
        ]
    }

    fn fields(&self, s: &State) -> Vec<Field> {
        let mut out = Vec::new();
        let p = &s.thp;
        out.push(Field::kernel("H._refcount", p.rc));
        for i in 0..self.n as usize {
            out.push(Field::kernel(format!("H[{i}]._mapcount"), p.sub[i]));
        }
        if self.variant != Variant::V44 {
            out.push(Field::kernel("compound_mapcount", p.cmc));
            out.push(Field::kernel("PageDoubleMap", p.dm));
        }
        out.push(Field::kernel("H.mapping", self.av_name(p.mapping)));
        out.push(Field::kernel(
            "H.PG_locked",
            if s.page_lock == NONE {
                "unlocked".into()
            } else {
                format!("held by {}", self.name(s.page_lock as usize))
            },
        ));
        for (k, c) in s.copies.iter().enumerate() {
            out.push(Field::kernel(
                format!("copy{k}._refcount"),
                format!("{}{}", c.rc, if c.huge { " (huge)" } else { "" }),
            ));
        }
        for (m, mm) in s.mms.iter().enumerate() {
            let name = self.name(m);
            out.push(
                Field::kernel(
                    format!("{name}.pmd"),
                    match mm.pmd {
                        Pmd::None => "none".into(),
                        Pmd::Huge(e) => format!("huge {}", self.show_entry(e, None)),
                        Pmd::Invalid(e) => {
                            format!("invalid (splitting) {}", self.show_entry(e, None))
                        }
                        Pmd::Table => "PTE table".into(),
                    },
                )
                .of(m),
            );
            if !matches!(mm.pmd, Pmd::None) || mm.pte.iter().any(|e| e.present()) {
                for i in 0..self.n {
                    out.push(
                        Field::kernel(
                            format!("{name}.pte[{i}]"),
                            self.show_entry(mm.pte[i as usize], Some(i)),
                        )
                        .of(m),
                    );
                }
            }
            out.push(Field::kernel(format!("{name}.anon_vma"), self.av_name(mm.anon_vma)).of(m));
            let links: Vec<String> = (0..8)
                .filter(|a| mm.links & (1 << a) != 0)
                .map(|a| self.av_name(a))
                .collect();
            out.push(Field::kernel(format!("{name}.anon_vma_chain"), links.join(", ")).of(m));
            out.push(Field::kernel(format!("{name}.pmd_lock"), mm.pmd_lock).of(m));
            out.push(Field::kernel(format!("{name}.pte_lock"), mm.pte_lock).of(m));
        }
        for i in 0..self.n {
            out.push(Field::ghost(
                format!("H[{i}] mapped by"),
                self.mappers(s, H, i).join(", "),
            ));
        }
        let pins: Vec<String> = s
            .pins
            .iter()
            .map(|p| {
                format!(
                    "{} on {}[{}]",
                    self.name(p.mm as usize),
                    self.page_name(p.page),
                    p.sub
                )
            })
            .collect();
        out.push(Field::ghost("pins", pins.join(", ")));
        for (t, th) in s.threads.iter().enumerate() {
            if th.busy && matches!(th.pc, Pc::ReadSub | Pc::ReadDm | Pc::ReadCmc) {
                out.push(
                    Field::kernel(
                        format!("{}.mapcount read so far", self.name(t)),
                        format!("{} (total {})", th.m, th.tot),
                    )
                    .of(t),
                );
            }
        }
        out
    }
}

impl Thp {
    /// R1 at a quiescent point: logical mapcounts and `_refcount` equal the page tables' truth.
    fn counters_check(&self, s: &State) -> Result<(), Violation> {
        let p = &s.thp;
        for i in 0..self.n {
            let l = self.logical(p, i as usize);
            let truth = self.maps(s, H, i) as i32;
            if l != truth {
                return Err(Violation::new(
                    "counter_mismatch",
                    format!(
                        "page_mapcount(H[{i}]) = {l} but {truth} entries map it (_mapcount {}, \
                         compound_mapcount {}, PageDoubleMap {})",
                        p.sub[i as usize], p.cmc, p.dm
                    ),
                ));
            }
        }
        if p.dm && p.cmc < 0 {
            return Err(Violation::new(
                "counter_mismatch",
                "PageDoubleMap is set with no PMD mapping (compound_mapcount -1)",
            ));
        }
        let want = self.expected_refs(s, H);
        if p.rc as i32 != want {
            return Err(Violation::new(
                "counter_mismatch",
                format!(
                    "H._refcount is {} but the mappings and pins account for {want}",
                    p.rc
                ),
            ));
        }
        for (k, c) in s.copies.iter().enumerate() {
            let want = self.expected_refs(s, k as u8 + 1);
            if c.rc as i32 != want {
                return Err(Violation::new(
                    "counter_mismatch",
                    format!(
                        "copy{k}._refcount is {} but the mappings and pins account for {want}",
                        c.rc
                    ),
                ));
            }
        }
        Ok(())
    }
}
