//! One level of the breadth-first search, as a queue of encoded states: each state's number,
//! fingerprint and whether it is terminal, then the state itself as the model encodes it
//! ([`Model::encode`](crate::Model::encode)). The queue lives in a [`Spool`], so past its
//! memory budget a wide level goes to disk instead of filling memory; it is read back a chunk
//! at a time.

use crate::spool::Spool;
use std::borrow::Cow;

/// Bytes before each encoded state: number (4), fingerprint (8), terminal (1), length (4).
const HEADER: usize = 17;

/// What the search keeps of a queued state besides the state itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Queued {
    /// The state's number (discovery order), its parent link's index.
    pub idx: u32,
    pub fp: u64,
    /// No thread can move here.
    pub terminal: bool,
}

/// A level's states, in the order they were queued.
#[derive(Debug)]
pub(crate) struct Level {
    spool: Spool,
    len: usize,
    /// States per chunk read back.
    chunk: usize,
    /// Where each chunk starts in the spool.
    starts: Vec<u64>,
}

impl Level {
    /// An empty level, read back in chunks of `chunk` states, that keeps up to `memory`
    /// bytes in memory and the rest in a temporary file.
    pub(crate) fn new(chunk: usize, memory: usize) -> Level {
        Level {
            spool: Spool::new(memory),
            len: 0,
            chunk,
            starts: Vec::new(),
        }
    }

    /// States queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Queues a state given its encoding.
    #[inline]
    pub(crate) fn push(&mut self, q: Queued, encoded: &[u8]) {
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&q.idx.to_le_bytes());
        header[4..12].copy_from_slice(&q.fp.to_le_bytes());
        header[12] = q.terminal as u8;
        let len = u32::try_from(encoded.len()).expect("a state encodes in under 4 GiB");
        header[13..].copy_from_slice(&len.to_le_bytes());
        if self.len % self.chunk == 0 {
            self.starts.push(self.spool.len());
        }
        self.spool.push(&header);
        self.spool.push(encoded);
        self.len += 1;
    }

    /// Empties the level, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.spool.clear();
        self.starts.clear();
        self.len = 0;
    }

    /// The most bytes the level held on disk at once.
    pub(crate) fn peak_disk_bytes(&self) -> u64 {
        self.spool.peak_disk_bytes()
    }

    /// Reads the level back, a chunk at a time.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = Chunk<'_>> + '_ {
        (0..self.starts.len()).map(move |k| {
            let from = self.starts[k];
            let to = self.starts.get(k + 1).copied().unwrap_or(self.spool.len());
            // Borrowed while the level is in memory, read from the file past that.
            let bytes = match self.spool.in_memory(from, to) {
                Some(b) => Cow::Borrowed(b),
                None => {
                    let mut b = vec![0; (to - from) as usize];
                    self.spool.read_at(from, &mut b);
                    Cow::Owned(b)
                }
            };
            let n = self.chunk.min(self.len - k * self.chunk);
            let mut queued = Vec::with_capacity(n);
            let mut ends = Vec::with_capacity(n);
            let mut at = 0;
            for _ in 0..n {
                let h = &bytes[at..at + HEADER];
                queued.push(Queued {
                    idx: u32::from_le_bytes(h[..4].try_into().unwrap()),
                    fp: u64::from_le_bytes(h[4..12].try_into().unwrap()),
                    terminal: h[12] != 0,
                });
                let len = u32::from_le_bytes(h[13..].try_into().unwrap()) as usize;
                at += HEADER + len;
                ends.push(at);
            }
            Chunk {
                start: k * self.chunk,
                queued,
                bytes,
                ends,
            }
        })
    }
}

/// Consecutive states of a level, still encoded.
#[derive(Debug)]
pub(crate) struct Chunk<'a> {
    /// Position in the level of the first state.
    pub start: usize,
    pub queued: Vec<Queued>,
    /// The records, headers included.
    bytes: Cow<'a, [u8]>,
    /// End of each record in `bytes`.
    ends: Vec<usize>,
}

impl Chunk<'_> {
    /// States in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.queued.len()
    }

    /// The `i`th state's encoding.
    #[inline]
    pub(crate) fn encoded(&self, i: usize) -> &[u8] {
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[from + HEADER..self.ends[i]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_reads_back_in_chunks_across_the_spill() {
        let mut level = Level::new(4096, 1 << 20);
        let n = 200_000u32;
        for i in 0..n {
            let mut buf = i.to_le_bytes().to_vec();
            buf.resize(4 + (i % 13) as usize, i as u8);
            let q = Queued {
                idx: i,
                fp: u64::from(i) * 7,
                terminal: i % 3 == 0,
            };
            level.push(q, &buf);
        }
        assert!(level.peak_disk_bytes() > 0, "200k states spill past 1 MiB");
        let mut seen = 0u32;
        for chunk in level.chunks() {
            assert_eq!(chunk.start, seen as usize);
            for j in 0..chunk.len() {
                let i = seen;
                let q = chunk.queued[j];
                assert_eq!((q.idx, q.fp, q.terminal), (i, u64::from(i) * 7, i % 3 == 0));
                let mut want = i.to_le_bytes().to_vec();
                want.resize(4 + (i % 13) as usize, i as u8);
                assert_eq!(chunk.encoded(j), &want[..]);
                seen += 1;
            }
        }
        assert_eq!(seen, n);
    }
}
