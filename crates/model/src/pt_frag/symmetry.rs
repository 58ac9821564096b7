//! Thread symmetry for pt_frag: threads that run the same operations are interchangeable
//! (owners that each allocate and free, walkers that each take a speculative reference).
//!
//! References to threads in the state: the holder of `mm->page_table_lock`, and the threads a
//! deferred free's grace period waits for. A thread's sort key is its own packed state,
//! whether it holds the lock, and which deferred frees wait for it; so two threads of a group
//! with equal keys are equal in every respect and the sorted state is canonical. A thread
//! named by another's `pte_fragment_free(thread)` is in no group (it is referred to by its
//! index in the other thread's operations), nor is a thread that defers a free (its key
//! would name other threads, which the sort renames).

use super::{Op, PtFrag, State, THREAD_BYTES};
use weft_explorer::symmetry::Symmetric;

impl Symmetric for PtFrag {
    type Key = ([u8; THREAD_BYTES], bool, u16);

    fn thread_groups(&self) -> Vec<Vec<usize>> {
        let named: Vec<usize> = self
            .threads
            .iter()
            .flat_map(|t| &t.ops)
            .filter_map(|op| match op {
                Op::Free { from: Some(t), .. } => Some(usize::from(*t)),
                _ => None,
            })
            .collect();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (t, thread) in self.threads.iter().enumerate() {
            if named.contains(&t) || self.deferrers & 1 << t != 0 {
                continue;
            }
            match groups
                .iter_mut()
                .find(|g| self.threads[g[0]].ops == thread.ops)
            {
                Some(group) => group.push(t),
                None => groups.push(vec![t]),
            }
        }
        groups.retain(|g| g.len() > 1);
        groups
    }

    fn thread_key(&self, s: &State, t: usize) -> Self::Key {
        // Only threads that defer a free wait for others: none in most scenarios.
        let waiters = (0..s.threads.len())
            .filter(|&u| self.deferrers & 1 << u != 0 && s.threads[u].gp_wait & 1 << t != 0)
            .fold(0u16, |waiters, u| waiters | 1 << u);
        (s.threads[t].to_bytes(), s.lock == Some(t as u8), waiters)
    }

    fn permute(&self, s: &mut State, to: &[u8]) {
        let old = s.threads.clone();
        for (t, th) in old.into_iter().enumerate() {
            s.threads[usize::from(to[t])] = th;
        }
        s.lock = s.lock.map(|t| to[usize::from(t)]);
        // Only the threads that defer a free name others, and they are in no group.
        for (u, th) in s.threads.iter_mut().enumerate() {
            if self.deferrers & 1 << u == 0 {
                continue;
            }
            let old = th.gp_wait;
            th.gp_wait = (0..to.len())
                .filter(|t| old & 1 << t != 0)
                .fold(0, |wait, t| wait | 1 << to[t]);
        }
    }
}
