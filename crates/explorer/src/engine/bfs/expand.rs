//! The parallel half of a breadth-first level: every successor of a chunk of queued states,
//! stepped, checked, encoded and fingerprinted (under reduction, the ample step's successor is
//! looked up in the visited sets first, for the cycle proviso). It only reads the visited
//! sets, so it can run while the search inserts the chunk before (see [`bfs`](super)).

use super::backoff::Backoff;
use crate::model::{check_state, Model, Reducer, Status, Violation};
use crate::reduce::pays::{Tally, SAMPLE};
use crate::reduce::{enabled, statuses};
use crate::store::level::Chunk;
use crate::store::visited::{ShardedSet, SHARDS};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

/// One successor produced by the parallel phase, in 24 bytes: a 2-thread search holds two
/// chunks' worth (some 8,000 on pt_frag 3x3), so their size shows in its peak memory.
pub(crate) struct Candidate {
    pub(crate) fp: u64,
    /// Index of the parent in the chunk being expanded.
    pub(crate) src: u32,
    /// A new state's encoding is `bytes[from..to]` of its [`Part`].
    from: u32,
    to: u32,
    /// The coverage point of the step, or [`NO_POINT`].
    pub(crate) point: u16,
    pub(crate) thread: u8,
    tag: Tag,
}

const _: () = assert!(std::mem::size_of::<Candidate>() == 24);

/// [`Candidate::point`] of a step whose model names no coverage points.
pub(crate) const NO_POINT: u16 = u16::MAX;

/// What a candidate is; its violation, if any, is kept in its [`Part`].
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Tag {
    Seen,
    New,
    NewTerminal,
    NewViolating,
    StepFailed,
}

/// What a candidate is, as [`Part::kind`] gives it.
pub(crate) enum Kind<'a> {
    /// Already stored when looked up (by an earlier level or an earlier chunk of this one).
    Seen,
    /// Not looked up, or not stored when looked up (insertion decides whether it is a first
    /// occurrence): its encoding, and its invariant/end/deadlock result (whether it is
    /// terminal).
    New {
        encoded: &'a [u8],
        check: Result<bool, &'a Violation>,
    },
    /// The step itself failed an assertion.
    StepFailed(&'a Violation),
}

impl Candidate {
    /// Whether the state was not stored when looked up.
    pub(crate) fn is_new(&self) -> bool {
        matches!(self.tag, Tag::New | Tag::NewTerminal | Tag::NewViolating)
    }
}

/// A thread's step from a state: the successor, or the failed assertion.
pub(crate) struct Stepped<S> {
    thread: u8,
    /// The coverage point of the step.
    point: u16,
    /// The successor, when the step did not fail.
    state: S,
    /// The assertion the step failed, if it did.
    result: Result<(), Violation>,
}

/// Room for the successors of one state, kept from state to state: a step copies its parent
/// into a slot's state and changes it there, so a successor is never moved (states are
/// hundreds of bytes, and moving them showed in profiles).
pub(crate) struct Steps<S> {
    slots: Vec<Stepped<S>>,
    len: usize,
}

impl<S: Clone> Steps<S> {
    fn new() -> Self {
        Steps {
            slots: Vec::new(),
            len: 0,
        }
    }

    /// A new last slot whose state is a copy of `parent`.
    fn push_copy(&mut self, parent: &S) -> &mut Stepped<S> {
        if self.len == self.slots.len() {
            self.slots.push(Stepped {
                thread: 0,
                point: 0,
                state: parent.clone(),
                result: Ok(()),
            });
        } else {
            self.slots[self.len].state.clone_from(parent);
        }
        self.len += 1;
        &mut self.slots[self.len - 1]
    }

    fn as_slice(&self) -> &[Stepped<S>] {
        &self.slots[..self.len]
    }

    fn clear(&mut self) {
        self.len = 0;
    }
}

/// The successors of consecutive states of a chunk, found by one parallel task.
#[derive(Default)]
pub(crate) struct Part {
    pub(crate) candidates: Vec<Candidate>,
    /// The encodings of the new states.
    bytes: Vec<u8>,
    /// The violations of the candidates that have one, by position in `candidates`.
    violations: Vec<(u32, Violation)>,
    /// What reduction did in these states.
    pub(crate) tally: Tally,
}

impl Part {
    /// Empties the part, with room for `candidates` candidates and `bytes` bytes of encodings.
    fn empty(&mut self, candidates: usize, bytes: usize) {
        self.candidates.clear();
        self.candidates.reserve(candidates);
        self.bytes.clear();
        self.bytes.reserve(bytes);
        self.violations.clear();
        self.tally = Tally::default();
    }

    /// What the `i`th candidate is.
    pub(crate) fn kind(&self, i: usize) -> Kind<'_> {
        let c = &self.candidates[i];
        let violation = || {
            let at = self
                .violations
                .binary_search_by_key(&(i as u32), |(j, _)| *j)
                .expect("a violating candidate's violation is kept");
            &self.violations[at].1
        };
        let encoded = || &self.bytes[c.from as usize..c.to as usize];
        match c.tag {
            Tag::Seen => Kind::Seen,
            Tag::New => Kind::New {
                encoded: encoded(),
                check: Ok(false),
            },
            Tag::NewTerminal => Kind::New {
                encoded: encoded(),
                check: Ok(true),
            },
            Tag::NewViolating => Kind::New {
                encoded: encoded(),
                check: Err(violation()),
            },
            Tag::StepFailed => Kind::StepFailed(violation()),
        }
    }

    /// Takes back the last candidate, its encoding and its violation.
    fn pop(&mut self) {
        let c = self.candidates.pop().expect("a candidate to take back");
        if c.is_new() {
            self.bytes.truncate(c.from as usize);
        }
        if self
            .violations
            .last()
            .is_some_and(|(i, _)| *i as usize == self.candidates.len())
        {
            self.violations.pop();
        }
    }
}

/// The visited sets: the search stores states in them, and under reduction the expansion
/// looks the ample step's successor up in them.
pub(crate) struct Sets {
    /// Every state stored so far.
    pub visited: ShardedSet,
    /// In a level expanded under partial-order reduction only: the states stored in the
    /// next level, for the cycle proviso.
    next_level: Option<ShardedSet>,
    /// The next level's set, kept for the levels that reduce while another does not.
    spare: Option<ShardedSet>,
}

impl Sets {
    /// Stores the initial state's fingerprint, the first level's only state.
    pub(crate) fn insert_initial(&mut self, fp: u64) {
        self.visited.insert(fp);
        if let Some(next) = &mut self.next_level {
            next.insert(fp);
        }
    }

    /// Empties the next level's set, before the search starts filling that level, and keeps
    /// it only if this level's expansion reduces.
    pub(crate) fn start_level(&mut self, reducing: bool) {
        if let Some(next) = &mut self.next_level {
            next.clear();
        }
        if reducing != self.next_level.is_some() {
            std::mem::swap(&mut self.next_level, &mut self.spare);
        }
    }

    /// Whether `fp` was stored in the next level (never, without reduction).
    fn in_next_level(&self, fp: u64) -> bool {
        self.next_level
            .as_ref()
            .is_some_and(|next| next.contains(fp))
    }

    /// Makes room for `counts[i]` more states in shard `i` of each set kept.
    fn reserve(&mut self, counts: &[usize; SHARDS]) {
        self.visited.reserve(counts);
        if let Some(next) = &mut self.next_level {
            next.reserve(counts);
        }
    }

    /// Whether [`reserve`](Self::reserve) would change a table.
    fn needs_room(&self, counts: &[usize; SHARDS]) -> bool {
        self.visited.needs_room(counts)
            || self
                .next_level
                .as_ref()
                .is_some_and(|next| next.needs_room(counts))
    }

    /// For each candidate of `parts` in order, whether it is the first occurrence of a new
    /// state (into `first`, emptied first); stores those states. Lookups run a few new
    /// candidates behind their prefetches: the visited set is larger than the caches.
    pub(crate) fn first_occurrences(&self, parts: &[Part], first: &mut Vec<bool>) {
        const AHEAD: usize = 8;
        let new = |c: &&Candidate| c.is_new();
        let candidates = || parts.iter().flat_map(|p| &p.candidates);
        let mut ahead = candidates().filter(new).skip(AHEAD);
        first.clear();
        first.extend(candidates().map(|c| {
            if !new(&c) {
                return false;
            }
            if let Some(a) = ahead.next() {
                self.visited.prefetch(a.fp);
                if let Some(next) = &self.next_level {
                    next.prefetch(a.fp);
                }
            }
            self.insert(c.fp)
        }));
    }

    /// Stores `fp` if it is new; true if it was. The next level's set first (under
    /// reduction): an expansion that finds `fp` visited then finds it in the next level too.
    pub(crate) fn insert(&self, fp: u64) -> bool {
        let Some(next) = &self.next_level else {
            return self.visited.insert_shared(fp);
        };
        if self.visited.contains(fp) {
            return false;
        }
        next.insert_shared(fp);
        self.visited.insert_shared(fp)
    }
}

/// Expands chunks of a level. It holds the visited sets, behind a lock that only their growth
/// takes for writing: expansion (under reduction) and insertion share them otherwise. Nobody
/// sleeps on the lock (see [`reserve`](Self::reserve)).
pub(crate) struct Expander<'a, M: Model> {
    model: &'a M,
    sets: RwLock<Sets>,
    /// The search is waiting to grow the sets: expansion holds off reading them.
    growing: AtomicBool,
    /// Partial-order reduction, when asked for.
    reducer: Option<Reducer<M>>,
    /// The level being expanded reduces: the search decides it between levels, where it
    /// pays ([`pays`](crate::reduce::pays)); a level that does not asks the reduction about
    /// a sample of its states.
    reducing: AtomicBool,
    /// Per thread, whether the model names coverage points (so each step looks its own up).
    covered: Vec<bool>,
}

impl<'a, M: Model> Expander<'a, M> {
    /// An expander of `model`'s states, storing them in `visited` (exact or bitstate), with
    /// partial-order reduction if `reduce`; `covered` says which threads have coverage
    /// points.
    pub(crate) fn new(
        model: &'a M,
        visited: ShardedSet,
        reducer: Option<Reducer<M>>,
        covered: Vec<bool>,
    ) -> Self {
        Expander {
            model,
            sets: RwLock::new(Sets {
                visited,
                next_level: reducer.is_some().then(ShardedSet::default),
                spare: None,
            }),
            growing: AtomicBool::new(false),
            reducer,
            reducing: AtomicBool::new(reducer.is_some()),
            covered,
        }
    }

    /// The visited sets, to look states up and store them (while workers may read them).
    pub(crate) fn sets(&self) -> RwLockReadGuard<'_, Sets> {
        self.sets.read().expect("visited sets")
    }

    /// The visited sets to change, between levels, when no worker reads them.
    pub(crate) fn sets_mut(&self) -> RwLockWriteGuard<'_, Sets> {
        self.sets.write().expect("visited sets")
    }

    /// Before a level, when no worker expands: whether it reduces (if reduction was asked
    /// for), and the visited sets made ready for it.
    pub(crate) fn start_level(&self, reducing: bool) {
        let reducing = reducing && self.reducer.is_some();
        self.sets_mut().start_level(reducing);
        self.reducing.store(reducing, Ordering::Release);
    }

    /// The visited sets, once the search is over.
    pub(crate) fn into_sets(self) -> Sets {
        self.sets.into_inner().expect("visited sets")
    }

    /// Every successor of every state in `chunk`, in order, into `part` (emptied first; an
    /// earlier chunk's, filled again: memory handed back to the system would cost a page
    /// fault per page when touched again).
    pub(crate) fn expand(&self, chunk: &Chunk, part: &mut Part) {
        self.expand_range(chunk, 0..chunk.len(), part);
    }

    /// Every successor of the states `range` of `chunk`, in order, into `part` (emptied
    /// first). Read-only: worker threads run it while the search inserts an earlier chunk.
    pub(crate) fn expand_range(&self, chunk: &Chunk, range: Range<usize>, part: &mut Part) {
        let threads = self.model.thread_count();
        // Room for every thread's step, and for the encodings of as many successors a parent
        // as half the threads (two under reduction, where most states take one step), so
        // that the bytes are rarely copied to a larger buffer.
        let encoded = range.clone().next().map_or(0, |i| chunk.encoded(i).len());
        let reducing = self.reducing.load(Ordering::Acquire);
        let reducer = self.reducer.filter(|_| reducing);
        let per_parent = if reducer.is_some() {
            2
        } else {
            threads.div_ceil(2)
        };
        part.empty(range.len() * threads, per_parent * range.len() * encoded);
        let mut stepped = Steps::new();
        // Without reduction the sets are not read, and so not locked.
        let sets = reducer.map(|reducer| (reducer, self.read_sets()));
        for i in range {
            let state = self.model.decode(chunk.encoded(i));
            match &sets {
                Some((reducer, sets)) => {
                    self.successors(reducer, sets, i as u32, &state, &mut stepped, part)
                }
                None => {
                    // Sampled by position in the level, as on any number of threads.
                    if let Some(reducer) = self.reducer.filter(|_| (chunk.start + i) % SAMPLE == 0)
                    {
                        let statuses = statuses(self.model, &state);
                        let enabled = enabled(&statuses).count();
                        let ample = reducer.ample(self.model, &state, &statuses);
                        part.tally
                            .state(enabled, if ample.is_some() { 1 } else { enabled });
                    }
                    self.step_all(&state, &mut stepped);
                    self.emit(i as u32, &mut stepped, part);
                }
            }
        }
    }

    /// Makes room in the visited sets for every new state `parts` may hold, before
    /// [`Sets::insert`] fills them. Only a table that must change takes the sets from the
    /// expansion (under reduction, the workers wait for it).
    pub(crate) fn reserve(&self, parts: &[Part]) {
        let mut counts = [0; SHARDS];
        for c in parts.iter().flat_map(|p| &p.candidates) {
            if c.is_new() {
                counts[ShardedSet::shard(c.fp)] += 1;
            }
        }
        if !self.sets().needs_room(&counts) {
            return;
        }
        // Spinning, as a worker does while the tables grow: a thread put to sleep on the lock
        // waited for its wake-up longer than the growth took (pt_frag 3x3 under reduction).
        self.growing.store(true, Ordering::Release);
        let mut backoff = Backoff::default();
        let mut sets = loop {
            match self.sets.try_write() {
                Ok(sets) => break sets,
                Err(TryLockError::WouldBlock) => backoff.wait(),
                Err(TryLockError::Poisoned(_)) => panic!("a thread panicked with the visited sets"),
            }
        };
        sets.reserve(&counts);
        drop(sets);
        self.growing.store(false, Ordering::Release);
    }

    /// The visited sets for the expansion to read, once they are not growing.
    fn read_sets(&self) -> RwLockReadGuard<'_, Sets> {
        let mut backoff = Backoff::default();
        while self.growing.load(Ordering::Acquire) {
            backoff.wait();
        }
        self.sets()
    }

    /// Under reduction, every successor of `state` (the `src`th of its chunk) into `out`: the
    /// ample thread's alone when the cycle proviso allows, else all of them. `stepped` is
    /// scratch room.
    fn successors(
        &self,
        reducer: &Reducer<M>,
        sets: &Sets,
        src: u32,
        state: &M::State,
        stepped: &mut Steps<M::State>,
        out: &mut Part,
    ) {
        // Each thread's status, asked once: the reduction and the steps both need it.
        let statuses = statuses(self.model, state);
        if let Some(t) = reducer.ample(self.model, state, &statuses) {
            // Looked up, for the cycle proviso.
            self.step(state, t, stepped);
            self.candidate(src, &stepped.as_slice()[0], Some(&sets.visited), out);
            stepped.clear();
            // Cycle proviso: the step must lead one level deeper (to a new state or one of the
            // next level); a step back to an older state could close a cycle on which the
            // other threads' steps are postponed forever.
            let c = out.candidates.last().expect("just pushed");
            let older = c.tag == Tag::Seen && !sets.in_next_level(c.fp);
            if !older {
                out.tally.state(enabled(&statuses).count(), 1);
                return;
            }
            out.pop();
        }
        for t in enabled(&statuses) {
            self.step(state, t, stepped);
        }
        out.tally
            .state(stepped.as_slice().len(), stepped.as_slice().len());
        self.emit(src, stepped, out);
    }

    /// Steps every enabled thread from `state`, in thread order, onto `stepped`.
    fn step_all(&self, state: &M::State, stepped: &mut Steps<M::State>) {
        for t in 0..self.model.thread_count() {
            if self.model.status(state, t) == Status::Enabled {
                self.step(state, t, stepped);
            }
        }
    }

    /// The `stepped` successors of the `src`th state, in order, as candidates onto `out`;
    /// empties `stepped`.
    fn emit(&self, src: u32, stepped: &mut Steps<M::State>, out: &mut Part) {
        for s in stepped.as_slice() {
            self.candidate(src, s, None, out);
        }
        stepped.clear();
    }

    /// Thread `t`'s step from `state` onto `stepped`.
    fn step(&self, state: &M::State, t: usize, stepped: &mut Steps<M::State>) {
        let point = if self.covered[t] {
            self.model.coverage_point(state, t) as u16
        } else {
            NO_POINT
        };
        let s = stepped.push_copy(state);
        s.thread = t as u8;
        s.point = point;
        s.result = self.model.step(&mut s.state, t);
    }

    /// A stepped successor of the `src`th state, checked, onto `out`, its encoding at the
    /// end of its bytes. Only the reduction's ample step is looked up, in `visited`, for the
    /// cycle proviso: it is packed once for its fingerprint and its encoding, and a state
    /// already stored is then not checked, and its encoding is taken back. The others are
    /// not looked up: the insertion looks every candidate up anyway, and a lookup here, a
    /// cache miss on a table written by the inserting thread, cost more than checking and
    /// encoding every successor (pt_frag 3x3 took 8% longer on 1 and on 2 threads with it,
    /// THP B 4% and 6%).
    fn candidate(
        &self,
        src: u32,
        s: &Stepped<M::State>,
        visited: Option<&ShardedSet>,
        out: &mut Part,
    ) {
        let mut c = Candidate {
            fp: 0,
            src,
            from: 0,
            to: 0,
            point: s.point,
            thread: s.thread,
            tag: Tag::Seen,
        };
        let mut violation = None;
        match &s.result {
            Err(v) => {
                c.tag = Tag::StepFailed;
                violation = Some(v.clone());
            }
            Ok(()) => {
                let next = &s.state;
                c.from = out.bytes.len() as u32;
                c.fp = self.model.encode_fingerprinted(next, &mut out.bytes);
                debug_assert_eq!(
                    c.fp,
                    self.model.fingerprint(next),
                    "Model::encode_fingerprinted must give Model::fingerprint"
                );
                if visited.is_some_and(|v| v.contains(c.fp)) {
                    // Stored already: neither checked nor kept.
                    out.bytes.truncate(c.from as usize);
                    c.from = 0;
                } else {
                    c.tag = match check_state(self.model, next) {
                        Ok(false) => Tag::New,
                        Ok(true) => Tag::NewTerminal,
                        Err(v) => {
                            violation = Some(v);
                            Tag::NewViolating
                        }
                    };
                    c.to = out.bytes.len() as u32;
                    debug_assert_eq!(
                        &self.model.decode(&out.bytes[c.from as usize..]),
                        next,
                        "Model::decode must reverse Model::encode"
                    );
                }
            }
        }
        if let Some(v) = violation {
            out.violations.push((out.candidates.len() as u32, v));
        }
        out.candidates.push(c);
    }
}
