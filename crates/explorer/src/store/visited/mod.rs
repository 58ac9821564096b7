//! The visited set: 64-bit fingerprints in open-addressing tables (linear probing, grown by
//! doubling at 3/4 load; 8 bytes a slot, then 6 once a table has 2^14 slots, see
//! [`compact`]), the set of a bitstate search (SPIN's supertrace).
//!
//! Slots are atomic so that the breadth-first search can look states up in parallel while one
//! thread inserts ([`ShardedSet::insert_shared`]); on x86 these are plain loads and stores.

mod compact;
mod table;

use compact::CompactSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use table::Table;

/// A hasher for keys that are already fingerprints: it passes them through.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ *b as u64;
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

/// A map keyed by fingerprint, with no second hashing.
pub(crate) type FpMap<V> =
    std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdentityHasher>>;

/// A set of state fingerprints, open-addressed; slot value 0 means empty.
#[derive(Debug)]
pub(crate) struct FingerprintSet {
    slots: Table<AtomicU64>,
    len: OwnLine,
}

/// A counter on a cache line of its own: the inserting thread bumps it while the others read
/// the table's address next to it on every lookup, and sharing a line would make each bump
/// evict the readers' copy.
#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct OwnLine(AtomicUsize);

/// Fingerprint 0 marks an empty slot, so it is stored as 1 (a collision of probability 2^-64).
#[inline]
pub(crate) fn key(fp: u64) -> u64 {
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
    pub(crate) fn with_capacity(n: usize) -> Self {
        FingerprintSet {
            slots: Table::zeroed(Self::slots_for(n)),
            len: OwnLine::default(),
        }
    }

    /// How many fingerprints the set holds.
    pub(crate) fn len(&self) -> usize {
        self.len.0.load(Ordering::Relaxed)
    }

    /// Bytes of memory the table occupies.
    pub(crate) fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<AtomicU64>()
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Linear probing for key `k`: `Ok(slot)` where it is, or `Err(slot)`, the empty slot
    /// where it would go.
    #[inline]
    fn probe(&self, k: u64) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = (k as usize) & mask;
        loop {
            // Acquire: a state seen here was put in the next level's set first (see
            // `insert_shared`).
            match self.slots[i].load(Ordering::Acquire) {
                s if s == k => return Ok(i),
                0 => return Err(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Starts loading the slot where a probe for `fp` begins, so that a
    /// [`contains`](Self::contains) soon after finds it in cache.
    #[inline]
    pub(crate) fn prefetch(&self, fp: u64) {
        prefetch(&self.slots[(key(fp) as usize) & self.mask()]);
    }

    /// Whether `fp` is in the set.
    #[inline]
    pub(crate) fn contains(&self, fp: u64) -> bool {
        self.probe(key(fp)).is_ok()
    }

    /// Adds `fp`; true when it was not there before.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, fp: u64) -> bool {
        self.reserve(1);
        self.insert_shared(fp)
    }

    /// Whether [`reserve`](Self::reserve) for `n` more would grow the table.
    fn needs_room(&self, n: usize) -> bool {
        !Self::within_load(self.slots.len(), self.len() + n)
    }

    /// Makes room for `n` more fingerprints without growing (at most 3/4 load).
    /// When memory runs out it stops trying ([`crate::memory`]); the search then stops before
    /// it inserts.
    pub(crate) fn reserve(&mut self, n: usize) {
        while self.needs_room(n) && !crate::memory::exhausted() {
            self.grow();
        }
    }

    /// Adds `fp` through a shared reference, while others may look fingerprints up; true
    /// when it was not there before. The set must have room ([`reserve`](Self::reserve)),
    /// and one thread at a time may insert: two inserting at once could store a fingerprint
    /// twice (never lose one or break memory safety).
    #[inline]
    pub(crate) fn insert_shared(&self, fp: u64) -> bool {
        assert!(
            Self::within_load(self.slots.len(), self.len() + 1),
            "the visited set was not given room before a shared insert"
        );
        let k = key(fp);
        match self.probe(k) {
            Ok(_) => false,
            Err(i) => {
                self.slots[i].store(k, Ordering::Release);
                self.len.0.fetch_add(1, Ordering::Relaxed);
                true
            }
        }
    }

    /// Slots for `n` fingerprints at most 3/4 full.
    fn slots_for(n: usize) -> usize {
        (n * 4 / 3 + 1).next_power_of_two().max(16)
    }

    /// Whether a table of `slots` may hold `len` fingerprints: at most 3/4 full, the load at
    /// which both kinds of table grow.
    fn within_load(slots: usize, len: usize) -> bool {
        len * 4 <= slots * 3
    }

    /// Whether a table of `slots` holding `len` fingerprints is too large to keep when
    /// cleared: more than four times what they need (see [`clear`](Self::clear)).
    fn oversized(slots: usize, len: usize) -> bool {
        slots > 4 * Self::slots_for(len)
    }

    /// Whether `n` fingerprints need a table of [`compact::MIN_SLOTS`] or more, which is a
    /// compact one.
    fn compact_for(n: usize) -> bool {
        Self::slots_for(n) >= compact::MIN_SLOTS
    }

    /// Empties the set. The search clears the next level's set once per level, and the next
    /// level is mostly of a size near the last: so the table is kept (and zeroed) unless it is
    /// more than four times larger than the last contents needed, instead of growing again
    /// from nothing through every doubling.
    pub(crate) fn clear(&mut self) {
        if Self::oversized(self.slots.len(), self.len()) {
            *self = Self::with_capacity(self.len());
        } else {
            self.slots.iter_mut().for_each(|k| *k.get_mut() = 0);
            *self.len.0.get_mut() = 0;
        }
    }

    fn grow(&mut self) {
        let Some(doubled) = Table::try_zeroed(self.slots.len() * 2) else {
            crate::memory::set_exhausted();
            return;
        };
        let old = std::mem::replace(&mut self.slots, doubled);
        for k in old
            .iter()
            .map(|k| k.load(Ordering::Relaxed))
            .filter(|&k| k != 0)
        {
            if let Err(i) = self.probe(k) {
                *self.slots[i].get_mut() = k;
            }
        }
    }

    /// Every fingerprint in the set, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots
            .iter()
            .map(|k| k.load(Ordering::Relaxed))
            .filter(|&k| k != 0)
    }
}

/// A hint to the processor to bring `value`'s cache line in: the visited set is larger
/// than the caches, and a lookup that waits for memory is the search's largest cost.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no architectural effect and cannot fault; the pointer is valid.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Number of shards of a [`ShardedSet`]; a fingerprint's top bits choose its shard.
pub(crate) const SHARDS: usize = 64;

/// A fingerprint's bits below the ones that choose its shard.
const BELOW_SHARD: u32 = 64 - SHARDS.trailing_zeros();

/// Bits set per state in bitstate mode (SPIN's default is 3).
pub const BITSTATE_HASHES: u32 = 3;

/// One shard of the visited set: exact fingerprints (8 bytes a slot, then 6 once the shard is
/// large enough for [`CompactSet`]), or (bitstate hashing) a bit array in which a state sets
/// [`BITSTATE_HASHES`] bits and counts as seen when all of them are set.
#[derive(Debug)]
pub(crate) enum Shard {
    Exact(FingerprintSet),
    Compact(CompactSet),
    Bits {
        words: Table<AtomicU64>,
        len: OwnLine,
    },
}

impl Shard {
    /// An empty exact shard with room for `n` fingerprints whose top bits are `top`'s.
    fn exact(top: u64, n: usize) -> Shard {
        if FingerprintSet::compact_for(n) {
            Shard::Compact(CompactSet::with_capacity(top, n))
        } else {
            Shard::Exact(FingerprintSet::with_capacity(n))
        }
    }

    #[inline]
    fn bit_positions(fp: u64, nbits: u64) -> [u64; BITSTATE_HASHES as usize] {
        // Independent-enough positions from one 64-bit fingerprint (its top bits chose the
        // shard): multiply-rotate variants.
        let mask = nbits - 1;
        [
            fp & mask,
            fp.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29) & mask,
            fp.wrapping_mul(0xc2b2_ae3d_27d4_eb4f).rotate_left(43) & mask,
        ]
    }

    #[inline]
    fn prefetch(&self, fp: u64) {
        match self {
            Shard::Exact(set) => set.prefetch(fp),
            Shard::Compact(set) => set.prefetch(key(fp)),
            Shard::Bits { words, .. } => {
                let b = Self::bit_positions(fp, words.len() as u64 * 64)[0];
                prefetch(&words[(b / 64) as usize]);
            }
        }
    }

    #[inline]
    pub(crate) fn contains(&self, fp: u64) -> bool {
        match self {
            Shard::Exact(set) => set.contains(fp),
            Shard::Compact(set) => set.contains(key(fp)),
            Shard::Bits { words, .. } => Self::bit_positions(fp, words.len() as u64 * 64)
                .iter()
                .all(|&b| words[(b / 64) as usize].load(Ordering::Acquire) & (1 << (b % 64)) != 0),
        }
    }

    /// Makes room for `n` more states in shard number `shard` (a bit array has no room to
    /// make); an exact table that would reach [`compact::MIN_SLOTS`] becomes compact.
    fn reserve(&mut self, shard: usize, n: usize) {
        match self {
            Shard::Exact(set) if FingerprintSet::compact_for(set.len() + n) => {
                let top = (shard as u64) << BELOW_SHARD;
                match CompactSet::from_keys(top, set.iter(), set.len(), n) {
                    Some(compact) => *self = Shard::Compact(compact),
                    None => crate::memory::set_exhausted(),
                }
            }
            Shard::Exact(set) => set.reserve(n),
            Shard::Compact(set) => set.reserve(n),
            Shard::Bits { .. } => {}
        }
    }

    /// Adds `fp` (see [`FingerprintSet::insert_shared`]); true when it was not there.
    #[inline]
    pub(crate) fn insert_shared(&self, fp: u64) -> bool {
        match self {
            Shard::Exact(set) => set.insert_shared(fp),
            Shard::Compact(set) => set.insert_shared(key(fp)),
            Shard::Bits { words, len } => {
                let mut new = false;
                for b in Self::bit_positions(fp, words.len() as u64 * 64) {
                    let old = words[(b / 64) as usize].fetch_or(1 << (b % 64), Ordering::Release);
                    new |= old & (1 << (b % 64)) == 0;
                }
                len.0.fetch_add(new as usize, Ordering::Relaxed);
                new
            }
        }
    }

    /// Whether [`reserve`](Self::reserve) for `n` more would change the table.
    fn needs_room(&self, n: usize) -> bool {
        match self {
            Shard::Exact(set) => FingerprintSet::compact_for(set.len() + n) || set.needs_room(n),
            Shard::Compact(set) => set.needs_room(n),
            Shard::Bits { .. } => false,
        }
    }

    #[inline]
    pub(crate) fn insert(&mut self, fp: u64) -> bool {
        self.reserve(ShardedSet::shard(fp), 1);
        if crate::memory::exhausted() && self.needs_room(1) {
            // No memory for the room: not stored, and the search stops at its next check
            // (and claims no pass: `Checker::check`).
            return true;
        }
        self.insert_shared(fp)
    }

    fn len(&self) -> usize {
        match self {
            Shard::Exact(set) => set.len(),
            Shard::Compact(set) => set.len(),
            Shard::Bits { len, .. } => len.0.load(Ordering::Relaxed),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Shard::Exact(set) => set.bytes(),
            Shard::Compact(set) => set.bytes(),
            Shard::Bits { words, .. } => words.len() * 8,
        }
    }

    fn clear(&mut self) {
        match self {
            Shard::Exact(set) => set.clear(),
            // Kept and zeroed, unless far larger than the contents needed (as an exact
            // table is).
            Shard::Compact(set) if FingerprintSet::oversized(set.slots(), set.len()) => {
                *self = Shard::exact(set.top(), set.len());
            }
            Shard::Compact(set) => set.clear(),
            Shard::Bits { words, len } => {
                words.iter_mut().for_each(|w| *w.get_mut() = 0);
                *len.0.get_mut() = 0;
            }
        }
    }
}

/// A fingerprint set split into [`SHARDS`] independent tables by the fingerprint's top bits,
/// so that it grows a sixty-fourth at a time: each growth is a short pause, with little memory
/// held twice.
#[derive(Debug)]
pub(crate) struct ShardedSet {
    shards: Vec<Shard>,
}

impl Default for ShardedSet {
    fn default() -> Self {
        ShardedSet {
            shards: (0..SHARDS)
                .map(|_| Shard::Exact(FingerprintSet::with_capacity(16)))
                .collect(),
        }
    }
}

impl ShardedSet {
    /// The shard of `fp` (its top 6 bits; the tables index by the low bits).
    #[inline]
    pub(crate) fn shard(fp: u64) -> usize {
        (key(fp) >> BELOW_SHARD) as usize
    }

    /// Starts loading what a lookup of `fp` reads (see [`FingerprintSet::prefetch`]).
    #[inline]
    pub(crate) fn prefetch(&self, fp: u64) {
        self.shards[Self::shard(fp)].prefetch(fp)
    }

    #[inline]
    pub(crate) fn contains(&self, fp: u64) -> bool {
        self.shards[Self::shard(fp)].contains(fp)
    }

    #[inline]
    pub(crate) fn insert(&mut self, fp: u64) -> bool {
        self.shards[Self::shard(fp)].insert(fp)
    }

    /// Makes room for `counts[i]` more states in shard `i`, for [`insert_shared`](Self::insert_shared).
    pub(crate) fn reserve(&mut self, counts: &[usize; SHARDS]) {
        for (i, (shard, &n)) in self.shards.iter_mut().zip(counts).enumerate() {
            shard.reserve(i, n);
        }
    }

    /// Whether [`reserve`](Self::reserve) for `counts` would change a table (grow it, or
    /// make room in an overflow list): only then does it need the set to itself.
    pub(crate) fn needs_room(&self, counts: &[usize; SHARDS]) -> bool {
        self.shards
            .iter()
            .zip(counts)
            .any(|(shard, &n)| shard.needs_room(n))
    }

    /// Adds `fp` while other threads may look states up: one inserting thread at a time,
    /// within the room [`reserve`](Self::reserve) made.
    #[inline]
    pub(crate) fn insert_shared(&self, fp: u64) -> bool {
        self.shards[Self::shard(fp)].insert_shared(fp)
    }

    /// A bitstate set of about `bytes` bytes in all (each shard a power of two of bits).
    pub(crate) fn bitstate(bytes: usize) -> ShardedSet {
        let words = (bytes / SHARDS / 8).max(1).next_power_of_two();
        let words = if words * SHARDS * 8 > bytes.max(SHARDS * 8) {
            words / 2
        } else {
            words
        };
        ShardedSet {
            shards: (0..SHARDS)
                .map(|_| Shard::Bits {
                    // No memory for the bit array: a word stands in, and the search stops at
                    // its first check ([`crate::memory`]).
                    words: Table::try_zeroed(words.max(1)).unwrap_or_else(|| {
                        crate::memory::set_exhausted();
                        Table::zeroed(1)
                    }),
                    len: OwnLine::default(),
                })
                .collect(),
        }
    }

    /// Whether this is a bitstate set, and its size in bits.
    pub(crate) fn bits(&self) -> Option<u64> {
        match &self.shards[0] {
            Shard::Bits { words, .. } => Some(words.len() as u64 * 64 * SHARDS as u64),
            Shard::Exact(_) | Shard::Compact(_) => None,
        }
    }

    /// How many states the set holds.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    pub(crate) fn clear(&mut self) {
        if self.len() > 0 {
            self.shards.iter_mut().for_each(Shard::clear);
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.shards.iter().map(Shard::bytes).sum()
    }
}

/// The expected number of distinct states a bitstate search of `states` stored states in
/// `bits` bits with [`BITSTATE_HASHES`] bits each wrongly took for seen (all of a new
/// state's bits already set): the sum over insertions of (1 - e^(-k i / m))^k, integrated.
pub fn bitstate_expected_omissions(states: u64, bits: u64) -> f64 {
    let (n, m, k) = (states as f64, bits as f64, BITSTATE_HASHES as f64);
    let steps = 1000;
    let dx = n / steps as f64;
    (0..steps)
        .map(|i| {
            let x = (i as f64 + 0.5) * dx;
            (1.0 - (-k * x / m).exp()).powf(k) * dx
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bitstate_never_forgets_and_rarely_confuses_when_large() {
        let mut set = ShardedSet::bitstate(1 << 20);
        let fps: Vec<u64> = (0..10_000u64)
            .map(|i| crate::store::fingerprint::fingerprint(&i))
            .collect();
        let new = fps.iter().filter(|&&f| set.insert(f)).count();
        assert!(
            new >= 9_990,
            "8 Mbit for 10k states: almost no false positives ({new})"
        );
        assert!(fps.iter().all(|&f| set.contains(f)));
        let est = bitstate_expected_omissions(10_000, set.bits().unwrap());
        assert!(est < 1.0, "{est}");
        // A tiny bit array saturates: many states are wrongly taken for seen.
        let mut small = ShardedSet::bitstate(64 * 8);
        let new = fps.iter().filter(|&&f| small.insert(f)).count();
        assert!(new < 5_000);
        assert!(bitstate_expected_omissions(10_000, small.bits().unwrap()) > 1000.0);
    }

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

        /// A cleared set (tables kept and zeroed, or shrunk when far too large) holds only
        /// what is inserted after.
        #[test]
        fn a_cleared_set_holds_only_what_comes_after(
            first in proptest::collection::vec(any::<u64>(), 0..5000),
            then in proptest::collection::vec(any::<u64>(), 0..500),
        ) {
            let mut set = ShardedSet::default();
            for v in &first {
                set.insert(*v);
            }
            set.clear();
            let mut model = std::collections::HashSet::new();
            for v in &then {
                prop_assert_eq!(set.insert(*v), model.insert(key(*v)));
            }
            for v in first.iter().chain(&then) {
                prop_assert_eq!(set.contains(*v), model.contains(&key(*v)));
            }
        }
    }

    #[test]
    fn a_shard_turns_compact_as_it_grows_and_back_when_cleared_far_too_large() {
        let mut set = ShardedSet::default();
        // 7,000 fingerprints in shard 5 need 2^14 slots: a compact table.
        let fps: Vec<u64> = (0..7_000u64)
            .map(|i| 5 << BELOW_SHARD | crate::store::fingerprint::fingerprint(&i) >> 6)
            .collect();
        assert!(fps.iter().all(|&f| set.insert(f)));
        assert!(matches!(set.shards[5], Shard::Compact(_)));
        assert!(matches!(set.shards[4], Shard::Exact(_)));
        assert!(fps.iter().all(|&f| set.contains(f) && !set.insert(f)));
        assert_eq!(set.len(), 7_000);
        // Kept for a next level of about the same size...
        set.clear();
        assert!(matches!(set.shards[5], Shard::Compact(_)));
        assert!(fps.iter().all(|&f| !set.contains(f)));
        assert!(fps[..10].iter().all(|&f| set.insert(f)));
        // ...and made small again after a level that needed far less.
        set.clear();
        assert!(matches!(set.shards[5], Shard::Exact(_)));
        assert!(fps.iter().all(|&f| !set.contains(f)));
        assert!(fps[..10].iter().all(|&f| set.insert(f)));
        assert!(fps[..10].iter().all(|&f| set.contains(f)));
    }
}
