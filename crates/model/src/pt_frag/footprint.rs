//! What pt_frag's steps touch, for partial-order reduction: the objects are numbered as bits
//! of a 64-bit set (page i's `_refcount` is 2i, its other fields 2i+1, the mm's cache pointer
//! and lock the two top bits); each step's footprint is in its declaration ([`super::steps`]),
//! and a thread's future footprint is here.

use super::steps::Pc;
use super::{Op, PtFrag, State, Table, Variant, Walker, NO_PAGE};
use weft_explorer::{Footprint, Reduce};

/// Page `p`'s `_refcount`.
pub(super) fn refcount(p: u8) -> u64 {
    1 << (2 * p as u32)
}

/// Page `p`'s other fields, ghost ones included.
pub(super) fn fields(p: u8) -> u64 {
    1 << (2 * p as u32 + 1)
}

/// RCU's view of the threads: who is inside a read-side section, and whom each pending grace
/// period waits for. Entering or leaving a section writes it; deferring a free reads it.
pub(super) const RCU: u64 = 1 << 60;

/// `mm->mm_users`: a user's exit writes it, `pte_frag_destroy` waits on it (only in scenarios
/// that tear down, so that others' reduction is unchanged).
pub(super) const MM_USERS: u64 = 1 << 61;

/// `mm->context.pte_frag`.
pub(super) const PTE_FRAG: u64 = 1 << 62;

/// `mm->context.pmd_frag`.
pub(super) const PMD_FRAG: u64 = 1 << 59;

/// `mm->page_table_lock`.
pub(super) const LOCK: u64 = 1 << 63;

impl PtFrag {
    /// What a step of thread `t` that may end its last operation touches besides its own
    /// footprint: a user of the mm exiting drops `mm_users`, which teardown waits on.
    fn exit(&self, t: usize) -> Footprint {
        if self.teardown && self.users & 1 << t != 0 {
            Footprint::rw(MM_USERS)
        } else {
            Footprint::default()
        }
    }

    /// What a walker of kind `w` touches of RCU: a section enters and leaves it.
    fn walk_rcu(&self, w: Walker) -> Footprint {
        match w {
            Walker::Pfn => Footprint::default(),
            Walker::RcuLookup | Walker::GupFast => Footprint::rw(RCU),
        }
    }

    /// What a free touches of RCU: a deferred one reads who is in a section.
    fn free_rcu(&self, rcu: bool) -> Footprint {
        if rcu {
            Footprint::rw(RCU)
        } else {
            Footprint::default()
        }
    }

    /// The object that holds page `p`'s fragment count under this variant.
    pub(super) fn counter(&self, p: u8) -> u64 {
        if self.variant == Variant::PtFragRefcount {
            fields(p)
        } else {
            refcount(p)
        }
    }

    /// The object of the mm's cache of `table`: `mm->context.pte_frag` or `pmd_frag`.
    fn cache_of(&self, table: Table) -> u64 {
        match table {
            Table::Pte => PTE_FRAG,
            Table::Pmd => PMD_FRAG,
        }
    }

    /// The object of the mm's cache of thread `t`'s current level.
    pub(super) fn cache_object(&self, s: &State, t: usize) -> u64 {
        self.cache_of(self.table(s, t))
    }

    /// Every page's objects.
    pub(super) fn all_pages(&self) -> u64 {
        (0..self.pages).fold(0, |acc, p| acc | fields(p) | refcount(p))
    }

    /// Everything thread `t` may still touch: its next step, the rest of its current
    /// operation on the same page, and its later operations.
    fn future(&self, s: &State, t: usize) -> Footprint {
        let th = &s.threads[t];
        if th.pc == Pc::Done {
            return Footprint::default();
        }
        let page = |p: u8| Footprint::rw(fields(p) | refcount(p));
        let ops = &self.threads[t].ops[th.op as usize..];
        let mut f = self.footprint(s, t).union(self.exit(t));
        // The rest of the current operation.
        let current = match (ops[0], th.pc) {
            (
                Op::Alloc(table),
                Pc::CacheLock | Pc::CacheRead | Pc::CacheAdvance | Pc::CacheUnlock | Pc::AllocPage,
            ) => Footprint::rw(LOCK | self.cache_of(table) | self.all_pages()),
            (Op::Alloc(table), _) => {
                Footprint::rw(LOCK | self.cache_of(table)).union(page(th.page))
            }
            (Op::Free { rcu: true, .. }, Pc::TlbRemoveTable | Pc::GraceEnd) => {
                Footprint::rw(RCU).union(page(self.next_page(s, t)))
            }
            (Op::Free { .. } | Op::Destroy(_), _) if th.page != NO_PAGE => page(th.page),
            (Op::Free { .. }, _) => page(self.next_page(s, t)),
            (Op::Destroy(table), _) => {
                Footprint::rw(self.cache_of(table) | self.all_pages() | MM_USERS)
            }
            (Op::GetPut(w), _) => {
                page(if th.page == NO_PAGE { 0 } else { th.page }).union(self.walk_rcu(w))
            }
        };
        f = f.union(current);
        // Later operations: pages are known only for frees of fragments held now and before
        // any later allocation.
        let mut held: Vec<(u8, Table)> = th
            .fragments()
            .iter()
            .map(|fr| (fr.page, fr.table))
            .collect();
        let mut allocated = false;
        for op in &ops[1..] {
            let oldest = |held: &[(u8, Table)], table| held.iter().position(|h| h.1 == table);
            f = f.union(match *op {
                Op::Alloc(table) => {
                    allocated = true;
                    Footprint::rw(LOCK | self.cache_of(table) | self.all_pages())
                }
                Op::Free {
                    from: None,
                    rcu,
                    table,
                } if !allocated && oldest(&held, table).is_some() => {
                    let slot = oldest(&held, table).expect("just found");
                    page(held.remove(slot).0).union(self.free_rcu(rcu))
                }
                Op::Free { rcu, .. } => Footprint::rw(self.all_pages()).union(self.free_rcu(rcu)),
                Op::Destroy(table) => {
                    Footprint::rw(self.cache_of(table) | self.all_pages() | MM_USERS)
                }
                Op::GetPut(w) => page(0).union(self.walk_rcu(w)),
            });
        }
        f
    }
}

impl Reduce for PtFrag {
    /// Ghost state included: a page's ghost fields count as its other fields, a thread's
    /// fragments and references as the page they are on (every step that changes them also
    /// writes that page).
    fn footprint(&self, s: &State, t: usize) -> Footprint {
        let th = &s.threads[t];
        let step = self.footprint_of(s, t, th.pc);
        if th.op as usize + 1 == self.threads[t].ops.len() {
            step.union(self.exit(t))
        } else {
            step
        }
    }

    fn future_footprint(&self, s: &State, t: usize) -> Footprint {
        self.future(s, t)
    }

    /// Without `invariants = 1`, no invariant over whole states: `refcount_underflow` is
    /// checked by the only steps that can make a counter negative (the unchecked
    /// subtractions), so no step is visible to an invariant and partial-order reduction can
    /// postpone any independent step. With it, `counter_mismatch` reads every count and
    /// whether each thread is between operations: every step is visible.
    fn invariant_reads(&self) -> u64 {
        if self.invariants {
            u64::MAX
        } else {
            0
        }
    }
}
