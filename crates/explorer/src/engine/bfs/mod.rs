//! The breadth-first engine: level by level, in parallel with rayon, deterministic.
//!
//! Each level is cut into fixed-size chunks. A chunk's states are expanded in parallel
//! (successors are fingerprinted, checked and encoded: [`expand`]); then the candidates are
//! looked up and inserted sequentially in a fixed order (frontier order, then thread order),
//! while the workers expand the next chunk ([`pipeline`]). So
//! state numbers, counts and the counterexample do not depend on the number of threads, and
//! the first violation met in that order is a shortest one.

mod backoff;
mod expand;
mod pipeline;
mod schedules;

use super::{Explore, Run};
use crate::model::{check_state, Model, Status, Violation};
use crate::reduce::pays::{Gauge, Tally};
use crate::search::error::{SearchError, Setting};
use crate::search::observer::Observer;
use crate::search::outcome::{Bitstate, Outcome, Progress, Stats, StopReason, Verdict};
use crate::store::level::{Budget, Chunk, Level, QueueMemory, Queued};
use crate::store::parents::{Parents, MAX_STATES, ROOT};
use crate::store::visited::{bitstate_expected_omissions, ShardedSet};
use crate::trace::Counterexample;
use backoff::Backoff;
use expand::{Expander, Kind, Part, Sets, NO_POINT};
use pipeline::{Expand, Pipeline, StopOnDrop};
use schedules::Count;
use std::time::Instant;

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

/// The most memory the breadth-first queue takes when the user sets no budget
/// ([`Checker::frontier_memory`](crate::Checker::frontier_memory)): 64 MiB. Below it, the
/// default budget grows with the states stored: 1 byte a state, at least 2 MiB.
pub const FRONTIER_MEMORY: usize = 64 << 20;

/// The breadth-first engine.
pub(crate) struct Bfs;

impl Explore for Bfs {
    /// Everything: it is the engine the others are measured against.
    fn honours(&self, _setting: Setting) -> bool {
        true
    }

    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        run: &Run<'_, M>,
        observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        Ok(search(run, observer))
    }
}

/// One breadth-first search, reduced or not.
fn search<M: Model, O: Observer<M::State>>(run: &Run<'_, M>, observer: &mut O) -> Outcome {
    let model = run.model;
    let threads = run.threads;
    let pool = (threads > 1).then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build());
    // A pool that cannot be built (no memory for its stacks): the search runs on this thread.
    let (pool, threads) = match pool {
        Some(Ok(pool)) => (Some(pool), threads),
        Some(Err(e)) => {
            tracing::warn!("no worker threads ({e}): searching on one thread");
            (None, 1)
        }
        None => (None, 1),
    };
    let stats = run.zero_stats(threads);
    let visited = run
        .bitstate
        .map_or_else(ShardedSet::default, ShardedSet::bitstate);
    let covered = stats
        .coverage
        .iter()
        .map(|points| !points.is_empty())
        .collect();
    let expander = Expander::new(model, visited, run.reducer, covered);
    let mut search = Search {
        model,
        run,
        start: Instant::now(),
        parents: Parents::default(),
        stats,
        first: None,
        schedules: Count::new(run.count_schedules),
        first_occurrence: Vec::new(),
        gauge: Gauge::default(),
        level_tally: Tally::default(),
        level_states: 0,
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
    search.stats.reduction = run.reducer.map(|_| search.gauge.stats());
    search.stats.bitstate = sets.visited.bits().map(|bits| Bitstate {
        bits,
        expected_missed: bitstate_expected_omissions(search.stats.states, bits),
    });
    let complete = match verdict {
        Verdict::Pass => true,
        Verdict::Violation(_) => run.keep_going,
        Verdict::Stopped(_) => false,
    };
    if complete {
        search.stats.schedules = search.schedules.result();
    }
    Outcome::new(verdict, search.stats)
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
    run: &'a Run<'a, M>,
    start: Instant,
    parents: Parents,
    stats: Stats,
    /// With `keep_going`: the first violation met, which is the verdict.
    first: Option<Verdict>,
    /// The distinct complete schedules, when counted.
    schedules: Count,
    /// For each candidate of the chunk being inserted, whether it is a first occurrence.
    first_occurrence: Vec<bool>,
    /// What reduction did so far, to judge whether it pays.
    gauge: Gauge,
    /// What it did, or would have done, in the level being stored.
    level_tally: Tally,
    /// The states of that level stored so far.
    level_states: u64,
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
                self.schedules.end(1);
                return self.counterexample(root, None, violation);
            }
            Ok(terminal) => terminal,
        };
        self.stats.terminal_states += terminal as u64;
        // One budget for the two levels held at once.
        let memory = QueueMemory::new(match self.run.frontier_memory {
            Some(bytes) => Budget::Fixed(bytes),
            None => Budget::Scaled,
        });
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
        let mut next = Level::new(chunk, &memory);
        let mut depth = 0;
        let verdict = loop {
            if frontier.len() == 0 {
                break self.first.take().unwrap_or(Verdict::Pass);
            }
            self.stats.depth = depth;
            if self.run.limits.max_depth == Some(depth) {
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
            tracing::debug!(
                depth,
                states = self.parents.len(),
                frontier = frontier.len(),
                "level"
            );
            next.clear();
            memory.scale_to(self.parents.len());
            self.schedules.start_level();
            x.start_level(self.gauge.reducing());
            let verdict = match pipeline {
                Some(pipeline) => {
                    self.level_parallel(x, pipeline, &mut frontier, &mut next, depth, observer)
                }
                None => self.level(x, &mut frontier, &mut next, depth, observer),
            };
            self.judge_reduction(depth);
            if let Some(verdict) = verdict {
                break verdict;
            }
            std::mem::swap(&mut frontier, &mut next);
            self.schedules.next_level();
            depth += 1;
        };
        self.stats.disk_bytes = frontier.peak_disk_bytes() + next.peak_disk_bytes();
        verdict
    }

    /// At the end of the level of `depth` (or where the search stopped in it): what reduction
    /// did, or would have done, in it decides whether the next level reduces
    /// ([`pays`](crate::reduce::pays)). From the level's totals, so the same on any number of
    /// threads.
    fn judge_reduction(&mut self, depth: usize) {
        if self.run.reducer.is_none() {
            return;
        }
        let tally = std::mem::take(&mut self.level_tally);
        let states = std::mem::take(&mut self.level_states);
        tracing::debug!(
            depth,
            reducing = self.gauge.reducing(),
            states,
            asked = tally.expanded,
            enabled = tally.enabled,
            pruned = tally.pruned,
            "reduction"
        );
        self.gauge.add(&tally);
        self.gauge.end_period(states);
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
        for part in parts {
            self.level_tally.add(&part.tally);
        }
        self.level_states += chunk.len() as u64;
        // A set that could not grow has no room for this chunk: the search stops here.
        if crate::memory::exhausted() {
            return Some(Verdict::Stopped(StopReason::OutOfMemory));
        }
        if let Some(verdict) = self.insert(x, &chunk, parts, next, depth + 1, observer) {
            return Some(verdict);
        }
        if let Some(progress) = self.run.progress {
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

    fn should_stop(&self) -> Option<StopReason> {
        self.run.should_stop(self.start)
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
        for (i, q) in chunk.queued.iter().enumerate() {
            if q.terminal {
                self.schedules.end(self.schedules.reaching(chunk.start + i));
            }
        }
        // The state limit must stop at an exact count: insert one by one then.
        let one_by_one = self.run.limits.max_states.is_some();
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
        let paths = self.schedules.reaching(chunk.start + c.src as usize);
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
                self.schedules.end(paths);
                let verdict = self.counterexample(parent.idx, Some(c.thread), v.clone());
                return self.violation(verdict);
            }
            Kind::Seen => {
                if O::ACTIVE {
                    observer.transition(parent_fp(), from(), c.thread as usize, c.fp);
                }
                self.schedules.flow(c.fp, paths);
            }
            Kind::New { encoded, check } => {
                let new = match first {
                    Some(first) => first,
                    None if sets.visited.contains(c.fp) => false,
                    None if self.run.limits.max_states == Some(self.parents.len() as u64) => {
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
                    self.schedules.flow(c.fp, paths);
                    return None;
                }
                if self.parents.full() {
                    return Some(Verdict::Stopped(StopReason::Capacity(MAX_STATES)));
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
                        self.schedules.new_state(c.fp, paths, None);
                        let verdict = self.counterexample(idx, None, v.clone());
                        return self.violation(verdict);
                    }
                    Ok(terminal) => {
                        self.stats.terminal_states += terminal as u64;
                        self.schedules.new_state(c.fp, paths, Some(next.len()));
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
        if !self.run.keep_going {
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
