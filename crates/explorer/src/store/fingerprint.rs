//! 64-bit state fingerprints: xxh3 over a canonical little-endian encoding of the state.
//!
//! The encoding comes from the state's `Hash` implementation, fed through a hasher that
//! buffers bytes in little-endian order, so the same state has the same fingerprint on every
//! machine (xxh3 is a specified algorithm; std's and ahash's hashers are not stable).

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

const INLINE: usize = 1024;

thread_local! {
    /// The bytes of the value being fingerprinted, kept per thread: a fresh array would be
    /// zeroed first, all 1 KiB of it, for every successor the search generates.
    static BUF: RefCell<[u8; INLINE]> = const { RefCell::new([0; INLINE]) };
}

/// The fingerprint of `value`.
#[inline]
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => hash_into(value, &mut buf),
        // A `Hash` implementation that fingerprints something itself.
        Err(_) => hash_into(value, &mut [0; INLINE]),
    })
}

#[inline]
fn hash_into<T: Hash + ?Sized>(value: &T, buf: &mut [u8; INLINE]) -> u64 {
    let mut h = FingerprintHasher {
        buf,
        len: 0,
        spill: None,
    };
    value.hash(&mut h);
    h.finish()
}

/// The fingerprint of bytes a model packed itself ([`Model::fingerprint`](crate::Model::fingerprint)):
/// xxh3, as for values.
#[inline]
pub fn fingerprint_bytes(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}

/// Collects the canonical bytes of a value, then hashes them at once with xxh3.
struct FingerprintHasher<'a> {
    buf: &'a mut [u8; INLINE],
    len: usize,
    spill: Option<Box<Xxh3>>,
}

impl FingerprintHasher<'_> {
    /// Appends a fixed-size chunk: one store on the fast path.
    #[inline(always)]
    fn push<const N: usize>(&mut self, bytes: [u8; N]) {
        if self.len + N <= INLINE {
            self.buf[self.len..self.len + N].copy_from_slice(&bytes);
            self.len += N;
        } else {
            self.spill(&bytes);
        }
    }

    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        let spill = self.spill.get_or_insert_with(|| Box::new(Xxh3::new()));
        spill.update(&self.buf[..self.len]);
        self.len = 0;
        if bytes.len() > INLINE {
            spill.update(bytes);
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.len = bytes.len();
        }
    }
}

impl Hasher for FingerprintHasher<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() <= INLINE {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            self.spill(bytes);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.push([i]);
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.push((i as u64).to_le_bytes());
    }
    #[inline]
    fn write_i8(&mut self, i: i8) {
        self.push([i as u8]);
    }
    #[inline]
    fn write_i16(&mut self, i: i16) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_i32(&mut self, i: i32) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.push(i.to_le_bytes());
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.push((i as i64).to_le_bytes());
    }

    fn finish(&self) -> u64 {
        match &self.spill {
            None => xxh3_64(&self.buf[..self.len]),
            Some(spill) => {
                let mut h = (**spill).clone();
                h.update(&self.buf[..self.len]);
                h.digest()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_across_runs_and_platforms() {
        // xxh3_64 of the little-endian bytes 01 00 00 00 02 00 : a fixed, specified value.
        let expected = xxh3_64(&[1, 0, 0, 0, 2, 0]);
        assert_eq!(fingerprint(&(1u32, 2u16)), expected);
    }

    #[test]
    fn long_values_spill_and_still_match_one_shot() {
        let v: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut bytes = (v.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(&v);
        assert_eq!(fingerprint(&v), xxh3_64(&bytes));
    }

    /// A value whose `Hash` fingerprints a part of itself, while the thread's buffer is
    /// taken: it gets a buffer of its own, and the same fingerprint as one shot.
    #[test]
    fn a_hash_that_fingerprints_inside_gets_its_own_buffer() {
        struct Nested(u32);
        impl Hash for Nested {
            fn hash<H: Hasher>(&self, state: &mut H) {
                state.write_u64(fingerprint(&self.0));
            }
        }
        let inner = xxh3_64(&5u32.to_le_bytes());
        assert_eq!(fingerprint(&Nested(5)), xxh3_64(&inner.to_le_bytes()));
    }

    #[test]
    fn different_values_differ() {
        assert_ne!(fingerprint(&(1u8, 2u8)), fingerprint(&(2u8, 1u8)));
    }
}
