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

use super::{Op, PtFrag, State, ThreadState, MAX_THREADS, THREAD_BYTES};
use smallvec::SmallVec;
use weft_explorer::symmetry::Symmetric;

/// A thread's sort key: its packed state, the lock byte and two bytes of waiters.
const KEY_BYTES: usize = THREAD_BYTES + 3;
const _: () = assert!(KEY_BYTES == 16, "a thread's sort key fills a u128");

impl Symmetric for PtFrag {
    /// The thread's packed state, whether it holds the lock, and which deferred frees wait
    /// for it, as one big-endian number: ordered as that tuple is, compared in two words.
    type Key = u128;

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
        let waiters = if self.deferrers == 0 {
            0
        } else {
            (0..s.threads.len())
                .filter(|&u| self.deferrers & 1 << u != 0 && s.threads[u].gp_wait & 1 << t != 0)
                .fold(0u16, |waiters, u| waiters | 1 << u)
        };
        // The thread's bytes first, big-endian: byte i of `to_bits` goes to bits 120-8i.
        s.threads[t].to_bits().swap_bytes()
            | u128::from(s.lock == Some(t as u8)) << 16
            | u128::from(waiters)
    }

    /// A step changes its own thread, the lock only as that thread takes or drops it, and
    /// otherwise only the fragments of a thread its free names (in no group). The waiters are
    /// the exception: leaving a section changes a deferrer's `gp_wait`, part of the keys.
    fn keys_are_local(&self) -> bool {
        self.deferrers == 0
    }

    fn permute(&self, s: &mut State, to: &[u8]) {
        // On the stack, and only the threads that move: a state is permuted per successor,
        // and after a step usually a few threads of one group move.
        let moving: SmallVec<[(u8, ThreadState); MAX_THREADS]> = (to.iter().enumerate())
            .filter(|&(t, &new)| usize::from(new) != t)
            .map(|(t, &new)| (new, s.threads[t]))
            .collect();
        for (new, th) in moving {
            s.threads[usize::from(new)] = th;
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
