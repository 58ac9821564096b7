//! What several steps share, and the longer step bodies: sources and label parts, the pages'
//! counts (`put_page`, a new COW copy), the R2 judgement and check, the mapcount readers'
//! reads, the coarse faults on COW copies.

use super::flow::Read;
use super::steps::Pc;
use super::{CowCopy, Entry, Op, Pmd, State, Thp, Variant, H, NONE};
use weft_explorer::{Source, Violation};

// The kernel's files.
pub(super) const MEMORY: &str = "mm/memory.c";
pub(super) const HUGE: &str = "mm/huge_memory.c";
pub(super) const RMAP: &str = "mm/rmap.c";
pub(super) const RMAP_H: &str = "include/linux/rmap.h";
pub(super) const SWAPFILE: &str = "mm/swapfile.c";
pub(super) const UTIL: &str = "mm/util.c";
pub(super) const MM_H: &str = "include/linux/mm.h";
pub(super) const GUP: &str = "mm/gup.c";
pub(super) const SWAP: &str = "mm/swap.c";

// Expressions several steps' labels share.
pub(super) const PMD_LOCK: &str = "spin_lock(pmd_lock(mm, pmd))";
pub(super) const PMD_UNLOCK: &str = "spin_unlock(pmd_lock(mm, pmd))";
pub(super) const PTE_LOCK: &str = "spin_lock(pte_lockptr(mm, pmd))";
pub(super) const PTE_UNLOCK: &str = "pte_unmap_unlock(pte, ptl)";
pub(super) const PMD_RELOCK: &str = "spin_lock(pmd_lock(mm, pmd)); pmd_same(*pmd, orig_pmd)";
pub(super) const PTE_RELOCK: &str =
    "spin_lock(pte_lockptr(mm, pmd)); pte_same(*page_table, orig_pte)";
pub(super) const NEW_RMAP: &str = "page_add_new_anon_rmap(page, vma, haddr, true)";
pub(super) const REMOVE_RMAP: &str =
    "if (!atomic_add_negative(-1, compound_mapcount_ptr(page))) return";
pub(super) const MOVE: &str = "page_move_anon_rmap(compound_head(old_page), vma, address)";
pub(super) const FOLL_PMD: &str = "if ((flags & FOLL_WRITE) && !pmd_write(*pmd)) → faultin_page";
pub(super) const FOLL_PTE: &str = "if ((flags & FOLL_WRITE) && !pte_write(pte)) → faultin_page";
pub(super) const TRYLOCK: &str = "if (!trylock_page(old_page))";

impl Thp {
    /// The release or patch the variant-specific fault code is read from.
    fn variant_commit(&self) -> &'static str {
        match self.variant {
            Variant::V44 => "v4.4",
            Variant::V45 => "v4.5 (1f25fe20a76a)",
            Variant::V45MapcountOnly => "v4.5 with the v4.4 huge check (teaching variant)",
            Variant::AndreaV1 => "Andrea v1, linux-mm 20160429163444.GM11700@redhat.com",
            Variant::AndreaV1Head => "Andrea v1 + compound_head() (Kirill's objection (b))",
            Variant::AndreaV2 => {
                "Andrea's 2016-05-05 posting, linux-mm 20160505143924.GC28755@redhat.com"
            }
            Variant::MergedFix => "6d0a07edd17c (v4.6.2)",
            Variant::SplitPageLock => "c444eb564fb1 (v5.8; 4.9.y 2020-06) on 6d0a07edd17c",
            Variant::HugePageLock => {
                "4.9.y 2021-03, ba3c4ce6def4's page lock in do_huge_pmd_wp_page, on c444eb564fb1"
            }
            Variant::V59PageCount => "v5.9 (09854ba94c6a, 3917c80280c9, c444eb564fb1)",
            Variant::V518CowFixes => "v5.18 (3bff7e3f1f16, the 2022 COW fixes part 1)",
            Variant::V519AnonExclusive => "v5.19 (6c287605fd56, the 2022 COW fixes part 2)",
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

    /// `function` in `file`, in the variant's own code or in the code every variant shares.
    pub(super) fn src(&self, function: &str, file: &str, variant_specific: bool) -> Source {
        let version = if variant_specific {
            self.variant_commit()
        } else {
            self.base_commit()
        };
        Source::new(function, file, version)
    }

    /// The page in thread `t`'s hand, for labels: its name, or `page` if none.
    pub(super) fn page_label(&self, s: &State, t: usize) -> String {
        match s.threads[t].page {
            NONE => "page".to_string(),
            page => self.page_name(page),
        }
    }

    /// The name of the child thread `t`'s fork creates (its own outside a fork), for labels.
    pub(super) fn child_name(&self, s: &State, t: usize) -> &str {
        match self.op(s, t) {
            Some(Op::Fork { child }) => self.name(child as usize),
            _ => self.name(t),
        }
    }

    /// `_refcount` of `page` (the THP or a COW copy).
    pub(super) fn refcount_of(s: &mut State, page: u8) -> &mut i16 {
        if page == H {
            &mut s.thp.refcount
        } else {
            &mut s.copies[page as usize - 1].refcount
        }
    }

    /// `v4_4`'s text on v4.4, `other` on the other variants.
    pub(super) fn v4_4_or(&self, v4_4: &'static str, other: &'static str) -> &'static str {
        if self.variant == Variant::V44 {
            v4_4
        } else {
            other
        }
    }

    /// Where a step of the PMD split is read from: v5.9's own split (re-read at v5.9) on
    /// `v5_9_page_count`, the code every other variant shares elsewhere.
    pub(super) fn split_src(&self, function: &str) -> Source {
        self.src(function, HUGE, self.variant.since_v5_9())
    }

    /// The split's first step once the PMD lock (and where taken, the page lock) is held:
    /// s1, or on v5.9 the `pmdp_invalidate` that v5.9 does before s1.
    pub(super) fn split_locked_start(&self, s: &mut State, t: usize) {
        s.threads[t].pc = self.split_first();
    }

    /// The split's first step under its locks: s1, or from v5.9 on the `pmdp_invalidate`
    /// done before s1.
    pub(super) fn split_first(&self) -> Pc {
        if self.variant.since_v5_9() {
            Pc::SplitInvalidate
        } else {
            Pc::SplitRefAdd
        }
    }

    /// The split's step after s5: s6's `pmdp_invalidate`, or on v5.9 (which invalidated
    /// first) `pmd_populate`.
    pub(super) fn after_s5(&self) -> Pc {
        if self.variant.since_v5_9() {
            Pc::SplitPopulate
        } else {
            Pc::SplitInvalidate
        }
    }

    /// `v5_9`'s text on v5.9 and later, `other` on the other variants.
    pub(super) fn v5_9_or(&self, v5_9: &'static str, other: &'static str) -> &'static str {
        if self.variant.since_v5_9() {
            v5_9
        } else {
            other
        }
    }

    /// The count a PMD mapping of the THP is kept in: `compound_mapcount`, or on v4.4 the
    /// head's `_mapcount`.
    pub(super) fn pmd_mapcount<'s>(&self, s: &'s mut State) -> &'s mut i16 {
        if self.variant == Variant::V44 {
            &mut s.thp.mapcount[0]
        } else {
            &mut s.thp.compound_mapcount
        }
    }

    /// GUP's page-table walk to thread `t`'s subpage: the huge PMD under its lock, or the
    /// PTE under the PTE lock; the entry found.
    pub(super) fn follow_page_lock(&self, s: &mut State, t: usize) -> Entry {
        let (mm, i) = (&mut s.mms[t], s.threads[t].subpage as usize);
        match mm.pmd {
            Pmd::Huge(e) => {
                mm.pmd_lock = true;
                e
            }
            _ => {
                mm.pte_lock = true;
                mm.pte[i]
            }
        }
    }

    /// Sets the write bit of thread `t`'s huge PMD.
    pub(super) fn set_pmd_write(&self, s: &mut State, t: usize, write: bool) {
        if let Pmd::Huge(e) = &mut s.mms[t].pmd {
            e.write = write;
        }
    }

    /// The first page thread `t`'s zap gathered and has not yet put: (subpage, page).
    pub(super) fn gathered(&self, s: &State, t: usize) -> Option<(usize, u8)> {
        let gather = &s.threads[t].gather;
        gather
            .iter()
            .position(|&g| g != NONE)
            .map(|i| (i, gather[i]))
    }

    /// The PTE of thread `t`'s subpage.
    pub(super) fn subpage_pte<'s>(&self, s: &'s mut State, t: usize) -> &'s mut Entry {
        &mut s.mms[t].pte[s.threads[t].subpage as usize]
    }

    /// The subpages thread `t`'s PTEs map, as a bit set.
    pub(super) fn present_ptes(&self, s: &State, t: usize) -> u8 {
        (0..self.n)
            .filter(|&i| s.mms[t].pte[i as usize].present())
            .fold(0, |set, i| set | 1 << i)
    }

    /// Takes (`held`) or drops the PMD locks of thread `t`'s mm and of the child its fork
    /// creates.
    pub(super) fn fork_pmd_locks(&self, s: &mut State, t: usize, held: bool) {
        let c = self.child(s, t);
        s.mms[c].pmd_lock = held;
        s.mms[t].pmd_lock = held;
    }

    /// Takes (`held`) or drops the PTE locks of thread `t`'s mm and of the child its fork
    /// creates.
    pub(super) fn fork_pte_locks(&self, s: &mut State, t: usize, held: bool) {
        let c = self.child(s, t);
        s.mms[c].pte_lock = held;
        s.mms[t].pte_lock = held;
    }

    /// Drops both of thread `t`'s page-table locks (GUP holds the one its walk took).
    pub(super) fn unlock_both(&self, s: &mut State, t: usize) {
        s.mms[t].pmd_lock = false;
        s.mms[t].pte_lock = false;
    }

    /// One turn of a loop over the subpages: adds `delta` to subpage `i`'s `_mapcount`
    /// and moves `i` on; whether that was the last subpage.
    pub(super) fn each_subpage(&self, s: &mut State, t: usize, delta: i16) -> bool {
        let i = s.threads[t].i;
        s.thp.mapcount[i as usize] += delta;
        s.threads[t].i += 1;
        i + 1 == self.n
    }

    /// A write fault takes `page` in hand; it is judged by R2 if `page` is the THP, mapped
    /// once (`mapped_once`), and no other process is inside an operation.
    pub(super) fn judge(&self, s: &mut State, t: usize, page: u8, mapped_once: bool) {
        let judged = Self::others_quiescent(s, t) && page == H && mapped_once;
        let th = &mut s.threads[t];
        th.page = page;
        th.judged = judged;
    }

    /// The mapcount reader of `do_huge_pmd_wp_page`'s reuse test.
    pub(super) fn huge_wp_reader(&self) -> Read {
        if self.variant == Variant::V44 {
            Read::HeadMapcountV44
        } else if self.variant.reads_page_trans_huge_mapcount() {
            Read::PageTransHugeMapcount
        } else {
            Read::PageMapcount
        }
    }

    /// Where the running reader's step is read from: its first read (a subpage's
    /// `_mapcount`) or a later one (`PageDoubleMap`, `compound_mapcount`).
    pub(super) fn reader_src(&self, s: &State, t: usize, first: bool) -> Source {
        match s.threads[t].read {
            Read::HeadMapcountV44 if first => self.src("page_mapcount", MM_H, true),
            Read::PageTransHugeMapcount => self.src("page_trans_huge_mapcount", HUGE, true),
            _ => self.src("__page_mapcount", UTIL, true),
        }
    }

    /// The reader's `_mapcount` read: the whole answer (v4.4's head), the subpage's part
    /// (`page_mapcount`), or one turn of `page_trans_huge_mapcount`'s loop.
    pub(super) fn read_subpage_mapcount(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        let val = s.thp.mapcount[th.i as usize] + 1;
        match th.read {
            Read::HeadMapcountV44 => {
                th.mapcount = val;
                self.after_read(s, t);
            }
            Read::PageMapcount => {
                th.mapcount = val;
                th.pc = Pc::ReadCompoundMapcount;
            }
            Read::PageTransHugeMapcount => {
                th.mapcount = th.mapcount.max(val);
                th.total_mapcount += val;
                th.i += 1;
                if th.i == self.n {
                    th.pc = Pc::ReadDoubleMap;
                }
            }
        }
    }

    /// The reader's `PageDoubleMap` read: the double-map offset taken back.
    pub(super) fn read_double_map(&self, s: &mut State, t: usize) {
        let double_map = s.thp.double_map;
        let th = &mut s.threads[t];
        let total = th.read == Read::PageTransHugeMapcount;
        if double_map {
            th.mapcount -= 1;
            if total {
                th.total_mapcount -= self.n as i16;
            }
        }
        if total {
            th.pc = Pc::ReadCompoundMapcount;
        } else {
            self.after_read(s, t);
        }
    }

    /// The reader's `compound_mapcount` read, added to the result and the total.
    pub(super) fn read_compound_mapcount(&self, s: &mut State, t: usize) {
        let c = s.thp.compound_mapcount + 1;
        let th = &mut s.threads[t];
        th.mapcount += c;
        th.total_mapcount += c;
        if th.read == Read::PageTransHugeMapcount {
            self.after_read(s, t);
        } else {
            th.pc = Pc::ReadDoubleMap;
        }
    }

    /// `do_huge_pmd_wp_page` on a PMD mapping a COW copy: reuse it if this PMD is its only
    /// mapping, else map a new huge copy and drop the old one's reference. An unshare fault
    /// leaves the entry read-only.
    pub(super) fn huge_wp_copy_page(
        &self,
        s: &mut State,
        t: usize,
        unshare: bool,
    ) -> Result<(), Violation> {
        let page = s.threads[t].page;
        let write = !unshare;
        if (0..self.n).all(|i| self.maps(s, page, i) == 1) {
            s.mms[t].pmd = Pmd::Huge(Entry { page, write });
        } else {
            let new_page = Self::new_copy(s, true);
            s.mms[t].pmd = Pmd::Huge(Entry {
                page: new_page,
                write,
            });
            self.put(s, page)?;
        }
        Ok(())
    }

    /// `do_wp_page` on a PTE mapping a COW copy: reuse it if this PTE is its only mapping,
    /// else map a new copy and drop the old one's reference. An unshare fault leaves the
    /// entry read-only.
    pub(super) fn wp_copy_page(
        &self,
        s: &mut State,
        t: usize,
        unshare: bool,
    ) -> Result<(), Violation> {
        let (page, subpage) = (s.threads[t].page, s.threads[t].subpage);
        let write = !unshare;
        if self.maps(s, page, subpage) == 1 {
            self.subpage_pte(s, t).write = write;
        } else {
            let new_page = Self::new_copy(s, false);
            *self.subpage_pte(s, t) = Entry {
                page: new_page,
                write,
            };
            self.put(s, page)?;
        }
        Ok(())
    }

    /// `page_move_anon_rmap` on a tail page: its `mapping` is not state (see the model's
    /// simplifications), so the write is the violation.
    pub(super) fn tail_mapping_write(subpage: u8) -> Violation {
        Violation::new(
            "tail_mapping_write",
            format!(
                "page_move_anon_rmap(H[{subpage}]) writes the tail page's mapping{}; the \
                 head's mapping (what rmap reads) is not moved",
                match subpage {
                    1 => " (for page[1] that slot is compound_mapcount)",
                    2 => " (for page[2] that slot is the deferred-split list)",
                    _ => "",
                }
            ),
        )
    }

    /// `put_page(page)`: `VM_BUG_ON_PAGE(page_ref_count(page) == 0)`, and the page must not
    /// be freed while mapped or pinned.
    pub(super) fn put(&self, s: &mut State, page: u8) -> Result<(), Violation> {
        let refcount = Self::refcount_of(s, page);
        if *refcount == 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!(
                    "put_page({}) with _refcount already 0 (VM_BUG_ON_PAGE)",
                    self.page_name(page)
                ),
            ));
        }
        *refcount -= 1;
        if *refcount == 0 {
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

    /// A new COW copy with `_refcount` 1; its page number.
    pub(super) fn new_copy(s: &mut State, huge: bool) -> u8 {
        s.copies.push(CowCopy { refcount: 1, huge });
        s.copies.len() as u8
    }

    /// R2: a judged fault (the only mapper, nobody else inside an operation) copied a page
    /// this process pinned through the faulting entry.
    pub(super) fn false_cow_check(&self, s: &State, t: usize, huge: bool) -> Result<(), Violation> {
        let th = &s.threads[t];
        if !th.judged || th.page != H {
            return Ok(());
        }
        if let Some(p) = s.pins.iter().find(|p| {
            !p.read
                && !p.foll_pin
                && p.mm == t as u8
                && p.page == H
                && (huge || p.subpage == th.subpage)
        }) {
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
                        format!("[{}]", th.subpage)
                    },
                    p.subpage,
                    self.name(t)
                ),
            ));
        }
        Ok(())
    }

    /// The checks on a store that process `t` has made to its subpage: `pin_isolation`, then
    /// `pin_coherence`.
    pub(super) fn store_checks(&self, s: &State, t: usize) -> Result<(), Violation> {
        let subpage = s.threads[t].subpage;
        let mm = &s.mms[t];
        let entry = match mm.pmd {
            Pmd::Huge(e) => e,
            _ => mm.pte[subpage as usize],
        };
        self.pin_isolation_check(s, t, entry)?;
        self.pin_coherence_check(s, t, entry)
    }

    /// `pin_coherence`: process `t` stores to its subpage through `entry`, while it holds a
    /// FOLL_PIN pin of that subpage on another page: the store never reaches what the pin
    /// reads or DMA writes. FOLL_PIN is the kernel's promise that a pin stays the page the
    /// process maps (what the cow selftest's pin cases check); FOLL_GET pins make none
    /// (`false_cow` judges those).
    fn pin_coherence_check(&self, s: &State, t: usize, entry: Entry) -> Result<(), Violation> {
        let subpage = s.threads[t].subpage;
        let Some(pin) = s.pins.iter().find(|p| {
            p.foll_pin && p.mm == t as u8 && p.subpage == subpage && p.page != entry.page
        }) else {
            return Ok(());
        };
        Err(Violation::new(
            "pin_coherence",
            format!(
                "{} writes subpage {subpage} through its mapping of {}, but its FOLL_PIN pin \
                 ({}) holds {}[{subpage}]: the pin no longer sees the process's data",
                self.name(t),
                self.page_name(entry.page),
                if pin.read { "read-only" } else { "FOLL_WRITE" },
                self.page_name(pin.page),
            ),
        ))
    }

    /// `pin_isolation`: process `t` stores to its subpage through `entry`, and the page there
    /// is pinned read-only by another process (the 2020 vmsplice leak: the pinner reads what
    /// it should never see).
    fn pin_isolation_check(&self, s: &State, t: usize, entry: Entry) -> Result<(), Violation> {
        let subpage = s.threads[t].subpage;
        let Some(pin) = s
            .pins
            .iter()
            .find(|p| p.read && p.mm != t as u8 && p.page == entry.page && p.subpage == subpage)
        else {
            return Ok(());
        };
        Err(Violation::new(
            "pin_isolation",
            format!(
                "{} writes {}[{subpage}] in place, which {} pinned read-only (as vmsplice does): \
                 the pin now reads another process's data (the 2020 vmsplice leak, \
                 CVE-2020-29374)",
                self.name(t),
                self.page_name(entry.page),
                self.name(pin.mm as usize)
            ),
        ))
    }

    /// GUP's note: the pin's flags and the subpage.
    pub(super) fn gup_note(&self, s: &State, t: usize) -> Option<String> {
        let subpage = s.threads[t].subpage;
        Some(if self.foll_pin(s, t) {
            format!("subpage {subpage}; FOLL_PIN: mm_set_has_pinned_flag(&mm->flags) first")
        } else {
            format!("subpage {subpage}")
        })
    }

    /// What kind of pin `GupGet` takes, as its note.
    pub(super) fn pin_note(&self, s: &State, t: usize) -> String {
        match (self.foll_pin(s, t), self.read_pin(s, t)) {
            (true, true) => "FOLL_PIN | FOLL_LONGTERM, read-only: _refcount and \
                             compound_pincount + 1"
                .into(),
            (true, false) => "FOLL_PIN | FOLL_WRITE | FOLL_LONGTERM: _refcount and \
                              compound_pincount + 1"
                .into(),
            (false, true) => {
                "FOLL_GET without FOLL_WRITE: a read-only pin, as vmsplice takes".into()
            }
            (false, false) => "FOLL_GET: the pin".into(),
        }
    }

    /// `page_maybe_dma_pinned(page)`: the THP's `compound_pincount`; for a COW copy (a small
    /// page, whose FOLL_PIN pins the kernel counts by `GUP_PIN_COUNTING_BIAS`), whether a
    /// FOLL_PIN pin of it exists.
    pub(super) fn maybe_dma_pinned(&self, s: &State, page: u8) -> bool {
        if page == H {
            s.thp.pincount > 0
        } else {
            s.pins.iter().any(|p| p.foll_pin && p.page == page)
        }
    }

    /// `*total_mapcount = _total_mapcount` at the end of `page_trans_huge_mapcount()`, which
    /// the 2016-05-05 posting's `do_huge_pmd_wp_page` calls with a NULL `total_mapcount`: a
    /// store through NULL, an oops (Kirill Shutemov's first remark in its review).
    pub(super) fn null_total_mapcount(&self, s: &State, t: usize) -> Result<(), Violation> {
        let th = &s.threads[t];
        if self.variant != Variant::AndreaV2
            || th.read != Read::PageTransHugeMapcount
            || th.after != super::flow::After::HugeWp
        {
            return Ok(());
        }
        Err(Violation::new(
            "null_pointer_dereference",
            "do_huge_pmd_wp_page calls page_trans_huge_mapcount(page, NULL), which stores \
             *total_mapcount = _total_mapcount through the NULL pointer: an oops",
        ))
    }

    /// Whether the variant's `page_move_anon_rmap` is given `old_page` itself, a tail page
    /// when the fault is on a subpage other than the head.
    pub(super) fn moves_tail_page(&self) -> bool {
        matches!(
            self.variant,
            Variant::AndreaV1
                | Variant::AndreaV2
                | Variant::V45
                | Variant::V45MapcountOnly
                | Variant::V44
        )
    }
}
