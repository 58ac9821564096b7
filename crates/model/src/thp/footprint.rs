//! What thp's steps touch, for partial-order reduction (off unless a search asks for it).
//!
//! The objects, as bits of a 64-bit set:
//! - [`PAGE`]: the THP, its COW copies, the pins and the page lock;
//! - [`tables`]`(m)`: mm m's PMD, PTEs, anon_vma, links and flags;
//! - [`locks`]`(m)`: mm m's PMD and PTE locks, which the model records and never reads (each
//!   is taken only by its own process, and by its parent's fork before it runs);
//! - [`run`]`(t)`: whether thread t has started and is inside an operation (`started`,
//!   `busy`), which R1 and a write fault's R2 judgement read;
//! - [`judged`]`(t)`: thread t's R2 judgement (the ghost `judged`), which every other
//!   thread's step clears.
//!
//! Most steps touch the page and read every mm (R2 counts all mappings), so they have the
//! [`coarse`](Thp::coarse) footprint. The steps that only take or drop their own process's
//! locks, and perhaps read its page tables, declare less ([`own_locks`](Thp::own_locks)).
//! Whether a step writes another thread's judgement or its own `run` depends on the state
//! (on who is judged now, and on whether the thread is already busy): that part,
//! [`prologue`](Thp::prologue), is what the model's `step` does before every step.

use super::{Op, State, Thp, Thread, MAX_THREADS};
use weft_explorer::{Footprint, Reduce};

/// The THP, its COW copies, the pins and the page lock.
pub(super) const PAGE: u64 = 1;

/// Mm `m`'s page tables: its PMD, PTEs, anon_vma, links, `has_pinned` and `write_protect_seq`.
pub(super) fn tables(m: usize) -> u64 {
    1 << (8 + m)
}

/// Mm `m`'s PMD and PTE locks.
pub(super) fn locks(m: usize) -> u64 {
    1 << (16 + m)
}

/// Whether thread `t` has started and is inside an operation.
pub(super) fn run(t: usize) -> u64 {
    1 << (24 + t)
}

/// Thread `t`'s R2 judgement.
pub(super) fn judged(t: usize) -> u64 {
    1 << (32 + t)
}

/// `object` of every thread (or mm).
fn every(object: fn(usize) -> u64) -> u64 {
    (0..MAX_THREADS).fold(0, |acc, t| acc | object(t))
}

/// What a coarse step of thread `t` writes of its own: the page, its process's tables, its
/// locks, its `run`.
fn own(threads: &[Thread], t: usize) -> u64 {
    PAGE | tables(threads[t].mm(t)) | locks(t) | run(t)
}

/// What a coarse step reads besides: every mm's tables and every thread's `run` (R2 counts
/// every mapping, and judges a fault by whether the others are inside an operation).
fn r2_reads() -> Footprint {
    Footprint::read(every(tables) | every(run))
}

impl Thp {
    /// What the model's `step` does before every step of thread `t`: it clears the other
    /// threads' R2 judgement (a write only for those judged now) and marks `t` busy (a
    /// write only if it was not).
    pub(super) fn prologue(&self, s: &State, t: usize) -> Footprint {
        let others_judged = (0..s.threads.len())
            .filter(|&u| u != t && s.threads[u].judged)
            .fold(0, |acc, u| acc | judged(u));
        let own_run = if s.threads[t].busy { 0 } else { run(t) };
        Footprint::rw(others_judged | own_run)
    }

    /// A step that takes or drops only its own process's locks (thread `t`'s mm's).
    pub(super) fn own_locks(&self, s: &State, t: usize) -> Footprint {
        Footprint::rw(locks(t)).union(self.prologue(s, t))
    }

    /// A step that takes or drops only its own process's locks and reads its page tables.
    pub(super) fn own_locks_reading_tables(&self, s: &State, t: usize) -> Footprint {
        self.own_locks(s, t).union(Footprint::read(tables(t)))
    }

    /// A step of a fork that takes or drops only the locks of the parent's and the child's
    /// mms.
    pub(super) fn fork_locks(&self, s: &State, t: usize) -> Footprint {
        let c = self.child(s, t);
        Footprint::rw(locks(c)).union(self.own_locks(s, t))
    }

    /// Most steps' footprint: the page, its own mm's tables, locks, `run` and judgement,
    /// every mm's tables and every thread's `run` read (R2), and what its current operation
    /// adds ([`op_extra`](Self::op_extra)).
    pub(super) fn coarse(&self, s: &State, t: usize) -> Footprint {
        Footprint::rw(own(&self.threads, t) | judged(t))
            .union(r2_reads())
            .union(self.op_extra(s, t))
            .union(self.prologue(s, t))
    }

    /// Everything thread `t` may still touch: [`futures`], by the operations it has done.
    pub(super) fn future(&self, s: &State, t: usize) -> Footprint {
        let th = &s.threads[t];
        if th.pc == super::steps::Pc::Done {
            Footprint::default()
        } else {
            self.futures[t][th.op as usize]
        }
    }

    /// What thread `t`'s current operation touches beyond its own process.
    fn op_extra(&self, s: &State, t: usize) -> Footprint {
        let index = s.threads[t].op as usize;
        self.threads[t]
            .ops
            .get(index)
            .map_or(Footprint::default(), |&op| {
                op_extra(&self.threads, t, index, op)
            })
    }
}

/// What operation `op` (thread `t`'s operation number `index`) touches beyond its own
/// process: a fork writes the child's mm and starts it; the end of a process's first
/// operation starts its other threads.
fn op_extra(threads: &[Thread], t: usize, index: usize, op: Op) -> Footprint {
    let mut objects = match op {
        Op::Fork { child } => {
            let c = usize::from(child);
            tables(c) | locks(c) | run(c)
        }
        _ => 0,
    };
    if index == 0 {
        objects |= (0..threads.len())
            .filter(|&u| threads[u].thread_of == Some(t as u8))
            .fold(0, |acc, u| acc | run(u));
    }
    Footprint::rw(objects)
}

/// Every thread's future footprints, by how many operations it has done: everything the
/// operations from there on may touch (the coarse footprint of each, and every other
/// thread's judgement, which every step clears). Computed once, from the program.
pub(super) fn futures(threads: &[Thread]) -> Vec<Vec<Footprint>> {
    (0..threads.len())
        .map(|t| {
            let ops = &threads[t].ops;
            let every_step = Footprint::rw(own(threads, t) | every(judged)).union(r2_reads());
            (0..=ops.len())
                .map(|from| {
                    (from..ops.len()).fold(every_step, |acc, i| {
                        acc.union(op_extra(threads, t, i, ops[i]))
                    })
                })
                .collect()
        })
        .collect()
}

impl Reduce for Thp {
    fn footprint(&self, s: &State, t: usize) -> Footprint {
        self.footprint_of(s, t, s.threads[t].pc)
    }

    fn future_footprint(&self, s: &State, t: usize) -> Footprint {
        self.future(s, t)
    }

    /// The invariants (R1, `refcount_underflow`, R3, R4) read the page, every mm's tables and
    /// whether each thread is busy; not the locks, nor the R2 judgements.
    fn invariant_reads(&self) -> u64 {
        PAGE | every(tables) | every(run)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Mm, ThreadState};
    use super::*;
    use weft_explorer::{Model, Status};

    /// The objects that differ between `before` and `after` a step of thread `t` (its own
    /// local state is no object).
    fn written(before: &State, after: &State, t: usize) -> u64 {
        let mut objects = 0;
        if before.thp != after.thp
            || before.copies != after.copies
            || before.pins != after.pins
            || before.page_lock != after.page_lock
        {
            objects |= PAGE;
        }
        let unlocked = |mm: &Mm| Mm {
            pmd_lock: false,
            pte_lock: false,
            ..*mm
        };
        for (m, (b, a)) in before.mms.iter().zip(&after.mms).enumerate() {
            if unlocked(b) != unlocked(a) {
                objects |= tables(m);
            }
            if (b.pmd_lock, b.pte_lock) != (a.pmd_lock, a.pte_lock) {
                objects |= locks(m);
            }
        }
        for (u, (b, a)) in before.threads.iter().zip(&after.threads).enumerate() {
            if b.judged != a.judged {
                objects |= judged(u);
            }
            let ran = (b.started, b.busy) != (a.started, a.busy);
            let other = u != t
                && ThreadState {
                    judged: a.judged,
                    ..*b
                } != *a;
            if ran || other {
                objects |= run(u);
            }
        }
        objects
    }

    /// In every reachable state of every shipped thp scenario, each step writes nothing its
    /// footprint leaves out, and no thread's future grows (so a future covers every step the
    /// thread may still take; `independence` checks the reads, pair by pair).
    #[test]
    fn every_step_writes_only_what_its_footprint_says_and_futures_only_shrink() {
        let mut checked = 0;
        for name in crate::Scenario::shipped_names().filter(|n| n.starts_with("thp/")) {
            let scenario = crate::Scenario::shipped(name).unwrap().unwrap();
            let m = scenario.model().as_any().downcast_ref::<Thp>().unwrap();
            for s in weft_explorer::naive::reachable(m) {
                for t in (0..m.thread_count()).filter(|&t| m.status(&s, t) == Status::Enabled) {
                    let mut after = s.clone();
                    if m.step(&mut after, t).is_err() {
                        continue;
                    }
                    let fp = m.footprint(&s, t);
                    let beyond = written(&s, &after, t) & !fp.writes;
                    let pc = s.threads[t].pc;
                    assert_eq!(beyond, 0, "{name}: {pc:?} of thread {t} writes {beyond:#x}");
                    for u in 0..m.thread_count() {
                        let (was, is) = (m.future(&s, u), m.future(&after, u));
                        assert!(
                            is.within(&was),
                            "{name}: {pc:?} of thread {t} grows {u}'s future"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked} steps checked");
    }
}
