//! One shard's fingerprints in 6 bytes a slot instead of 8, once the shard has 2^14 slots.
//!
//! Quotienting: a fingerprint's top 6 bits are the shard's, and of the 58 below, a table of
//! `n` slots (2^b <= n < 2^(b+1)) takes the home slot from the high ones (`low58 * n >> 58`,
//! so that `n` need not be a power of two) and keeps only the low 58 - b bits, next to the
//! distance from home (linear probing). Home and distance pin the fingerprint to fewer than
//! 2^(58-b) values, of which the kept bits pick one ([`CompactSet::rebuild`]). A fingerprint
//! farther from home than the distance field can say (at 2^14 slots, 13; about 1% of them at
//! 70% load) is kept whole in a short overflow list, and its slot holds its index there. So
//! every fingerprint stored can be rebuilt whole, as growing the table does: the set stays
//! exact, 64 bits a state.
//!
//! A table grows by half or by a third, through 2^b and 3 * 2^(b-1) slots, not by doubling:
//! its load then stays between 1/2 and 3/4 instead of 3/8 and 3/4, so the visited set of a
//! search takes 6 to 12 bytes a state, not 6 to 16.
//!
//! A slot's 48 bits are kept in two arrays, the high 16 and the low 32. The high half of a
//! full slot is never 0; it is written last (release) and read first (acquire), so a lookup
//! running while the one inserting thread fills a slot sees it either empty or whole (a slot
//! is written once between two clears). One array of 6-byte slots was no faster and, on
//! pt_frag 3x3, peaked 0.5-0.9 MiB higher when every table was on the heap: its 96 KiB tables
//! fit in none of the 64 KiB that the 8-byte tables they replace gave back, while a 64 KiB low
//! half did. (Tables of 64 KiB and more are now mappings of their own, see [`Table`]; the
//! 32 KiB high halves still fill the heap's holes.)

use super::table::Table;
use super::{prefetch, FingerprintSet, OwnLine, BELOW_SHARD};
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Slots of the smallest compact table: with fewer, the distance field would have fewer than
/// 4 bits and too many fingerprints would overflow.
pub(crate) const MIN_SLOTS: usize = 1 << 14;

/// The bits of a key below its shard's.
const BELOW_MASK: u64 = (1 << BELOW_SHARD) - 1;

/// The size a table of `slots` grows to: 2^b to 3 * 2^(b-1), and 3 * 2^(b-1) to 2^(b+1).
fn grown(slots: usize) -> usize {
    if slots.is_power_of_two() {
        slots / 2 * 3
    } else {
        slots / 3 * 4
    }
}

/// One shard's fingerprints, all with the same top 6 bits; at most 3/4 of the slots full.
#[derive(Debug)]
pub(crate) struct CompactSet {
    /// Each slot's high 16 bits: the distance code on top, 0 for an empty slot.
    hi: Table<AtomicU16>,
    /// Each slot's low 32 bits.
    lo: Table<AtomicU32>,
    /// Slots: 2^b or 3 * 2^(b-1) ([`grown`]).
    slots: usize,
    layout: Layout,
    /// The top 6 bits every fingerprint here has.
    top: u64,
    /// Whole fingerprints too far from home for the distance field; a tail of unused room
    /// (made by [`reserve`](Self::reserve)) so that an insert never reallocates it.
    overflow: Box<[AtomicU64]>,
    overflowed: AtomicUsize,
    len: OwnLine,
}

/// A slot's fields, from the table's size.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Bits of the distance code (the slot's top bits): 0 empty, d + 1 for a fingerprint d
    /// slots from home, all ones for one in the overflow list.
    code_bits: u32,
    /// Bits under the code: the fingerprint's bits between home and shard, or an overflow
    /// index.
    payload_mask: u64,
    /// The fingerprint's bits between home and shard.
    rem_mask: u64,
}

impl Layout {
    fn of(bits: u32) -> Layout {
        let code_bits = (bits - 10).min(16);
        Layout {
            code_bits,
            payload_mask: (1 << (48 - code_bits)) - 1,
            rem_mask: (1 << (BELOW_SHARD - bits)) - 1,
        }
    }

    /// The code of a slot in the overflow list.
    #[inline]
    fn overflowed(self) -> usize {
        (1 << self.code_bits) - 1
    }

    #[inline]
    fn code(self, hi: u16) -> usize {
        (hi >> (16 - self.code_bits)) as usize
    }

    #[inline]
    fn word(self, code: usize, payload: u64) -> u64 {
        ((code as u64) << (48 - self.code_bits)) | payload
    }
}

impl CompactSet {
    /// An empty set of fingerprints whose top 6 bits are `top`'s, with room for `n` before it
    /// grows.
    pub(crate) fn with_capacity(top: u64, n: usize) -> Self {
        Self::try_with_capacity(top, n).unwrap_or_else(|| {
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<[u64; MIN_SLOTS]>())
        })
    }

    /// [`with_capacity`](Self::with_capacity), or `None` when the memory cannot be had.
    fn try_with_capacity(top: u64, n: usize) -> Option<Self> {
        Self::with_slots(top, super::FingerprintSet::slots_for(n).max(MIN_SLOTS))
    }

    /// An empty table of `slots` slots (2^b or 3 * 2^(b-1), at least [`MIN_SLOTS`]), or `None`
    /// when the memory cannot be had.
    fn with_slots(top: u64, slots: usize) -> Option<Self> {
        debug_assert!(slots >= MIN_SLOTS);
        debug_assert!(slots.is_power_of_two() || (slots / 3).is_power_of_two() && slots % 3 == 0);
        Some(CompactSet {
            hi: Table::try_zeroed(slots)?,
            lo: Table::try_zeroed(slots)?,
            slots,
            layout: Layout::of(slots.ilog2()),
            top: top >> BELOW_SHARD << BELOW_SHARD,
            overflow: Box::new([]),
            overflowed: AtomicUsize::new(0),
            len: OwnLine::default(),
        })
    }

    /// The `len` fingerprints of `keys` (all with `top`'s top bits), in a compact table with
    /// room for `n` more; `None` when the memory cannot be had ([`crate::memory`]).
    pub(crate) fn from_keys(
        top: u64,
        keys: impl Iterator<Item = u64>,
        len: usize,
        n: usize,
    ) -> Option<Self> {
        let mut set = Self::try_with_capacity(top, len + n)?;
        for k in keys {
            set.try_insert_owned(k)?;
        }
        set.reserve(n);
        (!crate::memory::exhausted()).then_some(set)
    }

    pub(crate) fn len(&self) -> usize {
        self.len.0.load(Ordering::Relaxed)
    }

    /// Bytes of memory the table occupies.
    pub(crate) fn bytes(&self) -> usize {
        self.hi.len() * 6 + self.overflow.len() * 8
    }

    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    /// Key `k`'s home slot: the high bits of its 58 below the shard's, scaled to the table.
    #[inline]
    fn home(&self, k: u64) -> usize {
        ((u128::from(k & BELOW_MASK) * self.slots as u128) >> BELOW_SHARD) as usize
    }

    /// The slot `d` past slot `home`, wrapping around the end.
    #[inline]
    fn past(&self, home: usize, d: usize) -> usize {
        let i = home + d;
        if i >= self.slots {
            i - self.slots
        } else {
            i
        }
    }

    /// The key at home slot `home` whose low 58 - b bits are `rem`: the one key of this shard
    /// with that home (a run of fewer than 2^(58-b) consecutive values, since the table has at
    /// least 2^b slots) and those low bits.
    fn rebuild(&self, home: usize, rem: u64) -> u64 {
        let first = ((home as u128) << BELOW_SHARD).div_ceil(self.slots as u128) as u64;
        self.top | (first + (rem.wrapping_sub(first) & self.layout.rem_mask))
    }

    /// Slot `i`'s high half: 0 when it is empty.
    #[inline]
    fn high(&self, i: usize) -> u16 {
        // Acquire: the low half (and an overflow entry) were written before.
        self.hi[i].load(Ordering::Acquire)
    }

    /// Full slot `i`'s 48 bits, from its high half.
    #[inline]
    fn word(&self, i: usize, high: u16) -> u64 {
        (high as u64) << 32 | self.lo[i].load(Ordering::Relaxed) as u64
    }

    /// Linear probing for key `k`: `Ok(slot)` where it is, or `Err((slot, distance))`, the
    /// empty slot where it would go and how far that is from its home.
    #[inline]
    fn probe(&self, k: u64) -> Result<usize, (usize, usize)> {
        debug_assert_eq!(
            k >> BELOW_SHARD,
            self.top >> BELOW_SHARD,
            "another shard's key"
        );
        let layout = self.layout;
        let home = self.home(k);
        let far = layout.overflowed();
        // Near home, the slot holding `k` has its distance code and its remainder.
        let mut expect = layout.word(1, k & layout.rem_mask);
        let farther = layout.word(1, 0);
        for d in 0..far - 1 {
            let i = self.past(home, d);
            let hi = self.high(i);
            if hi == 0 {
                return Err((i, d));
            }
            if hi == (expect >> 32) as u16 && self.word(i, hi) == expect {
                return Ok(i);
            }
            expect += farther;
        }
        // Farther, only a fingerprint in the overflow list can be `k`.
        let mut d = far - 1;
        loop {
            let i = self.past(home, d);
            let hi = self.high(i);
            if hi == 0 {
                return Err((i, d));
            }
            if layout.code(hi) == far {
                let idx = self.word(i, hi) & layout.payload_mask;
                if self.overflow[idx as usize].load(Ordering::Relaxed) == k {
                    return Ok(i);
                }
            }
            d += 1;
        }
    }

    /// Starts loading the slot where a probe for `k` begins.
    #[inline]
    pub(crate) fn prefetch(&self, k: u64) {
        let home = self.home(k);
        prefetch(&self.hi[home]);
        prefetch(&self.lo[home]);
    }

    #[inline]
    pub(crate) fn contains(&self, k: u64) -> bool {
        self.probe(k).is_ok()
    }

    /// Whether [`reserve`](Self::reserve) for `n` more would change the table or the
    /// overflow list.
    pub(crate) fn needs_room(&self, n: usize) -> bool {
        !FingerprintSet::within_load(self.slots(), self.len() + n)
            || self.overflowed.load(Ordering::Relaxed) + n > self.overflow.len()
    }

    /// Makes room for `n` more fingerprints: at most 3/4 of the slots full, and room in the
    /// overflow list for all of them.
    /// When memory runs out it stops trying ([`crate::memory`]); the search then stops before
    /// it inserts.
    pub(crate) fn reserve(&mut self, n: usize) {
        while !FingerprintSet::within_load(self.slots(), self.len() + n) {
            if crate::memory::exhausted() {
                return;
            }
            self.grow();
        }
        let need = *self.overflowed.get_mut() + n;
        if need > self.overflow.len() {
            let mut list = std::mem::take(&mut self.overflow).into_vec();
            let size = need.next_power_of_two();
            if list.try_reserve_exact(size - list.len()).is_err() {
                crate::memory::set_exhausted();
            } else {
                list.resize_with(size, || AtomicU64::new(0));
            }
            self.overflow = list.into_boxed_slice();
        }
    }

    /// Adds key `k` while others may look keys up (one inserting thread, within the room
    /// [`reserve`](Self::reserve) made); true when it was not there before.
    #[inline]
    pub(crate) fn insert_shared(&self, k: u64) -> bool {
        assert!(
            FingerprintSet::within_load(self.slots(), self.len() + 1),
            "the visited set was not given room before a shared insert"
        );
        let (i, d) = match self.probe(k) {
            Ok(_) => return false,
            Err(empty) => empty,
        };
        let layout = self.layout;
        let word = if d + 1 < layout.overflowed() {
            layout.word(d + 1, k & layout.rem_mask)
        } else {
            let idx = self.overflowed.load(Ordering::Relaxed);
            self.overflow[idx].store(k, Ordering::Relaxed);
            self.overflowed.store(idx + 1, Ordering::Relaxed);
            layout.word(layout.overflowed(), idx as u64)
        };
        self.lo[i].store(word as u32, Ordering::Relaxed);
        // Release: a lookup that sees the high half sees the low one and the overflow entry.
        self.hi[i].store((word >> 32) as u16, Ordering::Release);
        self.len.0.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Adds key `k`, making room first.
    #[cfg(test)]
    fn insert_owned(&mut self, k: u64) -> bool {
        self.try_insert_owned(k).expect("memory for a test's table")
    }

    /// Adds key `k`, making room first; `None` when there is no memory for the room.
    fn try_insert_owned(&mut self, k: u64) -> Option<bool> {
        self.reserve(1);
        (!crate::memory::exhausted()).then(|| self.insert_shared(k))
    }

    /// Every key, rebuilt whole, in no particular order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        let layout = self.layout;
        (0..self.slots()).filter_map(move |i| {
            let hi = self.high(i);
            if hi == 0 {
                return None;
            }
            let payload = self.word(i, hi) & layout.payload_mask;
            let code = layout.code(hi);
            Some(if code == layout.overflowed() {
                self.overflow[payload as usize].load(Ordering::Relaxed)
            } else {
                self.rebuild(self.past(i, self.slots - (code - 1)), payload)
            })
        })
    }

    /// Grows the table by half or a third ([`grown`]); when the memory cannot be had, leaves
    /// it as it is and says so ([`crate::memory`]).
    fn grow(&mut self) {
        let larger = Self::with_slots(self.top, grown(self.slots)).and_then(|mut larger| {
            for k in self.keys() {
                larger.try_insert_owned(k)?;
            }
            Some(larger)
        });
        match larger {
            Some(larger) => *self = larger,
            None => crate::memory::set_exhausted(),
        }
    }

    /// Empties the table, keeping its size.
    pub(crate) fn clear(&mut self) {
        self.hi.iter_mut().for_each(|w| *w.get_mut() = 0);
        self.lo.iter_mut().for_each(|w| *w.get_mut() = 0);
        *self.overflowed.get_mut() = 0;
        *self.len.0.get_mut() = 0;
    }

    /// The top 6 bits of every fingerprint here.
    pub(crate) fn top(&self) -> u64 {
        self.top
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// The shard every key here belongs to.
    const TOP: u64 = 0x2a << BELOW_SHARD;

    /// A key of shard `TOP` made of `v`'s lower bits.
    fn in_shard(v: u64) -> u64 {
        TOP | (v & ((1 << BELOW_SHARD) - 1))
    }

    fn holds_exactly(set: &CompactSet, model: &HashSet<u64>) {
        assert_eq!(set.len(), model.len());
        assert_eq!(&set.keys().collect::<HashSet<u64>>(), model);
        assert!(model.iter().all(|&k| set.contains(k)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Up to 20,000 keys: past the 12,288 that 2^14 slots hold, so the table grows.
        #[test]
        fn behaves_like_a_hash_set(
            values in proptest::collection::vec(any::<u64>(), 0..20_000),
            others in proptest::collection::vec(any::<u64>(), 100),
        ) {
            let mut set = CompactSet::with_capacity(TOP, 0);
            let mut model = HashSet::new();
            // Every other value twice.
            for v in values.iter().chain(values.iter().step_by(2)) {
                prop_assert_eq!(set.insert_owned(in_shard(*v)), model.insert(in_shard(*v)));
            }
            holds_exactly(&set, &model);
            for v in others {
                prop_assert_eq!(set.contains(in_shard(v)), model.contains(&in_shard(v)));
            }
        }
    }

    #[test]
    fn a_key_is_rebuilt_from_its_home_and_low_bits_at_every_table_size() {
        // The edges of each home's run of keys, where a rounding slip would show, and keys
        // spread over the whole range, on tables of 2^b and of 3 * 2^(b-1) slots.
        let spread = (0..2_000u64).map(|i| crate::store::fingerprint::fingerprint(&i));
        let edges = [0, 1, BELOW_MASK - 1, BELOW_MASK];
        for slots in [
            MIN_SLOTS,
            grown(MIN_SLOTS),
            grown(grown(MIN_SLOTS)),
            3 << 20,
        ] {
            let set = CompactSet::with_slots(TOP, slots).expect("memory for a test's table");
            let firsts = (0..slots as u64).step_by(97).flat_map(|home| {
                let first = (u128::from(home) << BELOW_SHARD).div_ceil(slots as u128) as u64;
                [first.saturating_sub(1), first, first + 1]
            });
            for k in edges
                .into_iter()
                .chain(firsts)
                .chain(spread.clone())
                .map(in_shard)
            {
                let home = set.home(k);
                assert!(home < slots);
                assert_eq!(
                    set.rebuild(home, k & set.layout.rem_mask),
                    k,
                    "{slots} slots"
                );
            }
        }
    }

    #[test]
    fn tables_grow_by_half_then_by_a_third() {
        assert_eq!(grown(1 << 14), 3 << 13);
        assert_eq!(grown(3 << 13), 1 << 15);
        let mut set = CompactSet::with_capacity(TOP, 0);
        let mut sizes = vec![set.slots()];
        for i in 0..40_000u64 {
            set.insert_owned(in_shard(crate::store::fingerprint::fingerprint(&i)));
            if sizes.last() != Some(&set.slots()) {
                sizes.push(set.slots());
            }
        }
        assert_eq!(sizes, [1 << 14, 3 << 13, 1 << 15, 3 << 14, 1 << 16]);
        // Never more than 3/4 full.
        assert!(FingerprintSet::within_load(set.slots(), set.len()));
    }

    #[test]
    fn fingerprints_far_from_home_are_kept_whole_and_survive_growth() {
        let mut set = CompactSet::with_capacity(TOP, 0);
        // 200 keys with the same home slot (the top 14 of their 58 bits, at 2^14 slots): past
        // distance 13 they go to the overflow list.
        let home = 12_345 << (BELOW_SHARD - 14);
        let crowd: Vec<u64> = (1..=200).map(|r| TOP | home | r << 20).collect();
        assert!(crowd.iter().all(|&k| set.insert_owned(k)));
        assert_eq!(*set.overflowed.get_mut(), 200 - 14);
        assert!(crowd
            .iter()
            .all(|&k| set.contains(k) && !set.insert_owned(k)));
        // Same home, never stored; among them remainders equal to the overflow indices.
        assert!((201..400).all(|r| !set.contains(TOP | home | r << 20)));
        assert!((0..200u64).all(|idx| !set.contains(TOP | home | idx)));
        let mut model: HashSet<u64> = crowd.iter().copied().collect();
        holds_exactly(&set, &model);
        // Growing four times (to 3 * 2^13, 2^15, 3 * 2^14, 2^16 slots) rebuilds every key,
        // overflowed or not, from what the slots keep.
        for i in 0..40_000u64 {
            let k = in_shard(crate::store::fingerprint::fingerprint(&i));
            assert_eq!(set.insert_owned(k), model.insert(k));
        }
        assert_eq!(set.slots(), 1 << 16);
        holds_exactly(&set, &model);
    }

    #[test]
    fn lookups_while_one_thread_inserts_never_find_what_is_not_there() {
        let key = |i: u64| in_shard(crate::store::fingerprint::fingerprint(&i));
        // Scattered keys, and a crowd at one home that overflows.
        let stored: Vec<u64> = (0..11_000)
            .map(key)
            .chain((1..=300).map(|r| TOP | 777 << (BELOW_SHARD - 14) | r << 20))
            .collect();
        let absent: Vec<u64> = (11_000..14_000)
            .map(key)
            .chain((301..=600).map(|r| TOP | 777 << (BELOW_SHARD - 14) | r << 20))
            .collect();
        let mut set = CompactSet::with_capacity(TOP, 0);
        set.reserve(stored.len());
        let set = &set;
        std::thread::scope(|s| {
            s.spawn(|| stored.iter().for_each(|&k| assert!(set.insert_shared(k))));
            for _ in 0..20 {
                assert!(absent.iter().all(|&k| !set.contains(k)));
            }
        });
        assert!(stored.iter().all(|&k| set.contains(k)));
        assert!(absent.iter().all(|&k| !set.contains(k)));
    }
}
