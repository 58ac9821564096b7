//! THP copy-on-write reuse vs GUP pins, and the mapcount bookkeeping behind it:
//! one transparent huge page of `subpages` subpages, mapped by PMD or by
//! PTEs in several processes, its `_refcount`, per-subpage `_mapcount`, `compound_mapcount`
//! and `PageDoubleMap`, the anon_vma its head's `mapping` names, and the write-protect fault
//! paths whose reuse-or-copy decision the 2016 thread ("\[BUG\] vfio device assignment
//! regression with THP ref counting redesign") was about, through the fixes that followed to
//! 2022: FOLL_PIN and fork's early copy of pinned pages, `page_count()`-based reuse, and
//! `PageAnonExclusive`.
//!
//! Each scenario thread is one process (one mm with one anonymous vma covering the THP's
//! range); `child_of` threads are created by their parent's `fork`. Every path is cut into one
//! step per shared access; the reader loops
//! (`page_trans_huge_mapcount`, `page_remove_rmap`, the split's `_mapcount` loops) take one
//! step per subpage.
//!
//! Simplifications, written down:
//! - Memory is sequentially consistent: each step sees every earlier step's writes, in
//!   schedule order. No store buffer, no reordering, so the barriers of the real paths (the
//!   atomics' full barriers, the split's `smp_wmb`) are not steps, and a race that needs a
//!   reordering cannot be found.
//! - GUP is the slow path (`follow_page_mask` under the page-table lock), except
//!   `pin_user_pages_fast_only` (FOLL_PIN) and `gup_fast_pin` (FOLL_GET): GUP-fast
//!   (`gup_huge_pmd`/`gup_pte_range`: a lockless read of the entry, a speculative reference,
//!   a recheck, with interrupts off) by another thread of a process (`thread_of`), the one
//!   kind of thread in the model that shares an mm. On the 2016 variants it is the generic
//!   (RCU) GUP-fast of mm/gup.c at v4.6.2, as powerpc and arm64 ran it; x86's own gup.c of the
//!   time took its reference with no recheck. It takes no
//!   page-table lock and no `mmap_lock`, and it has no slow-path fallback (FOLL_FAST_ONLY:
//!   when the walk fails it pins nothing), so the model's locks still never make a thread
//!   wait; what it races with is fork (`fork_gup_fast`), closed by 57efa1fe5957's
//!   `write_protect_seq` (v5.11; `v5_18_cow_fixes` on). Its grab and its undo are one step
//!   each, as `try_grab_page` is. The slow path's GUP-fast callers (`pin_user_pages_fast`)
//!   and the cow selftest's GUP-fast cases are not modelled.
//! - FOLL_PIN (`pin_user_pages`, `pin_user_pages_read`: FOLL_LONGTERM, with or without
//!   FOLL_WRITE) exists from `v5_9_page_count` on. Its `try_grab_page` (`_refcount` and
//!   `compound_pincount` + 1) is one step, and so is `unpin_user_page`'s pincount drop; the
//!   `MMF_HAS_PINNED` flag is set in GUP's first step and read by fork within the step next
//!   to its test (the one taking the page-table locks, or reading `PageAnonExclusive`):
//!   another thread's GUP-fast sets it, but only ever sets it, first, and touches nothing that
//!   step reads, so every order of the two is still explored. On a COW copy, a small page whose FOLL_PIN pins the kernel
//!   counts as `GUP_PIN_COUNTING_BIAS` references, a pin adds one reference and
//!   `page_maybe_dma_pinned` is whether a FOLL_PIN pin of it exists.
//! - Fork's early copy (`copy_present_page`) is one step, and its `-EAGAIN` retry to
//!   preallocate the page is folded: the copy is allocated when it is needed, and the test
//!   that decides it is the step before.
//! - The per-mm PMD lock and PTE lock are steps, but they never make a thread wait: each mm
//!   is touched only by its own thread (and its GUP-fast thread, which takes no lock), and by
//!   its parent while `fork` copies it, before the child thread starts. The page lock of the head is a real lock between processes, taken
//!   where the variant's kernel takes it: `do_wp_page` (every variant), `__split_huge_pmd`
//!   (c444eb564fb1: `split_page_lock`, `huge_page_lock`, `v5_9_page_count`; removed in v5.18
//!   by 7f7609175ff2) and the huge reuse test (ba3c4ce6def4's `trylock_page`:
//!   `huge_page_lock` and every variant from `v5_9_page_count` on).
//!   `mmap_sem` is not modelled for the same reason (GUP-fast does not take it).
//! - The `pte_same`/`pmd_same` rechecks after retaking a page-table lock always succeed (no
//!   other thread writes this mm's entries; GUP-fast only reads them) and are folded into the
//!   lock step.
//! - Pages made by COW copies are not modelled as compound pages: a copy has a `_refcount`
//!   and its mappings are read from the page tables. A write fault on a read-only entry to a
//!   copy, and splitting a PMD that maps a copy, are one coarse step each that decide by the
//!   true mapping count. The checks are about the THP; the copies only keep the counts right.
//!   Where the split takes the page lock, it takes none for a COW copy (the copies have no
//!   page lock in the model; the coarse step is one step anyway).
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
//!   `gup_pin_read` is the read-only pin vmsplice takes (no FOLL_WRITE): it never faults.
//! - `split_page_lock` and `huge_page_lock` are the 2016 code (read at v4.6.2) with the locks
//!   4.9.y took in 2020 and 2021 (read from those backports); the rest of 4.9's paths is taken
//!   to be v4.6.2's (the fault_env plumbing aside), not re-read line by line.
//! - `v5_18_cow_fixes` and `v5_19_anon_exclusive` are read from the v5.18 and v5.19 trees:
//!   `do_wp_page`'s `page_count()` tests (v5.19: `PageAnonExclusive` first, and
//!   `page_move_anon_rmap` marking the page exclusive on reuse), `do_huge_pmd_wp_page` by
//!   `page_count()` under the page lock with the split and fallback when it cannot reuse
//!   (v5.19: `PageAnonExclusive` before and after the lock), the split without the page lock
//!   (7f7609175ff2), fork's early copy of a possibly pinned page (v5.19:
//!   `page_try_dup_anon_rmap`, which clears the bit of a page it shares; its fork copies a
//!   PTE in v5.19's order: reference, duplicate, write-protect, set) and the split carrying
//!   the head's bit to every subpage. v5.19's read-only FOLL_PIN pin of a page that is not
//!   exclusive takes the unshare fault (`FAULT_FLAG_UNSHARE`): the write fault's paths that
//!   reuse without making the entry writable, or copy into a read-only entry. The bit is
//!   per subpage; the head's also stands for a PMD mapping. A COW copy counts as exclusive
//!   when it is mapped once, as its other decisions go by its true mappings. Zap, GUP's
//!   walk and the rmap steps are the shared ones.
//! - `v5_9_page_count` is v5.9's code on the paths it runs: 09854ba94c6a's `do_wp_page`; the
//!   huge write fault under the page lock, which reuses if `reuse_swap_page` counts at most 1
//!   and otherwise unlocks, splits its own PMD and goes on at PTE level (3917c80280c9's
//!   `VM_FAULT_FALLBACK`); the split under the page lock, `pmdp_invalidate` first. Its
//!   `reuse_swap_page` runs `page_trans_huge_mapcount`'s steps: for a page outside the swap
//!   cache, `page_trans_huge_map_swapcount` reads the same counters in the same order. Fork,
//!   zap and GUP are the v4.6.2 steps every variant shares (their accesses to the THP's
//!   counters are the same in v5.9; not re-read line by line: v5.9 takes the reference and
//!   duplicates the mapping of a PTE before it write-protects it, an order only this
//!   process's own entries see). Fork copies a page pinned with FOLL_PIN for the child at
//!   once (70e806e4e645; a PMD is split first, d042035eaf5f); `gup_pin` is FOLL_GET, which
//!   that copy never covers.
//! - 4.9 and v4.6.2 invalidate the PMD at the end of the split (s6), v5.9 before s1; the PMD
//!   is read only by its own process, under its PMD lock, and an invalid PMD still counts as a
//!   mapping, so the order changes nothing another thread can read.
//!
//! Partial-order reduction is offered, off unless a search asks for it (`weft check --por`):
//! most steps touch the page and read every mm, and every step clears the other threads' R2
//! judgement (the ghost `judged` flag, which a write fault sets from whether the other
//! processes are inside an operation), so only the steps that take or drop a process's own
//! page-table locks, while no thread is judged, can be postponed (`footprint.rs`).

mod checks;
mod codec;
mod cow_fixes;
mod display;
mod flow;
mod footprint;
mod history;
mod huge;
mod ops;
mod scenario;
mod steps;
mod symmetry;

pub use history::History;
pub use scenario::{build, MODEL, PARAMS};

use flow::{After, Read, RmapAfter};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use steps::Pc;
use weft_explorer::{Field, Local, Model, StepInfo, Violation};

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
    /// Andrea's posting of 2016-05-05 that Kirill Shutemov reviewed that day: the move only
    /// when `total_mapcount == 1`, still on `old_page` (no `compound_head()`), and the huge
    /// path's `page_trans_huge_mapcount(page, NULL)` storing through its NULL pointer.
    AndreaV2,
    /// The merged fix 6d0a07edd17c: move the anon_vma only if `total_mapcount == 1`.
    MergedFix,
    /// The merged fix with c444eb564fb1 (v5.8; 4.9.y, June 2020): `__split_huge_pmd` takes
    /// the page lock around `__split_huge_pmd_locked`. The huge reuse test still takes none.
    SplitPageLock,
    /// `SplitPageLock` with the page lock around the huge reuse test, ba3c4ce6def4's
    /// (v4.14) `trylock_page` as 4.9.y took it in March 2021 ("mm, thp: make
    /// do_huge_pmd_wp_page() lock page for testing mapcount").
    HugePageLock,
    /// v5.9: 09854ba94c6a at PTE level (reuse iff `page_count == 1` and mapcount 1); the huge
    /// path's `reuse_swap_page` under the page lock (ba3c4ce6def4) and, when it cannot reuse,
    /// a split and the PTE path (3917c80280c9); the split under the page lock (c444eb564fb1).
    /// Fork copies a page pinned with FOLL_PIN for the child at once (70e806e4e645,
    /// d042035eaf5f).
    V59PageCount,
    /// v5.18, the 2022 COW fixes for THP and swap: the huge write fault reuses only if
    /// `page_count() == 1` under the page lock (3bff7e3f1f16), like the PTE path.
    V518CowFixes,
    /// v5.19, `PageAnonExclusive` (6c287605fd56): a write fault reuses an exclusive page at
    /// once; fork shares a page only after clearing its bit, and copies it for the child if
    /// it may be pinned; a read-only FOLL_PIN pin unshares a page that is not exclusive.
    V519AnonExclusive,
}

impl Variant {
    /// Every variant, in the order scenarios list them: the order of the code they change,
    /// each kernel variant after the one it builds on ([`Variant::history`]).
    pub const ALL: [Variant; 12] = [
        Variant::V44,
        Variant::V45,
        Variant::V45MapcountOnly,
        Variant::AndreaV1,
        Variant::AndreaV1Head,
        Variant::AndreaV2,
        Variant::MergedFix,
        Variant::SplitPageLock,
        Variant::HugePageLock,
        Variant::V59PageCount,
        Variant::V518CowFixes,
        Variant::V519AnonExclusive,
    ];

    /// Every variant's name in scenario files, in the order of [`ALL`](Self::ALL).
    pub const NAMES: [&'static str; 12] = [
        "v4_4",
        "v4_5",
        "v4_5_mapcount_only",
        "andrea_v1",
        "andrea_v1_head",
        "andrea_v2",
        "merged_fix",
        "split_page_lock",
        "huge_page_lock",
        "v5_9_page_count",
        "v5_18_cow_fixes",
        "v5_19_anon_exclusive",
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
    fn reads_page_trans_huge_mapcount(self) -> bool {
        !matches!(self, Variant::V44 | Variant::V45 | Variant::V45MapcountOnly)
    }

    /// Whether `do_wp_page` moves the anon_vma only when `total_mapcount == 1` (the merged
    /// fix's PTE path).
    fn moves_only_when_alone(self) -> bool {
        matches!(
            self,
            Variant::AndreaV2 | Variant::MergedFix | Variant::SplitPageLock | Variant::HugePageLock
        )
    }

    /// Whether `__split_huge_pmd` takes the page lock around the split (c444eb564fb1).
    fn locks_page_in_split(self) -> bool {
        matches!(
            self,
            Variant::SplitPageLock | Variant::HugePageLock | Variant::V59PageCount
        )
    }

    /// Whether the variant runs v5.9's or a later kernel's code: `do_wp_page` decides by
    /// `page_count()`, a huge write fault that cannot reuse falls back to the PTE path, the
    /// split invalidates the PMD first, and FOLL_PIN exists.
    fn since_v5_9(self) -> bool {
        matches!(
            self,
            Variant::V59PageCount | Variant::V518CowFixes | Variant::V519AnonExclusive
        )
    }

    /// Whether the huge write fault decides by `page_count()` under the page lock (the 2022
    /// COW fixes, 3bff7e3f1f16) rather than by `reuse_swap_page()`'s mapcounts.
    fn huge_wp_by_page_count(self) -> bool {
        matches!(self, Variant::V518CowFixes | Variant::V519AnonExclusive)
    }

    /// Whether fork copies a page that may be pinned for the child by testing the pin count
    /// alone (`page_maybe_dma_pinned`: 70e806e4e645 and d042035eaf5f, v5.9, until v5.19 tests
    /// `PageAnonExclusive` first).
    fn copies_pinned_by_count(self) -> bool {
        matches!(self, Variant::V59PageCount | Variant::V518CowFixes)
    }

    /// Whether fork raises `write_protect_seq` around the page-table copy and GUP-fast checks
    /// it (57efa1fe5957, v5.11).
    fn write_protect_seq(self) -> bool {
        matches!(self, Variant::V518CowFixes | Variant::V519AnonExclusive)
    }

    /// Whether pages carry `PageAnonExclusive` (6c287605fd56).
    fn anon_exclusive(self) -> bool {
        self == Variant::V519AnonExclusive
    }

    /// Whether `do_huge_pmd_wp_page` takes the page lock around its reuse test
    /// (ba3c4ce6def4, and 4.9.y's backport of that lock).
    fn locks_page_in_huge_wp(self) -> bool {
        matches!(self, Variant::HugePageLock) || self.since_v5_9()
    }
}

/// An operation a process performs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Write fault on the empty range: a new THP mapped by a writable PMD.
    ThpFault,
    /// GUP (FOLL_WRITE | FOLL_GET) on subpage i through this process's mapping.
    GupPin(u8),
    /// GUP without FOLL_WRITE (FOLL_GET) on subpage i: a read-only pin, as vmsplice takes. It
    /// never faults: the page is mapped, and reading needs no write access.
    GupPinRead(u8),
    /// FOLL_PIN | FOLL_WRITE | FOLL_LONGTERM on subpage i (`pin_user_pages`, v5.6): a write
    /// pin as vfio takes it since, counted apart in `compound_pincount` so that fork and COW
    /// can tell the page may be pinned.
    PinUserPages(u8),
    /// FOLL_PIN | FOLL_LONGTERM without FOLL_WRITE on subpage i: a read-only FOLL_PIN pin, as
    /// the kernel's cow selftest takes; from v5.19 it first unshares a page that is not
    /// exclusive (`FAULT_FLAG_UNSHARE`).
    PinUserPagesRead(u8),
    /// Drops the pin this process took last on subpage i: `put_page` (FOLL_GET) or
    /// `unpin_user_page` (FOLL_PIN).
    GupUnpin(u8),
    /// `pin_user_pages_fast_only()` on subpage i (FOLL_PIN | FOLL_WRITE | FOLL_FAST_ONLY):
    /// GUP-fast, lockless with interrupts off, by another thread of a process
    /// (`thread_of`); when the lockless walk fails it pins nothing (no slow path).
    PinUserPagesFastOnly(u8),
    /// `__get_user_pages_fast(addr, 1, 1, &page)` (v5.9: `get_user_pages_fast_only`) on
    /// subpage i: GUP-fast with FOLL_GET | FOLL_WRITE, the lockless path vfio pinned with in
    /// 2016, by another thread of a process (`thread_of`); no slow-path fallback.
    GupFastPin(u8),
    /// `fork()`: starts thread `child`, which shares every mapping, all write-protected.
    Fork {
        /// The child's thread index.
        child: u8,
    },
    /// `split_huge_pmd` on the range: what `madvise(MADV_RANDOM)` of a subrange and
    /// `madvise(MADV_NORMAL)` back do to private anonymous memory (`split_vma` →
    /// `vma_adjust_trans_huge` → `split_huge_pmd_address`), leaving the protections as they
    /// were. (mprotect of a subrange and back would leave it read-only; mlock may split the
    /// compound page itself, not only the PMD.)
    SplitHugePmd,
    /// `munmap` of subpage i, splitting a PMD mapping first.
    Munmap(u8),
    /// A store to subpage i: the write-protect fault if the entry is read-only.
    Write(u8),
    /// `exit`: unmap everything.
    Exit,
}

impl Op {
    /// Whether the operation takes a pin (FOLL_GET or FOLL_PIN).
    fn pins(self) -> bool {
        matches!(
            self,
            Op::GupPin(_)
                | Op::GupPinRead(_)
                | Op::PinUserPages(_)
                | Op::PinUserPagesRead(_)
                | Op::PinUserPagesFastOnly(_)
                | Op::GupFastPin(_)
        )
    }

    /// Whether the operation pins with FOLL_PIN (`pin_user_pages` and its kin, v5.6).
    fn foll_pin(self) -> bool {
        matches!(
            self,
            Op::PinUserPages(_) | Op::PinUserPagesRead(_) | Op::PinUserPagesFastOnly(_)
        )
    }
}

/// The operation names scenario files may use.
pub const OPERATIONS: [&str; 13] = [
    "thp_fault",
    "gup_pin(i)",
    "gup_pin_read(i)",
    "pin_user_pages(i)",
    "pin_user_pages_read(i)",
    "pin_user_pages_fast_only(i)",
    "gup_fast_pin(i)",
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
    /// The thread whose process this one is another thread of (`thread_of`): it shares that
    /// thread's mm, and starts once that thread's first operation is done.
    pub thread_of: Option<u8>,
}

impl Thread {
    /// The mm this thread, thread number `t`, runs in: its own, or that of the thread it is
    /// another thread of.
    pub(crate) fn mm(&self, t: usize) -> usize {
        self.thread_of.map_or(t, usize::from)
    }
}

/// A thp model instance.
#[derive(Clone, Debug)]
pub struct Thp {
    variant: Variant,
    n: u8,
    threads: Vec<Thread>,
    /// The groups of interchangeable processes ([`symmetry`]).
    groups: Vec<Vec<usize>>,
    /// Whether any process pins with FOLL_PIN: views show the pin count and the mm flags
    /// only then, as nothing else changes them.
    shows_pins: bool,
    /// Each thread's future footprint by the operations it has done ([`footprint`]).
    futures: Vec<Vec<weft_explorer::Footprint>>,
}

/// Largest `subpages` accepted.
pub const MAX_SUBPAGES: usize = 8;
/// Largest number of threads (processes).
pub const MAX_THREADS: usize = 6;

/// The range every counter of the model stays in: `_refcount`, the raw mapcounts, and a
/// mapcount reader's running sums. The packed state keeps each in one byte; in memory they
/// are wider, so that a step that would leave the range is caught (the `model_range`
/// violation) instead of wrapping.
pub const COUNTER_MIN: i16 = i8::MIN as i16;
/// See [`COUNTER_MIN`].
pub const COUNTER_MAX: i16 = i8::MAX as i16;

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

impl Pmd {
    /// A huge PMD mapping `page`, writable or not.
    const fn huge(page: u8, write: bool) -> Pmd {
        Pmd::Huge(Entry { page, write })
    }
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
    /// `MMF_HAS_PINNED` (v5.9: `mm->has_pinned`): this mm has taken a FOLL_PIN pin.
    has_pinned: bool,
    /// `write_protect_seq` (57efa1fe5957, v5.11): odd while fork copies the page tables.
    wp_seq: u8,
}

/// The THP's counters (raw, −1 based mapcounts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// Head `_refcount`.
    refcount: i16,
    /// Each subpage's raw `_mapcount`.
    mapcount: [i16; MAX_SUBPAGES],
    /// Raw `compound_mapcount` (in `page[1]`).
    compound_mapcount: i16,
    /// `PageDoubleMap`.
    double_map: bool,
    /// `head->mapping`: the anon_vma (numbered by the thread that created it), or NONE.
    mapping: u8,
    /// `PageAnonExclusive` of each subpage, a bit each (v5.19); the head's bit also stands for
    /// a PMD mapping.
    anon_exclusive: u8,
    /// `compound_pincount` (in `page[1]`, v5.7): the FOLL_PIN pins on the THP.
    pincount: i16,
}

impl Page {
    /// `PageAnonExclusive(page + subpage)`; the head's (subpage 0) also stands for a PMD
    /// mapping.
    fn exclusive(&self, subpage: u8) -> bool {
        self.anon_exclusive & 1 << subpage != 0
    }
}

/// A page made by a COW copy: its `_refcount`; whether it was a huge copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CowCopy {
    refcount: i16,
    huge: bool,
}

/// Ghost: a GUP pin taken by process `mm` on subpage `subpage` of page `page`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pin {
    mm: u8,
    page: u8,
    subpage: u8,
    /// Taken without FOLL_WRITE (`gup_pin_read`): the pinner only reads through it.
    read: bool,
    /// Taken with FOLL_PIN (`pin_user_pages`) rather than FOLL_GET.
    foll_pin: bool,
}

impl Pin {
    /// The subpage with the read-only flag in bit 7 and the FOLL_PIN flag in bit 6
    /// (subpages are below 8), as the packed state and the symmetry key hold it.
    fn packed_subpage(self) -> u8 {
        self.subpage | (self.read as u8) << 7 | (self.foll_pin as u8) << 6
    }
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
    subpage: u8,
    /// Loop index over subpages.
    i: u8,
    /// The page in hand (`old_page`, `src_page`, ...).
    page: u8,
    /// The new page of a COW copy.
    new_page: u8,
    /// The mapcount reader's result so far (`ret`: a subpage's mapcount, or the largest).
    mapcount: i16,
    /// `page_trans_huge_mapcount`'s `_total_mapcount` so far.
    total_mapcount: i16,
    /// The reuse decision (`reuse_swap_page`, 09854ba94c6a's checks).
    reuse: bool,
    /// The PMD's write bit, saved by a split (`write = pmd_write(*pmd)`).
    write: bool,
    /// Ghost: this fault is judged by R2 (the only mapper, every other process quiescent).
    judged: bool,
    /// The split's `anon_exclusive` (v5.19): the head's `PageAnonExclusive`, read with s1.
    exclusive: bool,
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
        let shows_pins = threads.iter().flat_map(|t| &t.ops).any(|op| op.foll_pin());
        Ok(Thp {
            variant,
            n,
            groups: symmetry::groups(&threads),
            futures: footprint::futures(&threads),
            threads,
            shows_pins,
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
            p.mapcount[0] as i32 + 1
        } else {
            (p.mapcount[i] as i32 + 1) + (p.compound_mapcount as i32 + 1) - p.double_map as i32
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

    /// Ghost: how many entries, over all processes, map subpage `subpage` of `page`.
    pub(crate) fn maps(&self, s: &State, page: u8, subpage: u8) -> usize {
        s.mms
            .iter()
            .map(|mm| match mm.pmd {
                Pmd::None => 0,
                Pmd::Huge(e) | Pmd::Invalid(e) => (e.page == page) as usize,
                Pmd::Table => (mm.pte[subpage as usize].page == page) as usize,
            })
            .sum()
    }

    /// Ghost: the processes mapping subpage `subpage` of `page`.
    fn mappers(&self, s: &State, page: u8, subpage: u8) -> Vec<&str> {
        (0..s.mms.len())
            .filter(|&m| {
                self.visible(&s.mms[m])
                    .iter()
                    .any(|&(i, e)| i == subpage && e.page == page)
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

    fn anon_vma_name(&self, anon_vma: u8) -> String {
        if anon_vma == NONE {
            "NULL".into()
        } else {
            format!("anon_vma({})", self.name(anon_vma as usize))
        }
    }

    fn show_entry(&self, e: Entry, subpage: Option<u8>) -> String {
        if !e.present() {
            return "none".into();
        }
        let target = match subpage {
            Some(i) if e.page == H => format!("H[{i}]"),
            _ => self.page_name(e.page),
        };
        format!("{target} {}", if e.write { "rw" } else { "ro" })
    }

    /// Whether every thread is at a quiescent point.
    fn quiescent(s: &State) -> bool {
        s.threads.iter().all(|t| !t.busy)
    }

    /// Whether the thread is inside a mapcount reader.
    pub(super) fn reading(th: &ThreadState) -> bool {
        th.busy
            && matches!(
                th.pc,
                Pc::ReadSubpageMapcount | Pc::ReadDoubleMap | Pc::ReadCompoundMapcount
            )
    }
}

impl Model for Thp {
    type State = State;

    fn initial_state(&self) -> State {
        let mut s = State {
            thp: Page {
                refcount: 0,
                mapcount: [-1; MAX_SUBPAGES],
                compound_mapcount: -1,
                double_map: false,
                mapping: NONE,
                anon_exclusive: 0,
                pincount: 0,
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
                    has_pinned: false,
                    wp_seq: 0,
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
                    started: t.child_of.is_none() && t.thread_of.is_none(),
                    subpage: 0,
                    i: 0,
                    page: NONE,
                    new_page: NONE,
                    mapcount: 0,
                    total_mapcount: 0,
                    reuse: false,
                    write: false,
                    judged: false,
                    exclusive: false,
                    read: Read::PageMapcount,
                    after: After::HugeWp,
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

    fn symmetry(&self) -> Option<weft_explorer::Symmetry<Self>> {
        weft_explorer::Symmetry::by_sorting(self)
    }

    /// Off by default: only the steps on a process's own page-table locks can be postponed,
    /// and thread symmetry removes more (`--por` turns it off).
    fn reduction(&self) -> Option<weft_explorer::Reducer<Self>> {
        Some(weft_explorer::Reducer::by_footprints().off_by_default())
    }

    fn thread_name(&self, thread: usize) -> &str {
        &self.threads[thread].name
    }

    fn status(&self, s: &State, t: usize) -> weft_explorer::Status {
        self.status_of(s, t)
    }

    /// Every step first clears the other threads' R2 judgement and marks the thread busy
    /// (inside an operation), then runs.
    fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        for (u, th) in s.threads.iter_mut().enumerate() {
            if u != t {
                th.judged = false;
            }
        }
        s.threads[t].busy = true;
        let pc = s.threads[t].pc;
        self.effect_of(s, t, pc)?;
        Self::range_check(s)
    }

    fn step_info(&self, s: &State, t: usize) -> StepInfo {
        self.info_of(s, t, s.threads[t].pc)
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
        if s.thp.refcount < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!("H._refcount is {}", s.thp.refcount),
            ));
        }
        for (k, c) in s.copies.iter().enumerate() {
            if c.refcount < 0 {
                return Err(Violation::new(
                    "refcount_underflow",
                    format!("copy{k}._refcount is {}", c.refcount),
                ));
            }
        }
        self.isolation_check(s)?;
        self.rmap_check(s)
    }

    fn checks(&self) -> Vec<&'static str> {
        vec![
            "counter_mismatch",
            "false_cow",
            "cow_isolation",
            "pin_isolation",
            "pin_coherence",
            "null_pointer_dereference",
            "rmap_unreachable",
            "tail_mapping_write",
            "refcount_underflow",
            "free_while_referenced",
            "model_range",
        ]
    }

    fn fields(&self, s: &State) -> Vec<Field> {
        self.fields_of(s)
    }

    /// Every step of the model, by path and kernel expression (`HugeWpLock:
    /// spin_lock(pmd_lock(mm, pmd))`). thp declares no program per operation (its paths are
    /// shared and chosen by state and variant), so coverage lists what was reached.
    fn coverage_points(&self, _thread: usize) -> Vec<String> {
        Pc::ALL[..Pc::ALL.len() - 1]
            .iter()
            .map(|pc| format!("{}: {}", pc.ident(), pc.name()))
            .collect()
    }

    fn coverage_is_program(&self) -> bool {
        false
    }

    fn coverage_point(&self, s: &State, t: usize) -> usize {
        s.threads[t].pc as usize
    }

    /// The thread's kernel locals: the subpage its operation is about, the pages in hand,
    /// a mapcount reader's running result, the reuse decision.
    fn locals(&self, s: &State, t: usize) -> Vec<Local> {
        self.locals_of(s, t)
    }

    /// Every field as `name=value` (ghost ones marked), as the default label has it, then
    /// each reading thread's running mapcount.
    fn state_label(&self, s: &State, _shared_only: bool) -> String {
        self.label_of(s)
    }
}
