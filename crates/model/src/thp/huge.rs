//! The huge-PMD paths' steps: `do_huge_pmd_wp_page` and the PMD split (`__split_huge_pmd`,
//! `__split_huge_pmd_locked`), declared apart from the other paths' steps to keep each file
//! short. [`with_huge_steps!`] hands them to [`steps!`](crate::step::steps) with the others,
//! so that [`Pc`](super::steps::Pc) is still one enum declared in one place; the names the
//! declarations use are those of [`steps`](super::steps), where the macro is invoked.
//!
//! A step's place in [`Pc`](super::steps::Pc) is its discriminant, the byte a packed state
//! keeps (and so what the fingerprints hash and the order some engines pick a trace in): the
//! huge-PMD steps keep the places they had among the others, and the steps of the later
//! variants' page locks come after every other step.

/// `steps!` on four groups of declarations, with the huge-PMD paths' steps in between: the
/// `do_huge_pmd_wp_page` steps after the first group, the split's after the second, the
/// page-lock steps of the later variants after the third, and the fourth group (the steps
/// of the 2020-2022 fixes, [`cow_fixes`](super::cow_fixes)) last.
macro_rules! with_huge_steps {
    (
        { $($before_wp:tt)* } { $($before_split:tt)* } { $($after_split:tt)* }
        { $($last:tt)* }
    ) => {
        crate::step::steps! {
            $($before_wp)*

            // do_huge_pmd_wp_page
            /// `spin_lock(pmd_lock(mm, pmd)); pmd_same(*pmd, orig_pmd)`; the R2 judgement.
            HugeWpLock(m, s, t) {
                name: PMD_RELOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.mms[t].pmd_lock = true;
                    let Pmd::Huge(e) = s.mms[t].pmd else {
                        unreachable!("huge fault without a huge PMD")
                    };
                    let mapped_once = (0..m.n).all(|i| m.maps(s, H, i) == 1);
                    m.judge(s, t, e.page, mapped_once);
                    if e.page != H {
                        s.threads[t].pc = Pc::HugeWpCopyPage;
                    } else if m.variant.anon_exclusive() {
                        s.threads[t].pc = Pc::HugeWpExclusive;
                    } else if m.variant.locks_page_in_huge_wp() {
                        s.threads[t].pc = Pc::HugeWpTrylock;
                    } else {
                        m.start_read(s, t, m.huge_wp_reader(), 0, After::HugeWp);
                    }
                },
            }
            /// `do_huge_pmd_wp_page` on a COW copy, coarse: reuse if mapped once, else copy.
            HugeWpCopyPage(m, s, t) {
                name: "do_huge_pmd_wp_page on a COW copy",
                label: format!(
                    "do_huge_pmd_wp_page on {} (a COW copy): reuse if mapped once, else copy",
                    m.page_label(s, t)
                ),
                note: Some("coarse".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    let unshare = m.unshare(s, t);
                    m.huge_wp_copy_page(s, t, unshare)?;
                    s.threads[t].pc = Pc::HugeWpUnlock;
                },
            }
            /// `page_count(page) == 1` (v4.5's second reuse condition).
            HugeWpPageCount(m, s, t) {
                name: "page_count(page) == 1",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    let page_count = s.thp.refcount;
                    s.threads[t].pc = if page_count == 1 { Pc::HugeWpReuse } else { Pc::HugeWpGet };
                },
            }
            /// `pmdp_set_access_flags(vma, haddr, pmd, entry)`: the PMD reused, made writable.
            HugeWpReuse(m, s, t) {
                name: "pmdp_set_access_flags(vma, haddr, pmd, \
                       pmd_mkyoung(pmd_mkdirty(pmd_mkwrite(orig_pmd))))",
                note: Some("reuse".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    m.set_pmd_write(s, t, true);
                    let locked = s.page_lock == t as u8;
                    s.threads[t].pc = if locked { Pc::HugeWpReuseUnlockPage } else { Pc::HugeWpUnlock };
                },
            }
            /// `spin_unlock(pmd_lock(mm, pmd))`: the huge fault is done.
            HugeWpUnlock(m, s, t) {
                name: PMD_UNLOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.mms[t].pmd_lock = false; m.fault_done(s, t)?; },
            }
            /// `get_page(page)` before the copy.
            HugeWpGet(m, s, t) {
                name: "get_page(page)",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.thp.refcount += 1; s.threads[t].pc = Pc::HugeWpUnlockAlloc; },
            }
            /// `spin_unlock(pmd_lock(mm, pmd))` to allocate the copy.
            HugeWpUnlockAlloc(m, s, t) {
                name: PMD_UNLOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::HugeWpAlloc; },
            }
            /// `new_page = alloc_hugepage_vma(...); copy_user_huge_page(new_page, page, ...)`.
            HugeWpAlloc(m, s, t) {
                name: "new_page = alloc_hugepage_vma(...); \
                       copy_user_huge_page(new_page, page, ...)",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.threads[t].new_page = Thp::new_copy(s, true);
                    s.threads[t].pc = Pc::HugeWpRelock;
                },
            }
            /// `spin_lock(pmd_lock(mm, pmd)); pmd_same(*pmd, orig_pmd)` after the copy.
            HugeWpRelock(m, s, t) {
                name: PMD_RELOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = true; s.threads[t].pc = Pc::HugeWpPut; },
            }
            /// `put_user_huge_page(page)`: `put_page`, the reference `get_page` took.
            HugeWpPut(m, s, t) {
                name: "put_user_huge_page(page)",
                note: Some("put_page".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { m.put(s, H)?; s.threads[t].pc = Pc::HugeWpClear; },
            }
            /// `pmdp_huge_clear_flush_notify(vma, haddr, pmd)`.
            HugeWpClear(m, s, t) {
                name: "pmdp_huge_clear_flush_notify(vma, haddr, pmd)",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.mms[t].pmd = Pmd::None; s.threads[t].pc = Pc::HugeWpNewRmap; },
            }
            /// `page_add_new_anon_rmap(new_page, vma, haddr, true)` (on the copy: no THP state).
            HugeWpNewRmap(m, s, t) {
                name: "page_add_new_anon_rmap(new_page, vma, haddr, true)",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.threads[t].pc = Pc::HugeWpSetPmd },
            }
            /// `set_pmd_at(mm, haddr, pmd, entry)`: the copy mapped writable; the R2 check.
            HugeWpSetPmd(m, s, t) {
                name: "set_pmd_at(mm, haddr, pmd, maybe_pmd_mkwrite(mk_huge_pmd(new_page)))",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.mms[t].pmd = Pmd::huge(s.threads[t].new_page, true);
                    m.false_cow_check(s, t, true)?;
                    m.start_rmap(s, t, RmapAfter::HugeWpCopy);
                },
            }
            /// `put_page(page)`: the old PMD's reference.
            HugeWpPutOld(m, s, t) {
                name: "put_page(page)",
                note: Some("the PMD's reference".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { m.put(s, H)?; s.threads[t].pc = Pc::HugeWpUnlock; },
            }

            $($before_split)*

            // __split_huge_pmd, __split_huge_pmd_locked
            /// `spin_lock(pmd_lock(mm, pmd)); if (pmd_trans_huge(*pmd))`; the PMD's write bit.
            SplitLock(m, s, t) {
                name: "spin_lock(pmd_lock(mm, pmd)); if (pmd_trans_huge(*pmd))",
                source: m.split_src("__split_huge_pmd"),
                footprint: m.own_locks_reading_tables(s, t),
                effect: {
                    s.mms[t].pmd_lock = true;
                    s.threads[t].pc = match s.mms[t].pmd {
                        Pmd::Huge(e) if e.page == H => {
                            s.threads[t].write = e.write;
                            if m.variant.locks_page_in_split() {
                                Pc::SplitTrylock
                            } else {
                                m.split_first()
                            }
                        }
                        Pmd::Huge(_) => Pc::SplitCopyPage,
                        _ => Pc::SplitUnlock,
                    };
                },
            }
            /// `__split_huge_pmd_locked` of a PMD mapping a COW copy, coarse.
            SplitCopyPage(m, s, t) {
                name: "__split_huge_pmd_locked on a COW copy",
                label: format!("__split_huge_pmd_locked on {} (a COW copy)", m.page_label(s, t)),
                note: Some("coarse".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    let Pmd::Huge(e) = s.mms[t].pmd else { unreachable!() };
                    s.mms[t].pmd = Pmd::Table;
                    s.mms[t].pte[..m.n as usize].fill(e);
                    *Thp::refcount_of(s, e.page) += m.n as i16 - 1;
                    s.threads[t].pc = Pc::SplitUnlock;
                },
            }
            /// s1: `page_ref_add(page, HPAGE_PMD_NR - 1)`.
            SplitRefAdd(m, s, t) {
                name: "page_ref_add(page, HPAGE_PMD_NR - 1)",
                label: format!("page_ref_add(page, HPAGE_PMD_NR - 1 = {})", m.n - 1),
                note: Some("s1".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    s.thp.refcount += m.n as i16 - 1;
                    let exclusive = m.variant.anon_exclusive();
                    s.threads[t].pc = if exclusive { Pc::SplitAnonExclusive } else { Pc::SplitWithdraw };
                },
            }
            /// s2: `write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)`.
            SplitWithdraw(m, s, t) {
                name: "write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)",
                label: m
                    .v5_9_or(
                        "pgtable = pgtable_trans_huge_withdraw(mm, pmd); pmd_populate(mm, &_pmd, pgtable)",
                        "write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)",
                    )
                    .into(),
                note: Some("s2".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: { s.threads[t].i = 0; s.threads[t].pc = Pc::SplitSetPte; },
            }
            /// s3: `set_pte_at(mm, addr, pte, entry); atomic_inc(&page[i]._mapcount)`, per subpage.
            SplitSetPte(m, s, t) {
                name: "set_pte_at(mm, addr, pte, mk_pte(page + i)); atomic_inc(&page[i]._mapcount)",
                label: format!(
                    "{}set_pte_at(mm, addr, pte[{i}], mk_pte(page + {i})); \
                     atomic_inc(&page[{i}]._mapcount)",
                    if s.threads[t].exclusive {
                        format!("SetPageAnonExclusive(page + {}); ", s.threads[t].i)
                    } else {
                        String::new()
                    },
                    i = s.threads[t].i
                ),
                note: Some("s3".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    let (write, i) = (s.threads[t].write, s.threads[t].i);
                    if s.threads[t].exclusive {
                        s.thp.anon_exclusive |= 1 << i;
                    }
                    s.mms[t].pte[i as usize] = Entry { page: H, write };
                    if m.each_subpage(s, t, 1) {
                        s.threads[t].pc = Pc::SplitReadCompound;
                    }
                },
            }
            /// s4: `if (compound_mapcount(page) > 1`.
            SplitReadCompound(m, s, t) {
                name: "if (compound_mapcount(page) > 1",
                note: Some("s4".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    let shared = s.thp.compound_mapcount + 1 > 1;
                    s.threads[t].pc =
                        if shared { Pc::SplitSetDoubleMap } else { Pc::SplitCompoundDec };
                },
            }
            /// s4: `&& !TestSetPageDoubleMap(page))`.
            SplitSetDoubleMap(m, s, t) {
                name: "&& !TestSetPageDoubleMap(page))",
                note: Some("s4".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    let was = std::mem::replace(&mut s.thp.double_map, true);
                    s.threads[t].i = 0;
                    s.threads[t].pc =
                        if was { Pc::SplitCompoundDec } else { Pc::SplitDoubleMapInc };
                },
            }
            /// s4: `atomic_inc(&page[i]._mapcount)`, the double-map offset, per subpage.
            SplitDoubleMapInc(m, s, t) {
                name: "atomic_inc(&page[i]._mapcount)",
                label: format!("atomic_inc(&page[{}]._mapcount)", s.threads[t].i),
                note: Some("s4: double-map offset".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: { if m.each_subpage(s, t, 1) { s.threads[t].pc = Pc::SplitCompoundDec } },
            }
            /// s5: `if (atomic_add_negative(-1, compound_mapcount_ptr(page)))`.
            SplitCompoundDec(m, s, t) {
                name: "if (atomic_add_negative(-1, compound_mapcount_ptr(page)))",
                note: Some("s5".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    s.thp.compound_mapcount -= 1;
                    let negative = s.thp.compound_mapcount < 0;
                    s.threads[t].pc = if negative { Pc::SplitClearDoubleMap } else { m.after_s5() };
                },
            }
            /// s5: `if (TestClearPageDoubleMap(page))`.
            SplitClearDoubleMap(m, s, t) {
                name: "if (TestClearPageDoubleMap(page))",
                note: Some("s5".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    let was = std::mem::take(&mut s.thp.double_map);
                    s.threads[t].i = 0;
                    s.threads[t].pc = if was { Pc::SplitDoubleMapDec } else { m.after_s5() };
                },
            }
            /// s5: `atomic_dec(&page[i]._mapcount)`, the double-map offset dropped, per subpage.
            SplitDoubleMapDec(m, s, t) {
                name: "atomic_dec(&page[i]._mapcount)",
                label: format!("atomic_dec(&page[{}]._mapcount)", s.threads[t].i),
                note: Some("s5".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: { if m.each_subpage(s, t, -1) { s.threads[t].pc = m.after_s5() } },
            }
            /// s6: `pmdp_invalidate(vma, haddr, pmd)`.
            SplitInvalidate(m, s, t) {
                name: "pmdp_invalidate(vma, haddr, pmd)",
                label: m
                    .v5_9_or(
                        "old_pmd = pmdp_invalidate(vma, haddr, pmd); write = pmd_write(old_pmd)",
                        "pmdp_invalidate(vma, haddr, pmd)",
                    )
                    .into(),
                note: Some(m.v5_9_or("s6, before s1 on v5.9", "s6").into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    if let Pmd::Huge(e) = s.mms[t].pmd {
                        s.mms[t].pmd = Pmd::Invalid(e);
                    }
                    s.threads[t].pc = if m.variant.since_v5_9() {
                        Pc::SplitRefAdd
                    } else {
                        Pc::SplitPopulate
                    };
                },
            }
            /// s6: `pmd_populate(mm, pmd, pgtable)`.
            SplitPopulate(m, s, t) {
                name: "pmd_populate(mm, pmd, pgtable)",
                note: Some("s6".into()),
                source: m.split_src("__split_huge_pmd_locked"),
                effect: { s.mms[t].pmd = Pmd::Table; s.threads[t].pc = Pc::SplitUnlock; },
            }
            /// `spin_unlock(ptl)` in `__split_huge_pmd`.
            SplitUnlock(m, s, t) {
                name: PMD_UNLOCK,
                source: m.split_src("__split_huge_pmd"),
                effect: {
                    s.mms[t].pmd_lock = false;
                    if s.page_lock == t as u8 {
                        s.threads[t].pc = Pc::SplitUnlockPage;
                    } else {
                        m.after_split(s, t);
                    }
                },
            }

            $($after_split)*

            // c444eb564fb1: the page lock around the split.
            /// `page = pmd_page(*pmd); if (unlikely(!trylock_page(page)))`.
            SplitTrylock(m, s, t) {
                name: "page = pmd_page(*pmd); if (unlikely(!trylock_page(page)))",
                source: m.src("__split_huge_pmd", HUGE, true),
                effect: {
                    if s.page_lock == NONE {
                        s.page_lock = t as u8;
                        m.split_locked_start(s, t);
                    } else {
                        s.threads[t].pc = Pc::SplitGetSlow;
                    }
                },
            }
            /// `get_page(page); _pmd = *pmd` before sleeping on the page lock.
            SplitGetSlow(m, s, t) {
                name: "get_page(page); _pmd = *pmd",
                source: m.src("__split_huge_pmd", HUGE, true),
                effect: { s.thp.refcount += 1; s.threads[t].pc = Pc::SplitUnlockSlow; },
            }
            /// `spin_unlock(ptl)` before sleeping on the page lock.
            SplitUnlockSlow(m, s, t) {
                name: "spin_unlock(ptl)",
                source: m.src("__split_huge_pmd", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::SplitLockPage; },
            }
            /// `lock_page(page)`: waits while another thread holds it.
            SplitLockPage(m, s, t) {
                name: "lock_page(page)",
                source: m.src("__split_huge_pmd", HUGE, true),
                effect: { s.page_lock = t as u8; s.threads[t].pc = Pc::SplitRelockSlow; },
            }
            /// `spin_lock(ptl); if (unlikely(!pmd_same(*pmd, _pmd)))`: the PMD is unchanged.
            SplitRelockSlow(m, s, t) {
                name: "spin_lock(ptl); if (unlikely(!pmd_same(*pmd, _pmd)))",
                source: m.src("__split_huge_pmd", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = true; s.threads[t].pc = Pc::SplitPutSlow; },
            }
            /// `put_page(page)`: the reference taken before sleeping.
            SplitPutSlow(m, s, t) {
                name: "put_page(page)",
                note: Some("the reference taken before sleeping".into()),
                source: m.src("__split_huge_pmd", HUGE, true),
                effect: { m.put(s, H)?; m.split_locked_start(s, t); },
            }
            /// `if (!was_locked && page) unlock_page(page)`, after `spin_unlock(ptl)`.
            SplitUnlockPage(m, s, t) {
                name: "if (!was_locked && page) unlock_page(page)",
                source: m.src("__split_huge_pmd", HUGE, true),
                effect: { s.page_lock = NONE; m.after_split(s, t); },
            }

            // ba3c4ce6def4 (4.9.y: its page lock alone): the page lock around the reuse test;
            // 3917c80280c9 (v5.9): a split and the PTE path instead of a huge copy.
            /// `if (!trylock_page(page))`, before the reuse test.
            HugeWpTrylock(m, s, t) {
                name: "if (!trylock_page(page))",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    if s.page_lock == NONE {
                        s.page_lock = t as u8;
                        m.huge_reuse_test(s, t);
                    } else {
                        s.threads[t].pc = Pc::HugeWpGetSlow;
                    }
                },
            }
            /// `get_page(page)` before sleeping on the page lock.
            HugeWpGetSlow(m, s, t) {
                name: "get_page(page)",
                note: Some("before sleeping on the page lock".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.thp.refcount += 1; s.threads[t].pc = Pc::HugeWpUnlockSlow; },
            }
            /// `spin_unlock(vmf->ptl)` (4.9: `fe->ptl`) before sleeping on the page lock.
            HugeWpUnlockSlow(m, s, t) {
                name: "spin_unlock(vmf->ptl)",
                label: m.v5_9_or("spin_unlock(vmf->ptl)", "spin_unlock(fe->ptl)").into(),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::HugeWpLockPage; },
            }
            /// `lock_page(page)`: waits while another thread holds it.
            HugeWpLockPage(m, s, t) {
                name: "lock_page(page)",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.page_lock = t as u8; s.threads[t].pc = Pc::HugeWpRelockSlow; },
            }
            /// `spin_lock(vmf->ptl); if (unlikely(!pmd_same(*vmf->pmd, orig_pmd)))`.
            HugeWpRelockSlow(m, s, t) {
                name: "spin_lock(vmf->ptl); if (unlikely(!pmd_same(*vmf->pmd, orig_pmd)))",
                label: m
                    .v5_9_or(
                        "spin_lock(vmf->ptl); if (unlikely(!pmd_same(*vmf->pmd, orig_pmd)))",
                        "spin_lock(fe->ptl); if (unlikely(!pmd_same(*fe->pmd, orig_pmd)))",
                    )
                    .into(),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = true; s.threads[t].pc = Pc::HugeWpPutSlow; },
            }
            /// `put_page(page)`: the reference taken before sleeping; then the reuse test.
            HugeWpPutSlow(m, s, t) {
                name: "put_page(page)",
                note: Some("the reference taken before sleeping".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { m.put(s, H)?; m.huge_reuse_test(s, t); },
            }
            /// `unlock_page(page)` after the reuse (`pmdp_set_access_flags`).
            HugeWpReuseUnlockPage(m, s, t) {
                name: "unlock_page(page)",
                note: Some("reused".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.page_lock = NONE; s.threads[t].pc = Pc::HugeWpUnlock; },
            }
            /// `unlock_page(page)` when the page cannot be reused: then the huge copy (4.9.y) or
            /// the fallback (v5.9).
            HugeWpUnlockPage(m, s, t) {
                name: "unlock_page(page)",
                note: Some(m.v5_9_or("not reused: fallback", "not reused: copy").into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.page_lock = NONE;
                    s.threads[t].pc = if m.variant.since_v5_9() {
                        Pc::HugeWpUnlockFallback
                    } else {
                        Pc::HugeWpGet
                    };
                },
            }
            /// `spin_unlock(vmf->ptl); fallback: __split_huge_pmd(vma, vmf->pmd, vmf->address,
            /// false, NULL)`: the split, then `VM_FAULT_FALLBACK` and the PTE path.
            HugeWpUnlockFallback(m, s, t) {
                name: "spin_unlock(vmf->ptl)",
                note: Some("then fallback: __split_huge_pmd(vma, vmf->pmd, vmf->address, \
                            false, NULL); return VM_FAULT_FALLBACK".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                footprint: m.own_locks(s, t),
                effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::SplitLock; },
            }

            $($last)*
        }
    };
}

pub(super) use with_huge_steps;
