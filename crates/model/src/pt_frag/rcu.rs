//! RCU as the v4.18 page-table free path meets it: read-side sections (`rcu_read_lock()`,
//! or interrupts off for GUP-fast) and the RCU-sched grace period that `tlb_remove_table`
//! defers a page-table free past (`call_rcu_sched(..., tlb_remove_table_rcu)`, mm/memory.c).
//!
//! A deferred free records, when it is queued, which threads are inside a section that the
//! grace period must wait for; its callback runs once each of them has left that section.
//! Sections that start later are not waited for, as in the kernel. Without `CONFIG_PREEMPT`
//! an `rcu_read_lock()` section cannot be preempted, so it holds off RCU-sched; with it, only
//! interrupts-off sections do.

use super::steps::Pc;
use super::{Op, PtFrag, State, Walker};
use weft_explorer::Field;

impl PtFrag {
    /// The walker kind of thread `t`'s current operation, if it is a walker.
    pub(super) fn walker(&self, s: &State, t: usize) -> Option<Walker> {
        match self.threads[t].ops.get(s.threads[t].op as usize) {
            Some(Op::GetPut(w)) => Some(*w),
            _ => None,
        }
    }

    /// Whether the walker's stale pointer can still be had: the page it names (page 0) has
    /// not yet been handed out by the page allocator, so the page-cache slot or the PTE the
    /// walker reads still points to it. Once the page is reused, the lookup finds another.
    pub(super) fn stale_pointer_readable(&self, s: &State) -> bool {
        s.pages[0].generation == 0
    }

    /// The threads whose current section an RCU-sched grace period queued now waits for.
    pub(super) fn sched_readers(&self, s: &State) -> u16 {
        s.threads
            .iter()
            .enumerate()
            .filter(|(t, th)| {
                th.section
                    && match self.walker(s, *t) {
                        Some(Walker::GupFast) => true,
                        Some(Walker::RcuLookup) => !self.preempt,
                        _ => false,
                    }
            })
            .fold(0, |readers, (t, _)| readers | 1 << t)
    }

    /// Thread `t` leaves its section: no grace period waits for it any more.
    pub(super) fn leave_section(&self, s: &mut State, t: usize) {
        s.threads[t].section = false;
        for th in s.threads.iter_mut() {
            th.gp_wait &= !(1 << t);
        }
        self.finish_op(s, t);
    }

    /// A walker is done with the page: it leaves its section next, if it is in one.
    pub(super) fn end_walk(&self, s: &mut State, t: usize) {
        if s.threads[t].section {
            s.threads[t].pc = Pc::SectionExit;
        } else {
            self.finish_op(s, t);
        }
    }

    /// Thread `t`'s part in RCU, for views: the section it is in, the readers its deferred
    /// free waits for.
    pub(super) fn rcu_fields(&self, s: &State, t: usize) -> Vec<Field> {
        let (th, name) = (&s.threads[t], &self.threads[t].name);
        let mut out = Vec::new();
        if th.section {
            out.push(match self.walker(s, t) {
                Some(Walker::GupFast) => Field::memory(format!("{name}.irqs"), "disabled"),
                _ => Field::memory(format!("{name}.rcu_read_lock"), "held"),
            });
        }
        if th.pc == Pc::GraceEnd {
            let readers: Vec<&str> = (0..s.threads.len())
                .filter(|u| th.gp_wait & 1 << u != 0)
                .map(|u| self.threads[u].name.as_str())
                .collect();
            let waits = if readers.is_empty() {
                "over".to_string()
            } else {
                format!("waits for {}", readers.join(", "))
            };
            out.push(Field::memory(format!("{name}.grace_period"), waits));
        }
        out
    }
}
