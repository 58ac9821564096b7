//! How a thread moves between the steps of [`steps`](super::steps): where each operation
//! starts and how it ends, the shared sub-paths (the mapcount readers, `page_remove_rmap`
//! of a PMD mapping, the PMD split, the write fault inside GUP) and where they return
//! ([`Read`], [`After`], [`RmapAfter`]), `put_page`, the R2 check, and the sources and label
//! parts the declarations share.

use super::steps::Pc;
use super::{Op, Pmd, State, Thp, Variant, NONE};
use serde::{Deserialize, Serialize};
use strum::FromRepr;
use weft_explorer::{Status, Violation};

/// Which mapcount reader is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum Read {
    /// `page_mapcount(p)`: `_mapcount`, then `compound_mapcount`, then `PageDoubleMap`.
    PageMapcount,
    /// `page_trans_huge_mapcount(page, &total)`: every subpage's `_mapcount`, then
    /// `PageDoubleMap`, then `compound_mapcount`.
    PageTransHugeMapcount,
    /// v4.4 `page_mapcount(head)`: the head's `_mapcount` alone.
    HeadMapcountV44,
}

/// Where a mapcount reader returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum After {
    /// `do_huge_pmd_wp_page`'s reuse test.
    HugeWp,
    /// `reuse_swap_page`'s count.
    ReuseSwapPage,
    /// 09854ba94c6a's `page_mapcount(page) != 1`.
    PageCountCheck,
}

/// Where `page_remove_rmap(page, true)` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum RmapAfter {
    /// The huge COW copy, to drop the PMD's reference.
    HugeWpCopy,
    /// `zap_huge_pmd`, to unlock.
    Zap,
}

impl Thp {
    pub(super) fn op(&self, s: &State, t: usize) -> Option<Op> {
        self.threads[t].ops.get(s.threads[t].op as usize).copied()
    }

    /// Whether thread `t` can move.
    pub(super) fn status_of(&self, s: &State, t: usize) -> Status {
        let th = &s.threads[t];
        match th.pc {
            Pc::Done => Status::Finished,
            _ if !th.started => Status::Blocked,
            Pc::WpLockPage | Pc::HugeWpLockPage | Pc::SplitLockPage
                if s.page_lock != NONE && s.page_lock != t as u8 =>
            {
                Status::Blocked
            }
            _ => Status::Enabled,
        }
    }

    /// Sets up the first step of thread `t`'s current operation.
    pub(super) fn start_op(&self, s: &mut State, t: usize) {
        let op = self.op(s, t);
        let mm = s.mms[t];
        let n = self.n;
        // `unpin_user_page` drops a FOLL_PIN pin's count on the THP first.
        let unpin = match op {
            Some(Op::GupUnpin(subpage)) => {
                let pin = s.pins[Self::last_pin(s, t, subpage)];
                if pin.foll_pin && pin.page == super::H {
                    Pc::UnpinPincount
                } else {
                    Pc::Unpin
                }
            }
            _ => Pc::Unpin,
        };
        let th = &mut s.threads[t];
        th.exclusive = false;
        th.busy = false;
        th.page = NONE;
        th.new_page = NONE;
        th.reuse = false;
        th.write = false;
        th.judged = false;
        th.todo = 0;
        th.i = 0;
        th.pc = match op {
            None => Pc::Done,
            Some(Op::ThpFault) => Pc::AnonVmaPrepare,
            Some(
                Op::GupPin(subpage)
                | Op::GupPinRead(subpage)
                | Op::PinUserPages(subpage)
                | Op::PinUserPagesRead(subpage),
            ) => {
                th.subpage = subpage;
                Pc::GupLock
            }
            Some(Op::GupUnpin(subpage)) => {
                th.subpage = subpage;
                unpin
            }
            Some(Op::PinUserPagesFastOnly(subpage)) => {
                th.subpage = subpage;
                Pc::GupFastStart
            }
            Some(Op::GupFastPin(subpage)) => {
                th.subpage = subpage;
                Pc::GupFastRead
            }
            Some(Op::Fork { .. }) => Pc::ForkAnonVma,
            Some(Op::SplitHugePmd) => Pc::SplitLock,
            Some(Op::Munmap(subpage)) => {
                th.subpage = subpage;
                match mm.pmd {
                    Pmd::Huge(_) if n == 1 => Pc::ZapPmdLock,
                    Pmd::Huge(_) => Pc::SplitLock,
                    _ => Pc::ZapLock,
                }
            }
            Some(Op::Write(subpage)) => {
                th.subpage = subpage;
                match mm.pmd {
                    Pmd::Huge(e) if e.write => Pc::Store,
                    Pmd::Huge(_) => Pc::HugeWpLock,
                    _ if mm.pte[subpage as usize].write => Pc::Store,
                    _ => Pc::WpLock,
                }
            }
            Some(Op::Exit) => match mm.pmd {
                Pmd::Huge(_) => Pc::ZapPmdLock,
                _ => Pc::ZapLock,
            },
        };
    }

    pub(super) fn finish_op(&self, s: &mut State, t: usize) {
        s.threads[t].op += 1;
        self.start_op(s, t);
        // The process's other threads are created once its first operation is done.
        if s.threads[t].op == 1 {
            for u in 0..self.threads.len() {
                if self.threads[u].thread_of == Some(t as u8) {
                    s.threads[u].started = true;
                    self.start_op(s, u);
                }
            }
        }
    }

    /// The thread whose mm thread `t` runs in: its own, or that of the thread it is another
    /// thread of.
    pub(super) fn mm(&self, t: usize) -> usize {
        self.threads[t].mm(t)
    }

    /// The write fault on the thread's subpage (from `write(i)` or from GUP's
    /// `faultin_page`).
    pub(super) fn fault_start(&self, s: &mut State, t: usize) {
        s.threads[t].pc = match s.mms[t].pmd {
            Pmd::Huge(_) => Pc::HugeWpLock,
            _ => Pc::WpLock,
        };
    }

    /// Whether thread `t`'s current operation is a read-only pin (`gup_pin_read`,
    /// `pin_user_pages_read`).
    pub(super) fn read_pin(&self, s: &State, t: usize) -> bool {
        matches!(
            self.op(s, t),
            Some(Op::GupPinRead(_) | Op::PinUserPagesRead(_))
        )
    }

    /// Whether thread `t`'s current operation pins with FOLL_PIN (`pin_user_pages`).
    pub(super) fn foll_pin(&self, s: &State, t: usize) -> bool {
        self.op(s, t).is_some_and(Op::foll_pin)
    }

    /// Whether thread `t`'s fault is an unshare fault (`FAULT_FLAG_UNSHARE`, v5.19): the one a
    /// read-only FOLL_PIN pin takes on a page that is not exclusive. A read-only pin takes
    /// no other fault.
    pub(super) fn unshare(&self, s: &State, t: usize) -> bool {
        self.variant.anon_exclusive() && matches!(self.op(s, t), Some(Op::PinUserPagesRead(_)))
    }

    /// `gup_must_unshare(flags, page)` (v5.19) for thread `t`'s pin on `page` through a
    /// read-only entry: a read-only FOLL_PIN pin of an anonymous page that is not
    /// exclusive. A COW copy counts as exclusive when it is mapped once (the copies'
    /// coarse rule).
    pub(super) fn must_unshare(&self, s: &State, t: usize, page: u8) -> bool {
        if !self.unshare(s, t) {
            return false;
        }
        let subpage = s.threads[t].subpage;
        !self.exclusive(s, t, page, subpage)
    }

    /// `PageAnonExclusive` of what thread `t` maps at `subpage`: the head's bit for a PMD
    /// mapping, the subpage's for a PTE; for a COW copy, whether it is mapped once.
    pub(super) fn exclusive(&self, s: &State, t: usize, page: u8, subpage: u8) -> bool {
        match (page, s.mms[t].pmd) {
            (super::H, Pmd::Huge(_)) => s.thp.exclusive(0),
            (super::H, _) => s.thp.exclusive(subpage),
            _ => self.maps(s, page, subpage) == 1,
        }
    }

    /// The write fault is over: GUP takes its pin now, a store is made (`pin_isolation`,
    /// `pin_coherence`).
    pub(super) fn fault_done(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        s.threads[t].judged = false;
        if let Some(Op::Write(_)) = self.op(s, t) {
            self.store_checks(s, t)?;
            self.finish_op(s, t);
        } else {
            s.threads[t].pc = Pc::GupLock;
        }
        Ok(())
    }

    /// Where a fault that reuses its page goes: `wp_page_reuse`, or for an unshare fault
    /// straight to the unlock (`if (unlikely(unshare)) { pte_unmap_unlock(...); return 0; }`).
    pub(super) fn reuse_pc(&self, s: &State, t: usize) -> Pc {
        if self.unshare(s, t) {
            Pc::WpUnlock
        } else {
            Pc::WpReuse
        }
    }

    /// The huge fault's `reuse:` label: `pmdp_set_access_flags`, or for an unshare fault the
    /// unlock alone.
    pub(super) fn huge_reuse_pc(&self, s: &State, t: usize) -> Pc {
        if self.unshare(s, t) {
            Pc::HugeWpUnlock
        } else {
            Pc::HugeWpReuse
        }
    }

    /// The huge fault's reuse test once the page lock is held: v5.19's recheck of
    /// `PageAnonExclusive`, v5.18's `page_count()`, or the older variants' mapcount reader.
    pub(super) fn huge_reuse_test(&self, s: &mut State, t: usize) {
        match self.variant {
            Variant::V519AnonExclusive => s.threads[t].pc = Pc::HugeWpRecheckExclusive,
            Variant::V518CowFixes => s.threads[t].pc = Pc::HugeWpCountCheck,
            _ => self.start_read(s, t, self.huge_wp_reader(), 0, After::HugeWp),
        }
    }

    /// The index in the pin list of the pin thread `t` took last on `subpage`, the one
    /// `gup_unpin` drops.
    pub(super) fn last_pin(s: &State, t: usize, subpage: u8) -> usize {
        s.pins
            .iter()
            .rposition(|p| p.mm == t as u8 && p.subpage == subpage)
            .expect("the builder checks every unpin has a pin")
    }

    pub(super) fn others_quiescent(s: &State, t: usize) -> bool {
        s.threads
            .iter()
            .enumerate()
            .all(|(u, th)| u == t || !th.busy)
    }

    pub(super) fn start_read(&self, s: &mut State, t: usize, read: Read, i: u8, after: After) {
        let th = &mut s.threads[t];
        th.read = read;
        th.after = after;
        th.i = i;
        th.mapcount = 0;
        th.total_mapcount = 0;
        th.pc = Pc::ReadSubpageMapcount;
    }

    /// What a mapcount reader's step reads and what its running result becomes, as the
    /// step's note: `compound_mapcount is 1: ret = 1, _total_mapcount = 2; returns 1`. The
    /// value that decides reuse or copy is then in every view. Runs the step on a copy.
    pub(super) fn reader_note(
        &self,
        s: &State,
        t: usize,
        read: String,
        effect: impl Fn(&Self, &mut State, usize),
    ) -> String {
        let mut after = s.clone();
        effect(self, &mut after, t);
        let th = &after.threads[t];
        let mut note = format!("{read}: ret = {}", th.mapcount);
        if th.read == Read::PageTransHugeMapcount {
            note += &format!(", _total_mapcount = {}", th.total_mapcount);
        }
        if !Self::reading(th) {
            note += &format!("; returns {}", th.mapcount);
        }
        note
    }

    pub(super) fn after_read(&self, s: &mut State, t: usize) {
        let v = self.variant;
        let th = &mut s.threads[t];
        match th.after {
            // v5.9's `reuse_swap_page` returns `count <= 1`; the others test `== 1`.
            After::HugeWp if v == Variant::V59PageCount => {
                th.pc = if th.mapcount <= 1 {
                    Pc::HugeWpReuse
                } else {
                    Pc::HugeWpUnlockPage
                };
            }
            After::HugeWp => {
                th.pc = match th.mapcount {
                    1 if v == Variant::V45 => Pc::HugeWpPageCount,
                    1 => Pc::HugeWpReuse,
                    _ if v.locks_page_in_huge_wp() => Pc::HugeWpUnlockPage,
                    _ => Pc::HugeWpGet,
                };
            }
            After::ReuseSwapPage => {
                th.reuse = th.mapcount <= 1;
                th.pc = match v {
                    _ if !th.reuse => Pc::WpUnlockPage,
                    _ if v.moves_only_when_alone() && th.total_mapcount != 1 => Pc::WpUnlockPage,
                    _ => Pc::WpMove,
                };
            }
            After::PageCountCheck => {
                th.reuse = false;
                th.pc = if th.mapcount != 1 {
                    Pc::WpUnlockPage
                } else {
                    Pc::WpReuseCheck
                };
            }
        }
    }

    pub(super) fn start_rmap(&self, s: &mut State, t: usize, after: RmapAfter) {
        s.threads[t].rmap_after = after;
        s.threads[t].pc = Pc::RmapCompoundDec;
    }

    pub(super) fn after_rmap(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        th.pc = match th.rmap_after {
            RmapAfter::HugeWpCopy => Pc::HugeWpPutOld,
            RmapAfter::Zap => Pc::ZapPmdUnlock,
        };
    }

    /// The reuse test under the page lock: 09854ba94c6a's `page_mapcount(page) != 1`, or
    /// `reuse_swap_page(old_page)`.
    pub(super) fn start_reuse_test(&self, s: &mut State, t: usize) {
        if self.variant.huge_wp_by_page_count() {
            s.threads[t].pc = Pc::WpCountLocked;
        } else if self.variant == Variant::V59PageCount {
            let subpage = s.threads[t].subpage;
            self.start_read(s, t, Read::PageMapcount, subpage, After::PageCountCheck);
        } else {
            self.start_reuse_swap_page(s, t);
        }
    }

    /// `reuse_swap_page(old_page)`.
    pub(super) fn start_reuse_swap_page(&self, s: &mut State, t: usize) {
        match self.variant {
            Variant::V44 | Variant::V45 | Variant::V45MapcountOnly => {
                s.threads[t].pc = Pc::ReuseSwapCompound
            }
            _ => self.start_read(s, t, Read::PageTransHugeMapcount, 0, After::ReuseSwapPage),
        }
    }

    /// The zap's next present subpage (its lowest bit in `todo`), or the unlock once none is
    /// left.
    pub(super) fn next_zap(&self, s: &mut State, t: usize) {
        Self::next_subpage(s, t, Pc::ZapClear, Pc::ZapUnlock);
    }

    pub(super) fn next_put(&self, s: &mut State, t: usize) {
        if s.threads[t].gather.iter().any(|&g| g != NONE) {
            s.threads[t].pc = Pc::ZapPut;
        } else {
            self.finish_op(s, t);
        }
    }

    /// Fork's next PTE to copy (the lowest bit in `todo`), or the unlock once none is left.
    pub(super) fn next_fork_pte(&self, s: &mut State, t: usize) {
        let first = if self.variant.anon_exclusive() {
            Pc::ForkPteGet
        } else if self.fork_tests_pins(s, t) {
            // v5.9's `copy_present_page` tests first.
            Pc::ForkPteMaybePinned
        } else {
            Pc::ForkPteWrprotect
        };
        Self::next_subpage(s, t, first, Pc::ForkPteUnlock);
    }

    /// v5.19 fork's step after `page_try_dup_anon_rmap`'s test: `__page_dup_rmap` for the
    /// THP, the write-protect for a COW copy (whose mappings are not counted).
    pub(super) fn fork_pte_dup(&self, page: u8) -> Pc {
        if page == super::H {
            Pc::ForkPteDup
        } else {
            Pc::ForkPteWrprotect
        }
    }

    /// `step` on the lowest subpage left in the thread's `todo`, or `done` once none is.
    fn next_subpage(s: &mut State, t: usize, step: Pc, done: Pc) {
        let th = &mut s.threads[t];
        if th.todo == 0 {
            th.pc = done;
        } else {
            th.i = th.todo.trailing_zeros() as u8;
            th.pc = step;
        }
    }

    pub(super) fn child(&self, s: &State, t: usize) -> usize {
        match self.op(s, t) {
            Some(Op::Fork { child }) => child as usize,
            _ => unreachable!("a fork step outside fork"),
        }
    }

    /// Whether thread `t`'s fork raises `write_protect_seq`: on the variants that have it,
    /// when another thread of the process could read it (no other thread reads it, so
    /// otherwise its steps are left out).
    pub(super) fn write_protect_seq(&self, t: usize) -> bool {
        self.variant.write_protect_seq()
            && self.threads.iter().any(|u| u.thread_of == Some(t as u8))
    }

    /// `copy_page_range`'s copy of the range: the PMD, the PTEs, or nothing mapped.
    pub(super) fn copy_page_range(&self, s: &mut State, t: usize) {
        match s.mms[t].pmd {
            Pmd::Huge(_) => s.threads[t].pc = Pc::ForkPmdLock,
            Pmd::Table => s.threads[t].pc = Pc::ForkPteLock,
            _ => self.copy_done(s, t),
        }
    }

    /// The end of `copy_page_range`: `raw_write_seqcount_end`, then the fork is done.
    pub(super) fn copy_done(&self, s: &mut State, t: usize) {
        if self.write_protect_seq(t) {
            s.threads[t].pc = Pc::ForkSeqEnd;
        } else {
            self.fork_done(s, t);
        }
    }

    /// What GUP-fast's lockless walk finds for thread `t`'s subpage in its process's page
    /// tables: the level (1, a huge PMD; 2, a PTE) and the entry; nothing if the PMD is none
    /// or not present (being split), or the PTE is none.
    pub(super) fn fast_entry(&self, s: &State, t: usize) -> Option<(u8, super::Entry)> {
        let mm = &s.mms[self.mm(t)];
        match mm.pmd {
            Pmd::Huge(e) => Some((1, e)),
            Pmd::Table => Some(mm.pte[s.threads[t].subpage as usize])
                .filter(|e| e.present())
                .map(|e| (2, e)),
            Pmd::None | Pmd::Invalid(_) => None,
        }
    }

    /// `try_grab_page`: the page in hand gets a reference, and a FOLL_PIN pin of the THP
    /// raises `compound_pincount` too. GUP's slow path and GUP-fast both take it.
    pub(super) fn grab(&self, s: &mut State, t: usize) {
        let page = s.threads[t].page;
        *Self::refcount_of(s, page) += 1;
        if page == super::H && self.foll_pin(s, t) {
            s.thp.pincount += 1;
        }
    }

    /// The page in hand is pinned: the pin is the process's, on the thread's subpage.
    pub(super) fn record_pin(&self, s: &mut State, t: usize) {
        let (page, subpage) = (s.threads[t].page, s.threads[t].subpage);
        let (read, foll_pin) = (self.read_pin(s, t), self.foll_pin(s, t));
        s.pins.push(super::Pin {
            mm: self.mm(t) as u8,
            page,
            subpage,
            read,
            foll_pin,
        });
    }

    /// GUP-fast pinned the page in hand, and the operation is done.
    pub(super) fn fast_pinned(&self, s: &mut State, t: usize) {
        self.record_pin(s, t);
        self.finish_op(s, t);
    }

    /// Whether v5.9's and v5.18's fork tests thread `t`'s pages for pins: `is_cow_mapping() &&
    /// src_mm->has_pinned`, the flag read with fork's page-table locks (see the model's
    /// simplifications), before `page_maybe_dma_pinned()`.
    pub(super) fn fork_tests_pins(&self, s: &State, t: usize) -> bool {
        self.variant.copies_pinned_by_count() && s.mms[t].has_pinned
    }

    pub(super) fn fork_done(&self, s: &mut State, t: usize) {
        let c = self.child(s, t);
        s.threads[c].started = true;
        self.start_op(s, c);
        self.finish_op(s, t);
    }

    /// After `__split_huge_pmd`: munmap zaps; a write fault that fell back from the huge path
    /// (v5.9's `VM_FAULT_FALLBACK`) goes on at PTE level, `handle_pte_fault` → `do_wp_page`;
    /// fork copies the split PMD's PTEs; `split_huge_pmd` is done.
    pub(super) fn after_split(&self, s: &mut State, t: usize) {
        match self.op(s, t) {
            Some(Op::Munmap(_)) => s.threads[t].pc = Pc::ZapLock,
            Some(Op::Write(_) | Op::GupPin(_) | Op::PinUserPages(_) | Op::PinUserPagesRead(_)) => {
                s.threads[t].pc = Pc::WpLock
            }
            // fork's `copy_huge_pmd` split a PMD it may not share (-EAGAIN): copy_pte_range.
            Some(Op::Fork { .. }) => s.threads[t].pc = Pc::ForkPteLock,
            _ => self.finish_op(s, t),
        }
    }
}
