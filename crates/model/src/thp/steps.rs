//! The steps of every thp operation: one shared access each, labelled with the kernel
//! expression it stands for (mm/huge_memory.c, mm/memory.c, mm/rmap.c, mm/gup.c).
//!
//! [`Pc`] names a thread's next step. `info` says what that step is (label, source,
//! footprint) and `exec` performs it and moves the thread on; both match on the same `Pc`.
//! Shared sub-paths (the mapcount readers, `page_remove_rmap(compound)`, the PMD split, the
//! write fault inside GUP) return through [`Read`]/[`After`]/[`RmapAfter`] and the current
//! operation.

use super::{CowCopy, Entry, Op, Pin, Pmd, State, Thp, Variant, H, NONE};
use serde::{Deserialize, Serialize};
use strum::FromRepr;
use weft_explorer::{Footprint, Source, Status, StepInfo, Violation};

/// Which mapcount reader is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum Read {
    /// `page_mapcount(p)`: `_mapcount`, then `compound_mapcount`, then `PageDoubleMap`.
    PageMapcount,
    /// `page_trans_huge_mapcount(page, &total)`: every subpage's `_mapcount`, then
    /// `PageDoubleMap`, then `compound_mapcount`.
    Ptm,
    /// v4.4 `page_mapcount(head)`: the head's `_mapcount` alone.
    Old44,
}

/// Where a mapcount reader returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum After {
    /// `do_huge_pmd_wp_page`'s reuse test.
    Hwp,
    /// `reuse_swap_page`'s count.
    Rsp,
    /// 09854ba94c6a's `page_mapcount(page) != 1`.
    V59,
}

/// Where `page_remove_rmap(page, true)` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum RmapAfter {
    /// The huge COW copy, to drop the PMD's reference.
    HwpCopy,
    /// `zap_huge_pmd`, to unlock.
    Zap,
}

/// A thread's next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, FromRepr)]
#[repr(u8)]
pub enum Pc {
    /// A child not yet created by its parent's fork.
    Start,
    // do_huge_pmd_anonymous_page
    AnonVmaPrepare,
    AllocThp,
    FaultLock,
    FaultRmap,
    FaultSetPmd,
    FaultUnlock,
    /// A store through a writable entry: no fault.
    Store,
    // do_huge_pmd_wp_page
    HwpLock,
    HwpCopyPage,
    HwpCount,
    HwpReuse,
    HwpUnlock,
    HwpGet,
    HwpUnlockAlloc,
    HwpAlloc,
    HwpRelock,
    HwpPut,
    HwpClear,
    HwpNewRmap,
    HwpSetPmd,
    HwpPutOld,
    // mapcount readers
    ReadSub,
    ReadDm,
    ReadCmc,
    // page_remove_rmap(page, true)
    RmapCmc,
    RmapDm,
    RmapSub,
    // do_wp_page, wp_page_reuse, wp_page_copy
    WpLock,
    WpCopyPage,
    V59Count,
    WpTrylock,
    WpGetSlow,
    WpUnlockSlow,
    WpLockPage,
    WpRelockSlow,
    WpPutSlow,
    RspCompound,
    V59Count2,
    WpMove,
    WpUnlockPage,
    WpReuse,
    WpUnlock,
    WpGet,
    WpUnlockCopy,
    WcAlloc,
    WcLock,
    WcClear,
    WcNewRmap,
    WcSet,
    WcRemove,
    WcPutPte,
    WcUnlock,
    WcPutRef,
    // GUP
    GupLock,
    GupGet,
    GupUnlock,
    GupUnlockFault,
    Unpin,
    // fork
    ForkAnonVma,
    ForkPmdLock,
    ForkPmdGet,
    ForkPmdDup,
    ForkPmdWrprotect,
    ForkPmdSet,
    ForkPmdUnlock,
    ForkPteLock,
    ForkPteWrprotect,
    ForkPteGet,
    ForkPteDup,
    ForkPteSet,
    ForkPteUnlock,
    // __split_huge_pmd / __split_huge_pmd_locked
    SplitLock,
    SplitCopyPage,
    S1Ref,
    S2Withdraw,
    S3Pte,
    S4Read,
    S4Set,
    S4Inc,
    S5Dec,
    S5Clear,
    S5Sub,
    S6Invalidate,
    S6Populate,
    SplitUnlock,
    // zap_pte_range
    ZapLock,
    ZapClear,
    ZapRmap,
    ZapUnlock,
    ZapPut,
    // zap_huge_pmd
    ZhLock,
    ZhClear,
    ZhUnlock,
    ZhPut,
    /// The thread has run all its operations.
    Done,
}

const MEMORY: &str = "mm/memory.c";
const HUGE: &str = "mm/huge_memory.c";
const RMAP: &str = "mm/rmap.c";
const RMAP_H: &str = "include/linux/rmap.h";
const SWAPFILE: &str = "mm/swapfile.c";
const UTIL: &str = "mm/util.c";
const MM_H: &str = "include/linux/mm.h";
const GUP: &str = "mm/gup.c";
const SWAP: &str = "mm/swap.c";

// Footprint objects.
const RC: u64 = 1;
fn sub(i: u8) -> u64 {
    1 << (1 + i as u32)
}
const CMC: u64 = 1 << 9;
const DM: u64 = 1 << 10;
const MAPPING: u64 = 1 << 11;
const PAGE_LOCK: u64 = 1 << 12;
const COPIES: u64 = 1 << 13;
const PINS: u64 = 1 << 14;
fn pmd(m: usize) -> u64 {
    1 << (16 + 4 * m as u32)
}
fn ptes(m: usize) -> u64 {
    1 << (17 + 4 * m as u32)
}
fn locks(m: usize) -> u64 {
    1 << (18 + 4 * m as u32)
}
fn av(m: usize) -> u64 {
    1 << (19 + 4 * m as u32)
}
fn rw(o: u64) -> Footprint {
    Footprint {
        reads: o,
        writes: o,
    }
}
/// Writes `w`, reads `w` and `r`.
fn rwr(w: u64, r: u64) -> Footprint {
    Footprint {
        reads: w | r,
        writes: w,
    }
}
fn r(o: u64) -> Footprint {
    Footprint {
        reads: o,
        writes: 0,
    }
}

impl Thp {
    /// The release or patch the variant-specific fault code is read from.
    fn variant_commit(&self) -> &'static str {
        match self.variant {
            Variant::V44 => "v4.4",
            Variant::V45 => "v4.5 (1f25fe20a76a)",
            Variant::V45MapcountOnly => "v4.5 with the v4.4 huge check (teaching variant)",
            Variant::AndreaV1 => "Andrea v1, linux-mm 20160429163444.GM11700@redhat.com",
            Variant::AndreaV1Head => "Andrea v1 + compound_head() (Kirill's objection (b))",
            Variant::MergedFix => "6d0a07edd17c (v4.6.2)",
            Variant::V59PageCount => "09854ba94c6a (v5.9) on 6d0a07edd17c",
        }
    }

    /// The release the paths every variant shares are read from.
    fn base_commit(&self) -> &'static str {
        if self.variant == Variant::V44 {
            "v4.4"
        } else {
            "v4.6.2"
        }
    }

    fn src(&self, function: &str, file: &str, variant_specific: bool) -> Source {
        let version = if variant_specific {
            self.variant_commit()
        } else {
            self.base_commit()
        };
        Source::new(function, file, version)
    }

    fn rc_of(s: &mut State, page: u8) -> &mut i8 {
        if page == H {
            &mut s.thp.rc
        } else {
            &mut s.copies[page as usize - 1].rc
        }
    }

    fn rc_obj(page: u8) -> u64 {
        if page == H {
            RC
        } else {
            COPIES
        }
    }

    fn op(&self, s: &State, t: usize) -> Option<Op> {
        self.threads[t].ops.get(s.threads[t].op as usize).copied()
    }

    /// Whether thread `t` can move.
    pub(super) fn status_of(&self, s: &State, t: usize) -> Status {
        let th = &s.threads[t];
        match th.pc {
            Pc::Done => Status::Finished,
            _ if !th.started => Status::Blocked,
            Pc::WpLockPage if s.page_lock != NONE && s.page_lock != t as u8 => Status::Blocked,
            _ => Status::Enabled,
        }
    }

    /// Sets up the first step of thread `t`'s current operation.
    pub(super) fn start_op(&self, s: &mut State, t: usize) {
        let op = self.op(s, t);
        let mm = s.mms[t];
        let n = self.n;
        let th = &mut s.threads[t];
        th.busy = false;
        th.page = NONE;
        th.new = NONE;
        th.flag = false;
        th.judged = false;
        th.todo = 0;
        th.i = 0;
        th.pc = match op {
            None => Pc::Done,
            Some(Op::ThpFault) => Pc::AnonVmaPrepare,
            Some(Op::GupPin(x)) => {
                th.x = x;
                Pc::GupLock
            }
            Some(Op::GupUnpin(x)) => {
                th.x = x;
                Pc::Unpin
            }
            Some(Op::Fork { .. }) => Pc::ForkAnonVma,
            Some(Op::SplitHugePmd) => Pc::SplitLock,
            Some(Op::Munmap(x)) => {
                th.x = x;
                match mm.pmd {
                    Pmd::Huge(_) if n == 1 => Pc::ZhLock,
                    Pmd::Huge(_) => Pc::SplitLock,
                    _ => Pc::ZapLock,
                }
            }
            Some(Op::Write(x)) => {
                th.x = x;
                match mm.pmd {
                    Pmd::Huge(e) if e.write => Pc::Store,
                    Pmd::Huge(_) => Pc::HwpLock,
                    _ if mm.pte[x as usize].write => Pc::Store,
                    _ => Pc::WpLock,
                }
            }
            Some(Op::Exit) => match mm.pmd {
                Pmd::Huge(_) => Pc::ZhLock,
                _ => Pc::ZapLock,
            },
        };
    }

    fn finish_op(&self, s: &mut State, t: usize) {
        s.threads[t].op += 1;
        self.start_op(s, t);
    }

    /// The write fault on subpage `x` (from `write(x)` or from GUP's `faultin_page`).
    fn fault_start(&self, s: &mut State, t: usize) {
        s.threads[t].pc = match s.mms[t].pmd {
            Pmd::Huge(_) => Pc::HwpLock,
            _ => Pc::WpLock,
        };
    }

    fn fault_done(&self, s: &mut State, t: usize) {
        s.threads[t].judged = false;
        if let Some(Op::GupPin(_)) = self.op(s, t) {
            s.threads[t].pc = Pc::GupLock;
        } else {
            self.finish_op(s, t);
        }
    }

    fn others_quiescent(s: &State, t: usize) -> bool {
        s.threads
            .iter()
            .enumerate()
            .all(|(u, th)| u == t || !th.busy)
    }

    fn start_read(&self, s: &mut State, t: usize, read: Read, i: u8, after: After) {
        let th = &mut s.threads[t];
        th.read = read;
        th.after = after;
        th.i = i;
        th.m = 0;
        th.tot = 0;
        th.pc = Pc::ReadSub;
    }

    fn after_read(&self, s: &mut State, t: usize) {
        let v = self.variant;
        let th = &mut s.threads[t];
        match th.after {
            After::Hwp => {
                th.pc = if th.m != 1 {
                    Pc::HwpGet
                } else if v == Variant::V45 {
                    Pc::HwpCount
                } else {
                    Pc::HwpReuse
                };
            }
            After::Rsp => {
                th.flag = th.m <= 1;
                th.pc = match v {
                    _ if !th.flag => Pc::WpUnlockPage,
                    Variant::MergedFix if th.tot != 1 => Pc::WpUnlockPage,
                    _ => Pc::WpMove,
                };
            }
            After::V59 => {
                th.flag = false;
                th.pc = if th.m != 1 {
                    Pc::WpUnlockPage
                } else {
                    Pc::V59Count2
                };
            }
        }
    }

    fn start_rmap(&self, s: &mut State, t: usize, after: RmapAfter) {
        s.threads[t].rmap_after = after;
        s.threads[t].pc = Pc::RmapCmc;
    }

    fn after_rmap(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        th.pc = match th.rmap_after {
            RmapAfter::HwpCopy => Pc::HwpPutOld,
            RmapAfter::Zap => Pc::ZhUnlock,
        };
    }

    fn rsp_start(&self, s: &mut State, t: usize) {
        match self.variant {
            Variant::V44 | Variant::V45 | Variant::V45MapcountOnly => {
                s.threads[t].pc = Pc::RspCompound
            }
            _ => self.start_read(s, t, Read::Ptm, 0, After::Rsp),
        }
    }

    fn next_zap(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        if th.todo == 0 {
            th.pc = Pc::ZapUnlock;
        } else {
            th.i = th.todo.trailing_zeros() as u8;
            th.pc = Pc::ZapClear;
        }
    }

    fn next_put(&self, s: &mut State, t: usize) {
        if s.threads[t].gather.iter().any(|&g| g != NONE) {
            s.threads[t].pc = Pc::ZapPut;
        } else {
            self.finish_op(s, t);
        }
    }

    fn next_fork_pte(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        if th.todo == 0 {
            th.pc = Pc::ForkPteUnlock;
        } else {
            th.i = th.todo.trailing_zeros() as u8;
            th.pc = Pc::ForkPteWrprotect;
        }
    }

    fn child(&self, s: &State, t: usize) -> usize {
        match self.op(s, t) {
            Some(Op::Fork { child }) => child as usize,
            _ => unreachable!("a fork step outside fork"),
        }
    }

    fn fork_done(&self, s: &mut State, t: usize) {
        let c = self.child(s, t);
        s.threads[c].started = true;
        self.start_op(s, c);
        self.finish_op(s, t);
    }

    fn after_split(&self, s: &mut State, t: usize) {
        if let Some(Op::Munmap(_)) = self.op(s, t) {
            s.threads[t].pc = Pc::ZapLock;
        } else {
            self.finish_op(s, t);
        }
    }

    /// `put_page(page)`: `VM_BUG_ON_PAGE(page_ref_count(page) == 0)`, and the page must not
    /// be freed while mapped or pinned.
    fn put(&self, s: &mut State, page: u8) -> Result<(), Violation> {
        let rc = Self::rc_of(s, page);
        if *rc == 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!(
                    "put_page({}) with _refcount already 0 (VM_BUG_ON_PAGE)",
                    self.page_name(page)
                ),
            ));
        }
        *rc -= 1;
        if *rc == 0 {
            let mapped = (0..self.n).any(|i| self.maps(s, page, i) > 0);
            let pinned = s.pins.iter().any(|p| p.page == page);
            if mapped || pinned {
                return Err(Violation::new(
                    "free_while_referenced",
                    format!(
                        "{} is freed (_refcount 0) while it is still {}",
                        self.page_name(page),
                        if mapped { "mapped" } else { "pinned" }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn new_copy(s: &mut State, huge: bool) -> u8 {
        s.copies.push(CowCopy { rc: 1, huge });
        s.copies.len() as u8
    }

    /// R2: a judged fault (the only mapper, nobody else inside an operation) copied a page
    /// this process pinned through the faulting entry.
    fn false_cow_check(&self, s: &State, t: usize, huge: bool) -> Result<(), Violation> {
        let th = &s.threads[t];
        if !th.judged || th.page != H {
            return Ok(());
        }
        if let Some(p) = s
            .pins
            .iter()
            .find(|p| p.mm == t as u8 && p.page == H && (huge || p.sub == th.x))
        {
            return Err(Violation::new(
                "false_cow",
                format!(
                    "{} was the only process mapping H{}, yet its write fault copied the page: \
                     the pin on H[{}] no longer matches {}'s mapping (user writes go to the copy, \
                     DMA to H)",
                    self.name(t),
                    if huge {
                        String::new()
                    } else {
                        format!("[{}]", th.x)
                    },
                    p.sub,
                    self.name(t)
                ),
            ));
        }
        Ok(())
    }

    /// Runs thread `t`'s next step.
    pub(super) fn exec(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        for (u, th) in s.threads.iter_mut().enumerate() {
            if u != t {
                th.judged = false;
            }
        }
        s.threads[t].busy = true;
        let n = self.n;
        let v = self.variant;
        let x = s.threads[t].x;
        let xi = x as usize;
        let pc = s.threads[t].pc;
        match pc {
            Pc::Start | Pc::Done => unreachable!("not an enabled step"),
            Pc::AnonVmaPrepare => {
                let mm = &mut s.mms[t];
                if mm.anon_vma == NONE {
                    mm.anon_vma = t as u8;
                    mm.links |= 1 << t;
                }
                s.threads[t].pc = Pc::AllocThp;
            }
            Pc::AllocThp => {
                s.thp.rc = 1;
                s.threads[t].pc = Pc::FaultLock;
            }
            Pc::FaultLock => {
                s.mms[t].pmd_lock = true;
                s.threads[t].pc = Pc::FaultRmap;
            }
            Pc::FaultRmap => {
                if v == Variant::V44 {
                    s.thp.sub[0] = 0;
                } else {
                    s.thp.cmc = 0;
                }
                s.thp.mapping = s.mms[t].anon_vma;
                s.threads[t].pc = Pc::FaultSetPmd;
            }
            Pc::FaultSetPmd => {
                s.mms[t].pmd = Pmd::Huge(Entry {
                    page: H,
                    write: true,
                });
                s.threads[t].pc = Pc::FaultUnlock;
            }
            Pc::FaultUnlock => {
                s.mms[t].pmd_lock = false;
                self.finish_op(s, t);
            }
            Pc::Store => self.finish_op(s, t),

            // ---- do_huge_pmd_wp_page
            Pc::HwpLock => {
                s.mms[t].pmd_lock = true;
                let Pmd::Huge(e) = s.mms[t].pmd else {
                    unreachable!("huge fault without a huge PMD")
                };
                let judged = Self::others_quiescent(s, t)
                    && e.page == H
                    && (0..n).all(|i| self.maps(s, H, i) == 1);
                let th = &mut s.threads[t];
                th.page = e.page;
                th.judged = judged;
                if e.page != H {
                    th.pc = Pc::HwpCopyPage;
                } else {
                    let read = if v == Variant::V44 {
                        Read::Old44
                    } else if v.ptm() {
                        Read::Ptm
                    } else {
                        Read::PageMapcount
                    };
                    self.start_read(s, t, read, 0, After::Hwp);
                }
            }
            Pc::HwpCopyPage => {
                let page = s.threads[t].page;
                if (0..n).all(|i| self.maps(s, page, i) == 1) {
                    s.mms[t].pmd = Pmd::Huge(Entry { page, write: true });
                } else {
                    let new = Self::new_copy(s, true);
                    s.mms[t].pmd = Pmd::Huge(Entry {
                        page: new,
                        write: true,
                    });
                    self.put(s, page)?;
                }
                s.threads[t].pc = Pc::HwpUnlock;
            }
            Pc::HwpCount => {
                s.threads[t].pc = if s.thp.rc == 1 {
                    Pc::HwpReuse
                } else {
                    Pc::HwpGet
                };
            }
            Pc::HwpReuse => {
                if let Pmd::Huge(e) = &mut s.mms[t].pmd {
                    e.write = true;
                }
                s.threads[t].pc = Pc::HwpUnlock;
            }
            Pc::HwpUnlock => {
                s.mms[t].pmd_lock = false;
                self.fault_done(s, t);
            }
            Pc::HwpGet => {
                s.thp.rc += 1;
                s.threads[t].pc = Pc::HwpUnlockAlloc;
            }
            Pc::HwpUnlockAlloc => {
                s.mms[t].pmd_lock = false;
                s.threads[t].pc = Pc::HwpAlloc;
            }
            Pc::HwpAlloc => {
                s.threads[t].new = Self::new_copy(s, true);
                s.threads[t].pc = Pc::HwpRelock;
            }
            Pc::HwpRelock => {
                s.mms[t].pmd_lock = true;
                s.threads[t].pc = Pc::HwpPut;
            }
            Pc::HwpPut => {
                self.put(s, H)?;
                s.threads[t].pc = Pc::HwpClear;
            }
            Pc::HwpClear => {
                s.mms[t].pmd = Pmd::None;
                s.threads[t].pc = Pc::HwpNewRmap;
            }
            Pc::HwpNewRmap => s.threads[t].pc = Pc::HwpSetPmd,
            Pc::HwpSetPmd => {
                s.mms[t].pmd = Pmd::Huge(Entry {
                    page: s.threads[t].new,
                    write: true,
                });
                self.false_cow_check(s, t, true)?;
                self.start_rmap(s, t, RmapAfter::HwpCopy);
            }
            Pc::HwpPutOld => {
                self.put(s, H)?;
                s.threads[t].pc = Pc::HwpUnlock;
            }

            // ---- readers
            Pc::ReadSub => {
                let th = &mut s.threads[t];
                let i = th.i as usize;
                let val = s.thp.sub[i] + 1;
                match th.read {
                    Read::Old44 => {
                        th.m = val;
                        self.after_read(s, t);
                    }
                    Read::PageMapcount => {
                        th.m = val;
                        th.pc = Pc::ReadCmc;
                    }
                    Read::Ptm => {
                        th.m = th.m.max(val);
                        th.tot += val;
                        th.i += 1;
                        if th.i == n {
                            th.pc = Pc::ReadDm;
                        }
                    }
                }
            }
            Pc::ReadDm => {
                let dm = s.thp.dm;
                let th = &mut s.threads[t];
                if dm {
                    th.m -= 1;
                    if th.read == Read::Ptm {
                        th.tot -= n as i8;
                    }
                }
                if th.read == Read::Ptm {
                    th.pc = Pc::ReadCmc;
                } else {
                    self.after_read(s, t);
                }
            }
            Pc::ReadCmc => {
                let c = s.thp.cmc + 1;
                let th = &mut s.threads[t];
                th.m += c;
                th.tot += c;
                if th.read == Read::Ptm {
                    self.after_read(s, t);
                } else {
                    th.pc = Pc::ReadDm;
                }
            }

            // ---- page_remove_rmap(page, true)
            Pc::RmapCmc => {
                if v == Variant::V44 {
                    s.thp.sub[0] -= 1;
                    self.after_rmap(s, t);
                } else {
                    s.thp.cmc -= 1;
                    if s.thp.cmc < 0 {
                        s.threads[t].pc = Pc::RmapDm;
                    } else {
                        self.after_rmap(s, t);
                    }
                }
            }
            Pc::RmapDm => {
                let was = s.thp.dm;
                s.thp.dm = false;
                if was {
                    s.threads[t].i = 0;
                    s.threads[t].pc = Pc::RmapSub;
                } else {
                    self.after_rmap(s, t);
                }
            }
            Pc::RmapSub => {
                let i = s.threads[t].i;
                s.thp.sub[i as usize] -= 1;
                s.threads[t].i += 1;
                if i + 1 == n {
                    self.after_rmap(s, t);
                }
            }

            // ---- do_wp_page
            Pc::WpLock => {
                s.mms[t].pte_lock = true;
                let e = s.mms[t].pte[xi];
                let judged = Self::others_quiescent(s, t) && e.page == H && self.maps(s, H, x) == 1;
                let th = &mut s.threads[t];
                th.page = e.page;
                th.judged = judged;
                th.pc = if e.page != H {
                    Pc::WpCopyPage
                } else if v == Variant::V59PageCount {
                    Pc::V59Count
                } else {
                    Pc::WpTrylock
                };
            }
            Pc::WpCopyPage => {
                let page = s.threads[t].page;
                if self.maps(s, page, x) == 1 {
                    s.mms[t].pte[xi].write = true;
                } else {
                    let new = Self::new_copy(s, false);
                    s.mms[t].pte[xi] = Entry {
                        page: new,
                        write: true,
                    };
                    self.put(s, page)?;
                }
                s.threads[t].pc = Pc::WpUnlock;
            }
            Pc::V59Count => {
                s.threads[t].pc = if s.thp.rc != 1 {
                    Pc::WpGet
                } else {
                    Pc::WpTrylock
                };
            }
            Pc::WpTrylock => {
                if s.page_lock == NONE {
                    s.page_lock = t as u8;
                    if v == Variant::V59PageCount {
                        self.start_read(s, t, Read::PageMapcount, x, After::V59);
                    } else {
                        self.rsp_start(s, t);
                    }
                } else {
                    s.threads[t].pc = if v == Variant::V59PageCount {
                        Pc::WpGet
                    } else {
                        Pc::WpGetSlow
                    };
                }
            }
            Pc::WpGetSlow => {
                s.thp.rc += 1;
                s.threads[t].pc = Pc::WpUnlockSlow;
            }
            Pc::WpUnlockSlow => {
                s.mms[t].pte_lock = false;
                s.threads[t].pc = Pc::WpLockPage;
            }
            Pc::WpLockPage => {
                s.page_lock = t as u8;
                s.threads[t].pc = Pc::WpRelockSlow;
            }
            Pc::WpRelockSlow => {
                s.mms[t].pte_lock = true;
                s.threads[t].pc = Pc::WpPutSlow;
            }
            Pc::WpPutSlow => {
                self.put(s, H)?;
                self.rsp_start(s, t);
            }
            Pc::RspCompound => {
                s.threads[t].flag = false;
                s.threads[t].pc = Pc::WpUnlockPage;
            }
            Pc::V59Count2 => {
                s.threads[t].flag = s.thp.rc == 1;
                s.threads[t].pc = Pc::WpUnlockPage;
            }
            Pc::WpMove => {
                let tail_write = matches!(
                    v,
                    Variant::AndreaV1 | Variant::V45 | Variant::V45MapcountOnly | Variant::V44
                ) && x != 0;
                if tail_write {
                    return Err(Violation::new(
                        "tail_mapping_write",
                        format!(
                            "page_move_anon_rmap(H[{x}]) writes the tail page's mapping{}; the \
                             head's mapping (what rmap reads) is not moved",
                            if x == 1 {
                                " (for page[1] that slot is compound_mapcount)"
                            } else if x == 2 {
                                " (for page[2] that slot is the deferred-split list)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                s.thp.mapping = s.mms[t].anon_vma;
                s.threads[t].pc = Pc::WpUnlockPage;
            }
            Pc::WpUnlockPage => {
                s.page_lock = NONE;
                s.threads[t].pc = if s.threads[t].flag {
                    Pc::WpReuse
                } else {
                    Pc::WpGet
                };
            }
            Pc::WpReuse => {
                s.mms[t].pte[xi].write = true;
                s.threads[t].pc = Pc::WpUnlock;
            }
            Pc::WpUnlock => {
                s.mms[t].pte_lock = false;
                self.fault_done(s, t);
            }
            Pc::WpGet => {
                s.thp.rc += 1;
                s.threads[t].pc = Pc::WpUnlockCopy;
            }
            Pc::WpUnlockCopy => {
                s.mms[t].pte_lock = false;
                s.threads[t].pc = Pc::WcAlloc;
            }
            Pc::WcAlloc => {
                s.threads[t].new = Self::new_copy(s, false);
                s.threads[t].pc = Pc::WcLock;
            }
            Pc::WcLock => {
                s.mms[t].pte_lock = true;
                s.threads[t].pc = Pc::WcClear;
            }
            Pc::WcClear => {
                s.mms[t].pte[xi] = Entry::EMPTY;
                s.threads[t].pc = Pc::WcNewRmap;
            }
            Pc::WcNewRmap => s.threads[t].pc = Pc::WcSet,
            Pc::WcSet => {
                s.mms[t].pte[xi] = Entry {
                    page: s.threads[t].new,
                    write: true,
                };
                self.false_cow_check(s, t, false)?;
                s.threads[t].pc = Pc::WcRemove;
            }
            Pc::WcRemove => {
                s.thp.sub[xi] -= 1;
                s.threads[t].pc = Pc::WcPutPte;
            }
            Pc::WcPutPte => {
                self.put(s, H)?;
                s.threads[t].pc = Pc::WcUnlock;
            }
            Pc::WcUnlock => {
                s.mms[t].pte_lock = false;
                s.threads[t].pc = Pc::WcPutRef;
            }
            Pc::WcPutRef => {
                self.put(s, H)?;
                self.fault_done(s, t);
            }

            // ---- GUP
            Pc::GupLock => {
                let mm = &mut s.mms[t];
                let e = match mm.pmd {
                    Pmd::Huge(e) => {
                        mm.pmd_lock = true;
                        e
                    }
                    _ => {
                        mm.pte_lock = true;
                        mm.pte[xi]
                    }
                };
                let th = &mut s.threads[t];
                th.page = e.page;
                th.pc = if e.write {
                    Pc::GupGet
                } else {
                    Pc::GupUnlockFault
                };
            }
            Pc::GupGet => {
                let page = s.threads[t].page;
                *Self::rc_of(s, page) += 1;
                s.pins.push(Pin {
                    mm: t as u8,
                    page,
                    sub: x,
                });
                s.threads[t].pc = Pc::GupUnlock;
            }
            Pc::GupUnlock | Pc::GupUnlockFault => {
                let mm = &mut s.mms[t];
                mm.pmd_lock = false;
                mm.pte_lock = false;
                if pc == Pc::GupUnlock {
                    self.finish_op(s, t);
                } else {
                    self.fault_start(s, t);
                }
            }
            Pc::Unpin => {
                let k = s
                    .pins
                    .iter()
                    .rposition(|p| p.mm == t as u8 && p.sub == x)
                    .expect("the builder checks every unpin has a pin");
                let pin = s.pins.remove(k);
                self.put(s, pin.page)?;
                self.finish_op(s, t);
            }

            // ---- fork
            Pc::ForkAnonVma => {
                let c = self.child(s, t);
                let parent = s.mms[t];
                if parent.anon_vma != NONE {
                    let child = &mut s.mms[c];
                    child.anon_vma = c as u8;
                    child.links = parent.links | 1 << c;
                }
                match parent.pmd {
                    Pmd::Huge(_) => s.threads[t].pc = Pc::ForkPmdLock,
                    Pmd::Table => s.threads[t].pc = Pc::ForkPteLock,
                    _ => self.fork_done(s, t),
                }
            }
            Pc::ForkPmdLock => {
                let c = self.child(s, t);
                s.mms[c].pmd_lock = true;
                s.mms[t].pmd_lock = true;
                s.threads[t].pc = Pc::ForkPmdGet;
            }
            Pc::ForkPmdGet => {
                let Pmd::Huge(e) = s.mms[t].pmd else {
                    unreachable!()
                };
                s.threads[t].page = e.page;
                *Self::rc_of(s, e.page) += 1;
                s.threads[t].pc = if e.page == H {
                    Pc::ForkPmdDup
                } else {
                    Pc::ForkPmdWrprotect
                };
            }
            Pc::ForkPmdDup => {
                if v == Variant::V44 {
                    s.thp.sub[0] += 1;
                } else {
                    s.thp.cmc += 1;
                }
                s.threads[t].pc = Pc::ForkPmdWrprotect;
            }
            Pc::ForkPmdWrprotect => {
                if let Pmd::Huge(e) = &mut s.mms[t].pmd {
                    e.write = false;
                }
                s.threads[t].pc = Pc::ForkPmdSet;
            }
            Pc::ForkPmdSet => {
                let c = self.child(s, t);
                s.mms[c].pmd = Pmd::Huge(Entry {
                    page: s.threads[t].page,
                    write: false,
                });
                s.threads[t].pc = Pc::ForkPmdUnlock;
            }
            Pc::ForkPmdUnlock => {
                let c = self.child(s, t);
                s.mms[c].pmd_lock = false;
                s.mms[t].pmd_lock = false;
                self.fork_done(s, t);
            }
            Pc::ForkPteLock => {
                let c = self.child(s, t);
                s.mms[c].pmd = Pmd::Table;
                s.mms[c].pte_lock = true;
                s.mms[t].pte_lock = true;
                let todo = (0..n)
                    .filter(|&i| s.mms[t].pte[i as usize].present())
                    .fold(0u8, |a, i| a | 1 << i);
                s.threads[t].todo = todo;
                self.next_fork_pte(s, t);
            }
            Pc::ForkPteWrprotect => {
                let i = s.threads[t].i as usize;
                s.mms[t].pte[i].write = false;
                s.threads[t].page = s.mms[t].pte[i].page;
                s.threads[t].pc = Pc::ForkPteGet;
            }
            Pc::ForkPteGet => {
                let page = s.threads[t].page;
                *Self::rc_of(s, page) += 1;
                s.threads[t].pc = if page == H {
                    Pc::ForkPteDup
                } else {
                    Pc::ForkPteSet
                };
            }
            Pc::ForkPteDup => {
                let i = s.threads[t].i as usize;
                s.thp.sub[i] += 1;
                s.threads[t].pc = Pc::ForkPteSet;
            }
            Pc::ForkPteSet => {
                let c = self.child(s, t);
                let i = s.threads[t].i;
                s.mms[c].pte[i as usize] = Entry {
                    page: s.threads[t].page,
                    write: false,
                };
                s.threads[t].todo &= !(1 << i);
                self.next_fork_pte(s, t);
            }
            Pc::ForkPteUnlock => {
                let c = self.child(s, t);
                s.mms[c].pte_lock = false;
                s.mms[t].pte_lock = false;
                self.fork_done(s, t);
            }

            // ---- split
            Pc::SplitLock => {
                s.mms[t].pmd_lock = true;
                s.threads[t].pc = match s.mms[t].pmd {
                    Pmd::Huge(e) if e.page == H => {
                        s.threads[t].flag = e.write;
                        Pc::S1Ref
                    }
                    Pmd::Huge(_) => Pc::SplitCopyPage,
                    _ => Pc::SplitUnlock,
                };
            }
            Pc::SplitCopyPage => {
                let Pmd::Huge(e) = s.mms[t].pmd else {
                    unreachable!()
                };
                s.mms[t].pmd = Pmd::Table;
                for i in 0..n as usize {
                    s.mms[t].pte[i] = e;
                }
                *Self::rc_of(s, e.page) += n as i8 - 1;
                s.threads[t].pc = Pc::SplitUnlock;
            }
            Pc::S1Ref => {
                s.thp.rc += n as i8 - 1;
                s.threads[t].pc = Pc::S2Withdraw;
            }
            Pc::S2Withdraw => {
                s.threads[t].i = 0;
                s.threads[t].pc = Pc::S3Pte;
            }
            Pc::S3Pte => {
                let i = s.threads[t].i;
                s.mms[t].pte[i as usize] = Entry {
                    page: H,
                    write: s.threads[t].flag,
                };
                s.thp.sub[i as usize] += 1;
                s.threads[t].i += 1;
                if i + 1 == n {
                    s.threads[t].pc = Pc::S4Read;
                }
            }
            Pc::S4Read => {
                s.threads[t].pc = if s.thp.cmc + 1 > 1 {
                    Pc::S4Set
                } else {
                    Pc::S5Dec
                };
            }
            Pc::S4Set => {
                let was = s.thp.dm;
                s.thp.dm = true;
                s.threads[t].i = 0;
                s.threads[t].pc = if was { Pc::S5Dec } else { Pc::S4Inc };
            }
            Pc::S4Inc => {
                let i = s.threads[t].i;
                s.thp.sub[i as usize] += 1;
                s.threads[t].i += 1;
                if i + 1 == n {
                    s.threads[t].pc = Pc::S5Dec;
                }
            }
            Pc::S5Dec => {
                s.thp.cmc -= 1;
                s.threads[t].pc = if s.thp.cmc < 0 {
                    Pc::S5Clear
                } else {
                    Pc::S6Invalidate
                };
            }
            Pc::S5Clear => {
                let was = s.thp.dm;
                s.thp.dm = false;
                s.threads[t].i = 0;
                s.threads[t].pc = if was { Pc::S5Sub } else { Pc::S6Invalidate };
            }
            Pc::S5Sub => {
                let i = s.threads[t].i;
                s.thp.sub[i as usize] -= 1;
                s.threads[t].i += 1;
                if i + 1 == n {
                    s.threads[t].pc = Pc::S6Invalidate;
                }
            }
            Pc::S6Invalidate => {
                if let Pmd::Huge(e) = s.mms[t].pmd {
                    s.mms[t].pmd = Pmd::Invalid(e);
                }
                s.threads[t].pc = Pc::S6Populate;
            }
            Pc::S6Populate => {
                s.mms[t].pmd = Pmd::Table;
                s.threads[t].pc = Pc::SplitUnlock;
            }
            Pc::SplitUnlock => {
                s.mms[t].pmd_lock = false;
                self.after_split(s, t);
            }

            // ---- zap_pte_range
            Pc::ZapLock => {
                s.mms[t].pte_lock = true;
                let mm = &s.mms[t];
                let todo = match self.op(s, t) {
                    Some(Op::Munmap(x)) => {
                        if mm.pte[x as usize].present() {
                            1 << x
                        } else {
                            0
                        }
                    }
                    _ => (0..n)
                        .filter(|&i| mm.pte[i as usize].present())
                        .fold(0u8, |a, i| a | 1 << i),
                };
                s.threads[t].todo = todo;
                self.next_zap(s, t);
            }
            Pc::ZapClear => {
                let i = s.threads[t].i as usize;
                let e = s.mms[t].pte[i];
                s.mms[t].pte[i] = Entry::EMPTY;
                s.threads[t].gather[i] = e.page;
                if e.page == H {
                    s.threads[t].pc = Pc::ZapRmap;
                } else {
                    s.threads[t].todo &= !(1 << i);
                    self.next_zap(s, t);
                }
            }
            Pc::ZapRmap => {
                let i = s.threads[t].i;
                s.thp.sub[i as usize] -= 1;
                s.threads[t].todo &= !(1 << i);
                self.next_zap(s, t);
            }
            Pc::ZapUnlock => {
                s.mms[t].pte_lock = false;
                self.next_put(s, t);
            }
            Pc::ZapPut => {
                let i = s.threads[t]
                    .gather
                    .iter()
                    .position(|&g| g != NONE)
                    .expect("a gathered page");
                let page = s.threads[t].gather[i];
                s.threads[t].gather[i] = NONE;
                self.put(s, page)?;
                self.next_put(s, t);
            }

            // ---- zap_huge_pmd
            Pc::ZhLock => {
                s.mms[t].pmd_lock = true;
                s.threads[t].pc = Pc::ZhClear;
            }
            Pc::ZhClear => {
                let Pmd::Huge(e) = s.mms[t].pmd else {
                    unreachable!()
                };
                s.mms[t].pmd = Pmd::None;
                s.threads[t].page = e.page;
                if e.page == H {
                    self.start_rmap(s, t, RmapAfter::Zap);
                } else {
                    s.threads[t].pc = Pc::ZhUnlock;
                }
            }
            Pc::ZhUnlock => {
                s.mms[t].pmd_lock = false;
                s.threads[t].pc = Pc::ZhPut;
            }
            Pc::ZhPut => {
                let page = s.threads[t].page;
                self.put(s, page)?;
                self.finish_op(s, t);
            }
        }
        Ok(())
    }

    /// What thread `t`'s next step is.
    pub(super) fn info(&self, s: &State, t: usize) -> StepInfo {
        let th = &s.threads[t];
        let x = th.x;
        let i = th.i;
        let n = self.n;
        let v = self.variant;
        let pg = if th.page == NONE {
            "page".to_string()
        } else {
            self.page_name(th.page)
        };
        let c = match self.op(s, t) {
            Some(Op::Fork { child }) => child as usize,
            _ => t,
        };
        let cname = self.name(c);
        let pmd_l = "spin_lock(pmd_lock(mm, pmd))".to_string();
        let pmd_u = "spin_unlock(pmd_lock(mm, pmd))".to_string();
        let pte_l = "spin_lock(pte_lockptr(mm, pmd))".to_string();
        let pte_u = "pte_unmap_unlock(pte, ptl)".to_string();
        let me = pmd(t) | ptes(t);
        let (label, source, fp): (String, Source, Footprint) = match th.pc {
            Pc::Start | Pc::Done => (
                "(not running)".into(),
                self.src("", "", false),
                Footprint::default(),
            ),
            Pc::AnonVmaPrepare => (
                "anon_vma_prepare(vma)  [vma->anon_vma = new anon_vma if none]".into(),
                self.src("anon_vma_prepare", RMAP, false),
                rw(av(t)),
            ),
            Pc::AllocThp => (
                "page = alloc_hugepage_vma(...)  [H._refcount = 1]".into(),
                self.src("do_huge_pmd_anonymous_page", HUGE, false),
                rw(RC),
            ),
            Pc::FaultLock => (
                pmd_l,
                self.src("__do_huge_pmd_anonymous_page", HUGE, false),
                rw(locks(t)),
            ),
            Pc::FaultRmap => (
                if v == Variant::V44 {
                    "page_add_new_anon_rmap(page, vma, haddr)  [H._mapcount = 0; H.mapping = anon_vma]".into()
                } else {
                    "page_add_new_anon_rmap(page, vma, haddr, true)  [compound_mapcount = 0; H.mapping = anon_vma]".into()
                },
                self.src("page_add_new_anon_rmap", RMAP, false),
                Footprint {
                    reads: av(t),
                    writes: CMC | sub(0) | MAPPING,
                },
            ),
            Pc::FaultSetPmd => (
                "set_pmd_at(mm, haddr, pmd, maybe_pmd_mkwrite(mk_huge_pmd(page)))".into(),
                self.src("__do_huge_pmd_anonymous_page", HUGE, false),
                rw(pmd(t)),
            ),
            Pc::FaultUnlock => (
                pmd_u,
                self.src("__do_huge_pmd_anonymous_page", HUGE, false),
                rw(locks(t)),
            ),
            Pc::Store => (
                format!("*(addr of subpage {x}) = v  [writable entry: no fault]"),
                self.src("(user store)", "", false),
                r(me),
            ),
            Pc::HwpLock => (
                format!("{pmd_l}; pmd_same(*pmd, orig_pmd)"),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rwr(locks(t), pmd(t)),
            ),
            Pc::HwpCopyPage => (
                format!("do_huge_pmd_wp_page on {pg} (a COW copy): reuse if mapped once, else copy  [coarse]"),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rwr(COPIES | pmd(t), 0xffff_ffff_0000),
            ),
            Pc::HwpCount => (
                "page_count(page) == 1".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                r(RC),
            ),
            Pc::HwpReuse => (
                "pmdp_set_access_flags(vma, haddr, pmd, pmd_mkyoung(pmd_mkdirty(pmd_mkwrite(orig_pmd))))  [reuse]".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(pmd(t)),
            ),
            Pc::HwpUnlock => (
                pmd_u,
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(locks(t)),
            ),
            Pc::HwpGet => (
                "get_page(page)".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(RC),
            ),
            Pc::HwpUnlockAlloc => (
                pmd_u,
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(locks(t)),
            ),
            Pc::HwpAlloc => (
                "new_page = alloc_hugepage_vma(...); copy_user_huge_page(new_page, page, ...)".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(COPIES),
            ),
            Pc::HwpRelock => (
                format!("{pmd_l}; pmd_same(*pmd, orig_pmd)"),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(locks(t)),
            ),
            Pc::HwpPut => (
                "put_user_huge_page(page)  [put_page]".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(RC),
            ),
            Pc::HwpClear => (
                "pmdp_huge_clear_flush_notify(vma, haddr, pmd)".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(pmd(t)),
            ),
            Pc::HwpNewRmap => (
                "page_add_new_anon_rmap(new_page, vma, haddr, true)".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(COPIES),
            ),
            Pc::HwpSetPmd => (
                "set_pmd_at(mm, haddr, pmd, maybe_pmd_mkwrite(mk_huge_pmd(new_page)))".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rwr(pmd(t), PINS),
            ),
            Pc::HwpPutOld => (
                "put_page(page)  [the PMD's reference]".into(),
                self.src("do_huge_pmd_wp_page", HUGE, true),
                rw(RC),
            ),
            Pc::ReadSub => {
                let (label, function, file) = match th.read {
                    Read::Old44 => (
                        "page_mapcount(page) = atomic_read(&H._mapcount) + 1".to_string(),
                        "page_mapcount",
                        MM_H,
                    ),
                    Read::PageMapcount => (
                        format!("ret = atomic_read(&H[{i}]._mapcount) + 1"),
                        "__page_mapcount",
                        UTIL,
                    ),
                    Read::Ptm => (
                        format!(
                            "mapcount = atomic_read(&page[{i}]._mapcount) + 1; ret = max(ret, mapcount); _total_mapcount += mapcount"
                        ),
                        "page_trans_huge_mapcount",
                        HUGE,
                    ),
                };
                (label, self.src(function, file, true), r(sub(i)))
            }
            Pc::ReadDm => {
                let (label, function, file) = if th.read == Read::Ptm {
                    (
                        format!("if (PageDoubleMap(page)) {{ ret -= 1; _total_mapcount -= {n}; }}"),
                        "page_trans_huge_mapcount",
                        HUGE,
                    )
                } else {
                    ("if (PageDoubleMap(page)) ret--".to_string(), "__page_mapcount", UTIL)
                };
                (label, self.src(function, file, true), r(DM))
            }
            Pc::ReadCmc => {
                let (label, function, file) = if th.read == Read::Ptm {
                    (
                        "mapcount = compound_mapcount(page); ret += mapcount; _total_mapcount += mapcount".to_string(),
                        "page_trans_huge_mapcount",
                        HUGE,
                    )
                } else {
                    ("ret += compound_mapcount(page)".to_string(), "__page_mapcount", UTIL)
                };
                (label, self.src(function, file, true), r(CMC))
            }
            Pc::RmapCmc => (
                if v == Variant::V44 {
                    "atomic_add_negative(-1, &H._mapcount)".into()
                } else {
                    "if (!atomic_add_negative(-1, compound_mapcount_ptr(page))) return".into()
                },
                self.src("page_remove_rmap", RMAP, false),
                rw(if v == Variant::V44 { sub(0) } else { CMC }),
            ),
            Pc::RmapDm => (
                "if (TestClearPageDoubleMap(page))".into(),
                self.src("page_remove_anon_compound_rmap", RMAP, false),
                rw(DM),
            ),
            Pc::RmapSub => (
                format!("atomic_add_negative(-1, &page[{i}]._mapcount)"),
                self.src("page_remove_anon_compound_rmap", RMAP, false),
                rw(sub(i)),
            ),
            Pc::WpLock => (
                format!("{pte_l}; pte_same(*pte, orig_pte)  [handle_pte_fault → do_wp_page, subpage {x}]"),
                self.src("handle_pte_fault", MEMORY, false),
                rwr(locks(t), ptes(t)),
            ),
            Pc::WpCopyPage => (
                format!("do_wp_page on {pg} (a COW copy): reuse if mapped once, else copy  [coarse]"),
                self.src("do_wp_page", MEMORY, true),
                rwr(COPIES | ptes(t), 0xffff_ffff_0000),
            ),
            Pc::V59Count => (
                "if (PageKsm(page) || page_count(page) != 1) goto copy".into(),
                self.src("do_wp_page", MEMORY, true),
                r(RC),
            ),
            Pc::WpTrylock => (
                if v == Variant::V59PageCount {
                    "if (!trylock_page(page)) goto copy".into()
                } else {
                    "if (!trylock_page(old_page))".into()
                },
                self.src("do_wp_page", MEMORY, true),
                rw(PAGE_LOCK),
            ),
            Pc::WpGetSlow => (
                "get_page(old_page)".into(),
                self.src("do_wp_page", MEMORY, true),
                rw(RC),
            ),
            Pc::WpUnlockSlow => (pte_u, self.src("do_wp_page", MEMORY, true), rw(locks(t))),
            Pc::WpLockPage => (
                "lock_page(old_page)".into(),
                self.src("do_wp_page", MEMORY, true),
                rw(PAGE_LOCK),
            ),
            Pc::WpRelockSlow => (
                format!("{pte_l}; pte_same(*page_table, orig_pte)"),
                self.src("do_wp_page", MEMORY, true),
                rw(locks(t)),
            ),
            Pc::WpPutSlow => (
                "put_page(old_page)".into(),
                self.src("do_wp_page", MEMORY, true),
                rw(RC),
            ),
            Pc::RspCompound => (
                "if (unlikely(PageTransCompound(page))) return 0  [reuse_swap_page]".into(),
                self.src("reuse_swap_page", SWAPFILE, true),
                Footprint::default(),
            ),
            Pc::V59Count2 => (
                "if (PageKsm(page) || page_mapcount(page) != 1 || page_count(page) != 1)  [page_count]".into(),
                self.src("do_wp_page", MEMORY, true),
                r(RC),
            ),
            Pc::WpMove => {
                let label = match v {
                    Variant::AndreaV1 | Variant::V45 | Variant::V45MapcountOnly | Variant::V44 => {
                        format!("page_move_anon_rmap(old_page = H[{x}], vma, address)  [WRITE_ONCE(page->mapping, anon_vma)]")
                    }
                    Variant::AndreaV1Head => "page_move_anon_rmap(compound_head(old_page), vma, address)".into(),
                    _ => "if (total_mapcount == 1) page_move_anon_rmap(compound_head(old_page), vma, address)".into(),
                };
                (
                    label,
                    self.src("page_move_anon_rmap", RMAP, true),
                    Footprint {
                        reads: av(t),
                        writes: MAPPING | if x == 1 { CMC } else { 0 },
                    },
                )
            }
            Pc::WpUnlockPage => (
                "unlock_page(old_page)".into(),
                self.src("do_wp_page", MEMORY, true),
                rw(PAGE_LOCK),
            ),
            Pc::WpReuse => (
                "wp_page_reuse: ptep_set_access_flags(vma, address, page_table, maybe_mkwrite(pte_mkdirty(pte_mkyoung(orig_pte))))".into(),
                self.src("wp_page_reuse", MEMORY, false),
                rw(ptes(t)),
            ),
            Pc::WpUnlock => (pte_u, self.src("wp_page_reuse", MEMORY, false), rw(locks(t))),
            Pc::WpGet => (
                "get_page(old_page)  [for wp_page_copy]".into(),
                self.src("do_wp_page", MEMORY, true),
                rw(RC),
            ),
            Pc::WpUnlockCopy => (pte_u, self.src("do_wp_page", MEMORY, true), rw(locks(t))),
            Pc::WcAlloc => (
                "new_page = alloc_page_vma(...); cow_user_page(new_page, old_page, ...)".into(),
                self.src("wp_page_copy", MEMORY, false),
                rw(COPIES),
            ),
            Pc::WcLock => (
                format!("{pte_l}; pte_same(*page_table, orig_pte)"),
                self.src("wp_page_copy", MEMORY, false),
                rw(locks(t)),
            ),
            Pc::WcClear => (
                "ptep_clear_flush_notify(vma, address, page_table)".into(),
                self.src("wp_page_copy", MEMORY, false),
                rw(ptes(t)),
            ),
            Pc::WcNewRmap => (
                "page_add_new_anon_rmap(new_page, vma, address, false)".into(),
                self.src("wp_page_copy", MEMORY, false),
                rw(COPIES),
            ),
            Pc::WcSet => (
                "set_pte_at_notify(mm, address, page_table, maybe_mkwrite(pte_mkdirty(mk_pte(new_page))))".into(),
                self.src("wp_page_copy", MEMORY, false),
                rwr(ptes(t), PINS),
            ),
            Pc::WcRemove => (
                format!("page_remove_rmap(old_page, false)  [atomic_add_negative(-1, &H[{x}]._mapcount)]"),
                self.src("page_remove_rmap", RMAP, false),
                rw(sub(x)),
            ),
            Pc::WcPutPte => (
                "put_page(old_page)  [new_page = old_page; the PTE's reference]".into(),
                self.src("wp_page_copy", MEMORY, false),
                rw(RC),
            ),
            Pc::WcUnlock => (pte_u, self.src("wp_page_copy", MEMORY, false), rw(locks(t))),
            Pc::WcPutRef => (
                "put_page(old_page)  [do_wp_page's reference]".into(),
                self.src("wp_page_copy", MEMORY, false),
                rw(RC),
            ),
            Pc::GupLock => {
                let huge = matches!(s.mms[t].pmd, Pmd::Huge(_));
                (
                    if huge {
                        format!("{pmd_l}; if ((flags & FOLL_WRITE) && !pmd_write(*pmd)) → faultin_page  [subpage {x}]")
                    } else {
                        format!("{pte_l}; if ((flags & FOLL_WRITE) && !pte_write(pte)) → faultin_page  [subpage {x}]")
                    },
                    self.src(
                        if huge { "follow_trans_huge_pmd" } else { "follow_page_pte" },
                        if huge { HUGE } else { GUP },
                        false,
                    ),
                    rwr(locks(t), me),
                )
            }
            Pc::GupGet => (
                format!("get_page({pg}[{x}])  [FOLL_GET: the pin]"),
                self.src("follow_page_pte", GUP, false),
                rw(Self::rc_obj(th.page) | PINS),
            ),
            Pc::GupUnlock | Pc::GupUnlockFault => (
                "spin_unlock(ptl)".into(),
                self.src("follow_page_pte", GUP, false),
                rw(locks(t)),
            ),
            Pc::Unpin => (
                format!("put_page(pinned page of subpage {x})  [unpin]"),
                self.src("put_page", SWAP, false),
                rw(RC | COPIES | PINS),
            ),
            Pc::ForkAnonVma => (
                format!("anon_vma_fork({cname}'s vma, parent vma)  [anon_vma_clone + new anon_vma({cname})]"),
                self.src("anon_vma_fork", RMAP, false),
                rwr(av(c), av(t)),
            ),
            Pc::ForkPmdLock => (
                "spin_lock(dst_ptl); spin_lock_nested(src_ptl)".into(),
                self.src("copy_huge_pmd", HUGE, false),
                rw(locks(t) | locks(c)),
            ),
            Pc::ForkPmdGet => (
                "pmd = *src_pmd; src_page = pmd_page(pmd); get_page(src_page)".into(),
                self.src("copy_huge_pmd", HUGE, false),
                rwr(RC | COPIES, pmd(t)),
            ),
            Pc::ForkPmdDup => (
                if v == Variant::V44 {
                    "page_dup_rmap(src_page)  [atomic_inc(&H._mapcount)]".into()
                } else {
                    "page_dup_rmap(src_page, true)  [atomic_inc(compound_mapcount_ptr(page))]".into()
                },
                self.src("page_dup_rmap", RMAP_H, false),
                rw(if v == Variant::V44 { sub(0) } else { CMC }),
            ),
            Pc::ForkPmdWrprotect => (
                "pmdp_set_wrprotect(src_mm, addr, src_pmd)".into(),
                self.src("copy_huge_pmd", HUGE, false),
                rw(pmd(t)),
            ),
            Pc::ForkPmdSet => (
                format!("set_pmd_at(dst_mm = {cname}, addr, dst_pmd, pmd_mkold(pmd_wrprotect(pmd)))"),
                self.src("copy_huge_pmd", HUGE, false),
                rw(pmd(c)),
            ),
            Pc::ForkPmdUnlock => (
                "spin_unlock(src_ptl); spin_unlock(dst_ptl)".into(),
                self.src("copy_huge_pmd", HUGE, false),
                rw(locks(t) | locks(c)),
            ),
            Pc::ForkPteLock => (
                format!("dst_pte = pte_alloc_map_lock({cname}, ...); spin_lock_nested(src_ptl)"),
                self.src("copy_pte_range", MEMORY, false),
                rw(locks(t) | locks(c) | pmd(c)),
            ),
            Pc::ForkPteWrprotect => (
                format!("ptep_set_wrprotect(src_mm, addr, src_pte[{i}]); pte = pte_wrprotect(pte)"),
                self.src("copy_one_pte", MEMORY, false),
                rw(ptes(t)),
            ),
            Pc::ForkPteGet => (
                format!("page = vm_normal_page(vma, addr, pte); get_page({pg}[{i}])"),
                self.src("copy_one_pte", MEMORY, false),
                rw(Self::rc_obj(th.page)),
            ),
            Pc::ForkPteDup => (
                format!("page_dup_rmap(page, false)  [atomic_inc(&H[{i}]._mapcount)]"),
                self.src("page_dup_rmap", RMAP_H, false),
                rw(sub(i)),
            ),
            Pc::ForkPteSet => (
                format!("set_pte_at(dst_mm = {cname}, addr, dst_pte[{i}], pte)"),
                self.src("copy_one_pte", MEMORY, false),
                rw(ptes(c)),
            ),
            Pc::ForkPteUnlock => (
                "spin_unlock(src_ptl); pte_unmap_unlock(orig_dst_pte, dst_ptl)".into(),
                self.src("copy_pte_range", MEMORY, false),
                rw(locks(t) | locks(c)),
            ),
            Pc::SplitLock => (
                format!("{pmd_l}; if (pmd_trans_huge(*pmd))"),
                self.src("__split_huge_pmd", HUGE, false),
                rwr(locks(t), pmd(t)),
            ),
            Pc::SplitCopyPage => (
                format!("__split_huge_pmd_locked on {pg} (a COW copy)  [coarse]"),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(COPIES | me),
            ),
            Pc::S1Ref => (
                format!("page_ref_add(page, HPAGE_PMD_NR - 1 = {})  [s1]", n - 1),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(RC),
            ),
            Pc::S2Withdraw => (
                "write = pmd_write(*pmd); pgtable = pgtable_trans_huge_withdraw(mm, pmd)  [s2]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                r(pmd(t)),
            ),
            Pc::S3Pte => (
                format!("set_pte_at(mm, addr, pte[{i}], mk_pte(page + {i})); atomic_inc(&page[{i}]._mapcount)  [s3]"),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(ptes(t) | sub(i)),
            ),
            Pc::S4Read => (
                "if (compound_mapcount(page) > 1  [s4]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                r(CMC),
            ),
            Pc::S4Set => (
                "&& !TestSetPageDoubleMap(page))  [s4]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(DM),
            ),
            Pc::S4Inc => (
                format!("atomic_inc(&page[{i}]._mapcount)  [s4: double-map offset]"),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(sub(i)),
            ),
            Pc::S5Dec => (
                "if (atomic_add_negative(-1, compound_mapcount_ptr(page)))  [s5]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(CMC),
            ),
            Pc::S5Clear => (
                "if (TestClearPageDoubleMap(page))  [s5]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(DM),
            ),
            Pc::S5Sub => (
                format!("atomic_dec(&page[{i}]._mapcount)  [s5]"),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(sub(i)),
            ),
            Pc::S6Invalidate => (
                "pmdp_invalidate(vma, haddr, pmd)  [s6]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(pmd(t)),
            ),
            Pc::S6Populate => (
                "pmd_populate(mm, pmd, pgtable)  [s6]".into(),
                self.src("__split_huge_pmd_locked", HUGE, false),
                rw(pmd(t)),
            ),
            Pc::SplitUnlock => (pmd_u, self.src("__split_huge_pmd", HUGE, false), rw(locks(t))),
            Pc::ZapLock => (
                pte_l,
                self.src("zap_pte_range", MEMORY, false),
                rw(locks(t)),
            ),
            Pc::ZapClear => (
                format!("ptent = ptep_get_and_clear_full(mm, addr, pte[{i}], fullmm)"),
                self.src("zap_pte_range", MEMORY, false),
                rw(ptes(t)),
            ),
            Pc::ZapRmap => (
                format!("page_remove_rmap(page, false)  [atomic_add_negative(-1, &H[{i}]._mapcount)]"),
                self.src("page_remove_rmap", RMAP, false),
                rw(sub(i)),
            ),
            Pc::ZapUnlock => (pte_u, self.src("zap_pte_range", MEMORY, false), rw(locks(t))),
            Pc::ZapPut => {
                let g = th.gather.iter().copied().find(|&g| g != NONE).unwrap_or(H);
                (
                    format!("put_page({})  [tlb_flush_mmu → free_pages_and_swap_cache]", self.page_name(g)),
                    self.src("release_pages", SWAP, false),
                    rw(Self::rc_obj(g)),
                )
            }
            Pc::ZhLock => (
                pmd_l,
                self.src("zap_huge_pmd", HUGE, false),
                rw(locks(t)),
            ),
            Pc::ZhClear => (
                "orig_pmd = pmdp_huge_get_and_clear_full(tlb->mm, addr, pmd, fullmm)".into(),
                self.src("zap_huge_pmd", HUGE, false),
                rw(pmd(t)),
            ),
            Pc::ZhUnlock => (pmd_u, self.src("zap_huge_pmd", HUGE, false), rw(locks(t))),
            Pc::ZhPut => (
                format!("put_page({pg})  [tlb_remove_page, after the TLB flush]"),
                self.src("release_pages", SWAP, false),
                rw(Self::rc_obj(th.page)),
            ),
        };
        let _ = fp;
        let (label, note) = crate::page::split_note(label);
        StepInfo {
            label,
            note,
            source,
        }
    }
}
