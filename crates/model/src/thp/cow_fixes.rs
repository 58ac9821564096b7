//! The steps the 2020-2022 fixes added, declared apart to keep each file short: FOLL_PIN's
//! count (`unpin_user_page`), fork's early copy of a page that may be pinned (70e806e4e645
//! and d042035eaf5f, v5.9; `page_try_dup_anon_rmap`, v5.19), the write faults' `page_count()`
//! tests (the 2022 COW fixes part 1, v5.18) and `PageAnonExclusive` (part 2, v5.19).
//! [`with_cow_fix_steps!`] hands them to [`with_huge_steps!`](super::huge::with_huge_steps),
//! which puts them after every other step, so that the older steps keep their places (and
//! the states of the older variants their packed bytes).

/// [`with_huge_steps!`](super::huge::with_huge_steps) on three groups of declarations, with
/// the 2020-2022 fixes' steps as its fourth.
macro_rules! with_cow_fix_steps {
    ({ $($a:tt)* } { $($b:tt)* } { $($c:tt)* }) => {
        crate::thp::huge::with_huge_steps! {
            { $($a)* } { $($b)* } { $($c)* }
            {
            // FOLL_PIN (v5.6, compound_pincount v5.7)
            /// `unpin_user_page(page)`: the THP's `compound_pincount` dropped, then `put_page`.
            UnpinPincount(m, s, t) {
                name: "unpin_user_page(page): atomic_sub(1, compound_pincount_ptr(page))",
                label: format!(
                    "unpin_user_page(H[{}]): atomic_sub(1, compound_pincount_ptr(H))",
                    s.threads[t].subpage
                ),
                source: m.src("unpin_user_page", GUP, true),
                effect: { s.thp.pincount -= 1; s.threads[t].pc = Pc::Unpin; },
            }

            // copy_huge_pmd: the pinned page is not shared with the child
            /// `page_maybe_dma_pinned(src_page)`: v5.9 before `get_page`, v5.19 inside
            /// `page_try_dup_anon_rmap` (`page_needs_cow_for_dma`).
            ForkPmdMaybePinned(m, s, t) {
                name: "if (page_maybe_dma_pinned(src_page))",
                label: if m.variant.anon_exclusive() {
                    "if (page_needs_cow_for_dma(vma, page)) return -EBUSY".into()
                } else {
                    "if (is_cow_mapping(vma->vm_flags) && atomic_read(&src_mm->has_pinned) && \
                     page_maybe_dma_pinned(src_page))"
                        .into()
                },
                note: Some(format!("compound_pincount is {}", s.thp.pincount)),
                source: m.src("copy_huge_pmd", HUGE, true),
                effect: {
                    let pinned = m.maybe_dma_pinned(s, H);
                    s.threads[t].pc = match (pinned, m.variant.anon_exclusive()) {
                        (true, true) => Pc::ForkPmdPutBusy,
                        (true, false) => Pc::ForkPmdUnlockBusy,
                        (false, true) => Pc::ForkPmdClearExclusive,
                        (false, false) => Pc::ForkPmdGet,
                    };
                },
            }
            /// `page_try_dup_anon_rmap(src_page, true, src_vma)`: `if
            /// (!PageAnonExclusive(page)) goto dup`.
            ForkPmdTryDup(m, s, t) {
                name: "page_try_dup_anon_rmap(src_page, true, src_vma): \
                       if (!PageAnonExclusive(page)) goto dup",
                source: m.src("page_try_dup_anon_rmap", RMAP_H, true),
                effect: {
                    let exclusive = s.thp.exclusive(0);
                    // `test_bit(MMF_HAS_PINNED, &vma->vm_mm->flags)`, read with the PMD locks.
                    s.threads[t].pc = match exclusive {
                        false => Pc::ForkPmdDup,
                        true if s.mms[t].has_pinned => Pc::ForkPmdMaybePinned,
                        true => Pc::ForkPmdClearExclusive,
                    };
                },
            }
            /// `ClearPageAnonExclusive(page)`: the page may now be shared.
            ForkPmdClearExclusive(m, s, t) {
                name: "ClearPageAnonExclusive(page)",
                source: m.src("page_try_dup_anon_rmap", RMAP_H, true),
                effect: { s.thp.anon_exclusive &= !1; s.threads[t].pc = Pc::ForkPmdDup; },
            }
            /// `put_page(src_page)`: the page may be pinned, so the PMD is not shared.
            ForkPmdPutBusy(m, s, t) {
                name: "put_page(src_page)",
                note: Some("page maybe pinned: split and retry on PTEs".into()),
                source: m.src("copy_huge_pmd", HUGE, true),
                effect: { m.put(s, H)?; s.threads[t].pc = Pc::ForkPmdUnlockBusy; },
            }
            /// `pte_free(dst_mm, pgtable); spin_unlock(src_ptl); spin_unlock(dst_ptl)`; then
            /// `__split_huge_pmd(vma, src_pmd, addr, false, NULL); return -EAGAIN` and
            /// `copy_pte_range`.
            ForkPmdUnlockBusy(m, s, t) {
                name: "pte_free(dst_mm, pgtable); spin_unlock(src_ptl); spin_unlock(dst_ptl)",
                note: Some("then __split_huge_pmd(vma, src_pmd, addr, false, NULL); \
                            return -EAGAIN: copy_pte_range".into()),
                source: m.src("copy_huge_pmd", HUGE, true),
                footprint: m.fork_locks(s, t),
                effect: { m.fork_pmd_locks(s, t, false); s.threads[t].pc = Pc::SplitLock; },
            }

            // copy_present_pte: the pinned page is copied for the child at once
            /// `page_maybe_dma_pinned(page)`: v5.9's `copy_present_page` first, v5.19's
            /// `page_try_dup_anon_rmap` on an exclusive page.
            ForkPteMaybePinned(m, s, t) {
                name: "if (page_maybe_dma_pinned(page))",
                label: if m.variant.anon_exclusive() {
                    "if (page_needs_cow_for_dma(vma, page)) return -EBUSY".into()
                } else {
                    format!(
                        "copy_present_page: if (likely(!page_maybe_dma_pinned({}[{}]))) return 1",
                        m.page_name(s.mms[t].pte[s.threads[t].i as usize].page),
                        s.threads[t].i
                    )
                },
                source: m.src("copy_present_page", MEMORY, true),
                effect: {
                    let page = s.mms[t].pte[s.threads[t].i as usize].page;
                    s.threads[t].page = page;
                    let pinned = m.maybe_dma_pinned(s, page);
                    s.threads[t].pc = match (pinned, m.variant.anon_exclusive()) {
                        (true, true) => Pc::ForkPtePutBusy,
                        (true, false) => Pc::ForkPteCopy,
                        (false, true) => Pc::ForkPteClearExclusive,
                        (false, false) => Pc::ForkPteWrprotect,
                    };
                },
            }
            /// `page_try_dup_anon_rmap(page, false, src_vma)`: `if (!PageAnonExclusive(page))
            /// goto dup`.
            ForkPteTryDup(m, s, t) {
                name: "page_try_dup_anon_rmap(page, false, src_vma): \
                       if (!PageAnonExclusive(page)) goto dup",
                source: m.src("page_try_dup_anon_rmap", RMAP_H, true),
                effect: {
                    let (page, i) = (s.threads[t].page, s.threads[t].i);
                    let exclusive = m.exclusive(s, t, page, i);
                    s.threads[t].pc = match exclusive {
                        false => m.fork_pte_dup(page),
                        true if s.mms[t].has_pinned => Pc::ForkPteMaybePinned,
                        true => Pc::ForkPteClearExclusive,
                    };
                },
            }
            /// `ClearPageAnonExclusive(page)`.
            ForkPteClearExclusive(m, s, t) {
                name: "ClearPageAnonExclusive(page)",
                source: m.src("page_try_dup_anon_rmap", RMAP_H, true),
                effect: {
                    let (page, i) = (s.threads[t].page, s.threads[t].i);
                    if page == H {
                        s.thp.anon_exclusive &= !(1 << i);
                    }
                    s.threads[t].pc = m.fork_pte_dup(page);
                },
            }
            /// `put_page(page)`: the page may be pinned; `copy_present_page` copies it.
            ForkPtePutBusy(m, s, t) {
                name: "put_page(page)",
                note: Some("page maybe pinned: copy_present_page".into()),
                source: m.src("copy_present_pte", MEMORY, true),
                effect: {
                    let page = s.threads[t].page;
                    m.put(s, page)?;
                    s.threads[t].pc = Pc::ForkPteCopy;
                },
            }
            /// `copy_present_page`: a new page for the child, mapped writable; the parent's PTE
            /// is left as it was.
            ForkPteCopy(m, s, t) {
                name: "copy_user_highpage(new_page, page, ...); \
                       page_add_new_anon_rmap(new_page, dst_vma, addr); \
                       set_pte_at(dst_mm, addr, dst_pte, maybe_mkwrite(pte_mkdirty(pte)))",
                label: format!(
                    "copy_user_highpage(new_page, {}[{}], ...); page_add_new_anon_rmap(new_page, \
                     dst_vma, addr); set_pte_at({}, addr, dst_pte[{}], \
                     maybe_mkwrite(pte_mkdirty(mk_pte(new_page))))",
                    m.page_label(s, t),
                    s.threads[t].i,
                    m.child_name(s, t),
                    s.threads[t].i
                ),
                note: Some("the child's own copy, at once (early COW of a pinned page)".into()),
                source: m.src("copy_present_page", MEMORY, true),
                effect: {
                    let (c, i) = (m.child(s, t), s.threads[t].i);
                    let page = Thp::new_copy(s, false);
                    s.mms[c].pte[i as usize] = Entry { page, write: true };
                    s.threads[t].todo &= !(1 << i);
                    m.next_fork_pte(s, t);
                },
            }

            // do_wp_page: v5.18's early counts, v5.19's PageAnonExclusive
            /// `if (PageAnonExclusive(page)) goto reuse`.
            WpExclusive(m, s, t) {
                name: "if (PageAnonExclusive(page)) goto reuse",
                label: format!("if (PageAnonExclusive(H[{}])) goto reuse", s.threads[t].subpage),
                source: m.src("do_wp_page", MEMORY, true),
                effect: {
                    let exclusive = s.thp.exclusive(s.threads[t].subpage);
                    s.threads[t].pc = if exclusive { m.reuse_pc(s, t) } else { Pc::WpCountEarly };
                },
            }
            /// `if (PageKsm(page) || page_count(page) > 3) goto copy`.
            WpCountEarly(m, s, t) {
                name: "if (PageKsm(page) || page_count(page) > 3) goto copy",
                note: Some(format!("page_count is {}", s.thp.refcount)),
                source: m.src("do_wp_page", MEMORY, true),
                effect: {
                    s.threads[t].pc = if s.thp.refcount > 3 { Pc::WpGet } else { Pc::WpCountLru };
                },
            }
            /// `if (!PageLRU(page)) lru_add_drain(); if (page_count(page) > 1 +
            /// PageSwapCache(page)) goto copy`.
            WpCountLru(m, s, t) {
                name: "if (!PageLRU(page)) lru_add_drain(); \
                       if (page_count(page) > 1 + PageSwapCache(page)) goto copy",
                note: Some(format!("page_count is {}", s.thp.refcount)),
                source: m.src("do_wp_page", MEMORY, true),
                effect: {
                    s.threads[t].pc = if s.thp.refcount > 1 { Pc::WpGet } else { Pc::WpTrylock };
                },
            }
            /// `if (PageKsm(page) || page_count(page) != 1) { unlock_page(page); goto copy; }`.
            WpCountLocked(m, s, t) {
                name: "if (PageKsm(page) || page_count(page) != 1) { unlock_page(page); goto copy; }",
                note: Some(format!("page_count is {}", s.thp.refcount)),
                source: m.src("do_wp_page", MEMORY, true),
                effect: {
                    let only = s.thp.refcount == 1;
                    s.threads[t].reuse = only;
                    s.threads[t].pc = if only && m.variant.anon_exclusive() {
                        Pc::WpMoveExclusive
                    } else {
                        Pc::WpUnlockPage
                    };
                },
            }
            /// `page_move_anon_rmap(page, vma)`: the head's `mapping`, then
            /// `SetPageAnonExclusive(subpage)`.
            WpMoveExclusive(m, s, t) {
                name: "page_move_anon_rmap(page, vma)",
                label: format!(
                    "page_move_anon_rmap(H[{}], vma): WRITE_ONCE(head->mapping, anon_vma); \
                     SetPageAnonExclusive(H[{}])",
                    s.threads[t].subpage, s.threads[t].subpage
                ),
                source: m.src("page_move_anon_rmap", RMAP, true),
                effect: {
                    s.thp.mapping = s.mms[t].anon_vma;
                    s.thp.anon_exclusive |= 1 << s.threads[t].subpage;
                    s.threads[t].pc = Pc::WpUnlockPage;
                },
            }

            // do_huge_pmd_wp_page: v5.18's page_count, v5.19's PageAnonExclusive
            /// `if (PageAnonExclusive(page)) goto reuse`, under the PMD lock only.
            HugeWpExclusive(m, s, t) {
                name: "if (PageAnonExclusive(page)) goto reuse",
                note: Some("early check when only holding the PT lock".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    let exclusive = s.thp.exclusive(0);
                    s.threads[t].pc =
                        if exclusive { m.huge_reuse_pc(s, t) } else { Pc::HugeWpTrylock };
                },
            }
            /// `if (PageAnonExclusive(page))`, rechecked under the page lock.
            HugeWpRecheckExclusive(m, s, t) {
                name: "if (PageAnonExclusive(page)) { unlock_page(page); goto reuse; }",
                note: Some("recheck after temporarily dropping the PT lock".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    let exclusive = s.thp.exclusive(0);
                    s.threads[t].pc =
                        if exclusive { Pc::HugeWpUnlockReuse } else { Pc::HugeWpCountCheck };
                },
            }
            /// `unlock_page(page)`; then `reuse:`.
            HugeWpUnlockReuse(m, s, t) {
                name: "unlock_page(page)",
                note: Some("then reuse".into()),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: { s.page_lock = NONE; s.threads[t].pc = m.huge_reuse_pc(s, t); },
            }
            /// `if (page_count(page) > 1 + PageSwapCache(page) * thp_nr_pages(page)) goto
            /// unlock_fallback`.
            HugeWpCountCheck(m, s, t) {
                name: "if (page_count(page) > 1 + PageSwapCache(page) * thp_nr_pages(page)) \
                       goto unlock_fallback",
                note: Some(format!("page_count is {}", s.thp.refcount)),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    let more = s.thp.refcount > 1;
                    s.threads[t].pc = if more { Pc::HugeWpUnlockPage } else { Pc::HugeWpCountOne };
                },
            }
            /// `if (page_count(page) == 1)`: reuse.
            HugeWpCountOne(m, s, t) {
                name: "if (page_count(page) == 1)",
                note: Some(format!("page_count is {}", s.thp.refcount)),
                source: m.src("do_huge_pmd_wp_page", HUGE, true),
                effect: {
                    s.threads[t].pc = match s.thp.refcount == 1 {
                        false => Pc::HugeWpUnlockPage,
                        true if m.variant.anon_exclusive() => Pc::HugeWpMoveAnon,
                        true => Pc::HugeWpReuse,
                    };
                },
            }
            /// `page_move_anon_rmap(page, vma)`: `mapping`, then `SetPageAnonExclusive(page)`.
            HugeWpMoveAnon(m, s, t) {
                name: "page_move_anon_rmap(page, vma)",
                note: Some("WRITE_ONCE(page->mapping, anon_vma); SetPageAnonExclusive(page)".into()),
                source: m.src("page_move_anon_rmap", RMAP, true),
                effect: {
                    s.thp.mapping = s.mms[t].anon_vma;
                    s.thp.anon_exclusive |= 1;
                    s.threads[t].pc = Pc::HugeWpUnlockReuse;
                },
            }

            // 57efa1fe5957 (v5.11): fork against GUP-fast
            /// `raw_write_seqcount_begin(&src_mm->write_protect_seq)` in `copy_page_range`.
            ForkSeqBegin(m, s, t) {
                name: "raw_write_seqcount_begin(&src_mm->write_protect_seq)",
                source: m.src("copy_page_range", MEMORY, true),
                effect: { s.mms[t].wp_seq += 1; m.copy_page_range(s, t); },
            }
            /// `raw_write_seqcount_end(&src_mm->write_protect_seq)`: the fork is done.
            ForkSeqEnd(m, s, t) {
                name: "raw_write_seqcount_end(&src_mm->write_protect_seq)",
                source: m.src("copy_page_range", MEMORY, true),
                effect: { s.mms[t].wp_seq += 1; m.fork_done(s, t); },
            }

            // GUP-fast: internal_get_user_pages_fast, gup_huge_pmd, gup_pte_range
            /// `atomic_set(&current->mm->has_pinned, 1)` (v5.18 on: `MMF_HAS_PINNED`).
            GupFastStart(m, s, t) {
                name: "atomic_set(&current->mm->has_pinned, 1)",
                label: if m.variant.write_protect_seq() {
                    "mm_set_has_pinned_flag(&current->mm->flags)".into()
                } else {
                    Pc::GupFastStart.name().into()
                },
                note: Some(format!("subpage {}; FOLL_PIN | FOLL_WRITE | FOLL_FAST_ONLY", s.threads[t].subpage)),
                source: m.src("internal_get_user_pages_fast", GUP, true),
                effect: {
                    s.mms[m.mm(t)].has_pinned = true;
                    let seq = m.variant.write_protect_seq();
                    s.threads[t].pc = if seq { Pc::GupFastSeqRead } else { Pc::GupFastRead };
                },
            }
            /// `seq = raw_read_seqcount(&current->mm->write_protect_seq); if (seq & 1) return 0`.
            GupFastSeqRead(m, s, t) {
                name: "seq = raw_read_seqcount(&current->mm->write_protect_seq); if (seq & 1) return 0",
                note: Some(format!("write_protect_seq is {}", s.mms[m.mm(t)].wp_seq)),
                source: m.src("lockless_pages_from_mm", GUP, true),
                effect: {
                    let seq = s.mms[m.mm(t)].wp_seq;
                    s.threads[t].i = seq;
                    if seq & 1 == 0 { s.threads[t].pc = Pc::GupFastRead } else { m.finish_op(s, t) }
                },
            }
            /// `pmd = READ_ONCE(*pmdp)` (or `pte = gup_get_pte(ptep)`), lockless, and the write
            /// permission FOLL_WRITE needs.
            GupFastRead(m, s, t) {
                name: "pmd = READ_ONCE(*pmdp); if (!pmd_access_permitted(orig, FOLL_WRITE)) return 0",
                label: match (s.mms[m.mm(t)].pmd, m.variant.since_v5_9()) {
                    (Pmd::Table, true) => "pte = gup_get_pte(ptep); \
                                   if (!pte_access_permitted(pte, FOLL_WRITE)) goto pte_unmap"
                        .into(),
                    (Pmd::Table, false) => "pte = gup_get_pte(ptep); \
                                            if (write && !pte_write(pte)) goto pte_unmap"
                        .into(),
                    (_, true) => Pc::GupFastRead.name().into(),
                    (_, false) => "pmd = READ_ONCE(*pmdp); if (write && !pmd_write(orig)) return 0"
                        .into(),
                },
                note: Some("lockless, interrupts off".into()),
                source: m.src("gup_pmd_range", GUP, true),
                effect: {
                    match m.fast_entry(s, t) {
                        Some((level, e)) if e.write => {
                            s.threads[t].page = e.page;
                            s.threads[t].todo = level;
                            s.threads[t].pc = Pc::GupFastGrab;
                        }
                        _ => m.finish_op(s, t),
                    }
                },
            }
            /// `head = try_grab_compound_head(page, 1, FOLL_PIN)`: `_refcount` and
            /// `compound_pincount` + 1, unless the page is already freed (FOLL_GET, and before
            /// v5.7: `_refcount` alone, `page_cache_add_speculative`).
            GupFastGrab(m, s, t) {
                name: "head = try_grab_compound_head(page, 1, FOLL_PIN)",
                label: if m.foll_pin(s, t) {
                    format!("head = try_grab_compound_head({}, 1, FOLL_PIN)", m.page_label(s, t))
                } else if m.variant.since_v5_9() {
                    format!("head = try_grab_compound_head({}, 1, FOLL_GET)", m.page_label(s, t))
                } else {
                    format!("if (!page_cache_add_speculative({}, 1)) return 0", m.page_label(s, t))
                },
                source: m.src("gup_pmd_range", GUP, true),
                effect: {
                    if *Thp::refcount_of(s, s.threads[t].page) == 0 {
                        m.finish_op(s, t);
                    } else {
                        m.grab(s, t);
                        s.threads[t].pc = Pc::GupFastRecheck;
                    }
                },
            }
            /// `if (unlikely(pmd_val(orig) != pmd_val(*pmdp)))`: the entry is unchanged.
            GupFastRecheck(m, s, t) {
                name: "if (unlikely(pmd_val(orig) != pmd_val(*pmdp))) put_compound_head(...)",
                label: if s.threads[t].todo == 2 {
                    "if (unlikely(pte_val(pte) != pte_val(*ptep))) put_compound_head(...)".into()
                } else {
                    Pc::GupFastRecheck.name().into()
                },
                source: m.src("gup_pmd_range", GUP, true),
                effect: {
                    let same = m.fast_entry(s, t).is_some_and(|(level, e)| {
                        level == s.threads[t].todo && e.write && e.page == s.threads[t].page
                    });
                    s.threads[t].pc = match same {
                        false => Pc::GupFastPut,
                        true if m.variant.write_protect_seq() && m.foll_pin(s, t) => {
                            Pc::GupFastSeqRetry
                        }
                        true => { m.fast_pinned(s, t); return Ok(()); }
                    };
                },
            }
            /// `if (read_seqcount_retry(&current->mm->write_protect_seq, seq))`: a fork ran.
            GupFastSeqRetry(m, s, t) {
                name: "if (read_seqcount_retry(&current->mm->write_protect_seq, seq)) \
                       unpin_user_pages(pages, nr_pinned)",
                note: Some(format!(
                    "write_protect_seq is {}, was {}",
                    s.mms[m.mm(t)].wp_seq,
                    s.threads[t].i
                )),
                source: m.src("lockless_pages_from_mm", GUP, true),
                effect: {
                    if s.mms[m.mm(t)].wp_seq == s.threads[t].i {
                        m.fast_pinned(s, t);
                    } else {
                        s.threads[t].pc = Pc::GupFastPut;
                    }
                },
            }
            /// `put_compound_head(head, 1, FOLL_PIN)`: the grab undone; nothing is pinned.
            GupFastPut(m, s, t) {
                name: "put_compound_head(head, 1, FOLL_PIN)",
                label: if m.foll_pin(s, t) {
                    Pc::GupFastPut.name().into()
                } else {
                    "put_page(head)".into()
                },
                note: m.foll_pin(s, t).then(|| "compound_pincount - 1, then put_page".into()),
                source: m.src("gup_pmd_range", GUP, true),
                effect: {
                    let page = s.threads[t].page;
                    if page == H && m.foll_pin(s, t) {
                        s.thp.pincount -= 1;
                    }
                    m.put(s, page)?;
                    m.finish_op(s, t);
                },
            }

            // __split_huge_pmd_locked (v5.19)
            /// `anon_exclusive = PageAnon(page) && PageAnonExclusive(page)`, after s1.
            SplitAnonExclusive(m, s, t) {
                name: "anon_exclusive = PageAnon(page) && PageAnonExclusive(page)",
                source: m.split_src("__split_huge_pmd_locked"),
                effect: {
                    s.threads[t].exclusive = s.thp.exclusive(0);
                    s.threads[t].pc = Pc::SplitWithdraw;
                },
            }
            }
        }
    };
}

pub(super) use with_cow_fix_steps;
