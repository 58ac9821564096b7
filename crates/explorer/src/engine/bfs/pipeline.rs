//! The breadth-first search on several threads: while the search thread inserts a chunk, the
//! workers expand the chunks after it, a task of [`TASK`] states at a time, and the search
//! thread takes tasks too whenever the chunk it needs next is not expanded yet.
//!
//! A worker with nothing to do spins (yielding the processor) instead of sleeping: a chunk
//! takes a fraction of a millisecond, and being woken from sleep, on a virtual machine, can
//! take longer than that (see [`Backoff`]). The pipeline holds the chunks in order, so what
//! the search inserts, and in which order, does not depend on the threads.

use super::backoff::Backoff;
use super::expand::Part;
use crate::store::level::Chunk;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// States one task expands.
const TASK: usize = 32;

/// Stored chunks' parts kept to be filled again, at most: the tasks of two chunks of 1024
/// states. Filling them again, rather than new ones, took pt_frag 3x3 on 2 threads from
/// 0.223 to 0.213 s and 0.26 MiB lower at the peak (new memory costs page faults, and memory
/// one thread allocates and the other frees goes back through a lock).
const SPARE_PARTS: usize = 64;

/// The expansion of a range of a chunk's states into a part, as the workers run it.
pub(crate) type Expand<'a> = dyn Fn(&Chunk, Range<usize>, &mut Part) + Sync + 'a;

/// Chunks queued for expansion, oldest first, and the signal that ends the workers.
#[derive(Default)]
pub(crate) struct Pipeline {
    window: Mutex<VecDeque<Arc<Flight>>>,
    stop: AtomicBool,
    /// A task panicked: the search thread must not wait for it.
    panicked: AtomicBool,
    /// Parts of chunks already stored, to be filled again.
    spare: Mutex<Vec<Part>>,
}

/// A chunk being expanded: its tasks' parts, filled once each.
struct Flight {
    chunk: Chunk,
    parts: Vec<OnceLock<Part>>,
    /// Tasks handed out.
    claimed: AtomicUsize,
    /// Tasks finished.
    done: AtomicUsize,
}

impl Pipeline {
    /// Queues `chunk` for expansion.
    pub(crate) fn push(&self, chunk: Chunk) {
        let tasks = chunk.len().div_ceil(TASK);
        let flight = Flight {
            chunk,
            parts: (0..tasks).map(|_| OnceLock::new()).collect(),
            claimed: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        };
        self.window().push_back(Arc::new(flight));
    }

    /// Chunks queued and not yet taken back.
    pub(crate) fn len(&self) -> usize {
        self.window().len()
    }

    /// Drops every queued chunk (the search stopped); tasks running finish unseen.
    pub(crate) fn clear(&self) {
        self.window().clear();
    }

    /// The oldest chunk and its parts, in order, if every task of it is done.
    pub(crate) fn pop_expanded(&self) -> Option<(Chunk, Vec<Part>)> {
        let mut flight = {
            let mut window = self.window();
            let oldest = window.front()?;
            if oldest.done.load(Ordering::Acquire) < oldest.parts.len() {
                return None;
            }
            window.pop_front().expect("the oldest chunk")
        };
        // A worker lets go of the chunk just after counting its task done.
        let flight = loop {
            match Arc::try_unwrap(flight) {
                Ok(flight) => break flight,
                Err(shared) => {
                    flight = shared;
                    std::hint::spin_loop();
                }
            }
        };
        let parts = flight
            .parts
            .into_iter()
            .map(|p| p.into_inner().expect("a done task's part"));
        Some((flight.chunk, parts.collect()))
    }

    /// Keeps a stored chunk's parts for later tasks to fill again.
    pub(crate) fn recycle(&self, parts: Vec<Part>) {
        let mut spare = self.spare.lock().expect("spare parts");
        let room = SPARE_PARTS.saturating_sub(spare.len());
        spare.extend(parts.into_iter().take(room));
    }

    /// Runs one task waiting in the pipeline with `expand`; false if there was none.
    fn help(&self, expand: &Expand) -> bool {
        let Some((flight, k)) = self.claim() else {
            if self.panicked.load(Ordering::Relaxed) {
                panic!("a worker thread panicked while expanding states");
            }
            return false;
        };
        let poison = PoisonOnUnwind(&self.panicked);
        let range = k * TASK..flight.chunk.len().min((k + 1) * TASK);
        let mut part = self
            .spare
            .lock()
            .expect("spare parts")
            .pop()
            .unwrap_or_default();
        expand(&flight.chunk, range, &mut part);
        std::mem::forget(poison);
        if flight.parts[k].set(part).is_err() {
            unreachable!("a task is handed out once");
        }
        flight.done.fetch_add(1, Ordering::Release);
        true
    }

    /// Runs one waiting task with `expand`, or, if there is none, waits a moment.
    pub(crate) fn help_or_wait(&self, expand: &Expand, backoff: &mut Backoff) {
        if self.help(expand) {
            backoff.reset();
        } else {
            backoff.wait();
        }
    }

    /// A worker's loop: tasks until [`stop`](Self::stop).
    pub(crate) fn work(&self, expand: &Expand) {
        let mut backoff = Backoff::default();
        while !self.stop.load(Ordering::Acquire) {
            self.help_or_wait(expand, &mut backoff);
        }
    }

    /// Ends the workers' loops once their current task is done.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// The oldest task not yet handed out.
    fn claim(&self) -> Option<(Arc<Flight>, usize)> {
        let window = self.window();
        window.iter().find_map(|flight| {
            let k = flight.claimed.load(Ordering::Relaxed);
            (k < flight.parts.len()).then(|| {
                flight.claimed.store(k + 1, Ordering::Relaxed);
                (Arc::clone(flight), k)
            })
        })
    }

    fn window(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Flight>>> {
        self.window.lock().expect("the pipeline's window")
    }
}

/// Marks the pipeline poisoned if a task unwinds, so that nobody waits for it.
struct PoisonOnUnwind<'a>(&'a AtomicBool);

impl Drop for PoisonOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Stops the workers when dropped, on return or unwinding: so a scope waiting for them ends.
pub(crate) struct StopOnDrop<'a>(pub &'a Pipeline);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}
