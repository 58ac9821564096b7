//! Parent links: for every state the breadth-first search stores, the state it was first
//! reached from and the thread whose step led there (5 bytes a state), mostly on disk. A
//! counterexample's schedule is read back from them.

use super::spool::Spool;

/// Bytes of parent links kept in memory before they go to a temporary file (52,428 links).
const PARENTS_IN_MEMORY: usize = 1 << 18;

/// Bytes of one parent link: the parent's number (4, little-endian) and the thread (1).
const LINK: usize = 5;

/// Parent links: for state `i` (numbered in discovery order), the state it was first reached
/// from and the thread whose step led there. Written once, read only to rebuild a
/// counterexample, so past the first 256 KiB they live on disk (as TLC's trace file does).
#[derive(Debug)]
pub(crate) struct Parents {
    links: Spool,
    len: u32,
}

impl Default for Parents {
    fn default() -> Self {
        Parents {
            links: Spool::new(PARENTS_IN_MEMORY),
            len: 0,
        }
    }
}

/// Marks the initial state, which has no parent.
pub(crate) const ROOT: u32 = u32::MAX;

/// The most states a search numbers: state numbers are 32 bits, and [`ROOT`] is taken.
pub(crate) const MAX_STATES: u64 = ROOT as u64;

impl Parents {
    /// Whether another state can be numbered ([`MAX_STATES`]).
    pub(crate) fn full(&self) -> bool {
        u64::from(self.len) >= MAX_STATES
    }

    /// Numbers a new state reached from `parent` by `thread`'s step. The caller checks
    /// [`full`](Self::full) first.
    pub(crate) fn push(&mut self, parent: u32, thread: u8) -> u32 {
        debug_assert!(!self.full(), "a full parent store is checked before a push");
        let idx = self.len;
        let mut link = [0u8; LINK];
        link[..4].copy_from_slice(&parent.to_le_bytes());
        link[4] = thread;
        self.links.push(&link);
        self.len += 1;
        idx
    }

    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    fn get(&self, idx: u32) -> (u32, u8) {
        let mut link = [0u8; LINK];
        self.links.read_at(idx as u64 * LINK as u64, &mut link);
        (u32::from_le_bytes(link[..4].try_into().unwrap()), link[4])
    }

    /// The schedule (thread per step) from the initial state to state `idx`.
    pub(crate) fn schedule_to(&self, mut idx: u32) -> Vec<usize> {
        let mut rev = Vec::new();
        loop {
            let (parent, thread) = self.get(idx);
            if parent == ROOT {
                break;
            }
            rev.push(thread as usize);
            idx = parent;
        }
        rev.reverse();
        rev
    }

    /// Bytes held in memory.
    pub(crate) fn bytes(&self) -> usize {
        self.links.memory_bytes()
    }

    /// Bytes written to disk.
    pub(crate) fn disk_bytes(&self) -> u64 {
        self.links.peak_disk_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_follows_parents() {
        let mut p = Parents::default();
        let root = p.push(ROOT, 0);
        let a = p.push(root, 1);
        let b = p.push(a, 0);
        let _c = p.push(root, 2);
        assert_eq!(p.schedule_to(b), vec![1, 0]);
        assert_eq!(p.schedule_to(root), Vec::<usize>::new());
    }

    #[test]
    fn schedules_survive_the_spill_to_disk() {
        let mut p = Parents::default();
        let mut last = p.push(ROOT, 0);
        // A chain longer than the in-memory budget: thread i % 7 made step i.
        let n = PARENTS_IN_MEMORY / LINK * 2;
        for i in 0..n {
            last = p.push(last, (i % 7) as u8);
        }
        assert!(p.disk_bytes() > 0);
        let schedule = p.schedule_to(last);
        assert_eq!(schedule.len(), n);
        assert!(schedule.iter().enumerate().all(|(i, &t)| t == i % 7));
    }
}
