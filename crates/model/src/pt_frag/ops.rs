//! What several steps share: the page allocator's side (allocation and its checks, the
//! count helpers and their `VM_BUG_ON`s), handing fragments out and taking them back, and
//! moving a thread to its next operation.

use super::steps::Pc;
use super::{Fragment, PtFrag, State, Table, MAX_HELD, NO_PAGE};
use weft_explorer::Violation;

impl PtFrag {
    /// `alloc_page()`: the lowest free page, with `_refcount` 1; a page whose count is not 0
    /// is a reference to a free page still counted.
    pub(super) fn alloc_page(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        let table = self.table(s, t);
        let p = s
            .pages
            .iter()
            .position(|p| !p.allocated)
            .expect("the pool has a page per pte_fragment_alloc");
        let page = &mut s.pages[p];
        if page.refcount != 0 {
            return Err(Violation::new(
                "free_while_referenced",
                format!(
                    "alloc_page hands out page{p} with _refcount {}: a reference to the \
                     free page is still counted",
                    page.refcount
                ),
            ));
        }
        page.refcount = 1;
        page.allocated = true;
        page.pmd = table == Table::Pmd;
        // At most 15 allocations a scenario (PtFrag::new): the generation stays small.
        page.generation += 1;
        page.live_fragments = 0;
        page.dtor_runs = 0;
        let th = &mut s.threads[t];
        th.page = p as u8;
        th.generation = page.generation;
        Ok(())
    }

    /// After the ctor (and the variant's first count): a single-fragment configuration returns
    /// fragment 0 at once; otherwise the page may become the mm's cache page.
    pub(super) fn after_count_init(&self, s: &mut State, t: usize, counted: bool) {
        if !counted {
            s.threads[t].pc = Pc::InitCount;
        } else if self.frag_nr_at(s, t) == 1 {
            self.hand_out(s, t, 0);
        } else {
            s.threads[t].pc = Pc::InstallLock;
        }
    }

    /// `pte_fragment_alloc` returns fragment `index` of the thread's page: ghost bookkeeping.
    pub(super) fn hand_out(&self, s: &mut State, t: usize, index: u8) {
        let th = &s.threads[t];
        let (p, generation) = (th.page, th.generation);
        let table = self.table(s, t);
        s.pages[p as usize].live_fragments += 1;
        let th = &mut s.threads[t];
        th.fragments[th.held as usize] = Fragment {
            page: p,
            generation,
            index,
            table,
        };
        th.held += 1;
        self.finish_op(s, t);
    }

    /// The first step of `pte_fragment_free` that runs (the count check or decrement, or
    /// `tlb_remove_table`): the page table stops being used. Later steps find it taken.
    pub(super) fn take_fragment(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        if s.threads[t].page != NO_PAGE {
            return Ok(()); // an earlier step of this free took it
        }
        let table = self.table(s, t);
        let (from, slot) = self
            .fragment_to_free(s, t)
            .expect("a free runs once its fragment is held");
        let holder = &mut s.threads[from];
        let f = holder.fragments[slot];
        holder.fragments.copy_within(slot + 1.., slot);
        holder.fragments[MAX_HELD - 1] = Fragment::default();
        holder.held -= 1;
        let th = &mut s.threads[t];
        th.page = f.page;
        th.generation = f.generation;
        th.index = f.index;
        let page = &mut s.pages[f.page as usize];
        if !page.allocated || page.generation != f.generation {
            return Err(Violation::new(
                "free_while_referenced",
                format!(
                    "{}_fragment_free of page{} fragment {}: the page was already freed while \
                     the fragment was in use",
                    table.prefix(),
                    f.page,
                    f.index
                ),
            ));
        }
        page.live_fragments -= 1;
        Ok(())
    }

    /// `refcount_underflow` after an unchecked subtraction: no counter may go below zero.
    pub(super) fn underflow(&self, s: &State, p: u8) -> Result<(), Violation> {
        let page = &s.pages[p as usize];
        if page.refcount < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!("page{p}._refcount is {} (below zero)", page.refcount),
            ));
        }
        if page.frag_refcount < 0 {
            return Err(Violation::new(
                "refcount_underflow",
                format!(
                    "page{p}.pt_frag_refcount is {} (below zero)",
                    page.frag_refcount
                ),
            ));
        }
        Ok(())
    }

    /// Whether the count test sends the thread to the dtor.
    pub(super) fn then_dtor(&self, s: &mut State, t: usize, zero: bool) {
        if zero {
            s.threads[t].pc = Pc::Dtor;
        } else {
            self.finish_op(s, t);
        }
    }

    /// `put_page_testzero(page)`'s `page_ref_dec_and_test`: its `VM_BUG_ON_PAGE` is a step of
    /// its own ([`Pc::PutCheck`]) with `CONFIG_DEBUG_VM`, and absent without it.
    pub(super) fn put_testzero(&self, s: &mut State, p: u8) -> Result<bool, Violation> {
        let page = &mut s.pages[p as usize];
        page.refcount -= 1;
        if page.refcount < 0 {
            let message = if self.debug_vm {
                format!(
                    "page_ref_dec_and_test(page{p}) takes _refcount to {}: another put passed \
                     VM_BUG_ON_PAGE on the same count before either decremented",
                    page.refcount
                )
            } else {
                format!(
                    "put_page_testzero(page{p}) takes _refcount from 0 to -1, one put too \
                     many: without CONFIG_DEBUG_VM nothing stops it (with debug_vm = 1, \
                     VM_BUG_ON_PAGE crashes first)"
                )
            };
            return Err(Violation::new("refcount_underflow", message));
        }
        Ok(page.refcount == 0)
    }

    /// Where a thread goes for `put_page_testzero`'s decrement `put`: first to its
    /// `VM_BUG_ON_PAGE` with `CONFIG_DEBUG_VM`.
    pub(super) fn to_put(&self, put: Pc) -> Pc {
        if self.debug_vm {
            Pc::PutCheck
        } else {
            put
        }
    }

    /// `free_unref_page(page)`: the page goes back to the allocator; `free_pages_check` and
    /// the ghost truth decide whether that was right.
    pub(super) fn free_page(&self, s: &mut State, t: usize, p: u8) -> Result<(), Violation> {
        let page = &s.pages[p as usize];
        if !page.allocated {
            return Err(Violation::new(
                "double_free",
                format!("free_unref_page(page{p}) on a page that is already free"),
            ));
        }
        if page.live_fragments > 0 {
            let holders: Vec<String> = s
                .threads
                .iter()
                .enumerate()
                .flat_map(|(i, th)| {
                    th.fragments()
                        .iter()
                        .filter(|f| f.page == p && f.generation == page.generation)
                        .map(move |f| {
                            format!("fragment {} held by {}", f.index, self.threads[i].name)
                        })
                })
                .collect();
            return Err(Violation::new(
                "free_with_live_fragment",
                format!(
                    "page{p} goes back to the page allocator while it is still in use as a page \
                     table ({})",
                    holders.join(", ")
                ),
            ));
        }
        if let Some((i, _)) = s.threads.iter().enumerate().find(|(i, th)| {
            *i != t && th.holds_reference && th.page == p && th.generation == page.generation
        }) {
            return Err(Violation::new(
                "free_while_referenced",
                format!(
                    "page{p} is freed while {} still holds the reference it took with \
                     get_page_unless_zero",
                    self.threads[i].name
                ),
            ));
        }
        if page.refcount != 0 {
            return Err(Violation::new(
                "free_while_referenced",
                format!("page{p} is freed with _refcount {}", page.refcount),
            ));
        }
        if page.page_table && page.pmd {
            return Err(Violation::new(
                "dtor_missed",
                format!(
                    "page{p} is freed without pgtable_pmd_page_dtor: its split PMD lock is \
                     leaked (with ALLOC_SPLIT_PTLOCKS; silent otherwise); a \"Bad page state\" \
                     only from v5.10, where b2b29d6d0119 gave PMD tables the PageTable type"
                ),
            ));
        }
        if page.page_table {
            return Err(Violation::new(
                "dtor_missed",
                format!(
                    "page{p} is freed without pgtable_page_dtor: PageTable is still set, a \
                     \"Bad page state\" from v4.18 (1d40a5ea01d5's page type); before it, a \
                     leak of the split ptlock and NR_PAGETABLE"
                ),
            ));
        }
        s.pages[p as usize].allocated = false;
        Ok(())
    }

    /// The level of page table thread `t`'s current operation works on (PTE for a walker).
    pub(super) fn table(&self, s: &State, t: usize) -> Table {
        self.threads[t]
            .ops
            .get(s.threads[t].op as usize)
            .and_then(|op| op.table())
            .unwrap_or_default()
    }

    /// The mm's cache of thread `t`'s level: `mm->context.pte_frag` or `pmd_frag`.
    pub(super) fn cache<'s>(&self, s: &'s mut State, t: usize) -> &'s mut Option<(u8, u8)> {
        match self.table(s, t) {
            Table::Pte => &mut s.pte_frag,
            Table::Pmd => &mut s.pmd_frag,
        }
    }

    /// Fragments per page at thread `t`'s level.
    pub(super) fn frag_nr_at(&self, s: &State, t: usize) -> u8 {
        self.frag_nr_of(self.table(s, t))
    }

    /// Moves thread `t` to its next operation.
    pub(super) fn finish_op(&self, s: &mut State, t: usize) {
        let th = &mut s.threads[t];
        th.op += 1;
        th.pc = self.first_pc(self.threads[t].ops.get(th.op as usize));
        th.page = NO_PAGE;
        th.test = false;
    }
}
