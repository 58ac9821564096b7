//! Thread symmetry for pt_frag: threads that run the same operations are interchangeable
//! (owners that each allocate and free, walkers that each take a speculative reference).
//!
//! The only reference to a thread in the state is the holder of `mm->page_table_lock`; a
//! thread's sort key is its own packed state and whether it holds the lock, so two threads
//! of a group with equal keys are equal in every respect and the sorted state is canonical.
//! A thread named by another's `pte_fragment_free(thread)` is in no group: it is referred to
//! by its index in the other thread's operations.

use super::{Op, PtFrag, State, THREAD_BYTES};
use weft_explorer::symmetry::Symmetric;

impl Symmetric for PtFrag {
    type Key = ([u8; THREAD_BYTES], bool);

    fn thread_groups(&self) -> Vec<Vec<usize>> {
        let named: Vec<usize> = self
            .threads
            .iter()
            .flat_map(|t| &t.ops)
            .filter_map(|op| match op {
                Op::Free { from: Some(t) } => Some(usize::from(*t)),
                _ => None,
            })
            .collect();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (t, thread) in self.threads.iter().enumerate() {
            if named.contains(&t) {
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
        (s.threads[t].to_bytes(), s.lock == Some(t as u8))
    }

    fn permute(&self, s: &mut State, to: &[u8]) {
        let old = s.threads.clone();
        for (t, th) in old.into_iter().enumerate() {
            s.threads[usize::from(to[t])] = th;
        }
        s.lock = s.lock.map(|t| to[usize::from(t)]);
    }
}
