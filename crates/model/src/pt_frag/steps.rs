//! The steps of every pt_frag operation: one shared access each, labelled with the kernel
//! expression it stands for (arch/powerpc/mm, mm/page_alloc.c, mm/filemap.c).
//!
//! [`Pc`] names a thread's next step. `info` says what that step is (label, source,
//! footprint) and `exec` performs it and moves the thread on; both match on the same `Pc`.

use super::{Fragment, Op, PtFrag, State, ThreadState, Variant, B, MAX_HELD, NO_PAGE};
use serde::{Deserialize, Serialize};
use weft_explorer::{Footprint, Source, Status, StepInfo, Violation};

/// A thread's next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Pc {
    // pte_fragment_alloc() -> get_pte_from_cache()
    /// `spin_lock(&mm->page_table_lock)`
    CacheLock,
    /// `ret = mm->context.pte_frag`
    CacheRead,
    /// `mm->context.pte_frag = next` (NULL once the page is used up)
    CacheAdvance,
    /// `spin_unlock(&mm->page_table_lock)`
    CacheUnlock,
    // __alloc_for_ptecache()
    /// `page = alloc_page(PGALLOC_GFP)`
    AllocPage,
    /// `pgtable_page_ctor(page)`
    Ctor,
    /// The variant's first fragment count (`atomic_set(&page->pt_frag_refcount, 1)`, ...).
    InitCount,
    /// `spin_lock(&mm->page_table_lock)`
    InstallLock,
    /// `if (!mm->context.pte_frag)`
    InstallRead,
    /// The variant's count for a page that becomes the cache page (`set_page_count`, ...).
    InstallCount,
    /// `mm->context.pte_frag = ret + PTE_FRAG_SIZE`
    InstallCache,
    /// `spin_unlock(&mm->page_table_lock)`
    InstallUnlock,
    // pte_fragment_free()
    /// `BUG_ON(atomic_read(&page->pt_frag_refcount) <= 0)` (fixed variant only)
    FragBugOn,
    /// The variant's fragment-count decrement and test.
    FragDec,
    // pte_frag_destroy()
    /// `pte_frag = mm->context.pte_frag` (destroy_pagetable_cache)
    DestroyRead,
    /// The variant's subtraction of the unused fragments, and test.
    DestroyDec,
    // find_get_entry() / gup_pte_range(): a speculative reference on a stale pointer
    /// `page_cache_get_speculative(page)` = `get_page_unless_zero(page)`
    SpecGet,
    /// The identity recheck fails: `put_page(page)`
    SpecPut,
    // shared tails
    /// `pgtable_page_dtor(page)`
    Dtor,
    /// `__free_page(page)` / `put_page(page)`: drop the allocation reference.
    Release,
    /// `free_unref_page(page)`: back to the page allocator, with `free_pages_check`.
    FreePage,
    /// The thread has run all its operations.
    Done,
}

impl Pc {
    /// Every step, in program order (the discriminant order).
    pub const ALL: [Pc; 22] = [
        Pc::CacheLock,
        Pc::CacheRead,
        Pc::CacheAdvance,
        Pc::CacheUnlock,
        Pc::AllocPage,
        Pc::Ctor,
        Pc::InitCount,
        Pc::InstallLock,
        Pc::InstallRead,
        Pc::InstallCount,
        Pc::InstallCache,
        Pc::InstallUnlock,
        Pc::FragBugOn,
        Pc::FragDec,
        Pc::DestroyRead,
        Pc::DestroyDec,
        Pc::SpecGet,
        Pc::SpecPut,
        Pc::Dtor,
        Pc::Release,
        Pc::FreePage,
        Pc::Done,
    ];

    /// The step's kernel expression, without the variant's or the state's particulars.
    pub fn name(self) -> &'static str {
        match self {
            Pc::CacheLock | Pc::InstallLock => "spin_lock(&mm->page_table_lock)",
            Pc::CacheRead => "ret = mm->context.pte_frag",
            Pc::CacheAdvance => "mm->context.pte_frag = next",
            Pc::CacheUnlock | Pc::InstallUnlock => "spin_unlock(&mm->page_table_lock)",
            Pc::AllocPage => "page = alloc_page()",
            Pc::Ctor => "pgtable_page_ctor(page)",
            Pc::InitCount => "first fragment count",
            Pc::InstallRead => "if (!mm->context.pte_frag)",
            Pc::InstallCount => "fragment count of the cache page",
            Pc::InstallCache => "mm->context.pte_frag = ret + PTE_FRAG_SIZE",
            Pc::FragBugOn => "BUG_ON(pt_frag_refcount <= 0)",
            Pc::FragDec => "fragment count decrement and test",
            Pc::DestroyRead => "pte_frag = mm->context.pte_frag",
            Pc::DestroyDec => "unused fragments subtracted, and test",
            Pc::SpecGet => "get_page_unless_zero(page)",
            Pc::SpecPut => "put_page(page)",
            Pc::Dtor => "pgtable_page_dtor(page)",
            Pc::Release => "drop the allocation reference",
            Pc::FreePage => "free_unref_page(page)",
            Pc::Done => "(finished)",
        }
    }
}

const PGTABLE: &str = "arch/powerpc/mm/pgtable-book3s64.c";
const MMU_CONTEXT: &str = "arch/powerpc/mm/mmu_context_book3s64.c";
const MM_H: &str = "include/linux/mm.h";
const PAGE_ALLOC: &str = "mm/page_alloc.c";
const FILEMAP: &str = "mm/filemap.c";
const V4_18: &str = "v4.18";

/// Footprint object numbers: page i's `_refcount` is 2i, its other fields 2i+1.
fn refcount(p: u8) -> u64 {
    1 << (2 * p as u32)
}
fn fields(p: u8) -> u64 {
    1 << (2 * p as u32 + 1)
}
const PTE_FRAG: u64 = 1 << 62;
const LOCK: u64 = 1 << 63;

fn rw(objects: u64) -> Footprint {
    Footprint {
        reads: objects,
        writes: objects,
    }
}

impl PtFrag {
    /// The steps operation `op` can take under this variant, in program order.
    pub(super) fn program(&self, op: Op) -> Vec<Pc> {
        let v = self.variant;
        let release = matches!(v, Variant::PtFragRefcount | Variant::TopBits);
        let tail = |mut steps: Vec<Pc>| {
            steps.push(Pc::Dtor);
            if release {
                steps.push(Pc::Release);
            }
            steps.push(Pc::FreePage);
            steps
        };
        match op {
            Op::Alloc => {
                let mut steps = vec![
                    Pc::CacheLock,
                    Pc::CacheRead,
                    Pc::CacheAdvance,
                    Pc::CacheUnlock,
                    Pc::AllocPage,
                    Pc::Ctor,
                ];
                if !matches!(v, Variant::SetPageCount | Variant::PageRefAdd) {
                    steps.push(Pc::InitCount);
                }
                if self.frag_nr > 1 {
                    steps.extend([
                        Pc::InstallLock,
                        Pc::InstallRead,
                        Pc::InstallCount,
                        Pc::InstallCache,
                        Pc::InstallUnlock,
                    ]);
                }
                steps
            }
            Op::Free { .. } if v == Variant::PtFragRefcount => {
                tail(vec![Pc::FragBugOn, Pc::FragDec])
            }
            Op::Free { .. } => tail(vec![Pc::FragDec]),
            Op::Destroy => tail(vec![Pc::DestroyRead, Pc::DestroyDec]),
            Op::SpeculativeGetPut => vec![Pc::SpecGet, Pc::SpecPut, Pc::FreePage],
        }
    }

    /// The commit the fragment code of this variant is read from.
    fn frag_commit(&self) -> &'static str {
        match self.variant {
            Variant::SetPageCount => "4231aba000f5^ (v4.18)",
            Variant::PageRefAdd => "4231aba000f5^ with page_ref_add() (proposed in its thread)",
            Variant::PtFragRefcount => "4231aba000f5",
            Variant::TopBits | Variant::TopBitsBad => {
                "4231aba000f5^ with the top-bits count (proposal, not in any kernel)"
            }
        }
    }

    fn source(&self, function: &str, file: &str, version: &str) -> Source {
        Source::new(function, file, version)
    }

    fn frag_source(&self, function: &str, file: &str) -> Source {
        self.source(function, file, self.frag_commit())
    }

    /// Whether thread `t` can move.
    pub(super) fn status_of(&self, s: &State, t: usize) -> Status {
        let th = &s.threads[t];
        match th.pc {
            Pc::Done => Status::Finished,
            Pc::CacheLock | Pc::InstallLock if s.lock.is_some() => Status::Blocked,
            Pc::FragBugOn | Pc::FragDec if th.page == NO_PAGE => {
                if s.threads[self.free_source(t, th)].held == 0 {
                    Status::Blocked
                } else {
                    Status::Enabled
                }
            }
            _ => Status::Enabled,
        }
    }

    /// The thread whose fragment the current `pte_fragment_free` frees.
    fn free_source(&self, t: usize, th: &ThreadState) -> usize {
        match self.threads[t].ops[th.op as usize] {
            Op::Free { from: Some(f) } => f as usize,
            _ => t,
        }
    }

    /// What thread `t`'s next step is.
    pub(super) fn info(&self, s: &State, t: usize) -> StepInfo {
        let th = &s.threads[t];
        let p = self.next_page(s, t);
        let page = format!("page{p}");
        let n = self.frag_nr;
        let v = self.variant;
        let (label, source) = match th.pc {
            Pc::CacheLock | Pc::InstallLock | Pc::CacheUnlock | Pc::InstallUnlock => {
                let lock = matches!(th.pc, Pc::CacheLock | Pc::InstallLock);
                let function = if matches!(th.pc, Pc::CacheLock | Pc::CacheUnlock) {
                    "get_pte_from_cache"
                } else {
                    "__alloc_for_ptecache"
                };
                (
                    format!(
                        "spin_{}(&mm->page_table_lock)",
                        if lock { "lock" } else { "unlock" }
                    ),
                    self.frag_source(function, PGTABLE),
                )
            }
            Pc::CacheRead => (
                "ret = mm->context.pte_frag".into(),
                self.frag_source("get_pte_from_cache", PGTABLE),
            ),
            Pc::CacheAdvance => (
                format!(
                    "mm->context.pte_frag = {}",
                    if th.index + 1 >= n {
                        "NULL (page used up)".to_string()
                    } else {
                        format!("ret + PTE_FRAG_SIZE ({page} fragment {})", th.index + 1)
                    }
                ),
                self.frag_source("get_pte_from_cache", PGTABLE),
            ),
            Pc::AllocPage => (
                format!("{page} = alloc_page(PGALLOC_GFP)  [set_page_refcounted: _refcount = 1]"),
                self.source("get_page_from_freelist", PAGE_ALLOC, V4_18),
            ),
            Pc::Ctor => (
                format!("pgtable_page_ctor({page})  [__SetPageTable]"),
                self.source("pgtable_page_ctor", MM_H, V4_18),
            ),
            Pc::InitCount => match v {
                Variant::PtFragRefcount => (
                    format!("atomic_set(&{page}->pt_frag_refcount, 1)"),
                    self.frag_source("__alloc_for_ptecache", PGTABLE),
                ),
                Variant::TopBits => (
                    format!("page_ref_add({page}, 1 << 16)"),
                    self.frag_source("__alloc_for_ptecache", PGTABLE),
                ),
                _ => (
                    format!(
                        "page_ref_add({page}, (1 << 16) - 1)  [allocation reference folded in]"
                    ),
                    self.frag_source("__alloc_for_ptecache", PGTABLE),
                ),
            },
            Pc::InstallRead => (
                "if (!mm->context.pte_frag)".into(),
                self.frag_source("__alloc_for_ptecache", PGTABLE),
            ),
            Pc::InstallCount => {
                let label = match v {
                    Variant::SetPageCount => format!(
                            "set_page_count({page}, PTE_FRAG_NR={n})  [plain store: _refcount {} -> {n}]",
                            s.pages[p as usize].refcount
                        ),
                    Variant::PageRefAdd => format!("page_ref_add({page}, PTE_FRAG_NR - 1 = {})", n - 1),
                    Variant::PtFragRefcount => format!("atomic_set(&{page}->pt_frag_refcount, PTE_FRAG_NR={n})"),
                    Variant::TopBits | Variant::TopBitsBad => format!(
                        "page_ref_add({page}, (PTE_FRAG_NR - 1) << 16 = {})",
                        (n as i32 - 1) * B
                    ),
                };
                (label, self.frag_source("__alloc_for_ptecache", PGTABLE))
            }
            Pc::InstallCache => (
                format!("mm->context.pte_frag = ret + PTE_FRAG_SIZE ({page} fragment 1)"),
                self.frag_source("__alloc_for_ptecache", PGTABLE),
            ),
            Pc::FragBugOn => (
                format!("BUG_ON(atomic_read(&{page}->pt_frag_refcount) <= 0)"),
                self.frag_source("pte_fragment_free", PGTABLE),
            ),
            Pc::FragDec => {
                let label = match v {
                    Variant::SetPageCount | Variant::PageRefAdd => {
                        format!("if (put_page_testzero({page}))")
                    }
                    Variant::PtFragRefcount => {
                        format!("if (atomic_dec_and_test(&{page}->pt_frag_refcount))")
                    }
                    Variant::TopBits => {
                        format!("if (!(page_ref_sub_return({page}, 1 << 16) >> 16))")
                    }
                    Variant::TopBitsBad => format!("if (page_ref_sub_and_test({page}, 1 << 16))"),
                };
                (label, self.frag_source("pte_fragment_free", PGTABLE))
            }
            Pc::DestroyRead => (
                "pte_frag = mm->context.pte_frag".into(),
                self.frag_source("destroy_pagetable_cache", MMU_CONTEXT),
            ),
            Pc::DestroyDec => {
                let k = n.saturating_sub(th.index);
                let label = match v {
                    Variant::SetPageCount | Variant::PageRefAdd => format!("if (page_ref_sub_and_test({page}, PTE_FRAG_NR - count = {k}))"),
                    Variant::PtFragRefcount => format!(
                            "if (atomic_sub_and_test(PTE_FRAG_NR - count = {k}, &{page}->pt_frag_refcount))"
                        ),
                    Variant::TopBits => format!("if (!(page_ref_sub_return({page}, {k} << 16) >> 16))"),
                    Variant::TopBitsBad => format!("if (page_ref_sub_and_test({page}, {k} << 16))"),
                };
                (label, self.frag_source("pte_frag_destroy", MMU_CONTEXT))
            }
            Pc::SpecGet => (
                format!(
                    "get_page_unless_zero({page})  [stale pointer: page_cache_get_speculative]"
                ),
                self.source("find_get_entry", FILEMAP, V4_18),
            ),
            Pc::SpecPut => (
                format!("put_page({page})  [identity recheck failed]"),
                self.source("find_get_entry", FILEMAP, V4_18),
            ),
            Pc::Dtor => (
                format!("pgtable_page_dtor({page})  [__ClearPageTable]"),
                self.source("pgtable_page_dtor", MM_H, V4_18),
            ),
            Pc::Release => {
                let (label, function, file) = if v == Variant::PtFragRefcount {
                    (
                        format!("__free_page({page})  [put_page_testzero]"),
                        "__free_page",
                        PAGE_ALLOC,
                    )
                } else {
                    (format!("put_page({page})"), "put_page", MM_H)
                };
                (label, self.source(function, file, V4_18))
            }
            Pc::FreePage => (
                format!("free_unref_page({page})  [free_pages_check]"),
                self.source("free_unref_page", PAGE_ALLOC, V4_18),
            ),
            Pc::Done => ("(finished)".into(), self.source("", "", "")),
        };
        let (label, note) = crate::page::split_note(label);
        StepInfo {
            label,
            note,
            source,
        }
    }

    /// The page thread `t`'s next step works on (the fragment's page before a free has taken
    /// it, the lowest free page before `alloc_page`).
    fn next_page(&self, s: &State, t: usize) -> u8 {
        let th = &s.threads[t];
        if th.page != NO_PAGE {
            return th.page;
        }
        match th.pc {
            Pc::FragBugOn | Pc::FragDec => s.threads[self.free_source(t, th)]
                .fragments()
                .first()
                .map_or(0, |f| f.page),
            Pc::AllocPage => s.pages.iter().position(|p| !p.allocated).unwrap_or(0) as u8,
            _ => 0,
        }
    }

    /// What thread `t`'s next step reads and writes, ghost state included: a page's ghost
    /// fields count as its other fields, a thread's fragments and references as the page they
    /// are on (every step that changes them also writes that page).
    pub(super) fn step_footprint(&self, s: &State, t: usize) -> Footprint {
        let p = self.next_page(s, t);
        let counter = |v: Variant| {
            if v == Variant::PtFragRefcount {
                fields(p)
            } else {
                refcount(p)
            }
        };
        let read = |o: u64| Footprint {
            reads: o,
            writes: 0,
        };
        match s.threads[t].pc {
            Pc::CacheLock | Pc::InstallLock => rw(LOCK),
            // Handing the fragment out writes the page's ghost count and the thread's list.
            Pc::CacheUnlock | Pc::InstallUnlock => rw(LOCK | fields(p)),
            Pc::CacheRead | Pc::InstallRead => read(PTE_FRAG),
            Pc::CacheAdvance => rw(PTE_FRAG).union(read(fields(p))),
            Pc::AllocPage => rw(self.all_pages()),
            Pc::Ctor | Pc::Dtor | Pc::FragBugOn => rw(fields(p)),
            Pc::InitCount | Pc::InstallCount => rw(counter(self.variant)),
            Pc::InstallCache => rw(PTE_FRAG),
            Pc::FragDec => rw(counter(self.variant) | fields(p)),
            // The page is known only once the cache pointer is read: any page's generation.
            Pc::DestroyRead => rw(PTE_FRAG).union(read(self.all_pages())),
            Pc::DestroyDec => rw(counter(self.variant)),
            Pc::SpecGet => rw(refcount(0)).union(read(fields(0))),
            Pc::SpecPut | Pc::Release => rw(refcount(p)),
            Pc::FreePage => rw(fields(p)).union(read(refcount(p))),
            Pc::Done => Footprint::default(),
        }
    }

    /// Everything thread `t` may still touch: its next step, the rest of its current
    /// operation on the same page, and its later operations.
    pub(super) fn future(&self, s: &State, t: usize) -> Footprint {
        let th = &s.threads[t];
        if th.pc == Pc::Done {
            return Footprint::default();
        }
        let page = |p: u8| rw(fields(p) | refcount(p));
        let ops = &self.threads[t].ops[th.op as usize..];
        let mut f = self.step_footprint(s, t);
        // The rest of the current operation.
        let current = match (ops[0], th.pc) {
            (Op::Alloc, Pc::CacheLock | Pc::CacheRead | Pc::CacheAdvance | Pc::CacheUnlock) => {
                rw(LOCK | PTE_FRAG | self.all_pages())
            }
            (Op::Alloc, Pc::AllocPage) => rw(LOCK | PTE_FRAG | self.all_pages()),
            (Op::Alloc, _) => rw(LOCK | PTE_FRAG).union(page(th.page)),
            (Op::Free { .. } | Op::Destroy, _) if th.page != NO_PAGE => page(th.page),
            (Op::Free { .. }, _) => page(self.next_page(s, t)),
            (Op::Destroy, _) => rw(PTE_FRAG | self.all_pages()),
            (Op::SpeculativeGetPut, _) => page(if th.page == NO_PAGE { 0 } else { th.page }),
        };
        f = f.union(current);
        // Later operations: pages are known only for frees of fragments held now and before
        // any later allocation.
        let mut held: Vec<u8> = th.fragments().iter().map(|fr| fr.page).collect();
        let mut allocated = false;
        for op in &ops[1..] {
            f = f.union(match op {
                Op::Alloc => {
                    allocated = true;
                    rw(LOCK | PTE_FRAG | self.all_pages())
                }
                Op::Free { from: None } if !allocated && !held.is_empty() => page(held.remove(0)),
                Op::Free { .. } => rw(self.all_pages()),
                Op::Destroy => rw(PTE_FRAG | self.all_pages()),
                Op::SpeculativeGetPut => page(0),
            });
        }
        f
    }

    fn all_pages(&self) -> u64 {
        (0..self.pages).fold(0, |acc, p| acc | fields(p) | refcount(p))
    }

    /// Runs thread `t`'s next step.
    pub(super) fn exec(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        let n = self.frag_nr;
        let v = self.variant;
        let pc = s.threads[t].pc;
        match pc {
            Pc::CacheLock | Pc::InstallLock => {
                s.lock = Some(t as u8);
                s.threads[t].pc = if pc == Pc::CacheLock {
                    Pc::CacheRead
                } else {
                    Pc::InstallRead
                };
            }
            Pc::CacheRead => {
                let th = &mut s.threads[t];
                match s.pte_frag {
                    Some((p, i)) => {
                        th.page = p;
                        th.index = i;
                        th.test = true;
                        th.pc = Pc::CacheAdvance;
                    }
                    None => {
                        th.test = false;
                        th.pc = Pc::CacheUnlock;
                    }
                }
            }
            Pc::CacheAdvance => {
                let (p, i) = (s.threads[t].page, s.threads[t].index);
                s.pte_frag = (i + 1 < n).then_some((p, i + 1));
                s.threads[t].generation = s.pages[p as usize].generation;
                s.threads[t].pc = Pc::CacheUnlock;
            }
            Pc::CacheUnlock => {
                s.lock = None;
                if s.threads[t].test {
                    let i = s.threads[t].index;
                    self.hand_out(s, t, i);
                } else {
                    s.threads[t].pc = Pc::AllocPage;
                }
            }
            Pc::AllocPage => {
                let p = s
                    .pages
                    .iter()
                    .position(|p| !p.allocated)
                    .expect("the pool has a page per pte_fragment_alloc");
                let page = &mut s.pages[p];
                if page.refcount != 0 {
                    return Err(Violation::new(
                        "free_while_referenced",
                        format!(
                            "alloc_page hands out page{p} with _refcount {}: a reference to the \
                             free page is still counted",
                            page.refcount
                        ),
                    ));
                }
                page.refcount = 1;
                page.allocated = true;
                page.generation = page.generation.wrapping_add(1);
                page.live_fragments = 0;
                page.dtor_runs = 0;
                let th = &mut s.threads[t];
                th.page = p as u8;
                th.generation = page.generation;
                th.pc = Pc::Ctor;
            }
            Pc::Ctor => {
                s.pages[s.threads[t].page as usize].page_table = true;
                self.after_count_init(s, t, v == Variant::SetPageCount || v == Variant::PageRefAdd);
            }
            Pc::InitCount => {
                let page = &mut s.pages[s.threads[t].page as usize];
                match v {
                    Variant::PtFragRefcount => page.frag_refcount = 1,
                    Variant::TopBits => page.refcount += B,
                    _ => page.refcount += B - 1,
                }
                self.after_count_init(s, t, true);
            }
            Pc::InstallRead => {
                let th = &mut s.threads[t];
                th.test = s.pte_frag.is_none();
                th.pc = if th.test {
                    Pc::InstallCount
                } else {
                    Pc::InstallUnlock
                };
            }
            Pc::InstallCount => {
                let page = &mut s.pages[s.threads[t].page as usize];
                let n = n as i32;
                match v {
                    Variant::SetPageCount => page.refcount = n,
                    Variant::PageRefAdd => page.refcount += n - 1,
                    Variant::PtFragRefcount => page.frag_refcount = n,
                    Variant::TopBits | Variant::TopBitsBad => page.refcount += (n - 1) * B,
                }
                s.threads[t].pc = Pc::InstallCache;
            }
            Pc::InstallCache => {
                s.pte_frag = Some((s.threads[t].page, 1));
                s.threads[t].pc = Pc::InstallUnlock;
            }
            Pc::InstallUnlock => {
                s.lock = None;
                self.hand_out(s, t, 0);
            }
            Pc::FragBugOn => {
                self.take_fragment(s, t)?;
                let p = s.threads[t].page;
                let fr = s.pages[p as usize].frag_refcount;
                if fr <= 0 {
                    return Err(Violation::new(
                        "refcount_underflow",
                        format!(
                            "BUG_ON: page{p}.pt_frag_refcount is {fr} when a fragment is freed"
                        ),
                    ));
                }
                s.threads[t].pc = Pc::FragDec;
            }
            Pc::FragDec => {
                if s.threads[t].page == NO_PAGE {
                    self.take_fragment(s, t)?;
                }
                let p = s.threads[t].page;
                let zero = match v {
                    Variant::SetPageCount | Variant::PageRefAdd => self.put_testzero(s, p)?,
                    Variant::PtFragRefcount => {
                        let page = &mut s.pages[p as usize];
                        page.frag_refcount -= 1;
                        page.frag_refcount == 0
                    }
                    Variant::TopBits => {
                        let page = &mut s.pages[p as usize];
                        page.refcount -= B;
                        page.refcount >> 16 == 0
                    }
                    Variant::TopBitsBad => {
                        let page = &mut s.pages[p as usize];
                        page.refcount -= B;
                        page.refcount == 0
                    }
                };
                self.underflow(s, p)?;
                self.then_dtor(s, t, zero);
            }
            Pc::DestroyRead => match s.pte_frag.take() {
                None => self.finish_op(s, t),
                Some((p, i)) => {
                    let th = &mut s.threads[t];
                    th.page = p;
                    th.index = i;
                    th.generation = s.pages[p as usize].generation;
                    th.pc = Pc::DestroyDec;
                }
            },
            Pc::DestroyDec => {
                let p = s.threads[t].page;
                let k = (n - s.threads[t].index) as i32;
                let page = &mut s.pages[p as usize];
                let zero = match v {
                    Variant::SetPageCount | Variant::PageRefAdd => {
                        page.refcount -= k;
                        page.refcount == 0
                    }
                    Variant::PtFragRefcount => {
                        page.frag_refcount -= k;
                        page.frag_refcount == 0
                    }
                    Variant::TopBits => {
                        page.refcount -= k * B;
                        page.refcount >> 16 == 0
                    }
                    Variant::TopBitsBad => {
                        page.refcount -= k * B;
                        page.refcount == 0
                    }
                };
                self.underflow(s, p)?;
                self.then_dtor(s, t, zero);
            }
            Pc::SpecGet => {
                let page = &mut s.pages[0];
                if page.refcount == 0 {
                    self.finish_op(s, t);
                } else {
                    page.refcount += 1;
                    let generation = page.generation;
                    let th = &mut s.threads[t];
                    th.page = 0;
                    th.generation = generation;
                    th.holds_reference = true;
                    th.pc = Pc::SpecPut;
                }
            }
            Pc::SpecPut => {
                let p = s.threads[t].page;
                s.threads[t].holds_reference = false;
                let zero = self.put_testzero(s, p)?;
                if zero {
                    s.threads[t].pc = Pc::FreePage;
                } else {
                    self.finish_op(s, t);
                }
            }
            Pc::Dtor => {
                let p = s.threads[t].page;
                let page = &mut s.pages[p as usize];
                if page.dtor_runs > 0 || !page.page_table {
                    return Err(Violation::new(
                        "dtor_twice",
                        format!("pgtable_page_dtor runs again on page{p}, whose dtor already ran"),
                    ));
                }
                page.page_table = false;
                page.dtor_runs += 1;
                s.threads[t].pc = match v {
                    Variant::PtFragRefcount | Variant::TopBits => Pc::Release,
                    _ => Pc::FreePage,
                };
            }
            Pc::Release => {
                let p = s.threads[t].page;
                if self.put_testzero(s, p)? {
                    s.threads[t].pc = Pc::FreePage;
                } else {
                    self.finish_op(s, t);
                }
            }
            Pc::FreePage => {
                let p = s.threads[t].page;
                self.free_page(s, t, p)?;
                self.finish_op(s, t);
            }
            Pc::Done => unreachable!("a finished thread does not step"),
        }
        Ok(())
    }

    /// After the ctor (and the variant's first count): a single-fragment configuration returns
    /// fragment 0 at once; otherwise the page may become the mm's cache page.
    fn after_count_init(&self, s: &mut State, t: usize, counted: bool) {
        if !counted {
            s.threads[t].pc = Pc::InitCount;
        } else if self.frag_nr == 1 {
            self.hand_out(s, t, 0);
        } else {
            s.threads[t].pc = Pc::InstallLock;
        }
    }

    /// `pte_fragment_alloc` returns fragment `index` of the thread's page: ghost bookkeeping.
    fn hand_out(&self, s: &mut State, t: usize, index: u8) {
        let th = &s.threads[t];
        let (p, generation) = (th.page, th.generation);
        s.pages[p as usize].live_fragments += 1;
        let th = &mut s.threads[t];
        th.fragments[th.held as usize] = Fragment {
            page: p,
            generation,
            index,
        };
        th.held += 1;
        self.finish_op(s, t);
    }

    /// The first step of `pte_fragment_free`: the page table stops being used.
    fn take_fragment(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        let from = self.free_source(t, &s.threads[t]);
        let holder = &mut s.threads[from];
        let f = holder.fragments[0];
        holder.fragments.copy_within(1.., 0);
        holder.fragments[MAX_HELD - 1] = Fragment::default();
        holder.held -= 1;
        let th = &mut s.threads[t];
        th.page = f.page;
        th.generation = f.generation;
        th.index = f.index;
        let page = &mut s.pages[f.page as usize];
        if !page.allocated || page.generation != f.generation {
            return Err(Violation::new(
                "free_while_referenced",
                format!(
                    "pte_fragment_free of page{} fragment {}: the page was already freed while \
                     the fragment was in use",
                    f.page, f.index
                ),
            ));
        }
        page.live_fragments -= 1;
        Ok(())
    }

    /// `refcount_underflow` after an unchecked subtraction: no counter may go below zero.
    fn underflow(&self, s: &State, p: u8) -> Result<(), Violation> {
        let page = &s.pages[p as usize];
        if page.refcount < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!("page{p}._refcount is {} (below zero)", page.refcount),
            ));
        }
        if page.frag_refcount < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!(
                    "page{p}.pt_frag_refcount is {} (below zero)",
                    page.frag_refcount
                ),
            ));
        }
        Ok(())
    }

    /// Whether the count test sends the thread to the dtor.
    fn then_dtor(&self, s: &mut State, t: usize, zero: bool) {
        if zero {
            s.threads[t].pc = Pc::Dtor;
        } else {
            self.finish_op(s, t);
        }
    }

    /// `put_page_testzero(page)`: `VM_BUG_ON_PAGE(page_ref_count(page) == 0)`, then
    /// `page_ref_dec_and_test`.
    fn put_testzero(&self, s: &mut State, p: u8) -> Result<bool, Violation> {
        let page = &mut s.pages[p as usize];
        if page.refcount == 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!("put_page_testzero(page{p}) with _refcount already 0 (VM_BUG_ON_PAGE)"),
            ));
        }
        page.refcount -= 1;
        Ok(page.refcount == 0)
    }

    /// `free_unref_page(page)`: the page goes back to the allocator; `free_pages_check` and
    /// the ghost truth decide whether that was right.
    fn free_page(&self, s: &mut State, t: usize, p: u8) -> Result<(), Violation> {
        let page = &s.pages[p as usize];
        if !page.allocated {
            return Err(Violation::new(
                "double_free",
                format!("free_unref_page(page{p}) on a page that is already free"),
            ));
        }
        if page.live_fragments > 0 {
            let holders: Vec<String> = s
                .threads
                .iter()
                .enumerate()
                .flat_map(|(i, th)| {
                    th.fragments()
                        .iter()
                        .filter(|f| f.page == p && f.generation == page.generation)
                        .map(move |f| {
                            format!("fragment {} held by {}", f.index, self.threads[i].name)
                        })
                })
                .collect();
            return Err(Violation::new(
                "free_with_live_fragment",
                format!(
                    "page{p} goes back to the page allocator while it is still in use as a page \
                     table ({})",
                    holders.join(", ")
                ),
            ));
        }
        if let Some((i, _)) = s.threads.iter().enumerate().find(|(i, th)| {
            *i != t && th.holds_reference && th.page == p && th.generation == page.generation
        }) {
            return Err(Violation::new(
                "free_while_referenced",
                format!(
                    "page{p} is freed while {} still holds the reference it took with \
                     get_page_unless_zero",
                    self.threads[i].name
                ),
            ));
        }
        if page.refcount != 0 {
            return Err(Violation::new(
                "free_while_referenced",
                format!("page{p} is freed with _refcount {}", page.refcount),
            ));
        }
        if page.page_table {
            return Err(Violation::new(
                "dtor_missed",
                format!(
                    "page{p} is freed without pgtable_page_dtor: PageTable is still set \
                     (\"Bad page state\"; ptlock and NR_PAGETABLE leak)"
                ),
            ));
        }
        s.pages[p as usize].allocated = false;
        Ok(())
    }

    /// Moves thread `t` to its next operation.
    fn finish_op(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        th.op += 1;
        th.pc = self.first_pc(self.threads[t].ops.get(th.op as usize));
        th.page = NO_PAGE;
        th.test = false;
    }
}
