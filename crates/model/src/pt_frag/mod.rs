//! The powerpc page-table fragment allocator and the speculative
//! reference that raced with it (fixed by 4231aba000f5, "powerpc/64s: Fix page table fragment
//! refcount race vs speculative references").
//!
//! One mm owns a cache of PTE fragments (`mm->context.pte_frag`) carved out of a page-table
//! page; owner threads allocate and free fragments, `pte_frag_destroy` tears the cache down,
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
//! - Only user page tables (`kernel == 0`), so the ctor and dtor always run.
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
mod ops;
mod program;
mod rcu;
mod scenario;
mod steps;
mod symmetry;

pub use scenario::{build, MODEL, PARAMS};

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

/// An operation a scenario thread performs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `pte_fragment_alloc()`: a fragment from the mm's cache, or a new fragment page.
    Alloc,
    /// `pte_fragment_free()` of the oldest fragment held by `from` (this thread if `None`),
    /// e.g. an RCU callback freeing the owner's page table. Waits until `from` holds one.
    Free {
        /// Index of the thread whose fragment is freed.
        from: Option<u8>,
        /// Deferred through `tlb_remove_table` past an RCU-sched grace period
        /// (`pte_fragment_free_rcu`); synchronous otherwise.
        rcu: bool,
    },
    /// `pte_frag_destroy()` at mm teardown: drops the cache's unused fragments.
    Destroy,
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
        match self {
            Op::Alloc => "pte_fragment_alloc",
            Op::Free {
                from: None,
                rcu: false,
            } => "pte_fragment_free",
            Op::Free {
                from: Some(_),
                rcu: false,
            } => "pte_fragment_free(thread)",
            Op::Free {
                from: None,
                rcu: true,
            } => "pte_fragment_free_rcu",
            Op::Free {
                from: Some(_),
                rcu: true,
            } => "pte_fragment_free_rcu(thread)",
            Op::Destroy => "pte_frag_destroy",
            Op::GetPut(Walker::Pfn) => "speculative_get_put",
            Op::GetPut(Walker::RcuLookup) => "rcu_lookup_get_put",
            Op::GetPut(Walker::GupFast) => "gup_fast_get_put",
        }
    }
}

/// The operation names scenario files may use, with their argument forms.
pub const OPERATIONS: [&str; 9] = [
    "pte_fragment_alloc",
    "pte_fragment_free",
    "pte_fragment_free(thread)",
    "pte_fragment_free_rcu",
    "pte_fragment_free_rcu(thread)",
    "pte_frag_destroy",
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
    /// Coverage: per thread, per operation, the point number of each step (`u16::MAX`: the
    /// operation has no such step), and the points' names.
    cover: Vec<Vec<[u16; Pc::ALL.len()]>>,
    cover_names: Vec<Vec<String>>,
}

/// No page in a thread's locals.
const NO_PAGE: u8 = u8::MAX;

/// A fragment handed out as a page table: which page, in which generation, which slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fragment {
    page: u8,
    generation: u8,
    index: u8,
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

/// Bytes of [`ThreadState::to_bytes`]' array.
const THREAD_BYTES: usize = 5 + 3 * MAX_HELD + 2;

/// The page nibble of [`ThreadState::to_bytes`] for [`NO_PAGE`]: pages are numbered from 0
/// to 14 (at most 15 `pte_fragment_alloc`s).
const NO_PAGE_NIBBLE: u8 = 15;

// The packing's bit fields hold every value.
const _: () = assert!(Pc::ALL.len() <= 32 && MAX_HELD < 4);

impl ThreadState {
    /// The fragments held, oldest first.
    fn fragments(&self) -> &[Fragment] {
        &self.fragments[..self.held as usize]
    }

    /// The thread packed: op; pc (5 bits) with the three flags; the page (4 bits, 15 for
    /// none) with held (2 bits); generation; index; the fragment slots held (page,
    /// generation, index); then, while it waits for a grace period, whom it waits for. Part
    /// of the state's packed encoding, which keeps the first
    /// [`packed_len`](ThreadState::packed_len) bytes.
    #[inline]
    fn to_bytes(self) -> [u8; THREAD_BYTES] {
        let [f, g] = self.fragments;
        let waits = Self::fragments_end(self.held);
        debug_assert!(
            self.page == NO_PAGE || self.page < NO_PAGE_NIBBLE,
            "pages are numbered below 15"
        );
        let page = if self.page == NO_PAGE {
            NO_PAGE_NIBBLE
        } else {
            self.page
        };
        let mut b = [
            self.op,
            self.pc as u8
                | (self.test as u8) << 5
                | (self.holds_reference as u8) << 6
                | (self.section as u8) << 7,
            page | self.held << 4,
            self.generation,
            self.index,
            f.page,
            f.generation,
            f.index,
            g.page,
            g.generation,
            g.index,
            0,
            0,
        ];
        if self.pc == Pc::GraceEnd {
            b[waits..waits + 2].copy_from_slice(&self.gp_wait.to_le_bytes());
        }
        b
    }

    /// How many fragments the thread whose [`to_bytes`](ThreadState::to_bytes) start `b`
    /// holds.
    #[inline]
    fn held_in(b: &[u8]) -> u8 {
        b[2] >> 4
    }

    /// Where [`to_bytes`](ThreadState::to_bytes)' held fragment slots end, and whom the
    /// thread waits for begins, for a thread that holds `held` fragments.
    #[inline]
    fn fragments_end(held: u8) -> usize {
        5 + 3 * held as usize
    }

    /// How many of [`to_bytes`](ThreadState::to_bytes)' bytes `b` tell the thread: unused
    /// fragment slots, and whom it waits for when it does not, are left out.
    #[inline]
    fn packed_len(b: &[u8]) -> usize {
        let waiting = b[1] & 0x1f == Pc::GraceEnd as u8;
        Self::fragments_end(Self::held_in(b)) + 2 * waiting as usize
    }

    /// The thread whose [`to_bytes`](ThreadState::to_bytes) are `b`.
    #[inline]
    fn from_bytes(b: &[u8; THREAD_BYTES]) -> ThreadState {
        let held = Self::held_in(b);
        // Past the slots held, the bytes may be whom the thread waits for.
        let fragment = |i: usize| {
            let at = 5 + 3 * i;
            if i < held as usize {
                Fragment {
                    page: b[at],
                    generation: b[at + 1],
                    index: b[at + 2],
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
            lock: self.lock,
            threads: SmallVec::from_slice(&self.threads),
        }
    }

    /// The same copy into `self`'s arrays: the search steps each successor in a copy it keeps.
    fn clone_from(&mut self, source: &Self) {
        self.pages.clear();
        self.pages.extend_from_slice(&source.pages);
        self.pte_frag = source.pte_frag;
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
            let mut held = 0usize;
            for op in &t.ops {
                match op {
                    Op::Alloc if held == MAX_HELD => {
                        return Err(format!(
                            "thread `{}` would hold more than {MAX_HELD} fragments at once",
                            t.name
                        ))
                    }
                    Op::Alloc => held += 1,
                    Op::Free { from: None, .. } if held == 0 => {
                        return Err(format!(
                            "thread `{}` frees a fragment before it has allocated one",
                            t.name
                        ))
                    }
                    Op::Free { from: None, .. } => held -= 1,
                    _ => {}
                }
            }
        }
        let allocs = threads
            .iter()
            .flat_map(|t| &t.ops)
            .filter(|o| **o == Op::Alloc)
            .count();
        if allocs > MAX_ALLOCS {
            return Err(format!(
                "at most {MAX_ALLOCS} pte_fragment_alloc operations in a scenario"
            ));
        }
        let teardown = teardown_order(&threads).map_err(|(_, _, message)| message)?;
        let users = threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.ops.contains(&Op::Alloc))
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
            threads,
            pages: allocs.max(1) as u8,
            users,
            teardown,
            deferrers,
            debug_vm: false,
            preempt: false,
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
                for pc in model.program(*op) {
                    table[pc as usize] = names.len() as u16;
                    names.push(format!("op {} {}: {}", i + 1, op.name(), pc.name()));
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
            Some(Op::Alloc) => Pc::CacheLock,
            Some(Op::Free { rcu: true, .. }) => Pc::TlbRemoveTable,
            Some(&op @ Op::Free { .. }) => self.free_pc(op),
            Some(Op::Destroy) => Pc::DestroyRead,
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
        self.info_of(s, t, s.threads[t].pc)
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

    /// `page_leak`: once every thread is done and no fragment is in use, every page that the
    /// mm's cache does not still hold is back with the page allocator.
    fn end_check(&self, s: &State) -> Result<(), Violation> {
        if s.pages.iter().any(|p| p.live_fragments > 0) {
            return Ok(());
        }
        let cached = s.pte_frag.map(|(p, _)| p);
        for (i, p) in s.pages.iter().enumerate() {
            if p.allocated && cached != Some(i as u8) {
                return Err(Violation::new(
                    "page_leak",
                    format!(
                        "page{i} is still allocated (_refcount {}{}) after every thread finished \
                         and every fragment was freed",
                        p.show_refcount(self.variant.top_bits()),
                        if p.page_table { ", PageTable set" } else { "" }
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
    }

    /// Pages as `pN:rc=R[/fr=F][,PT][,free]`, the cache, the lock holder; then each thread's
    /// next step.
    fn state_label(&self, s: &State, shared_only: bool) -> String {
        let mut parts = Vec::new();
        for (i, p) in s.pages.iter().enumerate() {
            if !p.allocated && p.generation == 0 && p.refcount == 0 {
                continue; // never allocated: nothing to show
            }
            let mut page = format!("p{i}:rc={}", p.show_refcount(self.variant.top_bits()));
            if self.variant == Variant::PtFragRefcount {
                page += &format!("/fr={}", p.frag_refcount);
            }
            if p.page_table {
                page += ",PT";
            }
            if !p.allocated {
                page += ",free";
            }
            parts.push(page);
        }
        if let Some((p, i)) = s.pte_frag {
            parts.push(format!("cache=p{p}#{i}"));
        }
        if let Some(t) = s.lock {
            parts.push(format!("lock={}", self.threads[t as usize].name));
        }
        if !shared_only {
            for (t, th) in s.threads.iter().enumerate() {
                parts.push(format!("{}@{:?}", self.threads[t].name, th.pc));
            }
        }
        parts.join(" ")
    }

    fn fields(&self, s: &State) -> Vec<Field> {
        let mut out = Vec::new();
        for (i, p) in s.pages.iter().enumerate() {
            let name = Self::page_name(i as u8);
            out.push(Field::memory(
                format!("{name}._refcount"),
                p.show_refcount(self.variant.top_bits()),
            ));
            if self.variant == Variant::PtFragRefcount {
                out.push(Field::memory(
                    format!("{name}.pt_frag_refcount"),
                    p.frag_refcount,
                ));
            }
            out.push(Field::memory(format!("{name}.PageTable"), p.page_table));
            out.push(Field::ghost(
                format!("{name}.state"),
                if p.allocated {
                    format!("allocated (generation {})", p.generation)
                } else if p.generation == 0 {
                    "free".into()
                } else {
                    format!("free (after generation {})", p.generation)
                },
            ));
            out.push(Field::ghost(
                format!("{name}.live_fragments"),
                p.live_fragments,
            ));
            out.push(Field::ghost(format!("{name}.dtor_runs"), p.dtor_runs));
        }
        out.push(Field::memory(
            "mm.pte_frag",
            match s.pte_frag {
                None => "NULL".into(),
                Some((p, i)) => format!("page{p} fragment {i}"),
            },
        ));
        out.push(Field::memory(
            "mm.page_table_lock",
            match s.lock {
                None => "unlocked".into(),
                Some(t) => format!("held by {}", self.threads[t as usize].name),
            },
        ));
        for (t, th) in s.threads.iter().enumerate() {
            let name = &self.threads[t].name;
            if th.holds_reference {
                out.push(Field::ghost(format!("{name}.reference"), Self::page_name(th.page)).of(t));
            }
            out.extend(self.rcu_fields(s, t).into_iter().map(|f| f.of(t)));
            if th.held > 0 {
                let held: Vec<String> = th
                    .fragments()
                    .iter()
                    .map(|f| format!("page{} fragment {}", f.page, f.index))
                    .collect();
                out.push(Field::ghost(format!("{name}.fragments"), held.join(", ")).of(t));
            }
        }
        out
    }
}

/// Whether a thread calls `pte_frag_destroy`; an error (at thread, operation) when the
/// scenario tears the cache down in a way the kernel cannot: `arch_exit_mmap` runs it once, at
/// exit, and nothing of the mm allocates after it.
pub(super) fn teardown_order(threads: &[Thread]) -> Result<bool, (usize, usize, String)> {
    const ONCE: &str = "the kernel runs it once, from arch_exit_mmap when the mm's last user exits";
    let mut destroyer: Option<&str> = None;
    for (t, thread) in threads.iter().enumerate() {
        let Some(at) = thread.ops.iter().position(|op| *op == Op::Destroy) else {
            continue;
        };
        if let Some(first) = destroyer.replace(&thread.name) {
            let message = format!(
                "pte_frag_destroy is called by both `{first}` and `{}`: {ONCE}",
                thread.name
            );
            return Err((t, at, message));
        }
        for (i, op) in thread.ops.iter().enumerate().skip(at + 1) {
            let message = match op {
                Op::Destroy => format!("`{}` calls pte_frag_destroy twice: {ONCE}", thread.name),
                Op::Alloc => format!(
                    "`{}` calls pte_fragment_alloc after pte_frag_destroy: teardown runs at \
                     exit, and nothing of the mm allocates after it",
                    thread.name
                ),
                _ => continue,
            };
            return Err((t, i, message));
        }
    }
    Ok(destroyer.is_some())
}

/// `B`, one unit of fragment count in the top-bits encodings.
const B: i32 = 1 << TOP_SHIFT;
