//! The breadth-first engine: level by level, in parallel with rayon, deterministic.
//!
//! Each level is cut into fixed-size chunks. A chunk's states are expanded in parallel
//! (successors are fingerprinted, checked and encoded: the crate's `expand` module); then
//! the candidates are looked up and inserted sequentially in a fixed order (frontier order,
//! then thread order), while the workers expand the next chunk (its `pipeline` module). So
//! state numbers, counts and the counterexample do not depend on the number of threads, and
//! the first violation met in that order is a shortest one.

use crate::expand::{Expander, Kind, Part, Sets, NO_POINT};
use crate::level::{Chunk, Level, QueueMemory, Queued};
use crate::model::{check_state, Model, Status, Violation};
use crate::pipeline::{Backoff, Expand, Pipeline, StopOnDrop};
use crate::trace::Counterexample;
use crate::visited::{FpMap, Parents, ShardedSet, ROOT};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// States expanded per chunk on one thread: the unit of limit checks and of the segments a
/// level is stored in (so a growing level is never copied). A chunk's successors are held
/// until it is stored (and with worker threads, the next chunk's too): on pt_frag 3x3 with
/// the queue on disk, 512 states keep that to about a twelfth of the search's memory, as fast
/// as 1024.
const CHUNK: usize = 1 << 9;

/// Chunks the workers expand ahead of the one being stored. Two were no faster on pt_frag
/// 3x3 or THP B with 2 threads, and held a chunk's successors more.
const AHEAD: usize = 1;

/// States per chunk with worker threads. With 1024, pt_frag 3x3 on 2 threads took 0.230 s
/// against 0.247 s with 512 and 0.244 s with 2048, and THP B 1.34 s against 1.39 and 1.37
/// (`weft-bench` children, alternating, medians of 5 and 3); 2048 also peaked 0.7-1.4 MiB
/// higher.
const PARALLEL_CHUNK: usize = 1 << 10;

/// Budgets that stop a search before its verdict.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// Stop once this many distinct states are stored and more remain.
    pub max_states: Option<u64>,
    /// Do not expand states at this depth (number of steps from the initial state).
    pub max_depth: Option<usize>,
    /// Stop after this much time.
    pub time_limit: Option<Duration>,
}

impl Limits {
    /// The same limits with the time limit reduced by the time since `start`: for searches
    /// that follow one another under one budget.
    pub fn remaining_since(&self, start: Instant) -> Limits {
        Limits {
            time_limit: self.time_limit.map(|t| t.saturating_sub(start.elapsed())),
            ..self.clone()
        }
    }
}

/// How to run a search.
#[derive(Clone, Default)]
pub struct Options<'a> {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Budgets.
    pub limits: Limits,
    /// Set from outside (Ctrl-C) to stop the search cleanly.
    pub stop: Option<&'a AtomicBool>,
    /// Called after each chunk with the search's progress.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    /// Explore the whole state space even after a violation (violating states are not
    /// expanded); the verdict still names the first, shortest, violation. For state graphs.
    pub keep_going: bool,
    /// Count the distinct complete schedules (paths through the state graph).
    pub count_schedules: bool,
    /// Partial-order reduction: in a state where some thread's next step is invisible to the
    /// invariants and independent of everything the other threads may still do, explore only
    /// that step (a persistent singleton set, with the BFS cycle proviso). Verdicts and failed
    /// checks are kept; a counterexample is shortened afterwards by an unreduced search up to
    /// its length. Schedules are not counted under reduction.
    pub por: bool,
    /// Bitstate hashing (SPIN's supertrace): a visited set of this many bytes of bits, three
    /// bits a state, instead of exact fingerprints. Memory is fixed, but a new state whose bits
    /// are all set by others is taken for seen, so the search may miss states:
    /// [`Stats::bitstate`] estimates how many.
    pub bitstate_bytes: Option<usize>,
    /// Bytes of encoded states the breadth-first queue (the level being expanded and the next
    /// one) keeps in memory; the rest goes to a temporary file and is read back in order, as
    /// TLC's state queue does. `None`: [`FRONTIER_MEMORY`]. `Some(0)` keeps memory to the
    /// visited set and a few buffers, at some cost in time.
    pub frontier_memory: Option<usize>,
}

/// The default of [`Options::frontier_memory`]: 64 MiB.
pub const FRONTIER_MEMORY: usize = 64 << 20;

/// A snapshot of a running search.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Depth of the level being expanded.
    pub depth: usize,
    /// Distinct states stored so far.
    pub states: u64,
    /// Steps executed so far.
    pub transitions: u64,
    /// States waiting in the current and next level.
    pub frontier: usize,
    /// Time since the search started.
    pub elapsed: Duration,
}

/// Why a search stopped before its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `max_states` distinct states were stored.
    MaxStates(u64),
    /// States at `max_depth` still had steps to take.
    MaxDepth(usize),
    /// The time limit passed.
    TimeLimit(Duration),
    /// Stopped from outside (Ctrl-C).
    Interrupted,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxStates(n) => write!(f, "state limit reached ({n} states)"),
            StopReason::MaxDepth(d) => write!(f, "depth limit reached (depth {d})"),
            StopReason::TimeLimit(t) => write!(f, "time limit reached ({:.1}s)", t.as_secs_f64()),
            StopReason::Interrupted => write!(f, "interrupted"),
        }
    }
}

/// What the search concluded.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Every reachable state was explored and no check failed.
    Pass,
    /// A check failed; the counterexample is a shortest schedule that fails it.
    Violation(Counterexample),
    /// A limit stopped the search first: nothing is claimed about the rest.
    Stopped(StopReason),
}

/// Counts describing a search, independent of the thread count.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Steps executed (edges of the state graph, including those into known states).
    pub transitions: u64,
    /// Deepest level reached.
    pub depth: usize,
    /// Distinct states in which every thread had finished.
    pub terminal_states: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Bytes of memory held by the visited set and the parent links at the end.
    pub visited_bytes: usize,
    /// Bytes the search kept in temporary files at most (deleted when the search ends): the
    /// parent links past their first 256 KiB, and the level queues past
    /// [`Options::frontier_memory`].
    pub disk_bytes: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Distinct complete schedules, when counted ([`Options::count_schedules`]).
    pub schedules: Option<Schedules>,
    /// Per thread, how many transitions fired each of the model's coverage points.
    pub coverage: Vec<Vec<u64>>,
    /// Per thread, how many transitions it made.
    pub thread_steps: Vec<u64>,
    /// With bitstate hashing: the bit array's size and the expected number of states missed.
    pub bitstate: Option<Bitstate>,
}

impl Stats {
    /// Zero counts for a search of `model` on `threads` workers (coverage counters included).
    pub fn for_model<M: Model>(model: &M, threads: usize) -> Stats {
        Stats {
            threads,
            coverage: coverage_counters(model),
            thread_steps: vec![0; model.thread_count()],
            ..Stats::default()
        }
    }
}

/// Zero for each of the model's coverage points, per thread.
pub(crate) fn coverage_counters<M: Model>(model: &M) -> Vec<Vec<u64>> {
    (0..model.thread_count())
        .map(|t| vec![0; model.coverage_points(t).len()])
        .collect()
}

/// What a bitstate search can and cannot claim.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bitstate {
    /// Bits in the array.
    pub bits: u64,
    /// Expected number of distinct states wrongly taken for seen (and so not explored).
    pub expected_missed: f64,
}

/// The number of distinct complete schedules: paths from the initial state to a state where
/// no thread can move (or to a violation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedules {
    /// Exactly this many.
    Exactly(u128),
    /// More than `u128::MAX`.
    Overflow,
    /// Not counted: some step leads back to a state of an earlier level (the state graph is
    /// not layered by depth, so level-by-level path counting does not apply; it may be cyclic).
    NotLayered,
}

impl std::fmt::Display for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedules::Exactly(n) => write!(f, "{n}"),
            Schedules::Overflow => write!(f, "more than {}", u128::MAX),
            Schedules::NotLayered => write!(f, "not counted (steps return to earlier states)"),
        }
    }
}

/// A search's verdict and its counts.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Pass, violation or stopped.
    pub verdict: Verdict,
    /// Counts.
    pub stats: Stats,
}

/// Sees every distinct state and every transition, in the engine's deterministic order. It
/// is called from one thread at a time, not necessarily the caller's: hence `Send`.
pub trait Observer<S>: Send {
    /// Whether the observer is called at all: `false` (as for `()`) spares the search
    /// decoding states for it.
    const ACTIVE: bool = true;
    /// A new state, first reached at `depth`.
    fn state(&mut self, _fp: u64, _state: &S, _depth: usize) {}
    /// A step of `thread` from the state `from` (fingerprint `from_fp`) to the state `to_fp`.
    fn transition(&mut self, _from_fp: u64, _from: &S, _thread: usize, _to_fp: u64) {}
    /// The state `fp` (already reported to [`state`](Observer::state)) breaks a check.
    fn bad_state(&mut self, _fp: u64, _violation: &Violation) {}
    /// The step of `thread` from `from` fails an assertion.
    fn failed_step(&mut self, _from_fp: u64, _from: &S, _thread: usize, _violation: &Violation) {}
}

impl<S> Observer<S> for () {
    const ACTIVE: bool = false;
}

/// Explores every schedule of `model` breadth-first.
pub fn explore<M: Model>(model: &M, options: &Options) -> Outcome {
    explore_observed(model, options, &mut ())
}

/// Like [`explore`], reporting every state and transition to `observer`.
pub fn explore_observed<M: Model, O: Observer<M::State>>(
    model: &M,
    options: &Options,
    observer: &mut O,
) -> Outcome {
    assert!(
        model.thread_count() <= u8::MAX as usize,
        "weft explores at most 255 threads"
    );
    if options.por && !options.count_schedules && !options.keep_going {
        return explore_reduced(model, options, observer);
    }
    run_search(model, options, observer, false)
}

/// One breadth-first search, reduced or not.
fn run_search<M: Model, O: Observer<M::State>>(
    model: &M,
    options: &Options,
    observer: &mut O,
    reduce: bool,
) -> Outcome {
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let pool = (threads > 1).then(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon thread pool")
    });
    let stats = Stats::for_model(model, threads);
    let visited = options
        .bitstate_bytes
        .map_or_else(ShardedSet::default, ShardedSet::bitstate);
    let covered = stats
        .coverage
        .iter()
        .map(|points| {
            assert!(
                points.len() < NO_POINT as usize,
                "weft counts at most {} coverage points a thread",
                NO_POINT - 1
            );
            !points.is_empty()
        })
        .collect();
    let expander = Expander::new(model, visited, reduce, covered);
    let mut search = Search {
        model,
        options,
        start: Instant::now(),
        parents: Parents::default(),
        stats,
        first: None,
        schedules: Some(0),
        layered: true,
        next_index: FpMap::default(),
        paths: Vec::new(),
        next_paths: Vec::new(),
        first_occurrence: Vec::new(),
    };
    // The search runs on one of the pool's threads, the workers of its pipeline on the
    // others, for the whole search.
    let verdict = match &pool {
        Some(pool) => {
            let pipeline = Pipeline::default();
            let expand =
                |chunk: &Chunk, range, part: &mut Part| expander.expand_range(chunk, range, part);
            pool.scope(|scope| {
                for _ in 1..threads {
                    scope.spawn(|_| pipeline.work(&expand));
                }
                let _stop = StopOnDrop(&pipeline);
                search.run(&expander, Some((&pipeline, &expand)), observer)
            })
        }
        None => search.run(&expander, None, observer),
    };
    let sets = expander.into_sets();
    search.stats.elapsed = search.start.elapsed();
    search.stats.states = search.parents.len() as u64;
    search.stats.visited_bytes = sets.visited.bytes() + search.parents.bytes();
    search.stats.disk_bytes += search.parents.disk_bytes();
    search.stats.bitstate = sets.visited.bits().map(|bits| Bitstate {
        bits,
        expected_missed: crate::visited::bitstate_expected_omissions(search.stats.states, bits),
    });
    let complete = match verdict {
        Verdict::Pass => true,
        Verdict::Violation(_) => options.keep_going,
        Verdict::Stopped(_) => false,
    };
    if options.count_schedules && complete {
        search.stats.schedules = Some(match (search.layered, search.schedules) {
            (false, _) => Schedules::NotLayered,
            (true, Some(n)) => Schedules::Exactly(n),
            (true, None) => Schedules::Overflow,
        });
    }
    Outcome {
        verdict,
        stats: search.stats,
    }
}

/// The reduced search, then, on a violation, an unreduced search bounded by the
/// counterexample's length: it reports what the unreduced search would (the first violation
/// of a shortest length), so reduction changes no verdict, check or trace.
fn explore_reduced<M: Model, O: Observer<M::State>>(
    model: &M,
    options: &Options,
    observer: &mut O,
) -> Outcome {
    let start = Instant::now();
    let mut out = run_search(model, options, observer, true);
    if let Verdict::Violation(cex) = &out.verdict {
        let mut limits = options.limits.remaining_since(start);
        limits.max_depth = Some(cex.schedule.len());
        let bounded = Options {
            threads: options.threads,
            limits,
            stop: options.stop,
            progress: None,
            frontier_memory: options.frontier_memory,
            ..Options::default()
        };
        match run_search(model, &bounded, &mut (), false).verdict {
            Verdict::Violation(short) => out.verdict = Verdict::Violation(short),
            Verdict::Stopped(r) => out.verdict = Verdict::Stopped(r),
            Verdict::Pass => unreachable!("the reduced graph's counterexample is a real schedule"),
        }
    }
    out
}

/// A parent state decoded for observers: its position in the chunk, and its fingerprint,
/// which the queue does not keep.
struct Decoded<S> {
    src: u32,
    state: S,
    fp: u64,
}

/// The sequential half of the search: numbering new states, queueing them, counting, and
/// the verdict. (The [`Expander`] holds the visited sets.)
struct Search<'a, M: Model> {
    model: &'a M,
    options: &'a Options<'a>,
    start: Instant,
    parents: Parents,
    stats: Stats,
    /// With `keep_going`: the first violation met, which is the verdict.
    first: Option<Verdict>,
    /// Complete schedules counted so far; `None` once it overflowed.
    schedules: Option<u128>,
    /// Whether every step so far went from one level to the next.
    layered: bool,
    /// When counting schedules: the position in the next level of each state stored there,
    /// or `u32::MAX` for a violating state (which is not expanded).
    next_index: FpMap<u32>,
    /// When counting schedules: the schedules reaching each state of the current level and
    /// of the next, by position.
    paths: Vec<u128>,
    next_paths: Vec<u128>,
    /// For each candidate of the chunk being inserted, whether it is a first occurrence.
    first_occurrence: Vec<bool>,
}

impl<M: Model> Search<'_, M> {
    /// The search, level by level, with the workers of `pipeline` if there are any.
    fn run<O: Observer<M::State>>(
        &mut self,
        x: &Expander<'_, M>,
        pipeline: Option<(&Pipeline, &Expand)>,
        observer: &mut O,
    ) -> Verdict {
        let init = self.model.initial_state();
        let fp = self.model.fingerprint(&init);
        x.sets_mut().insert_initial(fp);
        let root = self.parents.push(ROOT, 0);
        observer.state(fp, &init, 0);
        let terminal = match check_state(self.model, &init) {
            Err(violation) => {
                observer.bad_state(fp, &violation);
                self.add_schedules(1);
                return self.counterexample(root, None, violation);
            }
            Ok(terminal) => terminal,
        };
        self.stats.terminal_states += terminal as u64;
        // One budget for the two levels held at once.
        let memory = QueueMemory::new(self.options.frontier_memory.unwrap_or(FRONTIER_MEMORY));
        let chunk = if pipeline.is_some() {
            PARALLEL_CHUNK
        } else {
            CHUNK
        };
        let mut frontier = Level::new(chunk, &memory);
        let mut bytes = Vec::new();
        self.model.encode(&init, &mut bytes);
        let queued = Queued {
            idx: root,
            terminal,
        };
        frontier.push(queued, &bytes);
        self.paths = vec![1];
        let mut next = Level::new(chunk, &memory);
        let mut depth = 0;
        let verdict = loop {
            if frontier.len() == 0 {
                break self.first.take().unwrap_or(Verdict::Pass);
            }
            self.stats.depth = depth;
            if self.options.limits.max_depth == Some(depth) {
                let more = std::iter::from_fn(|| frontier.next_chunk()).any(|chunk| {
                    (0..chunk.len()).any(|i| {
                        let s = self.model.decode(chunk.encoded(i));
                        (0..self.model.thread_count())
                            .any(|t| self.model.status(&s, t) == Status::Enabled)
                    })
                });
                break match self.first.take() {
                    Some(v) => v,
                    None if more => Verdict::Stopped(StopReason::MaxDepth(depth)),
                    None => Verdict::Pass,
                };
            }
            next.clear();
            self.next_index.clear();
            self.next_paths.clear();
            x.sets_mut().start_level();
            let verdict = match pipeline {
                Some(pipeline) => {
                    self.level_parallel(x, pipeline, &mut frontier, &mut next, depth, observer)
                }
                None => self.level(x, &mut frontier, &mut next, depth, observer),
            };
            if let Some(verdict) = verdict {
                break verdict;
            }
            std::mem::swap(&mut frontier, &mut next);
            std::mem::swap(&mut self.paths, &mut self.next_paths);
            depth += 1;
        };
        self.stats.disk_bytes = frontier.peak_disk_bytes() + next.peak_disk_bytes();
        verdict
    }

    /// Expands every state of `frontier` (at `depth`) into `next`, chunk by chunk, on this
    /// thread; a verdict if the search stops here.
    fn level<O: Observer<M::State>>(
        &mut self,
        x: &Expander<'_, M>,
        frontier: &mut Level,
        next: &mut Level,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        // Filled again chunk after chunk: memory handed back to the system would cost a page
        // fault per page when touched again.
        let mut part = Part::default();
        loop {
            if let Some(reason) = self.should_stop() {
                return Some(Verdict::Stopped(reason));
            }
            let chunk = frontier.next_chunk()?;
            x.expand(&chunk, &mut part);
            let parts = std::slice::from_ref(&part);
            if let Some(verdict) = self.store(x, chunk, parts, frontier, next, depth, observer) {
                return Some(verdict);
            }
        }
    }

    /// [`level`](Self::level) with worker threads: the pipeline keeps [`AHEAD`] chunks
    /// expanding while this thread stores the one before them, and this thread expands too
    /// when the chunk it needs next is not ready. Expansion only reads the visited sets
    /// (under reduction, for the ample step), and a state it finds new though the insertion
    /// just stored it is then not a first occurrence, which is how a state already seen is
    /// treated anyway.
    fn level_parallel<O: Observer<M::State>>(
        &mut self,
        x: &Expander<'_, M>,
        (pipeline, expand): (&Pipeline, &Expand),
        frontier: &mut Level,
        next: &mut Level,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        let mut backoff = Backoff::default();
        loop {
            if let Some(reason) = self.should_stop() {
                pipeline.clear();
                return Some(Verdict::Stopped(reason));
            }
            while pipeline.len() <= AHEAD {
                match frontier.next_chunk() {
                    Some(chunk) => pipeline.push(chunk),
                    None => break,
                }
            }
            let Some((chunk, parts)) = pipeline.pop_expanded() else {
                if pipeline.len() == 0 {
                    return None;
                }
                pipeline.help_or_wait(expand, &mut backoff);
                continue;
            };
            backoff.reset();
            if let Some(verdict) = self.store(x, chunk, &parts, frontier, next, depth, observer) {
                pipeline.clear();
                return Some(verdict);
            }
            pipeline.recycle(parts);
        }
    }

    /// Stores an expanded chunk's successors (see [`insert`](Self::insert)), reports
    /// progress and hands the chunk's buffer to `next`.
    #[allow(clippy::too_many_arguments)]
    fn store<O: Observer<M::State>>(
        &mut self,
        x: &Expander<'_, M>,
        chunk: Chunk,
        parts: &[Part],
        frontier: &Level,
        next: &mut Level,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        x.reserve(parts);
        if let Some(verdict) = self.insert(x, &chunk, parts, next, depth + 1, observer) {
            return Some(verdict);
        }
        if let Some(progress) = self.options.progress {
            progress(&Progress {
                depth,
                states: self.parents.len() as u64,
                transitions: self.stats.transitions,
                frontier: frontier.len() - chunk.start - chunk.len() + next.len(),
                elapsed: self.start.elapsed(),
            });
        }
        // Its buffer holds the next level's states from now on.
        next.recycle(chunk);
        None
    }

    fn add_schedules(&mut self, n: u128) {
        self.schedules = self.schedules.and_then(|s| s.checked_add(n));
    }

    fn should_stop(&self) -> Option<StopReason> {
        if self.options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Some(StopReason::Interrupted);
        }
        let limit = self.options.limits.time_limit?;
        (self.start.elapsed() >= limit).then_some(StopReason::TimeLimit(limit))
    }

    /// Adds a parent's schedules to a state of the next level; a step to any older state
    /// means the graph is not layered.
    fn flow(&mut self, fp: u64, paths: u128) {
        if !self.options.count_schedules {
            return;
        }
        match self.next_index.get(&fp) {
            Some(&u32::MAX) => self.add_schedules(paths),
            Some(&i) => {
                let p = &mut self.next_paths[i as usize];
                *p = p.saturating_add(paths);
                if *p == u128::MAX {
                    self.schedules = None;
                }
            }
            None => self.layered = false,
        }
    }

    /// The sequential phase: number the new states in candidate order and queue them; stop at
    /// the first violation (or, with `keep_going`, remember it and go on).
    fn insert<O: Observer<M::State>>(
        &mut self,
        x: &Expander<'_, M>,
        chunk: &Chunk,
        parts: &[Part],
        next: &mut Level,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        if self.options.count_schedules {
            for (i, q) in chunk.queued.iter().enumerate() {
                if q.terminal {
                    self.add_schedules(self.paths[chunk.start + i]);
                }
            }
        }
        // The state limit must stop at an exact count: insert one by one then.
        let one_by_one = self.options.limits.max_states.is_some();
        let sets = x.sets();
        let mut first = std::mem::take(&mut self.first_occurrence);
        if !one_by_one {
            sets.first_occurrences(parts, &mut first);
        }
        // The parent's state, decoded only for observers that look at states.
        let mut parent_state: Option<Decoded<M::State>> = None;
        let candidates = parts
            .iter()
            .flat_map(|part| (0..part.candidates.len()).map(move |j| (part, j)));
        let verdict = candidates.enumerate().find_map(|(i, (part, j))| {
            let new_here = (!one_by_one).then(|| first[i]);
            self.insert_one(
                &sets,
                chunk,
                part,
                j,
                new_here,
                &mut parent_state,
                next,
                depth,
                observer,
            )
        });
        self.first_occurrence = first;
        verdict
    }

    /// Inserts the `j`th candidate of `part` (see [`insert`](Self::insert)); `first` says
    /// whether it is the first occurrence of a new state, or is `None` when inserting one by
    /// one.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn insert_one<O: Observer<M::State>>(
        &mut self,
        sets: &Sets,
        chunk: &Chunk,
        part: &Part,
        j: usize,
        first: Option<bool>,
        parent_state: &mut Option<Decoded<M::State>>,
        next: &mut Level,
        depth: usize,
        observer: &mut O,
    ) -> Option<Verdict> {
        let c = &part.candidates[j];
        self.stats.transitions += 1;
        self.stats.thread_steps[c.thread as usize] += 1;
        if c.point != NO_POINT {
            if let Some(n) = self.stats.coverage[c.thread as usize].get_mut(c.point as usize) {
                *n += 1;
            }
        }
        let parent = chunk.queued[c.src as usize];
        let paths = if self.options.count_schedules {
            self.paths[chunk.start + c.src as usize]
        } else {
            1
        };
        if O::ACTIVE && parent_state.as_ref().is_none_or(|p| p.src != c.src) {
            let state = self.model.decode(chunk.encoded(c.src as usize));
            let fp = self.model.fingerprint(&state);
            *parent_state = Some(Decoded {
                src: c.src,
                state,
                fp,
            });
        }
        let from = || &parent_state.as_ref().expect("decoded for observers").state;
        let parent_fp = || parent_state.as_ref().expect("decoded for observers").fp;
        match part.kind(j) {
            Kind::StepFailed(v) => {
                if O::ACTIVE {
                    observer.failed_step(parent_fp(), from(), c.thread as usize, v);
                }
                self.add_schedules(paths);
                let verdict = self.counterexample(parent.idx, Some(c.thread), v.clone());
                return self.violation(verdict);
            }
            Kind::Seen => {
                if O::ACTIVE {
                    observer.transition(parent_fp(), from(), c.thread as usize, c.fp);
                }
                self.flow(c.fp, paths);
            }
            Kind::New { encoded, check } => {
                let new = match first {
                    Some(first) => first,
                    None if sets.visited.contains(c.fp) => false,
                    None if self.options.limits.max_states == Some(self.parents.len() as u64) => {
                        return Some(Verdict::Stopped(StopReason::MaxStates(
                            self.parents.len() as u64
                        )));
                    }
                    None => sets.insert(c.fp),
                };
                if !new {
                    if O::ACTIVE {
                        observer.transition(parent_fp(), from(), c.thread as usize, c.fp);
                    }
                    self.flow(c.fp, paths);
                    return None;
                }
                let idx = self.parents.push(parent.idx, c.thread);
                if O::ACTIVE {
                    observer.state(c.fp, &self.model.decode(encoded), depth);
                    observer.transition(parent_fp(), from(), c.thread as usize, c.fp);
                }
                self.stats.depth = depth;
                match check {
                    Err(v) => {
                        if O::ACTIVE {
                            observer.bad_state(c.fp, v);
                        }
                        self.add_schedules(paths);
                        if self.options.count_schedules {
                            self.next_index.insert(c.fp, u32::MAX);
                        }
                        let verdict = self.counterexample(idx, None, v.clone());
                        return self.violation(verdict);
                    }
                    Ok(terminal) => {
                        self.stats.terminal_states += terminal as u64;
                        if self.options.count_schedules {
                            self.next_index.insert(c.fp, next.len() as u32);
                            self.next_paths.push(paths);
                        }
                        let queued = Queued { idx, terminal };
                        next.push(queued, encoded);
                    }
                }
            }
        }
        None
    }

    /// A violation ends the search, unless `keep_going`: then the first one is kept.
    fn violation(&mut self, verdict: Verdict) -> Option<Verdict> {
        if !self.options.keep_going {
            return Some(verdict);
        }
        if self.first.is_none() {
            self.first = Some(verdict);
        }
        None
    }

    fn counterexample(&self, idx: u32, failing: Option<u8>, violation: Violation) -> Verdict {
        let mut schedule = self.parents.schedule_to(idx);
        schedule.extend(failing.map(usize::from));
        Verdict::Violation(Counterexample {
            schedule,
            violation,
        })
    }
}
