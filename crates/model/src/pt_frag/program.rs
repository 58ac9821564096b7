//! Which steps each operation runs, whether a thread can move, and the page a step is about.

use super::steps::Pc;
use super::{Op, PtFrag, State, ThreadState, Variant, Walker, NO_PAGE};
use weft_explorer::{Source, Status};

impl PtFrag {
    /// The steps operation `op` can take under this variant, in program order.
    pub(super) fn program(&self, op: Op) -> Vec<Pc> {
        let v = self.variant;
        let release = matches!(v, Variant::PtFragRefcount | Variant::TopBits);
        let tail = |mut steps: Vec<Pc>| {
            steps.push(Pc::Dtor);
            if release {
                steps.push(Pc::Release);
            }
            steps.push(Pc::FreePage);
            steps
        };
        let mut steps = match op {
            Op::Alloc(table) => {
                let mut steps = vec![
                    Pc::CacheLock,
                    Pc::CacheRead,
                    Pc::CacheAdvance,
                    Pc::CacheUnlock,
                    Pc::AllocPage,
                    Pc::Ctor,
                ];
                if !matches!(v, Variant::SetPageCount | Variant::PageRefAdd) {
                    steps.push(Pc::InitCount);
                }
                if self.frag_nr_of(table) > 1 {
                    steps.extend([
                        Pc::InstallLock,
                        Pc::InstallRead,
                        Pc::InstallCount,
                        Pc::InstallCache,
                        Pc::InstallUnlock,
                    ]);
                }
                steps
            }
            Op::Free { rcu, .. } => {
                let mut steps = if rcu {
                    vec![Pc::TlbRemoveTable, Pc::GraceEnd]
                } else {
                    Vec::new()
                };
                if v == Variant::PtFragRefcount {
                    steps.push(Pc::FragBugOn);
                }
                steps.push(Pc::FragDec);
                tail(steps)
            }
            Op::Destroy(_) => tail(vec![Pc::DestroyRead, Pc::DestroyDec]),
            Op::GetPut(Walker::Pfn) => vec![Pc::SpecGet, Pc::SpecPut, Pc::FreePage],
            Op::GetPut(_) => vec![
                Pc::Lookup,
                Pc::SpecGet,
                Pc::SpecPut,
                Pc::FreePage,
                Pc::SectionExit,
            ],
        };
        if let Some(at) = self
            .put_step(op)
            .and_then(|put| steps.iter().position(|pc| *pc == put))
        {
            if self.debug_vm {
                steps.insert(at, Pc::PutCheck);
            }
        }
        steps
    }

    /// The step of `op` that is `put_page_testzero`'s decrement under this variant, if any:
    /// each operation puts the page at most once.
    pub(super) fn put_step(&self, op: Op) -> Option<Pc> {
        let counted_in_refcount =
            matches!(self.variant, Variant::SetPageCount | Variant::PageRefAdd);
        let released = matches!(self.variant, Variant::PtFragRefcount | Variant::TopBits);
        match op {
            Op::Alloc(_) => None,
            Op::Free { .. } if counted_in_refcount => Some(Pc::FragDec),
            Op::Free { .. } | Op::Destroy(_) if released => Some(Pc::Release),
            Op::Free { .. } | Op::Destroy(_) => None,
            Op::GetPut(_) => Some(Pc::SpecPut),
        }
    }

    /// The commit the fragment code of this variant is read from.
    fn frag_commit(&self) -> &'static str {
        match self.variant {
            Variant::SetPageCount => "4231aba000f5^ (v4.18)",
            Variant::PageRefAdd => "4231aba000f5^ with page_ref_add() (proposed in its thread)",
            Variant::PtFragRefcount => "4231aba000f5",
            Variant::TopBits | Variant::TopBitsBad => {
                "4231aba000f5^ with the top-bits count (proposal, not in any kernel)"
            }
        }
    }

    /// `function` in `file`, as this variant's fragment code has it.
    pub(super) fn frag_source(&self, function: &str, file: &str) -> Source {
        Source::new(function, file, self.frag_commit())
    }

    /// Whether thread `t` can move.
    pub(super) fn status_of(&self, s: &State, t: usize) -> Status {
        let th = &s.threads[t];
        match th.pc {
            Pc::Done => Status::Finished,
            Pc::CacheLock | Pc::InstallLock if s.lock.is_some() => Status::Blocked,
            Pc::DestroyRead if self.users_left(s, t) => Status::Blocked,
            Pc::GraceEnd if th.gp_wait != 0 => Status::Blocked,
            Pc::FragBugOn | Pc::FragDec | Pc::PutCheck | Pc::TlbRemoveTable
                if th.page == NO_PAGE =>
            {
                if self.fragment_to_free(s, t).is_none() {
                    Status::Blocked
                } else {
                    Status::Enabled
                }
            }
            _ => Status::Enabled,
        }
    }

    /// Whether a thread of the mm other than `t` has not finished: `pte_frag_destroy` runs
    /// from `arch_exit_mmap`, once `mm_users` is 0, so it waits for them.
    pub(super) fn users_left(&self, s: &State, t: usize) -> bool {
        s.threads
            .iter()
            .enumerate()
            .any(|(u, th)| u != t && self.users & 1 << u != 0 && th.pc != Pc::Done)
    }

    /// The fragment thread `t`'s current free will take, as (holder, slot): the holder's
    /// oldest at the free's level; `None` while the holder has none.
    pub(super) fn fragment_to_free(&self, s: &State, t: usize) -> Option<(usize, usize)> {
        let from = self.free_source(t, &s.threads[t]);
        let slot = s.threads[from].oldest(self.table(s, t))?;
        Some((from, slot))
    }

    /// The thread whose fragment the current `pte_fragment_free` frees.
    pub(super) fn free_source(&self, t: usize, th: &ThreadState) -> usize {
        match self.threads[t].ops[th.op as usize] {
            Op::Free { from: Some(f), .. } => f as usize,
            _ => t,
        }
    }

    /// The page thread `t`'s next step works on (the fragment's page before a free has taken
    /// it, the lowest free page before `alloc_page`).
    pub(super) fn next_page(&self, s: &State, t: usize) -> u8 {
        let th = &s.threads[t];
        if th.page != NO_PAGE {
            return th.page;
        }
        match th.pc {
            Pc::FragBugOn | Pc::FragDec | Pc::PutCheck | Pc::TlbRemoveTable => self
                .fragment_to_free(s, t)
                .map_or(0, |(from, slot)| s.threads[from].fragments[slot].page),
            Pc::AllocPage => s.pages.iter().position(|p| !p.allocated).unwrap_or(0) as u8,
            _ => 0,
        }
    }

    /// The name of the page thread `t`'s next step works on (`page0`).
    pub(super) fn page(&self, s: &State, t: usize) -> String {
        format!("page{}", self.next_page(s, t))
    }
}
