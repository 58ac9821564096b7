//! Where each variant stands in the history of the THP write-fault paths: its year, its
//! commit, what it changed and why, written once, by hand. How a scenario ends on a variant is
//! never written here: exploring says that (`weft report` sets both side by side in
//! reports/thp/history.md).

use super::Variant;

/// One variant's place in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct History {
    /// The year of the code the variant runs; `None` for a teaching variant.
    pub year: Option<u16>,
    /// The commits the variant's code comes from, as the kernel's history names them, or `-`.
    pub commit: &'static str,
    /// The release or message that carries that code, or what the variant is if it is none.
    pub release: &'static str,
    /// Whether the variant is kernel code (a release or a posted proposal); a teaching variant
    /// is not, and what it changes is measured against the kernel variant before it.
    pub kernel: bool,
    /// What it changed in the reuse decision or its locking, relative to the kernel variant
    /// before it in [`Variant::ALL`], in one line.
    pub change: &'static str,
    /// Why the change was made or what it asks, in one sentence that says nothing of how a
    /// scenario ends.
    pub why: &'static str,
}

impl Variant {
    /// The variant's place in the history. [`Variant::ALL`] lists the variants in the order
    /// of the code they change: each kernel variant after the one it builds on.
    pub const fn history(self) -> History {
        match self {
            Variant::V44 => V44,
            Variant::V45 => V45,
            Variant::V45MapcountOnly => V45_MAPCOUNT_ONLY,
            Variant::AndreaV1 => ANDREA_V1,
            Variant::AndreaV1Head => ANDREA_V1_HEAD,
            Variant::AndreaV2 => ANDREA_V2,
            Variant::MergedFix => MERGED_FIX,
            Variant::SplitPageLock => SPLIT_PAGE_LOCK,
            Variant::HugePageLock => HUGE_PAGE_LOCK,
            Variant::V59PageCount => V5_9_PAGE_COUNT,
            Variant::V518CowFixes => V5_18_COW_FIXES,
            Variant::V519AnonExclusive => V5_19_ANON_EXCLUSIVE,
        }
    }
}

const V44: History = History {
    year: Some(2016),
    commit: "-",
    release: "v4.4",
    kernel: true,
    change: "Old THP refcounting: the huge write fault reuses the page iff \
             `page_mapcount(head) == 1`; a THP is never mapped by PTEs.",
    why: "The baseline the 2016 thread compared against: splitting a PMD split the page too.",
};

const V45: History = History {
    year: Some(2016),
    commit: "1f25fe20a76a",
    release: "v4.5",
    kernel: true,
    change: "The THP refcount redesign maps a THP with PTEs too; huge reuse iff \
             `page_mapcount == 1 && page_count == 1`; `reuse_swap_page()` refuses any THP.",
    why: "With PTE-mapped THPs the head's mapcount no longer tells who maps the page, so the \
          huge reuse test asked for the only reference as well, which a GUP pin (vfio's DMA) \
          also holds.",
};

const V45_MAPCOUNT_ONLY: History = History {
    year: None,
    commit: "-",
    release: "a teaching variant, not a kernel version",
    kernel: false,
    change: "v4.5 with v4.4's huge reuse test, `page_mapcount(head) == 1`, without \
             `page_count()`.",
    why: "Asks what v4.5's `page_count() == 1` bought, by taking it away.",
};

const ANDREA_V1: History = History {
    year: Some(2016),
    commit: "-",
    release: "proposal posted to linux-mm on 2016-04-29, not merged",
    kernel: true,
    change: "`page_trans_huge_mapcount()` in both reuse tests; `page_move_anon_rmap(old_page)` \
             on a possibly-tail page, unconditionally.",
    why: "Andrea Arcangeli's first fix for the vfio regression: count the mappings, not the \
          references; Kirill Shutemov answered with split + fork + munmap of the halves.",
};

const ANDREA_V1_HEAD: History = History {
    year: Some(2016),
    commit: "-",
    release: "proposal, the 2016-04-29 thread, not merged",
    kernel: true,
    change: "`andrea_v1` with `compound_head()` before the anon_vma move; the move is still \
             unconditional.",
    why: "Meets Kirill Shutemov's objection to moving the anon_vma of a tail page, and no other.",
};

const ANDREA_V2: History = History {
    year: Some(2016),
    commit: "-",
    release: "proposal posted to linux-mm on 2016-05-05, reviewed that day, not merged",
    kernel: true,
    change: "`reuse_swap_page()` also returns `page_trans_huge_mapcount()`'s total; \
             `do_wp_page` moves the anon_vma only when `total_mapcount == 1`, on `old_page` \
             (no `compound_head()`); the huge path passes `NULL` for the total.",
    why: "Andrea Arcangeli's answer to Kirill Shutemov's split + fork + munmap-halves \
          objection; Kirill's review that day asked how the NULL `total_mapcount` could not be \
          dereferenced, and said `compound_head()` was missing.",
};

const MERGED_FIX: History = History {
    year: Some(2016),
    commit: "6d0a07edd17c",
    release: "2016-05, read at v4.6.2",
    kernel: true,
    change:
        "The 2016-05-05 posting with both review remarks answered: `page_trans_huge_mapcount()` \
             stores the total only if asked, and the move is on `compound_head(old_page)`, \
             still only when `total_mapcount() == 1`.",
    why: "The fix that was merged: Andrea's `page_trans_huge_mapcount()` with the guard \
          Kirill's scenario asked for.",
};

const SPLIT_PAGE_LOCK: History = History {
    year: Some(2020),
    commit: "c444eb564fb1",
    release: "v5.8; 4.9.y in June 2020",
    kernel: true,
    change: "`__split_huge_pmd()` takes the page lock around `__split_huge_pmd_locked()`.",
    why: "Makes the split atomic against mapcount readers that hold the page lock, as the PTE \
          write fault does and as upstream's huge write fault had since v4.14 (4.9.y's did not \
          yet).",
};

const HUGE_PAGE_LOCK: History = History {
    year: Some(2021),
    commit: "ba3c4ce6def4",
    release: "v4.14 (2017); 4.9.y in March 2021",
    kernel: true,
    change: "`do_huge_pmd_wp_page()` takes the page lock (`trylock_page()`) around its reuse \
             test.",
    why: "4.9.y's backport of the v4.14 lock puts the huge reuse test under the lock the split \
          now takes, as upstream had both by v5.8; it comes before v5.9 here because v5.9 \
          builds on those two locks.",
};

const V5_9_PAGE_COUNT: History = History {
    year: Some(2020),
    commit: "09854ba94c6a, 3917c80280c9, 70e806e4e645, d042035eaf5f",
    release: "v5.9",
    kernel: true,
    change: "`do_wp_page()` reuses only when `page_count() == 1`; a huge write fault that \
             cannot reuse splits its own PMD and goes on at PTE level; fork copies a page \
             that may be pinned with FOLL_PIN for the child at once.",
    why: "Linus Torvalds's simplification after the vmsplice leak (CVE-2020-29374): trust the \
          reference count, pins included, rather than mapcounts, on the PTE path; and since \
          that copies a pinned page a fork had shared, Peter Xu's early copy at fork.",
};

const V5_18_COW_FIXES: History = History {
    year: Some(2022),
    commit: "3bff7e3f1f16, c145e0b47c77",
    release: "v5.18",
    kernel: true,
    change: "The huge write fault reuses only if `page_count() == 1` under the page lock, \
             and otherwise splits and falls back; `reuse_swap_page()` and its mapcount reads \
             are gone, and so is c444eb564fb1's page lock in the split.",
    why: "David Hildenbrand's COW fixes part 1: the THP path (and do_swap_page) still \
          decided by mapcounts two years after do_wp_page stopped, the last place a \
          read-only pin could leak as in 2020.",
};

const V5_19_ANON_EXCLUSIVE: History = History {
    year: Some(2022),
    commit: "6c287605fd56, 6c54dc6c7437, c89357e27f20, a7f226604170",
    release: "v5.19",
    kernel: true,
    change: "`PageAnonExclusive`: a write fault reuses an exclusive page at once; fork clears \
             the bit to share a page and copies a possibly pinned one for the child; a \
             read-only FOLL_PIN pin first unshares a page that is not exclusive.",
    why: "COW fixes part 2: make FOLL_PIN pins of anonymous pages reliable, read-only ones \
          included, by remembering which pages a process owns alone instead of counting.",
};

#[cfg(test)]
mod tests {
    use super::Variant;

    #[test]
    fn every_kernel_variant_has_a_year_and_only_the_teaching_one_lacks_it() {
        for v in Variant::ALL {
            let h = v.history();
            assert_eq!(h.kernel, h.year.is_some(), "{}", v.name());
            assert!(!h.change.is_empty() && !h.why.is_empty(), "{}", v.name());
        }
        assert!(!Variant::V45MapcountOnly.history().kernel);
        assert!(
            Variant::ALL[0].history().kernel,
            "the first variant is kernel code"
        );
    }
}
