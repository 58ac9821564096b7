//! Append-only byte logs that keep their first bytes in memory and the rest in an unnamed
//! temporary file. The breadth-first search keeps its parent links in one, and the chunks of
//! its level queues that go past their memory budget in others, as TLC keeps its trace file
//! and its state queue on disk, so that the process's memory holds little more than the
//! visited set however wide the levels grow.
//!
//! The file is created only when a log outgrows its memory budget, and is deleted by the
//! operating system when it is closed (also on Ctrl-C or a crash). If no temporary file can be
//! created, or its disk fills, the log keeps the rest in memory and says so once: the search
//! goes on, using more memory, rather than stopping.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Bytes gathered before they are written to the file.
const BLOCK: usize = 1 << 16;

/// An append-only byte log; see the module documentation.
#[derive(Debug)]
pub(crate) struct Spool {
    /// The first bytes, up to `budget`.
    head: Vec<u8>,
    /// The rest: `on_disk` bytes in the file, then `tail` not yet written.
    file: Option<File>,
    on_disk: u64,
    tail: Vec<u8>,
    /// False once the file could not be created or written: the tail then holds the rest.
    writable: bool,
    /// Bytes kept in memory before the file is used.
    budget: usize,
    /// The most bytes the file held at once.
    peak_disk: u64,
}

impl Spool {
    /// An empty log that keeps up to `budget` bytes in memory.
    pub(crate) fn new(budget: usize) -> Spool {
        Spool {
            head: Vec::new(),
            file: None,
            on_disk: 0,
            tail: Vec::new(),
            writable: true,
            budget,
            peak_disk: 0,
        }
    }

    /// Bytes in the log.
    pub(crate) fn len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.on_disk
    }

    /// Appends `bytes`.
    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        // In memory until the first byte past the budget, also when refilled after `clear`.
        let spilled = self.on_disk > 0 || !self.tail.is_empty();
        if !spilled && self.head.len() + bytes.len() <= self.budget {
            self.head.extend_from_slice(bytes);
            return;
        }
        if self.file.is_none() && self.writable {
            match tempfile::tempfile() {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    unwritable("create", &e);
                    self.writable = false;
                }
            }
        }
        // A whole block at once (a chunk of a level): straight to the file.
        if self.tail.is_empty() && bytes.len() >= BLOCK && self.write(bytes) {
            return;
        }
        // Where the file cannot be had, the tail keeps the rest in memory.
        self.tail.extend_from_slice(bytes);
        if self.writable && self.tail.len() >= BLOCK {
            let tail = std::mem::take(&mut self.tail);
            let written = self.write(&tail);
            self.tail = tail;
            if written {
                self.tail.clear();
            }
        }
    }

    /// Appends `bytes` to the file, after the `on_disk` bytes already there; false when the
    /// file cannot take them (a full disk), after which the log writes no more.
    fn write(&mut self, bytes: &[u8]) -> bool {
        let Some(file) = self.file.as_mut().filter(|_| self.writable) else {
            return false;
        };
        // A write that fails part way leaves bytes past `on_disk`, which no read reaches.
        if let Err(e) = file
            .seek(SeekFrom::Start(self.on_disk))
            .and_then(|_| file.write_all(bytes))
        {
            unwritable("write", &e);
            self.writable = false;
            return false;
        }
        self.on_disk += bytes.len() as u64;
        self.peak_disk = self.peak_disk.max(self.on_disk);
        true
    }

    /// Copies the bytes at `offset` into `out`; they must all be in the log.
    pub(crate) fn read_at(&self, offset: u64, out: &mut [u8]) {
        let end = offset + out.len() as u64;
        assert!(end <= self.len(), "read past the end of a spool");
        let head = self.head.len() as u64;
        let mut done = 0;
        if offset < head {
            let n = (head.min(end) - offset) as usize;
            out[..n].copy_from_slice(&self.head[offset as usize..offset as usize + n]);
            done = n;
        }
        if done == out.len() {
            return;
        }
        // Offsets past the head, into file then tail.
        let mut at = offset + done as u64 - head;
        if at < self.on_disk {
            let n = (self.on_disk.min(end - head) - at) as usize;
            let mut file = self.file.as_ref().expect("bytes on disk have a file");
            file.seek(SeekFrom::Start(at))
                .and_then(|_| file.read_exact(&mut out[done..done + n]))
                .unwrap_or_else(|e| panic!("cannot read the search's temporary file: {e}"));
            done += n;
            at += n as u64;
        }
        if done == out.len() {
            return;
        }
        let t = (at - self.on_disk) as usize;
        let rest = out.len() - done;
        out[done..].copy_from_slice(&self.tail[t..t + rest]);
    }

    /// Empties the log (the file, if any, is kept for reuse).
    pub(crate) fn clear(&mut self) {
        self.head.clear();
        self.tail.clear();
        self.on_disk = 0;
        if let Some(f) = &self.file {
            let _ = f.set_len(0);
        }
    }

    /// Bytes held in memory.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.head.capacity() + self.tail.capacity()
    }

    /// The most bytes the file held at once.
    pub(crate) fn peak_disk_bytes(&self) -> u64 {
        self.peak_disk
    }
}

/// Says, once a process, that the search's temporary file could not be had and that the
/// search goes on in memory.
fn unwritable(what: &str, e: &std::io::Error) {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "cannot {what} the search's temporary file ({e}): the search keeps the rest of its \
             queue and parent links in memory"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the budget, a spool reads back exactly what was pushed, sequentially and
        /// at any offset, before and after clearing.
        #[test]
        fn reads_back_what_was_pushed(
            pushes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..800),
            budget in 0usize..2000,
            probes in proptest::collection::vec((any::<u32>(), 0usize..2000), 0..20),
        ) {
            let mut spool = Spool::new(budget);
            for round in 0..2 {
                let mut all = Vec::new();
                for p in &pushes {
                    spool.push(p);
                    all.extend_from_slice(p);
                }
                prop_assert_eq!(spool.len(), all.len() as u64);
                // A first push within the budget stays in memory, also after `clear`.
                if let Some(p) = pushes.first().filter(|p| p.len() <= budget) {
                    prop_assert!(spool.head.len() >= p.len(), "round {}", round);
                }
                let mut back = vec![0; all.len()];
                spool.read_at(0, &mut back);
                prop_assert_eq!(&back, &all);
                for &(off, n) in &probes {
                    if all.is_empty() {
                        break;
                    }
                    let off = off as usize % all.len();
                    let n = n.min(all.len() - off);
                    let mut out = vec![0; n];
                    spool.read_at(off as u64, &mut out);
                    prop_assert_eq!(&out[..], &all[off..off + n], "round {}", round);
                }
                spool.clear();
                prop_assert_eq!(spool.len(), 0);
            }
        }
    }

    /// Pushes `count` little-endian words to `spool`; returns their bytes.
    fn push_words(spool: &mut Spool, count: u32) -> Vec<u8> {
        (0..count)
            .flat_map(|i| {
                spool.push(&i.to_le_bytes());
                i.to_le_bytes()
            })
            .collect()
    }

    /// A disk that fills part way through keeps what it holds, and the log the rest in
    /// memory: everything reads back, before and after clearing.
    #[test]
    fn a_file_that_stops_taking_writes_leaves_the_rest_in_memory() {
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        let mut spool = Spool::new(100);
        spool.file = Some(file.reopen().expect("the file again"));
        let mut all = push_words(&mut spool, 2 * BLOCK as u32);
        let on_disk = spool.on_disk;
        assert!(on_disk > 0, "two blocks were written");
        // Read-only from here on: every write fails, as on a full disk.
        spool.file = Some(File::open(file.path()).expect("the file, read-only"));
        all.extend(push_words(&mut spool, 3 * BLOCK as u32));
        assert!(!spool.writable);
        assert_eq!(spool.on_disk, on_disk, "nothing more counted as written");
        let mut back = vec![0; all.len()];
        spool.read_at(0, &mut back);
        assert_eq!(back, all);
        spool.clear();
        let again = push_words(&mut spool, 3 * BLOCK as u32);
        assert_eq!(
            spool.on_disk, 0,
            "a log that could not write stays in memory"
        );
        let mut back = vec![0; again.len()];
        spool.read_at(0, &mut back);
        assert_eq!(back, again);
    }

    #[test]
    fn spills_past_its_budget() {
        let mut spool = Spool::new(100);
        for i in 0..(3 * BLOCK as u32) {
            spool.push(&i.to_le_bytes());
        }
        assert!(
            spool.peak_disk_bytes() > 0,
            "a 100-byte budget spills to disk"
        );
        assert!(spool.memory_bytes() < 2 * BLOCK + 200);
        let mut word = [0u8; 4];
        spool.read_at(4 * 12345, &mut word);
        assert_eq!(u32::from_le_bytes(word), 12345);
    }
}
