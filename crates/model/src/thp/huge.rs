//! The huge-PMD paths' steps: `do_huge_pmd_wp_page` and the PMD split (`__split_huge_pmd`,
//! `__split_huge_pmd_locked`), declared apart from the other paths' steps to keep each file
//! short. [`with_huge_steps!`] hands them to [`steps!`](crate::step::steps) after the steps it
//! is given, so that [`Pc`](super::steps::Pc) is still one enum declared in one place; the
//! names the declarations use are those of [`steps`](super::steps), where the macro is
//! invoked.

/// `steps!` on the given declarations followed by the huge-PMD paths' steps.
macro_rules! with_huge_steps {
    ($($steps:tt)*) => {
        crate::step::steps! {
            $($steps)*

            // do_huge_pmd_wp_page
            /// `spin_lock(pmd_lock(mm, pmd)); pmd_same(*pmd, orig_pmd)`; the R2 judgement.
            HugeWpLock(m, s, t) {
                name: PMD_RELOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.mms[t].pmd_lock = true;
                    let Pmd::Huge(e) = s.mms[t].pmd else { unreachable!("huge fault without a huge PMD") };
                    let mapped_once = (0..m.n).all(|i| m.maps(s, H, i) == 1);
                    m.judge(s, t, e.page, mapped_once);
                    if e.page != H {
                        s.threads[t].pc = Pc::HugeWpCopyPage;
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
                effect: { m.huge_wp_copy_page(s, t)?; s.threads[t].pc = Pc::HugeWpUnlock; },
            }
            /// `page_count(page) == 1` (v4.5's second reuse condition).
            HugeWpPageCount(m, s, t) {
                name: "page_count(page) == 1",
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.threads[t].pc = if s.thp.refcount == 1 { Pc::HugeWpReuse } else { Pc::HugeWpGet };
                },
            }
            /// `pmdp_set_access_flags(vma, haddr, pmd, entry)`: the PMD reused, made writable.
            HugeWpReuse(m, s, t) {
                name: "pmdp_set_access_flags(vma, haddr, pmd, \
                       pmd_mkyoung(pmd_mkdirty(pmd_mkwrite(orig_pmd))))",
                note: Some("reuse".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { m.set_pmd_write(s, t, true); s.threads[t].pc = Pc::HugeWpUnlock; },
            }
            /// `spin_unlock(pmd_lock(mm, pmd))`: the huge fault is done.
            HugeWpUnlock(m, s, t) {
                name: PMD_UNLOCK,
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.mms[t].pmd_lock = false; m.fault_done(s, t); },
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
                effect: { s.mms[t].pmd_lock = false; s.threads[t].pc = Pc::HugeWpAlloc; },
            }
            /// `new_page = alloc_hugepage_vma(...); copy_user_huge_page(new_page, page, ...)`.
            HugeWpAlloc(m, s, t) {
                name: "new_page = alloc_hugepage_vma(...); copy_user_huge_page(new_page, page, ...)",
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


            // __split_huge_pmd, __split_huge_pmd_locked
            /// `spin_lock(pmd_lock(mm, pmd)); if (pmd_trans_huge(*pmd))`; the PMD's write bit.
            SplitLock(m, s, t) {
                name: "spin_lock(pmd_lock(mm, pmd)); if (pmd_trans_huge(*pmd))",
                source: m.src("__split_huge_pmd", HUGE, false),
                effect: {
                    s.mms[t].pmd_lock = true;
                    s.threads[t].pc = match s.mms[t].pmd {
                        Pmd::Huge(e) if e.page == H => {
                            s.threads[t].write = e.write;
                            Pc::SplitRefAdd
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
                source: m.src("__split_huge_pmd_locked", HUGE, false),
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
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: { s.thp.refcount += m.n as i16 - 1; s.threads[t].pc = Pc::SplitWithdraw; },
            }
            /// s2: `write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)`.
            SplitWithdraw(m, s, t) {
                name: "write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)",
                note: Some("s2".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: { s.threads[t].i = 0; s.threads[t].pc = Pc::SplitSetPte; },
            }
            /// s3: `set_pte_at(mm, addr, pte, entry); atomic_inc(&page[i]._mapcount)`, per subpage.
            SplitSetPte(m, s, t) {
                name: "set_pte_at(mm, addr, pte, mk_pte(page + i)); atomic_inc(&page[i]._mapcount)",
                label: format!(
                    "set_pte_at(mm, addr, pte[{i}], mk_pte(page + {i})); atomic_inc(&page[{i}]._mapcount)",
                    i = s.threads[t].i
                ),
                note: Some("s3".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    let write = s.threads[t].write;
                    s.mms[t].pte[s.threads[t].i as usize] = Entry { page: H, write };
                    if m.each_subpage(s, t, 1) {
                        s.threads[t].pc = Pc::SplitReadCompound;
                    }
                },
            }
            /// s4: `if (compound_mapcount(page) > 1`.
            SplitReadCompound(m, s, t) {
                name: "if (compound_mapcount(page) > 1",
                note: Some("s4".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    let shared = s.thp.compound_mapcount + 1 > 1;
                    s.threads[t].pc = if shared { Pc::SplitSetDoubleMap } else { Pc::SplitCompoundDec };
                },
            }
            /// s4: `&& !TestSetPageDoubleMap(page))`.
            SplitSetDoubleMap(m, s, t) {
                name: "&& !TestSetPageDoubleMap(page))",
                note: Some("s4".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    let was = std::mem::replace(&mut s.thp.double_map, true);
                    s.threads[t].i = 0;
                    s.threads[t].pc = if was { Pc::SplitCompoundDec } else { Pc::SplitDoubleMapInc };
                },
            }
            /// s4: `atomic_inc(&page[i]._mapcount)`, the double-map offset, per subpage.
            SplitDoubleMapInc(m, s, t) {
                name: "atomic_inc(&page[i]._mapcount)",
                label: format!("atomic_inc(&page[{}]._mapcount)", s.threads[t].i),
                note: Some("s4: double-map offset".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: { if m.each_subpage(s, t, 1) { s.threads[t].pc = Pc::SplitCompoundDec } },
            }
            /// s5: `if (atomic_add_negative(-1, compound_mapcount_ptr(page)))`.
            SplitCompoundDec(m, s, t) {
                name: "if (atomic_add_negative(-1, compound_mapcount_ptr(page)))",
                note: Some("s5".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    s.thp.compound_mapcount -= 1;
                    let negative = s.thp.compound_mapcount < 0;
                    s.threads[t].pc = if negative { Pc::SplitClearDoubleMap } else { Pc::SplitInvalidate };
                },
            }
            /// s5: `if (TestClearPageDoubleMap(page))`.
            SplitClearDoubleMap(m, s, t) {
                name: "if (TestClearPageDoubleMap(page))",
                note: Some("s5".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    let was = std::mem::take(&mut s.thp.double_map);
                    s.threads[t].i = 0;
                    s.threads[t].pc = if was { Pc::SplitDoubleMapDec } else { Pc::SplitInvalidate };
                },
            }
            /// s5: `atomic_dec(&page[i]._mapcount)`, the double-map offset dropped, per subpage.
            SplitDoubleMapDec(m, s, t) {
                name: "atomic_dec(&page[i]._mapcount)",
                label: format!("atomic_dec(&page[{}]._mapcount)", s.threads[t].i),
                note: Some("s5".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: { if m.each_subpage(s, t, -1) { s.threads[t].pc = Pc::SplitInvalidate } },
            }
            /// s6: `pmdp_invalidate(vma, haddr, pmd)`.
            SplitInvalidate(m, s, t) {
                name: "pmdp_invalidate(vma, haddr, pmd)",
                note: Some("s6".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: {
                    if let Pmd::Huge(e) = s.mms[t].pmd {
                        s.mms[t].pmd = Pmd::Invalid(e);
                    }
                    s.threads[t].pc = Pc::SplitPopulate;
                },
            }
            /// s6: `pmd_populate(mm, pmd, pgtable)`.
            SplitPopulate(m, s, t) {
                name: "pmd_populate(mm, pmd, pgtable)",
                note: Some("s6".into()),
                source: m.src("__split_huge_pmd_locked", HUGE, false),
                effect: { s.mms[t].pmd = Pmd::Table; s.threads[t].pc = Pc::SplitUnlock; },
            }
            /// `spin_unlock(ptl)` in `__split_huge_pmd`.
            SplitUnlock(m, s, t) {
                name: PMD_UNLOCK,
                source: m.src("__split_huge_pmd", HUGE, false),
                effect: { s.mms[t].pmd_lock = false; m.after_split(s, t); },
            }

        }
    };
}

pub(super) use with_huge_steps;
