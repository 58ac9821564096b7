//! One level of the breadth-first search, as a queue of chunks of encoded states: each
//! state's number (as the gap from the previous one's), its length and whether it is
//! terminal, then the state itself as the model encodes it
//! ([`Model::encode`](crate::Model::encode)).
//!
//! Each chunk is a buffer of its own. Once a chunk of the level being expanded has been
//! inserted, its buffer goes back to the next level, which fills it again: the two levels held
//! at once share their memory, instead of each keeping room for the widest level it ever
//! held, and the memory the queue touches stays touched. Past the queue's memory budget
//! ([`QueueMemory`], one for both levels), whole chunks go to a temporary file ([`Spool`]) and
//! are read back in order.

use super::spool::Spool;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most bytes before each encoded state, as two LEB128 varints (1 byte up to 127, 2 up to
/// 16383, at most 5): how far its number is past the number after the previous state's (0
/// unless a violating state was numbered between them; the first state of a chunk counts
/// from 0), then its length and whether it is terminal (`length << 1 | terminal`).
const HEADER: usize = 10;

/// Buffers of read chunks kept for reuse whatever the budget: the next level takes one per
/// chunk it fills, and a chunk read from disk takes one. Past these, spare buffers count
/// against the queue's memory budget, and give way to chunks of states.
const SPARE: usize = 2;

/// What the search keeps of a queued state besides the state itself. Not its fingerprint:
/// only observers ask for it, and they decode the state anyway.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Queued {
    /// The state's number (discovery order), its parent link's index.
    pub idx: u32,
    /// No thread can move here.
    pub terminal: bool,
}

/// Appends `v` as an unsigned LEB128 varint: seven bits a byte, low first, the top bit set on
/// every byte but the last.
#[inline]
fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push(v as u8 | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

/// The varint [`put_varint`] wrote at the start of `b`, and its length in bytes.
#[inline]
fn get_varint(b: &[u8]) -> (u64, usize) {
    let mut v = 0;
    for (i, &byte) in b.iter().enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return (v, i + 1);
        }
    }
    panic!("a queued state's header ends inside a varint");
}

/// The queue's memory budget: the user's, or by default [`QUEUE_BYTES_PER_STATE`] for each
/// state stored so far, at least [`QUEUE_MEMORY_MIN`] and at most
/// [`FRONTIER_MEMORY`](crate::FRONTIER_MEMORY). So by default the queue in memory stays a
/// small fraction of the visited set (which takes 6 to 12 bytes a state), and a small search
/// keeps its whole queue in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Budget {
    /// The user's fixed number of bytes.
    Fixed(usize),
    /// In proportion to the states stored.
    Scaled,
}

/// Bytes of queue in memory per state stored, under a [`Budget::Scaled`] budget. With 4, THP B
/// (2.8 M states) peaked at 16.6 bytes a state stored for the whole process; with 1, at 14,
/// for 2-3% more time (bench/README, "The queue's default budget").
pub(crate) const QUEUE_BYTES_PER_STATE: usize = 1;

/// The least memory a [`Budget::Scaled`] queue has, so that small searches touch no file (no
/// shipped scenario's queue outgrew it when it was set).
pub(crate) const QUEUE_MEMORY_MIN: usize = 2 << 20;

impl Budget {
    /// Bytes the queue may keep in memory once `stored` states are stored.
    pub(crate) fn bytes(self, stored: usize) -> usize {
        match self {
            Budget::Fixed(bytes) => bytes,
            Budget::Scaled => stored
                .saturating_mul(QUEUE_BYTES_PER_STATE)
                .clamp(QUEUE_MEMORY_MIN, crate::FRONTIER_MEMORY),
        }
    }
}

/// The memory of the queue, shared by its two levels: the budget for the filled chunks both
/// keep in memory (the chunks being filled, expanded or inserted are not counted), and the
/// buffers of chunks already read, kept for chunks to come so that the queue's memory is
/// reused rather than returned to the system and faulted in again.
#[derive(Debug)]
pub(crate) struct QueueMemory {
    budget: Budget,
    /// The budget's bytes for the states stored when the level being expanded started.
    limit: AtomicUsize,
    /// Taken and changed a few times per chunk, by one thread or the two sides of a join.
    pool: Mutex<Pool>,
}

#[derive(Debug, Default)]
struct Pool {
    /// Bytes of filled chunks in memory.
    chunks: usize,
    /// Spare buffers, the first [`SPARE`] outside the budget.
    spare: Vec<Vec<u8>>,
    /// Bytes of the spare buffers past the first [`SPARE`].
    extra: usize,
}

impl Pool {
    /// Whether `bytes` more fit in `limit` beside the chunks and the counted spare buffers.
    fn fits(&self, bytes: usize, limit: usize) -> bool {
        self.chunks + self.extra + bytes <= limit
    }

    fn pop(&mut self) -> Option<Vec<u8>> {
        let b = self.spare.pop()?;
        if self.spare.len() >= SPARE {
            self.extra -= b.capacity();
        }
        Some(b)
    }
}

impl QueueMemory {
    pub(crate) fn new(budget: Budget) -> QueueMemory {
        QueueMemory {
            budget,
            limit: AtomicUsize::new(budget.bytes(0)),
            pool: Mutex::default(),
        }
    }

    /// Sets the budget for `stored` states stored: called as each level starts.
    pub(crate) fn scale_to(&self, stored: usize) {
        self.limit
            .store(self.budget.bytes(stored), Ordering::Relaxed);
    }

    fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// A buffer for a chunk, empty, with room for about `bytes` (and an eighth more, so that a
    /// chunk a little longer than the last does not double it).
    fn buffer(&self, bytes: usize) -> Vec<u8> {
        let spare = self.pool.lock().unwrap().pop();
        spare.unwrap_or_else(|| Vec::with_capacity(bytes + bytes / 8))
    }

    /// Keeps `b` for a chunk to come: one of the first [`SPARE`], or within the budget.
    fn recycle(&self, mut b: Vec<u8>) {
        let mut pool = self.pool.lock().unwrap();
        if pool.spare.len() < SPARE || pool.fits(b.capacity(), self.limit()) {
            if pool.spare.len() >= SPARE {
                pool.extra += b.capacity();
            }
            b.clear();
            pool.spare.push(b);
        }
    }

    /// Counts a chunk of `bytes` as held in memory if it fits in the budget, freeing spare
    /// buffers past the first [`SPARE`] to make room.
    fn take(&self, bytes: usize) -> bool {
        let mut pool = self.pool.lock().unwrap();
        let limit = self.limit();
        while !pool.fits(bytes, limit) && pool.spare.len() > SPARE {
            pool.pop();
        }
        let fits = pool.fits(bytes, limit);
        if fits {
            pool.chunks += bytes;
        }
        fits
    }

    /// A chunk of `bytes` left memory.
    fn give_back(&self, bytes: usize) {
        self.pool.lock().unwrap().chunks -= bytes;
    }
}

/// A filled chunk, in memory or in the level's file.
#[derive(Debug)]
enum Stored {
    Memory(Vec<u8>),
    Disk { at: u64, len: usize },
}

/// A level's states, in the order they were queued.
#[derive(Debug)]
pub(crate) struct Level<'m> {
    memory: &'m QueueMemory,
    /// States per chunk.
    chunk: usize,
    /// States queued.
    len: usize,
    /// Filled chunks not yet read, oldest first.
    filled: VecDeque<Stored>,
    /// The chunk being filled, and its states.
    filling: Vec<u8>,
    filling_len: usize,
    /// The number after the last state's in the chunk being filled (read only while it holds
    /// a state: the first state of a chunk counts from 0).
    next_idx: u32,
    /// Chunks read so far.
    read: usize,
    /// The chunks past the memory budget.
    file: Spool,
}

impl<'m> Level<'m> {
    /// An empty level of chunks of `chunk` states, within the queue's `memory`.
    pub(crate) fn new(chunk: usize, memory: &'m QueueMemory) -> Level<'m> {
        Level {
            memory,
            chunk,
            len: 0,
            filled: VecDeque::new(),
            filling: Vec::new(),
            filling_len: 0,
            next_idx: 0,
            read: 0,
            file: Spool::new(0),
        }
    }

    /// States queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Queues a state given its encoding. States are queued in the order of their numbers.
    #[inline]
    pub(crate) fn push(&mut self, q: Queued, encoded: &[u8]) {
        if self.filling_len == self.chunk {
            self.seal();
        }
        if self.filling.capacity() == 0 {
            // The level's first chunk: a spare buffer, or one sized after this state.
            self.filling = self.memory.buffer(self.chunk * (HEADER + encoded.len()));
        }
        let b = &mut self.filling;
        b.reserve(HEADER + encoded.len());
        let base = if self.filling_len == 0 {
            0
        } else {
            self.next_idx
        };
        debug_assert!(q.idx >= base, "states are queued in number order");
        put_varint(b, u64::from(q.idx - base));
        put_varint(b, (encoded.len() as u64) << 1 | q.terminal as u64);
        self.next_idx = q.idx + 1;
        b.extend_from_slice(encoded);
        self.filling_len += 1;
        self.len += 1;
    }

    /// Files the full chunk being filled: in memory within the budget, else in the file (and
    /// its buffer is filled again).
    fn seal(&mut self) {
        let mut buf = std::mem::take(&mut self.filling);
        if self.memory.take(buf.capacity()) {
            let room = buf.len();
            self.filled.push_back(Stored::Memory(buf));
            self.filling = self.memory.buffer(room);
        } else {
            let at = self.file.len();
            self.file.push(&buf);
            self.filled.push_back(Stored::Disk { at, len: buf.len() });
            buf.clear();
            self.filling = buf;
        }
        self.filling_len = 0;
    }

    /// The next chunk in queue order, taken out of the level; `None` once all were read.
    /// Only after the last state was queued.
    pub(crate) fn next_chunk(&mut self) -> Option<Chunk> {
        let bytes = match self.filled.pop_front() {
            Some(Stored::Memory(b)) => {
                self.memory.give_back(b.capacity());
                b
            }
            Some(Stored::Disk { at, len }) => {
                let mut b = self.memory.buffer(len);
                b.resize(len, 0);
                self.file.read_at(at, &mut b);
                b
            }
            // The last chunk, never sealed.
            None if self.filling_len > 0 => {
                self.filling_len = 0;
                std::mem::take(&mut self.filling)
            }
            None => return None,
        };
        let start = self.read * self.chunk;
        self.read += 1;
        let n = self.chunk.min(self.len - start);
        let mut queued = Vec::with_capacity(n);
        let mut spans = Vec::with_capacity(n);
        let (mut at, mut next_idx) = (0, 0);
        for _ in 0..n {
            let (skipped, varint) = get_varint(&bytes[at..]);
            at += varint;
            let idx = next_idx + skipped as u32;
            next_idx = idx + 1;
            let (word, varint) = get_varint(&bytes[at..]);
            queued.push(Queued {
                idx,
                terminal: word & 1 != 0,
            });
            let from = at + varint;
            at = from + (word >> 1) as usize;
            spans.push((from, at));
        }
        Some(Chunk {
            start,
            queued,
            bytes,
            spans,
        })
    }

    /// Keeps a read chunk's buffer for a chunk to come, of either level.
    pub(crate) fn recycle(&self, chunk: Chunk) {
        self.memory.recycle(chunk.bytes);
    }

    /// Empties the level, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        for stored in self.filled.drain(..) {
            if let Stored::Memory(b) = stored {
                self.memory.give_back(b.capacity());
                self.memory.recycle(b);
            }
        }
        self.filling.clear();
        self.filling_len = 0;
        self.file.clear();
        self.len = 0;
        self.read = 0;
    }

    /// The most bytes the level held on disk at once.
    pub(crate) fn peak_disk_bytes(&self) -> u64 {
        self.file.peak_disk_bytes()
    }
}

/// Consecutive states of a level, still encoded.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// Position in the level of the first state.
    pub start: usize,
    pub queued: Vec<Queued>,
    /// The records, headers included.
    bytes: Vec<u8>,
    /// Where each state's encoding is in `bytes`, from and to.
    spans: Vec<(usize, usize)>,
}

impl Chunk {
    /// States in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.queued.len()
    }

    /// The `i`th state's encoding.
    #[inline]
    pub(crate) fn encoded(&self, i: usize) -> &[u8] {
        let (from, to) = self.spans[i];
        &self.bytes[from..to]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queues `n` states of varying lengths in chunks of 4096 within `memory` bytes, reads
    /// them all back in order (recycling each chunk, as the search does) and returns the
    /// level's peak bytes on disk.
    fn round_trip(level: &mut Level, n: u32) -> u64 {
        // Numbers with gaps now and then, of up to 199 (a varint of two bytes), as violating
        // states leave.
        let number = |i: u32| i * 2 + i / 11 * 199;
        let record = |i: u32| {
            // Lengths across the varint's one- and two-byte forms.
            let mut buf = i.to_le_bytes().to_vec();
            let long = if i % 7 == 0 { i % 300 } else { 0 };
            buf.resize(4 + (i % 13 + long) as usize, i as u8);
            buf
        };
        for i in 0..n {
            let q = Queued {
                idx: number(i),
                terminal: i % 3 == 0,
            };
            level.push(q, &record(i));
        }
        assert_eq!(level.len(), n as usize);
        let mut seen = 0u32;
        while let Some(chunk) = level.next_chunk() {
            assert_eq!(chunk.start, seen as usize);
            for j in 0..chunk.len() {
                let i = seen;
                let q = chunk.queued[j];
                assert_eq!((q.idx, q.terminal), (number(i), i % 3 == 0));
                assert_eq!(chunk.encoded(j), &record(i)[..]);
                seen += 1;
            }
            level.recycle(chunk);
        }
        assert_eq!(seen, n);
        level.peak_disk_bytes()
    }

    #[test]
    fn a_level_reads_back_in_chunks_across_the_spill() {
        let memory = QueueMemory::new(Budget::Fixed(1 << 20));
        let mut level = Level::new(4096, &memory);
        assert!(
            round_trip(&mut level, 200_000) > 0,
            "200k states spill past 1 MiB"
        );
        assert_eq!(
            memory.pool.lock().unwrap().chunks,
            0,
            "all chunks were read"
        );
        // Cleared and filled again.
        level.clear();
        round_trip(&mut level, 10_000 + 17);
        assert_eq!(memory.pool.lock().unwrap().chunks, 0);
    }

    #[test]
    fn both_levels_share_one_budget() {
        let memory = QueueMemory::new(Budget::Fixed(1 << 20));
        let (mut a, mut b) = (Level::new(1024, &memory), Level::new(1024, &memory));
        assert_eq!(round_trip(&mut a, 20_000), 0, "20k states fit in 1 MiB");
        for i in 0..30_000 {
            let q = Queued {
                idx: i,
                terminal: false,
            };
            a.push(q, &[0; 16]);
        }
        // `a` holds most of the budget now, so `b` spills what did fit alone.
        assert!(round_trip(&mut b, 20_000) > 0);
        a.clear();
        assert_eq!(
            memory.pool.lock().unwrap().chunks,
            0,
            "a cleared level gives back its memory"
        );
    }

    #[test]
    fn the_default_budget_grows_with_the_states_stored_between_its_bounds() {
        let scaled = Budget::Scaled;
        assert_eq!(scaled.bytes(0), QUEUE_MEMORY_MIN);
        assert_eq!(scaled.bytes(1_000), QUEUE_MEMORY_MIN);
        assert_eq!(scaled.bytes(10_000_000), 10_000_000 * QUEUE_BYTES_PER_STATE);
        assert_eq!(scaled.bytes(1 << 40), crate::FRONTIER_MEMORY);
        assert_eq!(scaled.bytes(usize::MAX), crate::FRONTIER_MEMORY);
        assert_eq!(
            Budget::Fixed(0).bytes(1 << 30),
            0,
            "the user's budget stays"
        );
    }

    #[test]
    fn a_scaled_queue_spills_less_as_more_states_are_stored() {
        let memory = QueueMemory::new(Budget::Scaled);
        let mut level = Level::new(4096, &memory);
        // About 20 MB of records: past the floor, within the budget of 40 M states stored.
        let n = 600_000;
        assert!(
            round_trip(&mut level, n) > 0,
            "past {QUEUE_MEMORY_MIN} bytes"
        );
        level.clear();
        memory.scale_to(40_000_000);
        let mut level = Level::new(4096, &memory);
        assert_eq!(round_trip(&mut level, n), 0, "within 40 MB");
    }
}
