//! The powerpc page-table fragment allocator and the speculative
//! reference that raced with it (fixed by 4231aba000f5, "powerpc/64s: Fix page table fragment
//! refcount race vs speculative references").
//!
//! One mm owns a cache of PTE fragments (`mm->context.pte_frag`) carved out of a page-table
//! page, and one of PMD fragments (`pmd_frag`, v4.18) under the same `page_table_lock`; owner
//! threads allocate and free fragments, `pte_frag_destroy`/`pmd_frag_destroy` tear them down,
//! and walker threads hold a stale pointer to the first page the allocator hands out and take
//! a speculative reference on it. The five variants differ only in how the fragment count is
//! kept ([`Variant`]).
//!
//! Simplifications, written down:
//! - Pages come from a pool with one page per `pte_fragment_alloc` in the scenario; the page
//!   allocator hands out the lowest-numbered free page (the real one may pick any).
//! - The identity recheck after `get_page_unless_zero` reads the page-cache slot, which the
//!   model does not hold: the pointer is stale, so the recheck always fails and is folded into
//!   the `put_page` step that follows it.
//! - `pgtable_page_ctor`/`dtor` are one step each: apart from the page type they touch only
//!   fields private to the page-table owner (ptlock, `NR_PAGETABLE`), which nobody else reads.
//! - `pte_frag_destroy` runs from `arch_exit_mmap` once the mm's last user has exited: it
//!   waits until every other thread that allocates has finished, runs at most once, and
//!   nothing allocates after it (a scenario that asks otherwise is refused). Threads that only
//!   free others' fragments (RCU callbacks) or walk stale pointers are not users of the mm and
//!   may still run. The model clears `mm->context.pte_frag` in the step that reads it (the
//!   kernel frees the mm instead), so the end check knows the cache is gone.
//! - Only user page tables (`kernel == 0`), so the ctor and dtor always run. Not modelled:
//!   kernel page tables, and with them the hot-unplug BUG of boot-time tables fixed by
//!   645d5ce2f7d6 (sequential: their count was never set, so every schedule hits it).
//! - PMD steps are the PTE steps, spelled at the PMD level (`Table::spell`): v4.18's PMD
//!   fragment code is the PTE code with `pte` renamed `pmd`, except its constructor.
//! - RCU (see the `rcu` module): a walker's stale pointer names page 0; the RCU lookup and
//!   GUP-fast read it only before the page is handed out as a page table (afterwards they
//!   find nothing); a failed recheck ends the walk (the kernel retries the lookup, which
//!   finds another page). `tlb_remove_table`'s batching is not modelled: each deferred free
//!   queues its own grace period, and the thread that queued it runs the callback. Its
//!   immediate paths (`mm_users < 2`, `tlb_remove_table_one`'s IPI, which waits only for
//!   interrupts-off walkers) are the synchronous `pte_fragment_free` (without that IPI).
//! - `put_page_testzero` is one step (its decrement) by default: a kernel without
//!   `CONFIG_DEBUG_VM` has no `VM_BUG_ON_PAGE`. With `debug_vm = 1` the check is a read of its
//!   own before the decrement (`Pc::PutCheck`).

mod codec;
mod footprint;
mod invariants;
mod ops;
mod program;
mod rcu;
mod scenario;
mod steps;
mod symmetry;
mod teardown;
mod view;

pub use scenario::{build, MODEL, PARAMS};
pub(super) use teardown::teardown_order;

use crate::page::{Page, TOP_SHIFT};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use steps::Pc;
use weft_explorer::{Field, Model, Reducer, StepInfo, Violation};

/// How the fragment count of a page-table page is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Variant {
    /// Before 4231aba000f5: the count lives in `_refcount`, installed by `set_page_count()`,
    /// a plain store over a counter that speculative users may have raised.
    SetPageCount,
    /// Wilcox's first suggestion in the 4231aba000f5 thread: `page_ref_add()` instead of the
    /// store; the dtor still runs only if a fragment free brings `_refcount` to zero.
    PageRefAdd,
    /// The merged fix 4231aba000f5: a dedicated `pt_frag_refcount`; `_refcount` is left to
    /// the page allocator and speculative users.
    PtFragRefcount,
    /// Construction F4, after Wilcox's "top 16 bits" idea: the fragment count lives in bits
    /// 16 and up of `_refcount`, the dtor runs when they reach zero, then the allocation
    /// reference is dropped with `put_page()`.
    TopBits,
    /// Construction F4-bad, a tempting wrong encoding: the allocation reference is folded
    /// into the fragment count, so the dtor runs only if the last fragment free brings the
    /// whole `_refcount` to zero.
    TopBitsBad,
}

impl Variant {
    /// Every variant, in the order scenarios list them.
    pub const ALL: [Variant; 5] = [
        Variant::SetPageCount,
        Variant::PageRefAdd,
        Variant::PtFragRefcount,
        Variant::TopBits,
        Variant::TopBitsBad,
    ];

    /// Every variant's name in scenario files, in the order of [`ALL`](Self::ALL).
    pub const NAMES: [&'static str; 5] = [
        "set_page_count",
        "page_ref_add",
        "pt_frag_refcount",
        "top_bits",
        "top_bits_bad",
    ];

    /// The variant's name in scenario files.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The variant called `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    fn top_bits(self) -> bool {
        matches!(self, Variant::TopBits | Variant::TopBitsBad)
    }
}

/// Which level of page table a fragment is: each has its own cache, fragment count per page
/// and constructor, under the one `mm->page_table_lock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Table {
    /// PTE tables: `mm->context.pte_frag`, `PTE_FRAG_NR`, `pgtable_page_ctor`.
    #[default]
    Pte,
    /// PMD tables (4.18): `mm->context.pmd_frag`, `PMD_FRAG_NR`, `pgtable_pmd_page_ctor`.
    Pmd,
}

impl Table {
    /// The prefix of its functions and fields: `pte` or `pmd`.
    pub fn prefix(self) -> &'static str {
        match self {
            Table::Pte => "pte",
            Table::Pmd => "pmd",
        }
    }

    /// `text`, a PTE step's label, note or function, as the same step reads at this level.
    /// v4.18's PMD fragment code is its PTE code with `pte` renamed `pmd` (get_pmd_from_cache,
    /// __alloc_for_pmdcache, pmd_fragment_free, pmd_frag_destroy; before 4231aba000f5 and
    /// after), apart from the constructor: `pgtable_pmd_page_ctor` sets up the split PMD lock
    /// and no page type.
    fn spell(self, text: &str) -> String {
        const PMD: [(&str, &str); 9] = [
            ("pte_frag", "pmd_frag"),
            ("PTE_FRAG", "PMD_FRAG"),
            ("pte_fragment_free", "pmd_fragment_free"),
            ("get_pte_from_cache", "get_pmd_from_cache"),
            ("__alloc_for_ptecache", "__alloc_for_pmdcache"),
            ("pgtable_page_", "pgtable_pmd_page_"),
            ("PGALLOC_GFP", "GFP_KERNEL_ACCOUNT | __GFP_ZERO"),
            ("__SetPageTable", "ptlock_init: no page type before v5.10"),
            ("__ClearPageTable", "ptlock_free"),
        ];
        match self {
            Table::Pte => text.to_string(),
            Table::Pmd => PMD
                .iter()
                .fold(text.to_string(), |text, (pte, pmd)| text.replace(pte, pmd)),
        }
    }
}

/// An operation a scenario thread performs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `pte_fragment_alloc()` / `pmd_fragment_alloc()`: a fragment from the mm's cache of
    /// that level, or a new fragment page.
    Alloc(Table),
    /// `pte_fragment_free()` / `pmd_fragment_free()` of the oldest fragment of that level
    /// held by `from` (this thread if `None`), e.g. an RCU callback freeing the owner's page
    /// table. Waits until `from` holds one.
    Free {
        /// Index of the thread whose fragment is freed.
        from: Option<u8>,
        /// Deferred through `tlb_remove_table` past an RCU-sched grace period
        /// (`pte_fragment_free_rcu`); synchronous otherwise.
        rcu: bool,
        /// The level of the fragment freed.
        table: Table,
    },
    /// `pte_frag_destroy()` / `pmd_frag_destroy()` at mm teardown: drops the unused
    /// fragments of that level's cache.
    Destroy(Table),
    /// A walker with a stale pointer to the first page the allocator hands out: it takes a
    /// speculative reference, its recheck fails, it drops it.
    GetPut(Walker),
}

/// How a walker came by its stale pointer, and what holds off the grace period meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Walker {
    /// A pfn walker (`page_idle_get_page`, memory-failure): no RCU section at all.
    Pfn,
    /// The page-cache lookup (`find_get_entry`) under `rcu_read_lock()`.
    RcuLookup,
    /// GUP-fast (`get_user_pages_fast`) with interrupts off, which holds off RCU-sched.
    GupFast,
}

impl Op {
    /// The operation's name in scenario files.
    pub fn name(self) -> &'static str {
        use Table::{Pmd, Pte};
        match self {
            Op::Alloc(Pte) => "pte_fragment_alloc",
            Op::Alloc(Pmd) => "pmd_fragment_alloc",
            Op::Free { from, rcu, table } => {
                let names = match table {
                    Pte => [
                        "pte_fragment_free",
                        "pte_fragment_free(thread)",
                        "pte_fragment_free_rcu",
                        "pte_fragment_free_rcu(thread)",
                    ],
                    Pmd => [
                        "pmd_fragment_free",
                        "pmd_fragment_free(thread)",
                        "pmd_fragment_free_rcu",
                        "pmd_fragment_free_rcu(thread)",
                    ],
                };
                names[from.is_some() as usize + 2 * rcu as usize]
            }
            Op::Destroy(Pte) => "pte_frag_destroy",
            Op::Destroy(Pmd) => "pmd_frag_destroy",
            Op::GetPut(Walker::Pfn) => "speculative_get_put",
            Op::GetPut(Walker::RcuLookup) => "rcu_lookup_get_put",
            Op::GetPut(Walker::GupFast) => "gup_fast_get_put",
        }
    }

    /// The level of page table the operation allocates, frees or tears down.
    pub fn table(self) -> Option<Table> {
        match self {
            Op::Alloc(table) | Op::Free { table, .. } | Op::Destroy(table) => Some(table),
            Op::GetPut(_) => None,
        }
    }

    /// Whether it is `pte_fragment_alloc` or `pmd_fragment_alloc`.
    pub fn is_alloc(self) -> bool {
        matches!(self, Op::Alloc(_))
    }
}

/// The operation names scenario files may use, with their argument forms.
pub const OPERATIONS: [&str; 15] = [
    "pte_fragment_alloc",
    "pte_fragment_free",
    "pte_fragment_free(thread)",
    "pte_fragment_free_rcu",
    "pte_fragment_free_rcu(thread)",
    "pte_frag_destroy",
    "pmd_fragment_alloc",
    "pmd_fragment_free",
    "pmd_fragment_free(thread)",
    "pmd_fragment_free_rcu",
    "pmd_fragment_free_rcu(thread)",
    "pmd_frag_destroy",
    "speculative_get_put",
    "rcu_lookup_get_put",
    "gup_fast_get_put",
];

/// A scenario thread of this model.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Its name.
    pub name: String,
    /// What it does, in order.
    pub ops: Vec<Op>,
}

/// A pt_frag model instance: a variant, `PTE_FRAG_NR`, and the scenario's threads.
#[derive(Clone, Debug)]
pub struct PtFrag {
    variant: Variant,
    frag_nr: u8,
    /// `PMD_FRAG_NR`, fragments per PMD page.
    pmd_frag_nr: u8,
    threads: Vec<Thread>,
    pages: u8,
    /// The threads of the mm (those that call `pte_fragment_alloc`), as a bit set:
    /// `pte_frag_destroy` waits until every other one has finished.
    users: u16,
    /// Whether a thread calls `pte_frag_destroy` (at most one does, once).
    teardown: bool,
    /// The threads that defer a free past a grace period (`pte_fragment_free_rcu`), as a bit
    /// set: only they ever wait for other threads' sections.
    deferrers: u16,
    /// `CONFIG_DEBUG_VM`: `put_page_testzero` checks the count before it decrements.
    debug_vm: bool,
    /// `CONFIG_PREEMPT`: `rcu_read_lock()` does not hold off an RCU-sched grace period.
    preempt: bool,
    /// Whether the counts are checked at every quiet point (see the `invariants` module).
    invariants: bool,
    /// Coverage: per thread, per operation, the point number of each step (`u16::MAX`: the
    /// operation has no such step), and the points' names.
    cover: Vec<Vec<[u16; Pc::ALL.len()]>>,
    cover_names: Vec<Vec<String>>,
}

/// No page in a thread's locals.
const NO_PAGE: u8 = u8::MAX;

/// A fragment handed out as a page table: which page, in which generation, which slot, at
/// which level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fragment {
    page: u8,
    generation: u8,
    index: u8,
    table: Table,
}

/// Most fragments one thread may hold at once.
pub const MAX_HELD: usize = 2;

/// A thread's position and locals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThreadState {
    op: u8,
    pc: Pc,
    /// The page the current operation works on, and its generation when it was taken.
    page: u8,
    generation: u8,
    /// A fragment index read from `mm->context.pte_frag`.
    index: u8,
    /// The result of the last test (`put_page_testzero`, a NULL check).
    test: bool,
    /// Ghost: a speculative reference taken and not yet dropped.
    holds_reference: bool,
    /// Inside a read-side section that a grace period may wait for (`rcu_read_lock()`, or
    /// interrupts off).
    section: bool,
    /// While its deferred free waits for a grace period: the threads whose sections it waits
    /// for (bit per thread); zero otherwise.
    gp_wait: u16,
    /// Ghost: fragments this thread holds as page tables, oldest first; unused slots zero.
    fragments: [Fragment; MAX_HELD],
    held: u8,
}

/// Bytes a thread packs into: the low bytes of [`ThreadState::to_bits`].
const THREAD_BYTES: usize = 5 + 3 * MAX_HELD + 2;

/// The page nibble of [`ThreadState::to_bits`] for [`NO_PAGE`]: pages are numbered from 0
/// to 14 (at most 15 `pte_fragment_alloc`s).
const NO_PAGE_NIBBLE: u8 = 15;

// The packing's bit fields hold every value.
const _: () = assert!(Pc::ALL.len() <= 32 && MAX_HELD < 4);

impl ThreadState {
    /// The fragments held, oldest first.
    fn fragments(&self) -> &[Fragment] {
        &self.fragments[..self.held as usize]
    }

    /// The slot of the oldest fragment held at level `table`, if any.
    fn oldest(&self, table: Table) -> Option<usize> {
        self.fragments().iter().position(|f| f.table == table)
    }

    /// The thread packed, byte `i` in bits `8i..8i+8`: op; pc (5 bits) with the three
    /// flags; the page (4 bits, 15 for none) with held (2 bits); generation; index; the
    /// fragment slots held (page with the PMD flag in bit 7, generation, index); then, while
    /// it waits for a grace period, whom it waits for. Its first [`THREAD_BYTES`] bytes are
    /// part of the state's packed encoding, which keeps the first
    /// [`packed_len`](ThreadState::packed_len). Built in registers: bytes written one by
    /// one and read back whole stall the copy that follows (a third of packing a state).
    #[inline]
    fn to_bits(self) -> u128 {
        let [f, g] = self.fragments;
        debug_assert!(
            self.page == NO_PAGE || self.page < NO_PAGE_NIBBLE,
            "pages are numbered below 15"
        );
        let page = if self.page == NO_PAGE {
            NO_PAGE_NIBBLE
        } else {
            self.page
        };
        let byte = |b: u8, i: u32| u128::from(b) << (8 * i);
        let mut bits = byte(self.op, 0)
            | byte(
                self.pc as u8
                    | (self.test as u8) << 5
                    | (self.holds_reference as u8) << 6
                    | (self.section as u8) << 7,
                1,
            )
            | byte(page | self.held << 4, 2)
            | byte(self.generation, 3)
            | byte(self.index, 4)
            | byte(f.page | (f.table as u8) << 7, 5)
            | byte(f.generation, 6)
            | byte(f.index, 7)
            | byte(g.page | (g.table as u8) << 7, 8)
            | byte(g.generation, 9)
            | byte(g.index, 10);
        if self.pc == Pc::GraceEnd {
            let at = 8 * Self::fragments_end(self.held) as u32;
            bits = bits & !(0xffff << at) | u128::from(self.gp_wait) << at;
        }
        bits
    }

    /// How many bytes of [`to_bits`](ThreadState::to_bits) the packed state keeps.
    #[inline]
    fn kept_len(&self) -> usize {
        Self::len_for(self.held, self.pc == Pc::GraceEnd)
    }

    /// The packed length of a thread holding `held` fragments, and waiting for a grace
    /// period or not: unused fragment slots, and whom it waits for when it does not, are
    /// left out.
    #[inline]
    fn len_for(held: u8, waiting: bool) -> usize {
        Self::fragments_end(held) + 2 * usize::from(waiting)
    }

    /// How many fragments the thread whose [`to_bits`](ThreadState::to_bits) start `b`
    /// holds.
    #[inline]
    fn held_in(b: &[u8]) -> u8 {
        b[2] >> 4
    }

    /// Where [`to_bits`](ThreadState::to_bits)' held fragment slots end, and whom the
    /// thread waits for begins, for a thread that holds `held` fragments.
    #[inline]
    fn fragments_end(held: u8) -> usize {
        5 + 3 * held as usize
    }

    /// How many bytes the thread packed at the start of `b` takes
    /// ([`len_for`](ThreadState::len_for)).
    #[inline]
    fn packed_len(b: &[u8]) -> usize {
        Self::len_for(Self::held_in(b), b[1] & 0x1f == Pc::GraceEnd as u8)
    }

    /// The thread whose [`to_bits`](ThreadState::to_bits) are `b`.
    #[inline]
    fn from_bytes(b: &[u8; THREAD_BYTES]) -> ThreadState {
        let held = Self::held_in(b);
        // Past the slots held, the bytes may be whom the thread waits for.
        let fragment = |i: usize| {
            let at = 5 + 3 * i;
            if i < held as usize {
                Fragment {
                    page: b[at] & 0x7f,
                    generation: b[at + 1],
                    index: b[at + 2],
                    table: if b[at] & 0x80 != 0 {
                        Table::Pmd
                    } else {
                        Table::Pte
                    },
                }
            } else {
                Fragment::default()
            }
        };
        let page = b[2] & 0xf;
        let pc = Pc::from_repr(b[1] & 0x1f).expect("a step the packing wrote");
        let waits = Self::fragments_end(held);
        ThreadState {
            op: b[0],
            pc,
            page: if page == NO_PAGE_NIBBLE {
                NO_PAGE
            } else {
                page
            },
            generation: b[3],
            index: b[4],
            test: b[1] & 1 << 5 != 0,
            holds_reference: b[1] & 1 << 6 != 0,
            section: b[1] & 1 << 7 != 0,
            gp_wait: if pc == Pc::GraceEnd {
                u16::from_le_bytes([b[waits], b[waits + 1]])
            } else {
                0
            },
            fragments: [fragment(0), fragment(1)],
            held,
        }
    }
}

/// The whole state: pages, the mm's fragment cache and lock, and every thread.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pages: SmallVec<[Page; 4]>,
    /// `mm->context.pte_frag`: the next unused fragment (page, slot), or NULL.
    pte_frag: Option<(u8, u8)>,
    /// `mm->context.pmd_frag`, the same for PMD fragments.
    pmd_frag: Option<(u8, u8)>,
    /// `mm->page_table_lock`: the thread holding it.
    lock: Option<u8>,
    threads: SmallVec<[ThreadState; 8]>,
}

impl Clone for State {
    /// A plain copy of the inline arrays (the derived clone goes element by element).
    fn clone(&self) -> Self {
        State {
            pages: SmallVec::from_slice(&self.pages),
            pte_frag: self.pte_frag,
            pmd_frag: self.pmd_frag,
            lock: self.lock,
            threads: SmallVec::from_slice(&self.threads),
        }
    }

    /// The same copy into `self`'s arrays: the search steps each successor in a copy it keeps.
    fn clone_from(&mut self, source: &Self) {
        self.pages.clear();
        self.pages.extend_from_slice(&source.pages);
        self.pte_frag = source.pte_frag;
        self.pmd_frag = source.pmd_frag;
        self.lock = source.lock;
        self.threads.clear();
        self.threads.extend_from_slice(&source.threads);
    }
}

/// Largest `frag_nr` accepted (PTE_FRAG_NR is 16 on hash-64K, 256 on radix; the model's
/// fragment slots are bytes).
pub const MAX_FRAG_NR: u8 = 64;

/// Largest number of threads and of pages a scenario may use (footprints are 64-bit sets).
pub const MAX_THREADS: usize = 16;

/// Most `pte_fragment_alloc`s a scenario may call: one page each, numbered in a nibble.
pub const MAX_ALLOCS: usize = 15;

// The counters' range. A page's `_refcount` and `pt_frag_refcount` hold at most the fragment
// counts of every allocation (each at most `MAX_FRAG_NR << TOP_SHIFT` in the top-bits
// encodings) plus one reference per thread and the allocation's; frees only take back what
// an allocation gave. So no step can take them out of `i32`, and a generation (one per
// allocation) out of a byte.
const _: () = assert!(
    (MAX_ALLOCS as i64 * ((MAX_FRAG_NR as i64) << TOP_SHIFT) + MAX_THREADS as i64 + 1)
        < i32::MAX as i64
        && MAX_ALLOCS < u8::MAX as usize
);

impl PtFrag {
    /// A model of `variant` with `frag_nr` fragments per page and these threads.
    /// Errors say which thread or operation is wrong.
    pub fn new(variant: Variant, frag_nr: u8, threads: Vec<Thread>) -> Result<Self, String> {
        if frag_nr == 0 || frag_nr > MAX_FRAG_NR {
            return Err(format!("frag_nr must be between 1 and {MAX_FRAG_NR}"));
        }
        if threads.is_empty() || threads.len() > MAX_THREADS {
            return Err(format!("a scenario has 1 to {MAX_THREADS} threads"));
        }
        for t in &threads {
            // Fragments held, PTE and PMD.
            let mut held = [0usize; 2];
            for op in &t.ops {
                match *op {
                    Op::Alloc(_) if held[0] + held[1] == MAX_HELD => {
                        return Err(format!(
                            "thread `{}` would hold more than {MAX_HELD} fragments at once",
                            t.name
                        ))
                    }
                    Op::Alloc(table) => held[table as usize] += 1,
                    Op::Free {
                        from: None, table, ..
                    } if held[table as usize] == 0 => {
                        return Err(format!(
                            "thread `{}` frees a {} fragment before it has allocated one",
                            t.name,
                            table.prefix()
                        ))
                    }
                    Op::Free {
                        from: None, table, ..
                    } => held[table as usize] -= 1,
                    _ => {}
                }
            }
        }
        let allocs = threads
            .iter()
            .flat_map(|t| &t.ops)
            .filter(|o| o.is_alloc())
            .count();
        if allocs > MAX_ALLOCS {
            return Err(format!(
                "at most {MAX_ALLOCS} pte_fragment_alloc and pmd_fragment_alloc operations in \
                 a scenario"
            ));
        }
        let teardown = teardown_order(&threads).map_err(|(_, _, message)| message)?;
        let users = threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.ops.iter().any(|op| op.is_alloc()))
            .fold(0u16, |users, (i, _)| users | 1 << i);
        let deferrers = threads
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.ops
                    .iter()
                    .any(|op| matches!(op, Op::Free { rcu: true, .. }))
            })
            .fold(0u16, |deferrers, (i, _)| deferrers | 1 << i);
        let mut model = PtFrag {
            variant,
            frag_nr,
            pmd_frag_nr: frag_nr,
            threads,
            pages: allocs.max(1) as u8,
            users,
            teardown,
            deferrers,
            debug_vm: false,
            preempt: false,
            invariants: false,
            cover: Vec::new(),
            cover_names: Vec::new(),
        };
        model.number_coverage();
        Ok(model)
    }

    /// The model built with `CONFIG_DEBUG_VM` (`on`) or without: with it,
    /// `put_page_testzero`'s `VM_BUG_ON_PAGE` is a step of its own before the decrement.
    pub fn debug_vm(mut self, on: bool) -> Self {
        self.debug_vm = on;
        self.number_coverage();
        self
    }

    /// The model with `pmd_frag_nr` fragments per PMD page (the same as per PTE page unless
    /// set). Errors when it is out of range.
    pub fn pmd_frag_nr(mut self, pmd_frag_nr: u8) -> Result<Self, String> {
        if pmd_frag_nr == 0 || pmd_frag_nr > MAX_FRAG_NR {
            return Err(format!("pmd_frag_nr must be between 1 and {MAX_FRAG_NR}"));
        }
        self.pmd_frag_nr = pmd_frag_nr;
        self.number_coverage();
        Ok(self)
    }

    /// The model that checks the counts at every quiet point (`on`) or not.
    pub fn invariants(mut self, on: bool) -> Self {
        self.invariants = on;
        self
    }

    /// Fragments per page of `table`: `PTE_FRAG_NR` or `PMD_FRAG_NR`.
    pub(super) fn frag_nr_of(&self, table: Table) -> u8 {
        match table {
            Table::Pte => self.frag_nr,
            Table::Pmd => self.pmd_frag_nr,
        }
    }

    /// The model built with `CONFIG_PREEMPT` (`on`) or without: with it, `rcu_read_lock()`
    /// sections no longer hold off the RCU-sched grace period of `pte_fragment_free_rcu`.
    pub fn preempt(mut self, on: bool) -> Self {
        self.preempt = on;
        self
    }

    /// Numbers every thread's steps, operation by operation, as coverage points.
    fn number_coverage(&mut self) {
        let model = &*self;
        let (mut cover, mut cover_names) = (Vec::new(), Vec::new());
        for t in &model.threads {
            let mut per_op = Vec::new();
            let mut names = Vec::new();
            for (i, op) in t.ops.iter().enumerate() {
                let mut table = [u16::MAX; Pc::ALL.len()];
                let level = op.table().unwrap_or_default();
                for pc in model.program(*op) {
                    table[pc as usize] = names.len() as u16;
                    let name = level.spell(pc.name());
                    names.push(format!("op {} {}: {name}", i + 1, op.name()));
                }
                per_op.push(table);
            }
            cover.push(per_op);
            cover_names.push(names);
        }
        (self.cover, self.cover_names) = (cover, cover_names);
    }

    /// The variant explored.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    fn first_pc(&self, op: Option<&Op>) -> Pc {
        match op {
            None => Pc::Done,
            Some(Op::Alloc(_)) => Pc::CacheLock,
            Some(Op::Free { rcu: true, .. }) => Pc::TlbRemoveTable,
            Some(&op @ Op::Free { .. }) => self.free_pc(op),
            Some(Op::Destroy(_)) => Pc::DestroyRead,
            Some(Op::GetPut(Walker::Pfn)) => Pc::SpecGet,
            Some(Op::GetPut(_)) => Pc::Lookup,
        }
    }

    /// The first step of the fragment free itself (after the grace period, if deferred).
    pub(super) fn free_pc(&self, op: Op) -> Pc {
        if self.variant == Variant::PtFragRefcount {
            Pc::FragBugOn
        } else if self.put_step(op) == Some(Pc::FragDec) {
            self.to_put(Pc::FragDec)
        } else {
            Pc::FragDec
        }
    }

    fn page_name(p: u8) -> String {
        format!("page{p}")
    }
}

impl Model for PtFrag {
    type State = State;

    fn initial_state(&self) -> State {
        State {
            pages: (0..self.pages).map(|_| Page::default()).collect(),
            pte_frag: None,
            pmd_frag: None,
            lock: None,
            threads: self
                .threads
                .iter()
                .map(|t| ThreadState {
                    op: 0,
                    pc: self.first_pc(t.ops.first()),
                    page: NO_PAGE,
                    generation: 0,
                    index: 0,
                    test: false,
                    holds_reference: false,
                    section: false,
                    gp_wait: 0,
                    fragments: [Fragment::default(); MAX_HELD],
                    held: 0,
                })
                .collect(),
        }
    }

    fn thread_count(&self) -> usize {
        self.threads.len()
    }

    fn encode(&self, s: &State, out: &mut Vec<u8>) {
        codec::pack(s, out)
    }

    /// The packed bytes are what the fingerprint hashes: packed once for both.
    #[inline]
    fn encode_fingerprinted(&self, s: &State, out: &mut Vec<u8>) -> u64 {
        let from = out.len();
        codec::pack(s, out);
        weft_explorer::fingerprint_bytes(&out[from..])
    }

    fn decode(&self, bytes: &[u8]) -> State {
        codec::unpack(bytes)
    }

    fn fingerprint(&self, s: &State) -> u64 {
        codec::fingerprint(s)
    }

    fn thread_name(&self, thread: usize) -> &str {
        &self.threads[thread].name
    }

    fn status(&self, s: &State, t: usize) -> weft_explorer::Status {
        self.status_of(s, t)
    }

    fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        self.effect_of(s, t, s.threads[t].pc)
    }

    fn step_info(&self, s: &State, t: usize) -> StepInfo {
        let info = self.info_of(s, t, s.threads[t].pc);
        match self.table(s, t) {
            Table::Pte => info,
            level => StepInfo {
                label: level.spell(&info.label),
                note: info.note.map(|note| level.spell(&note)),
                source: weft_explorer::Source {
                    function: level.spell(&info.source.function),
                    ..info.source
                },
            },
        }
    }

    /// Offered, but off unless asked for (`--por`): it stores fewer states (1.26x on 3x3,
    /// 1.23x on 4x4) but does not save time: 1.10x and 0.94x the full search's speed on 1 and 2
    /// threads on 3x3, 0.89x and 1.05x on 4x4 (bench/README.md).
    fn reduction(&self) -> Option<Reducer<Self>> {
        Some(Reducer::by_footprints().off_by_default())
    }

    /// Threads with the same operations are interchangeable (see the `symmetry` module).
    fn symmetry(&self) -> Option<weft_explorer::Symmetry<Self>> {
        weft_explorer::Symmetry::by_sorting(self)
    }

    /// `counter_mismatch` at quiet points, with `invariants = 1`.
    fn invariant(&self, s: &State) -> Result<(), Violation> {
        self.count_invariants(s)
    }

    /// `page_leak`: once every thread is done and no fragment is in use, every page that the
    /// mm's cache does not still hold is back with the page allocator.
    fn end_check(&self, s: &State) -> Result<(), Violation> {
        if s.pages.iter().any(|p| p.live_fragments > 0) {
            return Ok(());
        }
        let cached = [s.pte_frag, s.pmd_frag].map(|c| c.map(|(p, _)| p));
        for (i, p) in s.pages.iter().enumerate() {
            if p.allocated && !cached.contains(&Some(i as u8)) {
                return Err(Violation::new(
                    "page_leak",
                    format!(
                        "page{i} is still allocated (_refcount {}{}) after every thread finished \
                         and every fragment was freed",
                        p.show_refcount(self.variant.top_bits()),
                        match (p.page_table, p.pmd) {
                            (false, _) => "",
                            (true, false) => ", PageTable set",
                            (true, true) => ", PMD ptlock never freed",
                        }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn coverage_points(&self, thread: usize) -> Vec<String> {
        self.cover_names[thread].clone()
    }

    fn coverage_point(&self, s: &State, thread: usize) -> usize {
        let th = &s.threads[thread];
        self.cover[thread][th.op as usize][th.pc as usize] as usize
    }

    fn checks(&self) -> Vec<&'static str> {
        vec![
            "refcount_underflow",
            "free_while_referenced",
            "double_free",
            "free_with_live_fragment",
            "dtor_missed",
            "dtor_twice",
            "page_leak",
        ]
        .into_iter()
        .chain(
            self.invariants
                .then_some(["counter_mismatch", "dtor_with_live_fragment"])
                .into_iter()
                .flatten(),
        )
        .collect()
    }

    /// Pages as `pN:rc=R[/fr=F][,PT][,free]`, the caches, the lock holder; then each
    /// thread's next step.
    fn state_label(&self, s: &State, shared_only: bool) -> String {
        self.label_of(s, shared_only)
    }

    fn fields(&self, s: &State) -> Vec<Field> {
        self.fields_of(s)
    }
}

/// `B`, one unit of fragment count in the top-bits encodings.
const B: i32 = 1 << TOP_SHIFT;
