//! The visited set: 64-bit fingerprints in one open-addressing table (8 bytes a slot, linear
//! probing, grown by doubling at 3/4 load), and the parent links of every stored state in
//! chunked arrays (5 bytes a state: parent index and the thread that made the step).

/// A set of state fingerprints, open-addressed; slot value 0 means empty.
#[derive(Clone, Debug)]
pub struct FingerprintSet {
    slots: Vec<u64>,
    len: usize,
}

/// Fingerprint 0 marks an empty slot, so it is stored as 1 (a collision of probability 2^-64).
#[inline]
fn key(fp: u64) -> u64 {
    if fp == 0 {
        1
    } else {
        fp
    }
}

impl Default for FingerprintSet {
    fn default() -> Self {
        Self::with_capacity(1 << 10)
    }
}

impl FingerprintSet {
    /// An empty set with room for `n` fingerprints before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let slots = (n * 4 / 3 + 1).next_power_of_two().max(16);
        FingerprintSet {
            slots: vec![0; slots],
            len: 0,
        }
    }

    /// How many fingerprints the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of memory the table occupies.
    pub fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<u64>()
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Whether `fp` is in the set.
    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        let k = key(fp);
        let mask = self.mask();
        let mut i = (k as usize) & mask;
        loop {
            let s = self.slots[i];
            if s == k {
                return true;
            }
            if s == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `fp`; true when it was not there before.
    #[inline]
    pub fn insert(&mut self, fp: u64) -> bool {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let k = key(fp);
        let mask = self.mask();
        let mut i = (k as usize) & mask;
        loop {
            let s = self.slots[i];
            if s == k {
                return false;
            }
            if s == 0 {
                self.slots[i] = k;
                self.len += 1;
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let doubled = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.mask();
        for k in old.into_iter().filter(|&k| k != 0) {
            let mut i = (k as usize) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = k;
        }
    }

    /// Every fingerprint in the set, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().copied().filter(|&k| k != 0)
    }
}

const CHUNK: usize = 1 << 16;

/// An append-only array in fixed chunks: no doubling, so at most one chunk of slack.
#[derive(Debug, Default)]
pub(crate) struct ChunkedVec<T: Copy + Default> {
    chunks: Vec<Box<[T]>>,
    len: usize,
}

impl<T: Copy + Default> ChunkedVec<T> {
    pub(crate) fn push(&mut self, v: T) {
        if self.len % CHUNK == 0 {
            self.chunks
                .push(vec![T::default(); CHUNK].into_boxed_slice());
        }
        self.chunks[self.len / CHUNK][self.len % CHUNK] = v;
        self.len += 1;
    }

    pub(crate) fn get(&self, i: usize) -> T {
        self.chunks[i / CHUNK][i % CHUNK]
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>()
    }
}

/// Parent links: for state `i` (numbered in discovery order), the state it was first reached
/// from and the thread whose step led there.
#[derive(Debug, Default)]
pub(crate) struct Parents {
    parent: ChunkedVec<u32>,
    thread: ChunkedVec<u8>,
}

/// Marks the initial state, which has no parent.
pub(crate) const ROOT: u32 = u32::MAX;

impl Parents {
    pub(crate) fn push(&mut self, parent: u32, thread: u8) -> u32 {
        let idx = self.parent.len() as u32;
        self.parent.push(parent);
        self.thread.push(thread);
        idx
    }

    pub(crate) fn len(&self) -> usize {
        self.parent.len()
    }

    /// The schedule (thread per step) from the initial state to state `idx`.
    pub(crate) fn schedule_to(&self, mut idx: u32) -> Vec<usize> {
        let mut rev = Vec::new();
        while self.parent.get(idx as usize) != ROOT {
            rev.push(self.thread.get(idx as usize) as usize);
            idx = self.parent.get(idx as usize);
        }
        rev.reverse();
        rev
    }

    pub(crate) fn bytes(&self) -> usize {
        self.parent.bytes() + self.thread.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_hash_set(values in proptest::collection::vec(any::<u64>(), 0..3000)) {
            let mut set = FingerprintSet::with_capacity(4);
            let mut model = std::collections::HashSet::new();
            for v in &values {
                prop_assert_eq!(set.insert(*v), model.insert(key(*v)));
            }
            prop_assert_eq!(set.len(), model.len());
            for v in &values {
                prop_assert!(set.contains(*v));
            }
        }
    }

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
}
