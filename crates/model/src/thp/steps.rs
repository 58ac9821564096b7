//! The steps of every thp operation, each declared once: one shared access each, labelled
//! with the kernel expression it stands for (mm/huge_memory.c, mm/memory.c, mm/rmap.c,
//! mm/gup.c), with its source and what it does. [`Pc`] names a thread's next step.
//!
//! Every step runs after the prologue of the model's `step` (the other threads' R2 judgement
//! cleared, this thread busy). The shared sub-paths return through the thread's
//! [`Read`]/[`After`]/[`RmapAfter`] and its current operation ([`flow`](super::flow)).
//! A step that declares no footprint has the [coarse](super::footprint) one.

use super::cow_fixes::with_cow_fix_steps;
use super::flow::{After, Read, RmapAfter};
use super::ops::{FOLL_PMD, FOLL_PTE, MOVE, NEW_RMAP, PMD_RELOCK, PTE_RELOCK, REMOVE_RMAP};
use super::ops::{GUP, HUGE, MEMORY, RMAP, RMAP_H, SWAP, SWAPFILE};
use super::ops::{PMD_LOCK, PMD_UNLOCK, PTE_LOCK, PTE_UNLOCK, TRYLOCK};
use super::{Entry, Op, Pmd, State, Thp, Variant, H, NONE};

with_cow_fix_steps! {
// The steps before `do_huge_pmd_wp_page`'s (which `with_huge_steps!` adds after these).
{
    /// A thread's next step.
    model Thp, state State, pc Pc, footprint Thp::coarse;

    /// A child not yet created by its parent's fork.
    Start(m, s, t) {
        name: "(not running)",
        source: m.src("", "", false),
        effect: { unreachable!("not an enabled step") },
    }

    // do_huge_pmd_anonymous_page
    /// `anon_vma_prepare(vma)`: a new anon_vma if the vma has none.
    AnonVmaPrepare(m, s, t) {
        name: "anon_vma_prepare(vma)",
        note: Some("vma->anon_vma = new anon_vma if none".into()),
        source: m.src("anon_vma_prepare", RMAP, false),
        effect: {
            let mm = &mut s.mms[t];
            if mm.anon_vma == NONE {
                mm.anon_vma = t as u8;
                mm.links |= 1 << t;
            }
            s.threads[t].pc = Pc::AllocThp;
        },
    }
    /// `page = alloc_hugepage_vma(...)`: the THP, `_refcount` 1.
    AllocThp(m, s, t) {
        name: "page = alloc_hugepage_vma(...)",
        note: Some("H._refcount = 1".into()),
        source: m.src("do_huge_pmd_anonymous_page", HUGE, false),
        effect: { s.thp.refcount = 1; s.threads[t].pc = Pc::FaultLock; },
    }
    /// `spin_lock(pmd_lock(mm, pmd))` in `__do_huge_pmd_anonymous_page`.
    FaultLock(m, s, t) {
        name: PMD_LOCK,
        source: m.src("__do_huge_pmd_anonymous_page", HUGE, false),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pmd_lock = true; s.threads[t].pc = Pc::FaultRmap; },
    }
    /// `page_add_new_anon_rmap(page, vma, haddr, true)`: the PMD's mapcount, `head->mapping`.
    FaultRmap(m, s, t) {
        name: NEW_RMAP,
        label: m.v4_4_or("page_add_new_anon_rmap(page, vma, haddr)", NEW_RMAP).into(),
        note: Some(format!(
            "{} = 0; H.mapping = anon_vma{}",
            m.v4_4_or("H._mapcount", "compound_mapcount"),
            if m.variant.anon_exclusive() { "; SetPageAnonExclusive(H)" } else { "" }
        )),
        source: m.src("page_add_new_anon_rmap", RMAP, false),
        effect: {
            *m.pmd_mapcount(s) = 0;
            s.thp.mapping = s.mms[t].anon_vma;
            if m.variant.anon_exclusive() {
                s.thp.anon_exclusive = 1;
            }
            s.threads[t].pc = Pc::FaultSetPmd;
        },
    }
    /// `set_pmd_at(mm, haddr, pmd, entry)`: the writable huge PMD.
    FaultSetPmd(m, s, t) {
        name: "set_pmd_at(mm, haddr, pmd, maybe_pmd_mkwrite(mk_huge_pmd(page)))",
        source: m.src("__do_huge_pmd_anonymous_page", HUGE, false),
        effect: { s.mms[t].pmd = Pmd::huge(H, true); s.threads[t].pc = Pc::FaultUnlock; },
    }
    /// `spin_unlock(pmd_lock(mm, pmd))` in `__do_huge_pmd_anonymous_page`.
    FaultUnlock(m, s, t) {
        name: PMD_UNLOCK,
        source: m.src("__do_huge_pmd_anonymous_page", HUGE, false),
        effect: { s.mms[t].pmd_lock = false; m.finish_op(s, t); },
    }
    /// A user store through a writable entry: no fault.
    Store(m, s, t) {
        name: "*(addr of subpage) = v",
        label: format!("*(addr of subpage {}) = v", s.threads[t].subpage),
        note: Some("writable entry: no fault".into()),
        source: m.src("(user store)", "", false),
        effect: { m.store_checks(s, t)?; m.finish_op(s, t) },
    }

}
// The steps between `do_huge_pmd_wp_page`'s and the split's.
{
    // The mapcount readers: page_mapcount, __page_mapcount, page_trans_huge_mapcount.
    /// `atomic_read(&page[i]._mapcount) + 1`, as the running reader uses it.
    ReadSubpageMapcount(m, s, t) {
        name: "atomic_read(&page[i]._mapcount) + 1",
        label: match (s.threads[t].read, s.threads[t].i) {
            (Read::HeadMapcountV44, _) => {
                "page_mapcount(page) = atomic_read(&H._mapcount) + 1".into()
            }
            (Read::PageMapcount, i) => format!("ret = atomic_read(&H[{i}]._mapcount) + 1"),
            (Read::PageTransHugeMapcount, i) => format!(
                "mapcount = atomic_read(&page[{i}]._mapcount) + 1; ret = max(ret, mapcount); \
                 _total_mapcount += mapcount"
            ),
        },
        note: Some(m.reader_note(
            s,
            t,
            {
                let i = s.threads[t].i as usize;
                let raw = s.thp.mapcount[i];
                format!("H[{i}]._mapcount {raw} + 1 = {}", raw + 1)
            },
            Thp::read_subpage_mapcount,
        )),
        source: m.reader_src(s, t, true),
        effect: { m.read_subpage_mapcount(s, t) },
    }
    /// `if (PageDoubleMap(page)) ret--` (and `_total_mapcount -= HPAGE_PMD_NR`).
    ReadDoubleMap(m, s, t) {
        name: "if (PageDoubleMap(page)) ret--",
        label: if s.threads[t].read == Read::PageTransHugeMapcount {
            format!("if (PageDoubleMap(page)) {{ ret -= 1; _total_mapcount -= {}; }}", m.n)
        } else {
            "if (PageDoubleMap(page)) ret--".into()
        },
        note: Some(m.reader_note(
            s,
            t,
            format!("PageDoubleMap is {}", s.thp.double_map),
            Thp::read_double_map,
        )),
        source: m.reader_src(s, t, false),
        effect: { m.read_double_map(s, t) },
    }
    /// `ret += compound_mapcount(page)` (and `_total_mapcount += mapcount`).
    ReadCompoundMapcount(m, s, t) {
        name: "ret += compound_mapcount(page)",
        label: if s.threads[t].read == Read::PageTransHugeMapcount {
            "mapcount = compound_mapcount(page); ret += mapcount; _total_mapcount += mapcount"
                .into()
        } else {
            "ret += compound_mapcount(page)".into()
        },
        note: Some(m.reader_note(
            s,
            t,
            {
                let raw = s.thp.compound_mapcount;
                format!("compound_mapcount {raw} + 1 = {}", raw + 1)
            },
            Thp::read_compound_mapcount,
        )),
        source: m.reader_src(s, t, false),
        effect: {
            m.null_total_mapcount(s, t)?;
            m.read_compound_mapcount(s, t)
        },
    }

    // page_remove_rmap(page, true)
    /// `atomic_add_negative(-1, compound_mapcount_ptr(page))` (v4.4: the head's `_mapcount`).
    RmapCompoundDec(m, s, t) {
        name: REMOVE_RMAP,
        label: m.v4_4_or("atomic_add_negative(-1, &H._mapcount)", REMOVE_RMAP).into(),
        source: m.src("page_remove_rmap", RMAP, false),
        effect: {
            *m.pmd_mapcount(s) -= 1;
            if m.variant != Variant::V44 && s.thp.compound_mapcount < 0 {
                s.threads[t].pc = Pc::RmapClearDoubleMap;
            } else {
                m.after_rmap(s, t);
            }
        },
    }
    /// `if (TestClearPageDoubleMap(page))` in `page_remove_anon_compound_rmap`.
    RmapClearDoubleMap(m, s, t) {
        name: "if (TestClearPageDoubleMap(page))",
        source: m.src("page_remove_anon_compound_rmap", RMAP, false),
        effect: {
            if std::mem::take(&mut s.thp.double_map) {
                s.threads[t].i = 0;
                s.threads[t].pc = Pc::RmapSubpageDec;
            } else {
                m.after_rmap(s, t);
            }
        },
    }
    /// `atomic_add_negative(-1, &page[i]._mapcount)`: the double-map offset dropped.
    RmapSubpageDec(m, s, t) {
        name: "atomic_add_negative(-1, &page[i]._mapcount)",
        label: format!("atomic_add_negative(-1, &page[{}]._mapcount)", s.threads[t].i),
        source: m.src("page_remove_anon_compound_rmap", RMAP, false),
        effect: { if m.each_subpage(s, t, -1) { m.after_rmap(s, t) } },
    }

    // do_wp_page, wp_page_reuse, wp_page_copy
    /// `spin_lock(pte_lockptr(mm, pmd)); pte_same(*pte, orig_pte)`; the R2 judgement.
    WpLock(m, s, t) {
        name: "spin_lock(pte_lockptr(mm, pmd)); pte_same(*pte, orig_pte)",
        note: Some(format!("handle_pte_fault → do_wp_page, subpage {}", s.threads[t].subpage)),
        source: m.src("handle_pte_fault", MEMORY, false),
        effect: {
            s.mms[t].pte_lock = true;
            let page = m.subpage_pte(s, t).page;
            let mapped_once = m.maps(s, H, s.threads[t].subpage) == 1;
            m.judge(s, t, page, mapped_once);
            s.threads[t].pc = match page {
                H => match m.variant {
                    Variant::V59PageCount => Pc::WpPageCount,
                    Variant::V518CowFixes => Pc::WpCountEarly,
                    Variant::V519AnonExclusive => Pc::WpExclusive,
                    _ => Pc::WpTrylock,
                },
                _ => Pc::WpCopyPage,
            };
        },
    }
    /// `do_wp_page` on a COW copy, coarse: reuse if mapped once, else copy.
    WpCopyPage(m, s, t) {
        name: "do_wp_page on a COW copy",
        label: format!(
            "do_wp_page on {} (a COW copy): reuse if mapped once, else copy",
            m.page_label(s, t)
        ),
        note: Some("coarse".into()),
        source: m.src("do_wp_page", MEMORY, true),
        effect: {
            let unshare = m.unshare(s, t);
            m.wp_copy_page(s, t, unshare)?;
            s.threads[t].pc = Pc::WpUnlock;
        },
    }
    /// 09854ba94c6a: `if (PageKsm(page) || page_count(page) != 1) goto copy`.
    WpPageCount(m, s, t) {
        name: "if (PageKsm(page) || page_count(page) != 1) goto copy",
        source: m.src("do_wp_page", MEMORY, true),
        effect: { s.threads[t].pc = if s.thp.refcount != 1 { Pc::WpGet } else { Pc::WpTrylock }; },
    }
    /// `trylock_page(old_page)`.
    WpTrylock(m, s, t) {
        name: TRYLOCK,
        label: m.v5_9_or("if (!trylock_page(page)) goto copy", TRYLOCK).into(),
        source: m.src("do_wp_page", MEMORY, true),
        effect: {
            if s.page_lock == NONE {
                s.page_lock = t as u8;
                m.start_reuse_test(s, t);
            } else {
                let page_count = m.variant.since_v5_9();
                s.threads[t].pc = if page_count { Pc::WpGet } else { Pc::WpGetSlow };
            }
        },
    }
    /// `get_page(old_page)` before sleeping on the page lock.
    WpGetSlow(m, s, t) {
        name: "get_page(old_page)",
        source: m.src("do_wp_page", MEMORY, true),
        effect: { s.thp.refcount += 1; s.threads[t].pc = Pc::WpUnlockSlow; },
    }
    /// `pte_unmap_unlock(page_table, ptl)` before sleeping on the page lock.
    WpUnlockSlow(m, s, t) {
        name: PTE_UNLOCK,
        source: m.src("do_wp_page", MEMORY, true),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pte_lock = false; s.threads[t].pc = Pc::WpLockPage; },
    }
    /// `lock_page(old_page)`: waits while another process holds it.
    WpLockPage(m, s, t) {
        name: "lock_page(old_page)",
        source: m.src("do_wp_page", MEMORY, true),
        effect: { s.page_lock = t as u8; s.threads[t].pc = Pc::WpRelockSlow; },
    }
    /// `spin_lock(pte_lockptr(mm, pmd)); pte_same(*page_table, orig_pte)`.
    WpRelockSlow(m, s, t) {
        name: PTE_RELOCK,
        source: m.src("do_wp_page", MEMORY, true),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pte_lock = true; s.threads[t].pc = Pc::WpPutSlow; },
    }
    /// `put_page(old_page)`: the reference taken before sleeping.
    WpPutSlow(m, s, t) {
        name: "put_page(old_page)",
        source: m.src("do_wp_page", MEMORY, true),
        effect: { m.put(s, H)?; m.start_reuse_swap_page(s, t); },
    }
    /// `reuse_swap_page`: `if (unlikely(PageTransCompound(page))) return 0`.
    ReuseSwapCompound(m, s, t) {
        name: "if (unlikely(PageTransCompound(page))) return 0",
        note: Some("reuse_swap_page".into()),
        source: m.src("reuse_swap_page", SWAPFILE, true),
        effect: { s.threads[t].reuse = false; s.threads[t].pc = Pc::WpUnlockPage; },
    }
    /// 09854ba94c6a: `page_count(page) != 1` after `page_mapcount(page) != 1`, page locked.
    WpReuseCheck(m, s, t) {
        name: "if (PageKsm(page) || page_mapcount(page) != 1 || page_count(page) != 1)",
        note: Some("page_count".into()),
        source: m.src("do_wp_page", MEMORY, true),
        effect: { s.threads[t].reuse = s.thp.refcount == 1; s.threads[t].pc = Pc::WpUnlockPage; },
    }
    /// `page_move_anon_rmap(page, vma, address)`: `WRITE_ONCE(page->mapping, anon_vma)`.
    WpMove(m, s, t) {
        name: MOVE,
        label: match m.variant {
            Variant::AndreaV2 => format!(
                "if (total_mapcount == 1) page_move_anon_rmap(old_page = H[{}], vma, address)",
                s.threads[t].subpage
            ),
            _ if m.moves_tail_page() => format!(
                "page_move_anon_rmap(old_page = H[{}], vma, address)",
                s.threads[t].subpage
            ),
            Variant::AndreaV1Head => MOVE.into(),
            _ => format!("if (total_mapcount == 1) {MOVE}"),
        },
        note: m.moves_tail_page().then(|| "WRITE_ONCE(page->mapping, anon_vma)".into()),
        source: m.src("page_move_anon_rmap", RMAP, true),
        effect: {
            let subpage = s.threads[t].subpage;
            if m.moves_tail_page() && subpage != 0 {
                return Err(Thp::tail_mapping_write(subpage));
            }
            s.thp.mapping = s.mms[t].anon_vma;
            s.threads[t].pc = Pc::WpUnlockPage;
        },
    }
    /// `unlock_page(old_page)`; then reuse or copy as decided.
    WpUnlockPage(m, s, t) {
        name: "unlock_page(old_page)",
        source: m.src("do_wp_page", MEMORY, true),
        effect: {
            s.page_lock = NONE;
            s.threads[t].pc = if s.threads[t].reuse { m.reuse_pc(s, t) } else { Pc::WpGet };
        },
    }
    /// `wp_page_reuse`: `ptep_set_access_flags(vma, address, page_table, entry)`, writable.
    WpReuse(m, s, t) {
        name: "wp_page_reuse: ptep_set_access_flags(vma, address, page_table, \
               maybe_mkwrite(pte_mkdirty(pte_mkyoung(orig_pte))))",
        source: m.src("wp_page_reuse", MEMORY, false),
        effect: { m.subpage_pte(s, t).write = true; s.threads[t].pc = Pc::WpUnlock; },
    }
    /// `pte_unmap_unlock(page_table, ptl)` in `wp_page_reuse`: the fault is done.
    WpUnlock(m, s, t) {
        name: PTE_UNLOCK,
        source: m.src("wp_page_reuse", MEMORY, false),
        effect: { s.mms[t].pte_lock = false; m.fault_done(s, t)?; },
    }
    /// `get_page(old_page)` for `wp_page_copy`.
    WpGet(m, s, t) {
        name: "get_page(old_page)",
        note: Some("for wp_page_copy".into()),
        source: m.src("do_wp_page", MEMORY, true),
        effect: { s.thp.refcount += 1; s.threads[t].pc = Pc::WpUnlockCopy; },
    }
    /// `pte_unmap_unlock(page_table, ptl)` before `wp_page_copy`.
    WpUnlockCopy(m, s, t) {
        name: PTE_UNLOCK,
        source: m.src("do_wp_page", MEMORY, true),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pte_lock = false; s.threads[t].pc = Pc::CopyAlloc; },
    }
    /// `new_page = alloc_page_vma(...); cow_user_page(new_page, old_page, ...)`.
    CopyAlloc(m, s, t) {
        name: "new_page = alloc_page_vma(...); cow_user_page(new_page, old_page, ...)",
        source: m.src("wp_page_copy", MEMORY, false),
        effect: {
            s.threads[t].new_page = Thp::new_copy(s, false);
            s.threads[t].pc = Pc::CopyLock;
        },
    }
    /// `spin_lock(pte_lockptr(mm, pmd)); pte_same(*page_table, orig_pte)` in `wp_page_copy`.
    CopyLock(m, s, t) {
        name: PTE_RELOCK,
        source: m.src("wp_page_copy", MEMORY, false),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pte_lock = true; s.threads[t].pc = Pc::CopyClear; },
    }
    /// `ptep_clear_flush_notify(vma, address, page_table)`.
    CopyClear(m, s, t) {
        name: "ptep_clear_flush_notify(vma, address, page_table)",
        source: m.src("wp_page_copy", MEMORY, false),
        effect: { *m.subpage_pte(s, t) = Entry::EMPTY; s.threads[t].pc = Pc::CopyNewRmap; },
    }
    /// `page_add_new_anon_rmap(new_page, vma, address, false)` (on the copy: no THP state).
    CopyNewRmap(m, s, t) {
        name: "page_add_new_anon_rmap(new_page, vma, address, false)",
        source: m.src("wp_page_copy", MEMORY, false),
        effect: { s.threads[t].pc = Pc::CopySetPte },
    }
    /// `set_pte_at_notify(mm, address, page_table, entry)`: the copy mapped writable (read-only
    /// when unsharing); R2.
    CopySetPte(m, s, t) {
        name: "set_pte_at_notify(mm, address, page_table, \
               maybe_mkwrite(pte_mkdirty(mk_pte(new_page))))",
        label: if m.unshare(s, t) {
            "set_pte_at_notify(mm, address, page_table, mk_pte(new_page)) (unshare: read-only)"
                .into()
        } else {
            Pc::CopySetPte.name().into()
        },
        source: m.src("wp_page_copy", MEMORY, false),
        effect: {
            let write = !m.unshare(s, t);
            *m.subpage_pte(s, t) = Entry { page: s.threads[t].new_page, write };
            m.false_cow_check(s, t, false)?;
            s.threads[t].pc = Pc::CopyRemoveRmap;
        },
    }
    /// `page_remove_rmap(old_page, false)`: the subpage's `_mapcount` dropped.
    CopyRemoveRmap(m, s, t) {
        name: "page_remove_rmap(old_page, false)",
        note: Some(format!("atomic_add_negative(-1, &H[{}]._mapcount)", s.threads[t].subpage)),
        source: m.src("page_remove_rmap", RMAP, false),
        effect: {
            s.thp.mapcount[s.threads[t].subpage as usize] -= 1;
            s.threads[t].pc = Pc::CopyPutPte;
        },
    }
    /// `put_page(old_page)` (`new_page = old_page`): the PTE's reference.
    CopyPutPte(m, s, t) {
        name: "put_page(old_page)",
        note: Some("new_page = old_page; the PTE's reference".into()),
        source: m.src("wp_page_copy", MEMORY, false),
        effect: { m.put(s, H)?; s.threads[t].pc = Pc::CopyUnlock; },
    }
    /// `pte_unmap_unlock(page_table, ptl)` in `wp_page_copy`.
    CopyUnlock(m, s, t) {
        name: PTE_UNLOCK,
        source: m.src("wp_page_copy", MEMORY, false),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pte_lock = false; s.threads[t].pc = Pc::CopyPutRef; },
    }
    /// `put_page(old_page)`: `do_wp_page`'s reference; the fault is done.
    CopyPutRef(m, s, t) {
        name: "put_page(old_page)",
        note: Some("do_wp_page's reference".into()),
        source: m.src("wp_page_copy", MEMORY, false),
        effect: { m.put(s, H)?; m.fault_done(s, t)?; },
    }

    // GUP: follow_page_mask
    /// The page-table lock, then `(flags & FOLL_WRITE) && !pmd_write(*pmd)` (or the PTE's).
    GupLock(m, s, t) {
        name: "spin_lock(ptl); if ((flags & FOLL_WRITE) && !pte_write(pte)) → faultin_page",
        label: match s.mms[t].pmd {
            Pmd::Huge(_) => format!("{PMD_LOCK}; {FOLL_PMD}"),
            _ => format!("{PTE_LOCK}; {FOLL_PTE}"),
        },
        note: m.gup_note(s, t),
        source: match s.mms[t].pmd {
            Pmd::Huge(_) => m.src("follow_trans_huge_pmd", HUGE, false),
            _ => m.src("follow_page_pte", GUP, false),
        },
        effect: {
            if m.foll_pin(s, t) {
                s.mms[t].has_pinned = true;
            }
            let e = m.follow_page_lock(s, t);
            s.threads[t].page = e.page;
            let read = m.read_pin(s, t) && !m.must_unshare(s, t, e.page);
            s.threads[t].pc = if e.write || read { Pc::GupGet } else { Pc::GupUnlockFault };
        },
    }
    /// `get_page(page)` (FOLL_GET), or `try_grab_page(page, FOLL_PIN)`: the pin.
    GupGet(m, s, t) {
        name: "get_page(page)",
        label: if m.foll_pin(s, t) {
            format!("try_grab_page({}[{}], FOLL_PIN)", m.page_label(s, t), s.threads[t].subpage)
        } else {
            format!("get_page({}[{}])", m.page_label(s, t), s.threads[t].subpage)
        },
        note: Some(m.pin_note(s, t)),
        source: m.src("follow_page_pte", GUP, m.foll_pin(s, t)),
        effect: { m.grab(s, t); m.record_pin(s, t); s.threads[t].pc = Pc::GupUnlock; },
    }
    /// `spin_unlock(ptl)` after the pin: GUP is done.
    GupUnlock(m, s, t) {
        name: "spin_unlock(ptl)",
        source: m.src("follow_page_pte", GUP, false),
        effect: { m.unlock_both(s, t); m.finish_op(s, t); },
    }
    /// `spin_unlock(ptl)` before `faultin_page`: the write fault, then GUP again.
    GupUnlockFault(m, s, t) {
        name: "spin_unlock(ptl)",
        source: m.src("follow_page_pte", GUP, false),
        footprint: m.own_locks_reading_tables(s, t),
        effect: { m.unlock_both(s, t); m.fault_start(s, t); },
    }
    /// `put_page(page)` of the pin on the subpage (for FOLL_PIN, after its pincount).
    Unpin(m, s, t) {
        name: "put_page(pinned page)",
        label: format!("put_page(pinned page of subpage {})", s.threads[t].subpage),
        note: Some("unpin".into()),
        source: m.src("put_page", SWAP, false),
        effect: {
            let pin = s.pins.remove(Thp::last_pin(s, t, s.threads[t].subpage));
            m.put(s, pin.page)?;
            m.finish_op(s, t);
        },
    }

    // fork: dup_mmap
    /// `anon_vma_fork(vma, pvma)`: `anon_vma_clone`, then the child's own anon_vma.
    ForkAnonVma(m, s, t) {
        name: "anon_vma_fork(vma, pvma)",
        label: format!("anon_vma_fork({}'s vma, parent vma)", m.child_name(s, t)),
        note: Some(format!("anon_vma_clone + new anon_vma({})", m.child_name(s, t))),
        source: m.src("anon_vma_fork", RMAP, false),
        effect: {
            let (c, parent) = (m.child(s, t), s.mms[t]);
            if parent.anon_vma != NONE {
                s.mms[c].anon_vma = c as u8;
                s.mms[c].links = parent.links | 1 << c;
            }
            if m.write_protect_seq(t) {
                s.threads[t].pc = Pc::ForkSeqBegin;
            } else {
                m.copy_page_range(s, t);
            }
        },
    }
    /// `spin_lock(dst_ptl); spin_lock_nested(src_ptl)` in `copy_huge_pmd`.
    ForkPmdLock(m, s, t) {
        name: "spin_lock(dst_ptl); spin_lock_nested(src_ptl)",
        source: m.src("copy_huge_pmd", HUGE, false),
        effect: {
            m.fork_pmd_locks(s, t, true);
            // v5.9's test before get_page; `page_maybe_dma_pinned` is a step.
            let checks = m.fork_tests_pins(s, t);
            s.threads[t].pc = if checks { Pc::ForkPmdMaybePinned } else { Pc::ForkPmdGet };
        },
    }
    /// `pmd = *src_pmd; src_page = pmd_page(pmd); get_page(src_page)`.
    ForkPmdGet(m, s, t) {
        name: "pmd = *src_pmd; src_page = pmd_page(pmd); get_page(src_page)",
        source: m.src("copy_huge_pmd", HUGE, false),
        effect: {
            let Pmd::Huge(e) = s.mms[t].pmd else { unreachable!() };
            s.threads[t].page = e.page;
            *Thp::refcount_of(s, e.page) += 1;
            s.threads[t].pc = match e.page {
                H if m.variant.anon_exclusive() => Pc::ForkPmdTryDup,
                H => Pc::ForkPmdDup,
                _ => Pc::ForkPmdWrprotect,
            };
        },
    }
    /// `page_dup_rmap(src_page, true)`: `atomic_inc(compound_mapcount_ptr(page))`.
    ForkPmdDup(m, s, t) {
        name: "page_dup_rmap(src_page, true)",
        label: m.v4_4_or("page_dup_rmap(src_page)", "page_dup_rmap(src_page, true)").into(),
        note: Some(format!(
            "atomic_inc({})",
            m.v4_4_or("&H._mapcount", "compound_mapcount_ptr(page)")
        )),
        source: m.src("page_dup_rmap", RMAP_H, false),
        effect: { *m.pmd_mapcount(s) += 1; s.threads[t].pc = Pc::ForkPmdWrprotect; },
    }
    /// `pmdp_set_wrprotect(src_mm, addr, src_pmd)`.
    ForkPmdWrprotect(m, s, t) {
        name: "pmdp_set_wrprotect(src_mm, addr, src_pmd)",
        source: m.src("copy_huge_pmd", HUGE, false),
        effect: { m.set_pmd_write(s, t, false); s.threads[t].pc = Pc::ForkPmdSet; },
    }
    /// `set_pmd_at(dst_mm, addr, dst_pmd, pmd)`: the child's read-only huge PMD.
    ForkPmdSet(m, s, t) {
        name: "set_pmd_at(dst_mm, addr, dst_pmd, pmd_mkold(pmd_wrprotect(pmd)))",
        label: format!(
            "set_pmd_at(dst_mm = {}, addr, dst_pmd, pmd_mkold(pmd_wrprotect(pmd)))",
            m.child_name(s, t)
        ),
        source: m.src("copy_huge_pmd", HUGE, false),
        effect: {
            let c = m.child(s, t);
            s.mms[c].pmd = Pmd::huge(s.threads[t].page, false);
            s.threads[t].pc = Pc::ForkPmdUnlock;
        },
    }
    /// `spin_unlock(src_ptl); spin_unlock(dst_ptl)`: the fork is done.
    ForkPmdUnlock(m, s, t) {
        name: "spin_unlock(src_ptl); spin_unlock(dst_ptl)",
        source: m.src("copy_huge_pmd", HUGE, false),
        effect: { m.fork_pmd_locks(s, t, false); m.copy_done(s, t); },
    }
    /// `dst_pte = pte_alloc_map_lock(dst_mm, ...); spin_lock_nested(src_ptl)`.
    ForkPteLock(m, s, t) {
        name: "dst_pte = pte_alloc_map_lock(dst_mm, ...); spin_lock_nested(src_ptl)",
        label: format!(
            "dst_pte = pte_alloc_map_lock({}, ...); spin_lock_nested(src_ptl)",
            m.child_name(s, t)
        ),
        source: m.src("copy_pte_range", MEMORY, false),
        effect: {
            let c = m.child(s, t);
            s.mms[c].pmd = Pmd::Table;
            m.fork_pte_locks(s, t, true);
            s.threads[t].todo = m.present_ptes(s, t);
            m.next_fork_pte(s, t);
        },
    }
    /// `ptep_set_wrprotect(src_mm, addr, src_pte); pte = pte_wrprotect(pte)`.
    ForkPteWrprotect(m, s, t) {
        name: "ptep_set_wrprotect(src_mm, addr, src_pte); pte = pte_wrprotect(pte)",
        label: format!(
            "ptep_set_wrprotect(src_mm, addr, src_pte[{}]); pte = pte_wrprotect(pte)",
            s.threads[t].i
        ),
        source: m.src("copy_one_pte", MEMORY, false),
        effect: {
            let pte = &mut s.mms[t].pte[s.threads[t].i as usize];
            pte.write = false;
            s.threads[t].page = pte.page;
            // v5.19 takes its reference and duplicates the mapping first.
            let last = m.variant.anon_exclusive();
            s.threads[t].pc = if last { Pc::ForkPteSet } else { Pc::ForkPteGet };
        },
    }
    /// `page = vm_normal_page(vma, addr, pte); get_page(page)`.
    ForkPteGet(m, s, t) {
        name: "page = vm_normal_page(vma, addr, pte); get_page(page)",
        label: format!(
            "page = vm_normal_page(vma, addr, pte); get_page({}[{}])",
            m.page_name(s.mms[t].pte[s.threads[t].i as usize].page),
            s.threads[t].i
        ),
        source: m.src("copy_one_pte", MEMORY, false),
        effect: {
            let page = s.mms[t].pte[s.threads[t].i as usize].page;
            s.threads[t].page = page;
            *Thp::refcount_of(s, page) += 1;
            s.threads[t].pc = match page {
                _ if m.variant.anon_exclusive() => Pc::ForkPteTryDup,
                H => Pc::ForkPteDup,
                _ => Pc::ForkPteSet,
            };
        },
    }
    /// `page_dup_rmap(page, false)`: `atomic_inc(&page->_mapcount)`.
    ForkPteDup(m, s, t) {
        name: "page_dup_rmap(page, false)",
        note: Some(format!("atomic_inc(&H[{}]._mapcount)", s.threads[t].i)),
        source: m.src("page_dup_rmap", RMAP_H, false),
        effect: {
            s.thp.mapcount[s.threads[t].i as usize] += 1;
            let exclusive = m.variant.anon_exclusive();
            s.threads[t].pc = if exclusive { Pc::ForkPteWrprotect } else { Pc::ForkPteSet };
        },
    }
    /// `set_pte_at(dst_mm, addr, dst_pte, pte)`: the child's read-only PTE.
    ForkPteSet(m, s, t) {
        name: "set_pte_at(dst_mm, addr, dst_pte, pte)",
        label: format!(
            "set_pte_at(dst_mm = {}, addr, dst_pte[{}], pte)",
            m.child_name(s, t),
            s.threads[t].i
        ),
        source: m.src("copy_one_pte", MEMORY, false),
        effect: {
            let (c, i) = (m.child(s, t), s.threads[t].i);
            s.mms[c].pte[i as usize] = Entry { page: s.threads[t].page, write: false };
            s.threads[t].todo &= !(1 << i);
            m.next_fork_pte(s, t);
        },
    }
    /// `spin_unlock(src_ptl); pte_unmap_unlock(orig_dst_pte, dst_ptl)`: the fork is done.
    ForkPteUnlock(m, s, t) {
        name: "spin_unlock(src_ptl); pte_unmap_unlock(orig_dst_pte, dst_ptl)",
        source: m.src("copy_pte_range", MEMORY, false),
        effect: { m.fork_pte_locks(s, t, false); m.copy_done(s, t); },
    }

}
// The steps after the split's (then the later variants' page-lock steps).
{
    // zap_pte_range
    /// `spin_lock(pte_lockptr(mm, pmd))` in `zap_pte_range` (`pte_offset_map_lock`).
    ZapLock(m, s, t) {
        name: PTE_LOCK,
        source: m.src("zap_pte_range", MEMORY, false),
        footprint: m.own_locks_reading_tables(s, t),
        effect: {
            s.mms[t].pte_lock = true;
            s.threads[t].todo = match m.op(s, t) {
                Some(Op::Munmap(i)) => m.present_ptes(s, t) & 1 << i,
                _ => m.present_ptes(s, t),
            };
            m.next_zap(s, t);
        },
    }
    /// `ptent = ptep_get_and_clear_full(mm, addr, pte, tlb->fullmm)`; the page gathered.
    ZapClear(m, s, t) {
        name: "ptent = ptep_get_and_clear_full(mm, addr, pte, fullmm)",
        label: format!(
            "ptent = ptep_get_and_clear_full(mm, addr, pte[{}], fullmm)",
            s.threads[t].i
        ),
        source: m.src("zap_pte_range", MEMORY, false),
        effect: {
            let i = s.threads[t].i as usize;
            let e = std::mem::replace(&mut s.mms[t].pte[i], Entry::EMPTY);
            s.threads[t].gather[i] = e.page;
            if e.page == H {
                s.threads[t].pc = Pc::ZapRmap;
            } else {
                s.threads[t].todo &= !(1 << i);
                m.next_zap(s, t);
            }
        },
    }
    /// `page_remove_rmap(page, false)`: the subpage's `_mapcount` dropped.
    ZapRmap(m, s, t) {
        name: "page_remove_rmap(page, false)",
        note: Some(format!("atomic_add_negative(-1, &H[{}]._mapcount)", s.threads[t].i)),
        source: m.src("page_remove_rmap", RMAP, false),
        effect: {
            let i = s.threads[t].i;
            s.thp.mapcount[i as usize] -= 1;
            s.threads[t].todo &= !(1 << i);
            m.next_zap(s, t);
        },
    }
    /// `pte_unmap_unlock(start_pte, ptl)`.
    ZapUnlock(m, s, t) {
        name: PTE_UNLOCK,
        source: m.src("zap_pte_range", MEMORY, false),
        effect: { s.mms[t].pte_lock = false; m.next_put(s, t); },
    }
    /// `put_page` of a gathered page: `tlb_flush_mmu` → `free_pages_and_swap_cache`.
    ZapPut(m, s, t) {
        name: "put_page(page)",
        label: format!("put_page({})", m.page_name(m.gathered(s, t).map_or(H, |(_, g)| g))),
        note: Some("tlb_flush_mmu → free_pages_and_swap_cache".into()),
        source: m.src("release_pages", SWAP, false),
        effect: {
            let (i, page) = m.gathered(s, t).expect("a gathered page");
            s.threads[t].gather[i] = NONE;
            m.put(s, page)?;
            m.next_put(s, t);
        },
    }

    // zap_huge_pmd
    /// `spin_lock(pmd_lock(mm, pmd))` in `zap_huge_pmd`.
    ZapPmdLock(m, s, t) {
        name: PMD_LOCK,
        source: m.src("zap_huge_pmd", HUGE, false),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pmd_lock = true; s.threads[t].pc = Pc::ZapPmdClear; },
    }
    /// `orig_pmd = pmdp_huge_get_and_clear_full(tlb->mm, addr, pmd, tlb->fullmm)`.
    ZapPmdClear(m, s, t) {
        name: "orig_pmd = pmdp_huge_get_and_clear_full(tlb->mm, addr, pmd, fullmm)",
        source: m.src("zap_huge_pmd", HUGE, false),
        effect: {
            let old = std::mem::replace(&mut s.mms[t].pmd, Pmd::None);
            let Pmd::Huge(e) = old else { unreachable!() };
            s.threads[t].page = e.page;
            if e.page == H {
                m.start_rmap(s, t, RmapAfter::Zap);
            } else {
                s.threads[t].pc = Pc::ZapPmdUnlock;
            }
        },
    }
    /// `spin_unlock(ptl)` in `zap_huge_pmd`.
    ZapPmdUnlock(m, s, t) {
        name: PMD_UNLOCK,
        source: m.src("zap_huge_pmd", HUGE, false),
        footprint: m.own_locks(s, t),
        effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::ZapPmdPut; },
    }
    /// `tlb_remove_page(tlb, page)`: `put_page` after the TLB flush.
    ZapPmdPut(m, s, t) {
        name: "put_page(page)",
        label: format!("put_page({})", m.page_label(s, t)),
        note: Some("tlb_remove_page, after the TLB flush".into()),
        source: m.src("release_pages", SWAP, false),
        effect: { let page = s.threads[t].page; m.put(s, page)?; m.finish_op(s, t); },
    }
}
}
