//! The steps of every pt_frag operation, each declared once: one shared access each,
//! labelled with the kernel expression it stands for (arch/powerpc/mm, mm/page_alloc.c,
//! mm/filemap.c), with what it touches and what it does. [`Pc`] names a thread's next step.

use super::footprint::{fields, refcount, LOCK, MM_USERS, RCU};
use super::{PtFrag, State, Variant, Walker, B};
use crate::step::steps;
use weft_explorer::{Footprint, Source, Violation};

const PGTABLE: &str = "arch/powerpc/mm/pgtable-book3s64.c";
const MMU_CONTEXT: &str = "arch/powerpc/mm/mmu_context_book3s64.c";
const MM_H: &str = "include/linux/mm.h";
const PAGE_ALLOC: &str = "mm/page_alloc.c";
const FILEMAP: &str = "mm/filemap.c";
const GUP: &str = "mm/gup.c";
const PAGE_IDLE: &str = "mm/page_idle.c";
const MEMORY: &str = "mm/memory.c";
const V4_18: &str = "v4.18";

steps! {
    /// A thread's next step.
    model PtFrag, state State, pc Pc;

    // pte_fragment_alloc() -> get_pte_from_cache()
    /// `spin_lock(&mm->page_table_lock)`
    CacheLock(m, s, t) {
        name: "spin_lock(&mm->page_table_lock)",
        source: m.frag_source("get_pte_from_cache", PGTABLE),
        footprint: Footprint::rw(LOCK),
        effect: {
            s.lock = Some(t as u8);
            s.threads[t].pc = Pc::CacheRead;
        },
    }
    /// `ret = mm->context.pte_frag`
    CacheRead(m, s, t) {
        name: "ret = mm->context.pte_frag",
        source: m.frag_source("get_pte_from_cache", PGTABLE),
        footprint: Footprint::read(m.cache_object(s, t)),
        effect: {
            let cached = *m.cache(s, t);
            let th = &mut s.threads[t];
            match cached {
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
        },
    }
    /// `mm->context.pte_frag = next` (NULL once the page is used up)
    CacheAdvance(m, s, t) {
        name: "mm->context.pte_frag = next",
        label: {
            let next = s.threads[t].index + 1;
            if next >= m.frag_nr_at(s, t) {
                "mm->context.pte_frag = NULL (page used up)".to_string()
            } else {
                format!(
                    "mm->context.pte_frag = ret + PTE_FRAG_SIZE ({} fragment {next})",
                    m.page(s, t)
                )
            }
        },
        source: m.frag_source("get_pte_from_cache", PGTABLE),
        footprint: Footprint::rw(m.cache_object(s, t)).union(Footprint::read(fields(m.next_page(s, t)))),
        effect: {
            let (p, i) = (s.threads[t].page, s.threads[t].index);
            *m.cache(s, t) = (i + 1 < m.frag_nr_at(s, t)).then_some((p, i + 1));
            s.threads[t].generation = s.pages[p as usize].generation;
            s.threads[t].pc = Pc::CacheUnlock;
        },
    }
    /// `spin_unlock(&mm->page_table_lock)`; a fragment from the cache is handed out.
    CacheUnlock(m, s, t) {
        name: "spin_unlock(&mm->page_table_lock)",
        source: m.frag_source("get_pte_from_cache", PGTABLE),
        // Handing the fragment out writes the page's ghost count and the thread's list.
        footprint: Footprint::rw(LOCK | fields(m.next_page(s, t))),
        effect: {
            s.lock = None;
            if s.threads[t].test {
                let i = s.threads[t].index;
                m.hand_out(s, t, i);
            } else {
                s.threads[t].pc = Pc::AllocPage;
            }
        },
    }
    // __alloc_for_ptecache()
    /// `page = alloc_page(PGALLOC_GFP)`
    AllocPage(m, s, t) {
        name: "page = alloc_page()",
        label: format!("{} = alloc_page(PGALLOC_GFP)", m.page(s, t)),
        note: Some("set_page_refcounted: _refcount = 1".into()),
        source: Source::new("get_page_from_freelist", PAGE_ALLOC, V4_18),
        footprint: Footprint::rw(m.all_pages()),
        effect: {
            m.alloc_page(s, t)?;
            s.threads[t].pc = Pc::Ctor;
        },
    }
    /// `pgtable_page_ctor(page)`
    Ctor(m, s, t) {
        name: "pgtable_page_ctor(page)",
        label: format!("pgtable_page_ctor({})", m.page(s, t)),
        note: Some("__SetPageTable".into()),
        source: Source::new("pgtable_page_ctor", MM_H, V4_18),
        footprint: Footprint::rw(fields(m.next_page(s, t))),
        effect: {
            s.pages[s.threads[t].page as usize].page_table = true;
            let counted = matches!(m.variant, Variant::SetPageCount | Variant::PageRefAdd);
            m.after_count_init(s, t, counted);
        },
    }
    /// The variant's first fragment count (`atomic_set(&page->pt_frag_refcount, 1)`, ...).
    InitCount(m, s, t) {
        name: "first fragment count",
        label: match m.variant {
            Variant::PtFragRefcount => {
                format!("atomic_set(&{}->pt_frag_refcount, 1)", m.page(s, t))
            }
            Variant::TopBits => format!("page_ref_add({}, 1 << 16)", m.page(s, t)),
            _ => format!("page_ref_add({}, (1 << 16) - 1)", m.page(s, t)),
        },
        note: (m.variant == Variant::TopBitsBad)
            .then(|| "allocation reference folded in".into()),
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::rw(m.counter(m.next_page(s, t))),
        effect: {
            let page = &mut s.pages[s.threads[t].page as usize];
            match m.variant {
                Variant::PtFragRefcount => page.frag_refcount = 1,
                Variant::TopBits => page.refcount += B,
                _ => page.refcount += B - 1,
            }
            m.after_count_init(s, t, true);
        },
    }
    /// `spin_lock(&mm->page_table_lock)`
    InstallLock(m, s, t) {
        name: "spin_lock(&mm->page_table_lock)",
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::rw(LOCK),
        effect: {
            s.lock = Some(t as u8);
            s.threads[t].pc = Pc::InstallRead;
        },
    }
    /// `if (!mm->context.pte_frag)`
    InstallRead(m, s, t) {
        name: "if (!mm->context.pte_frag)",
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::read(m.cache_object(s, t)),
        effect: {
            let empty = m.cache(s, t).is_none();
            let th = &mut s.threads[t];
            th.test = empty;
            th.pc = if th.test {
                Pc::InstallCount
            } else {
                Pc::InstallUnlock
            };
        },
    }
    /// The variant's count for a page that becomes the cache page (`set_page_count`, ...).
    InstallCount(m, s, t) {
        name: "fragment count of the cache page",
        label: {
            let (page, n) = (m.page(s, t), m.frag_nr_at(s, t));
            match m.variant {
                Variant::SetPageCount => format!("set_page_count({page}, PTE_FRAG_NR={n})"),
                Variant::PageRefAdd => {
                    format!("page_ref_add({page}, PTE_FRAG_NR - 1 = {})", n - 1)
                }
                Variant::PtFragRefcount => {
                    format!("atomic_set(&{page}->pt_frag_refcount, PTE_FRAG_NR={n})")
                }
                Variant::TopBits | Variant::TopBitsBad => format!(
                    "page_ref_add({page}, (PTE_FRAG_NR - 1) << 16 = {})",
                    (n as i32 - 1) * B
                ),
            }
        },
        note: (m.variant == Variant::SetPageCount).then(|| {
            let refcount = s.pages[m.next_page(s, t) as usize].refcount;
            format!("plain store: _refcount {refcount} -> {}", m.frag_nr_at(s, t))
        }),
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::rw(m.counter(m.next_page(s, t))),
        effect: {
            let n = m.frag_nr_at(s, t) as i32;
            let page = &mut s.pages[s.threads[t].page as usize];
            match m.variant {
                Variant::SetPageCount => page.refcount = n,
                Variant::PageRefAdd => page.refcount += n - 1,
                Variant::PtFragRefcount => page.frag_refcount = n,
                Variant::TopBits | Variant::TopBitsBad => page.refcount += (n - 1) * B,
            }
            s.threads[t].pc = Pc::InstallCache;
        },
    }
    /// `mm->context.pte_frag = ret + PTE_FRAG_SIZE`
    InstallCache(m, s, t) {
        name: "mm->context.pte_frag = ret + PTE_FRAG_SIZE",
        label: format!(
            "mm->context.pte_frag = ret + PTE_FRAG_SIZE ({} fragment 1)",
            m.page(s, t)
        ),
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::rw(m.cache_object(s, t)),
        effect: {
            *m.cache(s, t) = Some((s.threads[t].page, 1));
            s.threads[t].pc = Pc::InstallUnlock;
        },
    }
    /// `spin_unlock(&mm->page_table_lock)`; the page's first fragment is handed out.
    InstallUnlock(m, s, t) {
        name: "spin_unlock(&mm->page_table_lock)",
        source: m.frag_source("__alloc_for_ptecache", PGTABLE),
        footprint: Footprint::rw(LOCK | fields(m.next_page(s, t))),
        effect: {
            s.lock = None;
            m.hand_out(s, t, 0);
        },
    }
    // pte_fragment_free()
    /// `BUG_ON(atomic_read(&page->pt_frag_refcount) <= 0)` (fixed variant only)
    FragBugOn(m, s, t) {
        name: "BUG_ON(pt_frag_refcount <= 0)",
        label: format!(
            "BUG_ON(atomic_read(&{}->pt_frag_refcount) <= 0)",
            m.page(s, t)
        ),
        source: m.frag_source("pte_fragment_free", PGTABLE),
        footprint: Footprint::rw(fields(m.next_page(s, t))),
        effect: {
            m.take_fragment(s, t)?;
            let p = s.threads[t].page;
            let count = s.pages[p as usize].frag_refcount;
            if count <= 0 {
                return Err(Violation::new(
                    "refcount_underflow",
                    format!("BUG_ON: page{p}.pt_frag_refcount is {count} when a fragment is freed"),
                ));
            }
            s.threads[t].pc = Pc::FragDec;
        },
    }
    /// The variant's fragment-count decrement and test.
    FragDec(m, s, t) {
        name: "fragment count decrement and test",
        label: {
            let page = m.page(s, t);
            match m.variant {
                Variant::SetPageCount | Variant::PageRefAdd if m.debug_vm => {
                    format!("if (page_ref_dec_and_test({page}))")
                }
                Variant::SetPageCount | Variant::PageRefAdd => {
                    format!("if (put_page_testzero({page}))")
                }
                Variant::PtFragRefcount => {
                    format!("if (atomic_dec_and_test(&{page}->pt_frag_refcount))")
                }
                Variant::TopBits => format!("if (!(page_ref_sub_return({page}, 1 << 16) >> 16))"),
                Variant::TopBitsBad => format!("if (page_ref_sub_and_test({page}, 1 << 16))"),
            }
        },
        source: m.frag_source("pte_fragment_free", PGTABLE),
        footprint: {
            let p = m.next_page(s, t);
            Footprint::rw(m.counter(p) | fields(p))
        },
        effect: {
            m.take_fragment(s, t)?;
            let p = s.threads[t].page;
            let zero = match m.variant {
                Variant::SetPageCount | Variant::PageRefAdd => m.put_testzero(s, p)?,
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
            m.underflow(s, p)?;
            m.then_dtor(s, t, zero);
        },
    }
    // pte_frag_destroy()
    /// `pte_frag = mm->context.pte_frag` (destroy_pagetable_cache)
    DestroyRead(m, s, t) {
        name: "pte_frag = mm->context.pte_frag",
        source: m.frag_source("destroy_pagetable_cache", MMU_CONTEXT),
        // The page is known only once the cache pointer is read: any page's generation. It
        // runs once the mm's users have exited.
        footprint: Footprint::rw(m.cache_object(s, t)).union(Footprint::read(m.all_pages() | MM_USERS)),
        effect: {
            match m.cache(s, t).take() {
                None => m.finish_op(s, t),
                Some((p, i)) => {
                    let th = &mut s.threads[t];
                    th.page = p;
                    th.index = i;
                    th.generation = s.pages[p as usize].generation;
                    th.pc = Pc::DestroyDec;
                }
            }
        },
    }
    /// The variant's subtraction of the unused fragments, and test.
    DestroyDec(m, s, t) {
        name: "unused fragments subtracted, and test",
        label: {
            let page = m.page(s, t);
            let k = m.frag_nr_at(s, t).saturating_sub(s.threads[t].index);
            match m.variant {
                Variant::SetPageCount | Variant::PageRefAdd => {
                    format!("if (page_ref_sub_and_test({page}, PTE_FRAG_NR - count = {k}))")
                }
                Variant::PtFragRefcount => format!(
                    "if (atomic_sub_and_test(PTE_FRAG_NR - count = {k}, &{page}->pt_frag_refcount))"
                ),
                Variant::TopBits => {
                    format!("if (!(page_ref_sub_return({page}, {k} << 16) >> 16))")
                }
                Variant::TopBitsBad => format!("if (page_ref_sub_and_test({page}, {k} << 16))"),
            }
        },
        source: m.frag_source("pte_frag_destroy", MMU_CONTEXT),
        footprint: Footprint::rw(m.counter(m.next_page(s, t))),
        effect: {
            let p = s.threads[t].page;
            let k = (m.frag_nr_at(s, t) - s.threads[t].index) as i32;
            let page = &mut s.pages[p as usize];
            let zero = match m.variant {
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
            m.underflow(s, p)?;
            m.then_dtor(s, t, zero);
        },
    }
    // A walker with a stale pointer: page_idle_get_page(), find_get_entry(), gup_pte_range()
    /// `get_page_unless_zero(page)` (`page_cache_get_speculative` in the lookups)
    SpecGet(m, s, t) {
        name: "get_page_unless_zero(page)",
        label: match m.walker(s, t) {
            Some(Walker::Pfn) | None => format!("get_page_unless_zero({})", m.page(s, t)),
            Some(_) => format!("page_cache_get_speculative({})", m.page(s, t)),
        },
        note: Some(match m.walker(s, t) {
            Some(Walker::Pfn) | None => "stale pfn: PageLRU was seen before the page was freed",
            Some(Walker::RcuLookup) => "stale pointer from the page-cache slot",
            Some(Walker::GupFast) => "stale pointer from the PTE",
        }.into()),
        source: m.walk_source(s, t),
        footprint: Footprint::rw(refcount(0)).union(Footprint::read(fields(0))),
        effect: {
            let page = &mut s.pages[0];
            if page.refcount == 0 {
                m.end_walk(s, t);
            } else {
                page.refcount += 1;
                let generation = page.generation;
                let th = &mut s.threads[t];
                th.page = 0;
                th.generation = generation;
                th.holds_reference = true;
                th.pc = m.to_put(Pc::SpecPut);
            }
        },
    }
    /// The identity recheck fails: `put_page(page)`
    SpecPut(m, s, t) {
        name: "put_page(page)",
        label: format!("put_page({})", m.page(s, t)),
        note: Some(match m.walker(s, t) {
            Some(Walker::Pfn) | None => "identity recheck failed: !PageLRU(page)",
            Some(Walker::RcuLookup) => "identity recheck failed: page != *pagep",
            Some(Walker::GupFast) => "identity recheck failed: pte_val(pte) != pte_val(*ptep)",
        }.into()),
        source: m.walk_source(s, t),
        footprint: Footprint::rw(refcount(m.next_page(s, t))),
        effect: {
            let p = s.threads[t].page;
            s.threads[t].holds_reference = false;
            if m.put_testzero(s, p)? {
                s.threads[t].pc = Pc::FreePage;
            } else {
                m.end_walk(s, t);
            }
        },
    }
    // shared tails
    /// `pgtable_page_dtor(page)`
    Dtor(m, s, t) {
        name: "pgtable_page_dtor(page)",
        label: format!("pgtable_page_dtor({})", m.page(s, t)),
        note: Some("__ClearPageTable".into()),
        source: Source::new("pgtable_page_dtor", MM_H, V4_18),
        footprint: Footprint::rw(fields(m.next_page(s, t))),
        effect: {
            let p = s.threads[t].page;
            m.dtor_while_live(s, p)?;
            let page = &mut s.pages[p as usize];
            if page.dtor_runs > 0 || !page.page_table {
                return Err(Violation::new(
                    "dtor_twice",
                    format!("pgtable_page_dtor runs again on page{p}, whose dtor already ran"),
                ));
            }
            page.page_table = false;
            page.dtor_runs += 1;
            s.threads[t].pc = match m.variant {
                Variant::PtFragRefcount | Variant::TopBits => m.to_put(Pc::Release),
                _ => Pc::FreePage,
            };
        },
    }
    /// `__free_page(page)` / `put_page(page)`: drop the allocation reference.
    Release(m, s, t) {
        name: "drop the allocation reference",
        label: if m.variant == Variant::PtFragRefcount {
            format!("__free_page({})", m.page(s, t))
        } else {
            format!("put_page({})", m.page(s, t))
        },
        note: (m.variant == Variant::PtFragRefcount).then(|| "put_page_testzero".into()),
        source: if m.variant == Variant::PtFragRefcount {
            Source::new("__free_page", PAGE_ALLOC, V4_18)
        } else {
            Source::new("put_page", MM_H, V4_18)
        },
        footprint: Footprint::rw(refcount(m.next_page(s, t))),
        effect: {
            let p = s.threads[t].page;
            if m.put_testzero(s, p)? {
                s.threads[t].pc = Pc::FreePage;
            } else {
                m.finish_op(s, t);
            }
        },
    }
    /// `free_unref_page(page)`: back to the page allocator, with `free_pages_check`.
    FreePage(m, s, t) {
        name: "free_unref_page(page)",
        label: format!("free_unref_page({})", m.page(s, t)),
        note: Some("free_pages_check".into()),
        source: Source::new("free_unref_page", PAGE_ALLOC, V4_18),
        footprint: {
            let p = m.next_page(s, t);
            Footprint::rw(fields(p)).union(Footprint::read(refcount(p)))
        },
        effect: {
            let p = s.threads[t].page;
            m.free_page(s, t, p)?;
            m.end_walk(s, t);
        },
    }
    // put_page_testzero() with CONFIG_DEBUG_VM
    /// `VM_BUG_ON_PAGE(page_ref_count(page) == 0, page)`: a read of its own before the
    /// decrement, so two puts can both pass it on a count of 1.
    PutCheck(m, s, t) {
        name: "VM_BUG_ON_PAGE(page_ref_count(page) == 0)",
        label: format!("VM_BUG_ON_PAGE(page_ref_count({}) == 0)", m.page(s, t)),
        note: Some("put_page_testzero, CONFIG_DEBUG_VM".into()),
        source: Source::new("put_page_testzero", MM_H, V4_18),
        // A free takes its fragment here: that writes the page's ghost count.
        footprint: {
            let p = m.next_page(s, t);
            Footprint::rw(fields(p)).union(Footprint::read(refcount(p)))
        },
        effect: {
            m.take_fragment(s, t)?;
            let p = s.threads[t].page;
            if s.pages[p as usize].refcount == 0 {
                return Err(Violation::new(
                    "refcount_underflow",
                    format!(
                        "VM_BUG_ON_PAGE: put_page_testzero(page{p}) with _refcount already 0 \
                         (CONFIG_DEBUG_VM crashes here; without it the count goes to -1)"
                    ),
                ));
            }
            let op = m.threads[t].ops[s.threads[t].op as usize];
            s.threads[t].pc = m.put_step(op).expect("only an operation that puts checks first");
        },
    }
    // Read-side sections and the grace period a deferred page-table free waits for
    /// The walker enters its section and reads its stale pointer: `rcu_read_lock()` and the
    /// page-cache slot, or interrupts off and the PTE.
    Lookup(m, s, t) {
        name: "enter the section, read the pointer",
        label: {
            let read = match m.walker(s, t) {
                Some(Walker::GupFast) => "local_irq_disable(); pte = gup_get_pte(ptep)",
                _ => "rcu_read_lock(); page = radix_tree_deref_slot(pagep)",
            };
            if m.stale_pointer_readable(s) {
                format!("{read} (page0)")
            } else {
                format!("{read} (no longer page0: nothing to get)")
            }
        },
        source: m.walk_source(s, t),
        footprint: Footprint::rw(RCU).union(Footprint::read(fields(0))),
        effect: {
            if m.stale_pointer_readable(s) {
                s.threads[t].section = true;
                s.threads[t].pc = Pc::SpecGet;
            } else {
                m.finish_op(s, t);
            }
        },
    }
    /// `rcu_read_unlock()` / `local_irq_enable()`: grace periods stop waiting for it.
    SectionExit(m, s, t) {
        name: "leave the section",
        label: match m.walker(s, t) {
            Some(Walker::GupFast) => "local_irq_enable()".to_string(),
            _ => "rcu_read_unlock()".to_string(),
        },
        source: m.walk_source(s, t),
        footprint: Footprint::rw(RCU),
        effect: {
            m.leave_section(s, t);
        },
    }
    // pte_free_tlb() -> pgtable_free_tlb() -> tlb_remove_table(), CONFIG_HAVE_RCU_TABLE_FREE
    /// `tlb_remove_table(tlb, table)`, then `call_rcu_sched(&batch->rcu,
    /// tlb_remove_table_rcu)`: the page table is out of use; its free waits for every
    /// section that holds off RCU-sched now.
    TlbRemoveTable(m, s, t) {
        name: "tlb_remove_table(tlb, table)",
        label: format!("tlb_remove_table(tlb, {})", m.page(s, t)),
        note: Some("call_rcu_sched(&batch->rcu, tlb_remove_table_rcu)".into()),
        source: Source::new("tlb_remove_table", MEMORY, V4_18),
        footprint: Footprint::rw(RCU | fields(m.next_page(s, t))),
        effect: {
            m.take_fragment(s, t)?;
            s.threads[t].gp_wait = m.sched_readers(s);
            s.threads[t].pc = Pc::GraceEnd;
        },
    }
    /// `tlb_remove_table_rcu()`: the grace period has ended; `__tlb_remove_table` frees the
    /// fragment.
    GraceEnd(m, s, t) {
        name: "tlb_remove_table_rcu(head)",
        label: format!("tlb_remove_table_rcu(): __tlb_remove_table({})", m.page(s, t)),
        note: Some("after the RCU-sched grace period".into()),
        source: Source::new("tlb_remove_table_rcu", MEMORY, V4_18),
        footprint: Footprint::read(RCU),
        effect: {
            let op = m.threads[t].ops[s.threads[t].op as usize];
            s.threads[t].pc = m.free_pc(op);
        },
    }
}

impl PtFrag {
    /// Where thread `t`'s walker comes from in the kernel.
    pub(super) fn walk_source(&self, s: &State, t: usize) -> Source {
        match self.walker(s, t) {
            Some(Walker::Pfn) | None => Source::new("page_idle_get_page", PAGE_IDLE, V4_18),
            Some(Walker::RcuLookup) => Source::new("find_get_entry", FILEMAP, V4_18),
            Some(Walker::GupFast) => Source::new("gup_pte_range", GUP, V4_18),
        }
    }
}
