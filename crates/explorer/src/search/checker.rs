//! [`Checker`]: one builder for every engine, and one [`Outcome`].

use super::engines::Engine;
use super::error::{SearchError, Setting};
use super::fewest::fewest;
use super::limits::Limits;
use super::observer::Observer;
use super::outcome::{Outcome, Preemptions, Progress, StopReason, Verdict};
use crate::engine::{bfs::Bfs, dfs::Dfs, Explore, Run};
use crate::model::{Model, Reducer, DEADLOCK};
use crate::only::OnlyChecks;
use crate::preemption::{self, Bounded, MAX_BOUND};
use crate::symmetry::{concretize, Quotient, Symmetry};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Whether to reduce by partial-order reduction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// On where it applies: the model offers it on by default ([`Model::reduction`]), the
    /// engine honours it, and neither schedules are counted nor the search goes past
    /// violations, is observed or bounded by preemptions. Off otherwise.
    #[default]
    Auto,
    /// On; a search where it does not apply is refused.
    On,
    /// Off: every interleaving is explored.
    Off,
}

/// How to explore a model: the engine, its settings, and the limits. One builder for every
/// engine; a setting the engine cannot honour makes [`check`](Checker::check) refuse the
/// search ([`SearchError::Unsupported`]) rather than drop it.
///
/// ```
/// # use weft_explorer::{Checker, Engine};
/// let checker = Checker::new().engine(Engine::Dfs).max_states(1_000_000);
/// # let _ = checker;
/// ```
#[derive(Clone, Default)]
pub struct Checker<'a> {
    engine: Engine,
    threads: Option<usize>,
    limits: Limits,
    reduction: Reduction,
    stop: Option<&'static AtomicBool>,
    progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    keep_going: bool,
    count_schedules: bool,
    bitstate: Option<usize>,
    frontier_memory: Option<usize>,
    preemption_bound: Option<u32>,
    fewest_preemptions: bool,
    only: Option<Vec<String>>,
    no_symmetry: bool,
}

impl<'a> Checker<'a> {
    /// The breadth-first engine on one thread per core, with no limits.
    pub fn new() -> Self {
        Checker::default()
    }

    /// The engine that explores.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Worker threads; 0 means one per core (the default). Only the breadth-first engine
    /// runs on more than one; results do not depend on it.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// All the budgets at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Stop once this many distinct states are stored and more remain.
    pub fn max_states(mut self, states: u64) -> Self {
        self.limits.max_states = Some(states);
        self
    }

    /// Do not expand states this many steps from the initial state.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.limits.max_depth = Some(depth);
        self
    }

    /// Stop after this much time.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.limits.time_limit = Some(limit);
        self
    }

    /// Partial-order reduction: [`Reduction::Auto`] by default.
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// A flag that, once set (by a Ctrl-C handler, say), stops the search cleanly.
    pub fn stop(mut self, stop: &'static AtomicBool) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Called now and then with the search's progress, from any thread.
    pub fn progress(mut self, progress: &'a (dyn Fn(&Progress) + Sync)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Explore the whole state space even after a violation (violating states are not
    /// expanded); the verdict names the first violation met.
    pub fn keep_going(mut self, on: bool) -> Self {
        self.keep_going = on;
        self
    }

    /// Look for violations of these checks only (`deadlock` among them, or not): a state where
    /// another check fails is a dead end, neither reported nor expanded ([`OnlyChecks`]).
    pub fn only_checks(mut self, checks: Vec<String>) -> Self {
        self.only = Some(checks);
        self
    }

    /// Thread symmetry (on by default): store one representative per orbit of states that
    /// differ only by renaming interchangeable threads ([`symmetry`](crate::symmetry)), where
    /// the model offers it, the engine is breadth-first, depth-first or timely, and the
    /// search counts no schedules and was not asked for reduction.
    /// Counterexamples are of the real threads.
    pub fn symmetry(mut self, on: bool) -> Self {
        self.no_symmetry = !on;
        self
    }

    /// Count the distinct complete schedules (paths through the state graph).
    pub fn count_schedules(mut self, on: bool) -> Self {
        self.count_schedules = on;
        self
    }

    /// Bitstate hashing (SPIN's supertrace): a visited set of `bytes` bytes of bits, three
    /// bits a state, instead of exact fingerprints. Memory is fixed, but a new state whose bits
    /// are all set by others is taken for seen, so the search may miss states
    /// ([`Stats::bitstate`](crate::Stats::bitstate) estimates how many).
    pub fn bitstate(mut self, bytes: usize) -> Self {
        self.bitstate = Some(bytes);
        self
    }

    /// Bytes of encoded states the breadth-first queue keeps in memory; the rest goes to a
    /// temporary file and is read back in order, as TLC's state queue does. 0 keeps memory to
    /// the visited set and a few buffers. Default: 1 byte for each state stored so far, at
    /// least 2 MiB and at most [`FRONTIER_MEMORY`](crate::FRONTIER_MEMORY), so that the queue
    /// stays a small fraction of the visited set.
    pub fn frontier_memory(mut self, bytes: usize) -> Self {
        self.frontier_memory = Some(bytes);
        self
    }

    /// Explore only schedules with at most `bound` preemptions (switches away from a thread
    /// that could have continued): a pass then holds up to the bound.
    pub fn preemption_bound(mut self, bound: u32) -> Self {
        self.preemption_bound = Some(bound);
        self
    }

    /// Once a shortest counterexample is found, look for one of the same length and check
    /// with fewer preemptions (bounded searches below its own count).
    pub fn fewest_preemptions(mut self, on: bool) -> Self {
        self.fewest_preemptions = on;
        self
    }

    /// The budgets the search runs under.
    pub fn limits_of(&self) -> &Limits {
        &self.limits
    }

    /// Explores every schedule of `model` (or those the engine and settings cover).
    pub fn check<M: Model>(&self, model: &M) -> Result<Outcome, SearchError> {
        self.check_observed(model, &mut ())
    }

    /// Like [`check`](Checker::check), reporting every state and transition to `observer`
    /// (breadth-first only, without reduction or a preemption bound).
    pub fn check_observed<M: Model, O: Observer<M::State>>(
        &self,
        model: &M,
        observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        let start = Instant::now();
        let span = tracing::info_span!("search", engine = self.engine.name());
        let _entered = span.enter();
        self.validate(model, O::ACTIVE)?;
        let symmetry = self.symmetry_of(model);
        let reducer = match symmetry {
            Some(_) => None,
            None => self.reducer(model, O::ACTIVE)?,
        };
        crate::memory::reset();
        tracing::info!(
            model_threads = model.thread_count(),
            reduction = reducer.is_some(),
            bound = self.preemption_bound,
            "exploring"
        );
        let mut outcome = match (self.preemption_bound, &self.only, &symmetry) {
            (Some(bound), None, Some(sym)) => {
                let bounded = Bounded::new(model.clone(), bound);
                let sym = sym.bounded();
                let mut outcome =
                    self.explore(&Quotient::new(bounded.clone(), sym.clone()), None, &mut ())?;
                concretize_verdict(&bounded, &sym, &mut outcome.verdict);
                outcome
            }
            (Some(bound), None, None) => {
                self.explore(&Bounded::new(model.clone(), bound), None, &mut ())?
            }
            (Some(bound), Some(only), _) => {
                let only = OnlyChecks::new(model.clone(), only.clone());
                self.explore(&Bounded::new(only, bound), None, &mut ())?
            }
            (None, Some(only), Some(sym)) => {
                let quotient = Quotient::new(model.clone(), sym.clone());
                self.explore(&OnlyChecks::new(quotient, only.clone()), None, &mut ())?
            }
            (None, Some(only), None) => {
                self.explore(&OnlyChecks::new(model.clone(), only.clone()), None, &mut ())?
            }
            (None, None, Some(sym)) => {
                self.explore(&Quotient::new(model.clone(), sym.clone()), None, observer)?
            }
            (None, None, None) => self.explore(model, reducer, observer)?,
        };
        if let (Some(sym), None) = (&symmetry, self.preemption_bound) {
            concretize_verdict(model, sym, &mut outcome.verdict);
        }
        // A pass is claimed only by a search that stored every state it met: one whose
        // visited set could not grow may have missed some.
        if crate::memory::exhausted() && matches!(outcome.verdict, Verdict::Pass) {
            outcome.verdict = Verdict::Stopped(StopReason::OutOfMemory);
        }
        if reducer.is_some() {
            self.shorten(model, &mut outcome, start)?;
        }
        self.count_preemptions(model, &mut outcome, start)?;
        outcome.engine = self.engine.name();
        outcome.shortest = self.engine.shortest();
        outcome.reduced = reducer.is_some();
        outcome.preemption_bound = self.preemption_bound;
        outcome.only_checks = self.only.clone();
        if let Some(sym) = &symmetry {
            share_coverage(&sym.groups, &mut outcome.stats.coverage);
        }
        outcome.symmetry = symmetry.map(|sym| sym.groups);
        tracing::info!(
            states = outcome.stats.states,
            transitions = outcome.stats.transitions,
            elapsed = ?outcome.stats.elapsed,
            "explored"
        );
        Ok(outcome)
    }

    /// Whether a search of `model` with these settings reduces, by partial-order reduction
    /// or by thread symmetry (and so counts no schedules).
    pub fn reduces<M: Model>(&self, model: &M) -> Result<bool, SearchError> {
        Ok(self.symmetry_of(model).is_some() || self.reducer(model, false)?.is_some())
    }

    /// The thread symmetry to search with, if it applies: see [`symmetry`](Checker::symmetry).
    pub(crate) fn symmetry_of<M: Model>(&self, model: &M) -> Option<Symmetry<M>> {
        // The shuttle engines run real threads, which are not renamed.
        #[cfg(feature = "shuttle")]
        let threads_run = matches!(self.engine, Engine::Shuttle(_));
        #[cfg(not(feature = "shuttle"))]
        let threads_run = false;
        let off = self.no_symmetry
            || threads_run
            || self.count_schedules
            || (self.preemption_bound.is_some() && self.only.is_some())
            || self.reduction == Reduction::On;
        if off {
            return None;
        }
        model.symmetry()
    }

    /// The same engine, threads, stop flag, checks looked for and queue memory, with no
    /// progress, counting or going on past violations: for the searches a search makes on its
    /// own behalf.
    pub(crate) fn quiet(&self) -> Checker<'static> {
        Checker {
            engine: self.engine.clone(),
            threads: self.threads,
            stop: self.stop,
            only: self.only.clone(),
            no_symmetry: self.no_symmetry,
            frontier_memory: self.frontier_memory,
            ..Checker::default()
        }
    }

    /// Refuses settings the engine cannot honour, and models beyond its limits.
    fn validate<M: Model>(&self, model: &M, observed: bool) -> Result<(), SearchError> {
        let engine = self.engine.name();
        let set = [
            (Setting::Threads, self.threads.is_some_and(|n| n != 1)),
            (Setting::MaxStates, self.limits.max_states.is_some()),
            (Setting::MaxDepth, self.limits.max_depth.is_some()),
            (Setting::Reduction, self.reduction == Reduction::On),
            (Setting::KeepGoing, self.keep_going),
            (Setting::CountSchedules, self.count_schedules),
            (Setting::Bitstate, self.bitstate.is_some()),
            (Setting::FrontierMemory, self.frontier_memory.is_some()),
            (Setting::PreemptionBound, self.preemption_bound.is_some()),
            (Setting::FewestPreemptions, self.fewest_preemptions),
            (Setting::Observer, observed),
        ];
        if let Some((setting, _)) = set
            .iter()
            .find(|(setting, on)| *on && !self.honours(*setting))
        {
            return Err(SearchError::Unsupported {
                engine,
                setting: *setting,
            });
        }
        if let Some(bound) = self.preemption_bound.filter(|&b| b > MAX_BOUND) {
            return Err(SearchError::OutOfRange {
                setting: Setting::PreemptionBound,
                value: bound.into(),
                max: MAX_BOUND.into(),
            });
        }
        self.validate_only(model, observed)?;
        if observed && self.preemption_bound.is_some() {
            return Err(SearchError::Conflict(
                Setting::Observer,
                Setting::PreemptionBound,
            ));
        }
        let max = self.max_threads();
        if model.thread_count() > max {
            return Err(SearchError::TooManyThreads {
                threads: model.thread_count(),
                max,
            });
        }
        // A step's coverage point is counted in 16 bits, u16::MAX meaning none.
        let most = u16::MAX as usize - 1;
        if let Some(t) = (0..model.thread_count()).find(|&t| model.coverage_points(t).len() > most)
        {
            return Err(SearchError::TooManyCoveragePoints {
                thread: model.thread_name(t).to_string(),
                points: model.coverage_points(t).len(),
                max: most,
            });
        }
        Ok(())
    }

    /// The checks to look for must be among those the model names; an observer sees the
    /// model's own states, so it cannot watch a search for some checks only.
    fn validate_only<M: Model>(&self, model: &M, observed: bool) -> Result<(), SearchError> {
        let Some(only) = &self.only else {
            return Ok(());
        };
        if observed {
            return Err(SearchError::Conflict(
                Setting::Observer,
                Setting::OnlyChecks,
            ));
        }
        let mut known: Vec<String> = model.checks().iter().map(|c| c.to_string()).collect();
        if known.is_empty() {
            // A model that names no checks cannot say which names are wrong.
            return Ok(());
        }
        if !known.iter().any(|c| c == DEADLOCK) {
            known.push(DEADLOCK.into());
        }
        match only.iter().find(|c| !known.contains(c)) {
            Some(check) => Err(SearchError::UnknownCheck {
                check: check.clone(),
                known,
            }),
            None => Ok(()),
        }
    }

    /// The reducer to search with, if reduction is on: see [`Reduction`].
    fn reducer<M: Model>(
        &self,
        model: &M,
        observed: bool,
    ) -> Result<Option<Reducer<M>>, SearchError> {
        let conflict = [
            (Setting::CountSchedules, self.count_schedules),
            (Setting::KeepGoing, self.keep_going),
            (Setting::Observer, observed),
            (Setting::PreemptionBound, self.preemption_bound.is_some()),
            (Setting::OnlyChecks, self.only.is_some()),
        ]
        .into_iter()
        .find_map(|(setting, on)| on.then_some(setting));
        match self.reduction {
            Reduction::Off => Ok(None),
            Reduction::Auto if conflict.is_some() || !self.honours(Setting::Reduction) => Ok(None),
            Reduction::Auto => Ok(model.reduction().filter(|r| r.by_default)),
            Reduction::On => match conflict {
                Some(setting) => Err(SearchError::Conflict(Setting::Reduction, setting)),
                None => model.reduction().map(Some).ok_or(SearchError::NotReducible),
            },
        }
    }

    /// The counterexample's preemptions; with `fewest_preemptions`, it is first replaced by
    /// one of its length and check with the fewest.
    fn count_preemptions<M: Model>(
        &self,
        model: &M,
        outcome: &mut Outcome,
        start: Instant,
    ) -> Result<(), SearchError> {
        outcome.preemptions = match &mut outcome.verdict {
            Verdict::Violation(cex) if self.fewest_preemptions => {
                let limits = self.limits.remaining_since(start);
                let bounded = |bound, limits| {
                    let checker = self.quiet().limits(limits).preemption_bound(bound);
                    checker.check(model)
                };
                let (found, preemptions) = fewest(model, &limits, cex, bounded)?;
                *cex = found;
                Some(preemptions)
            }
            Verdict::Violation(cex) => {
                preemption::count(model, &cex.schedule).map(|count| Preemptions {
                    count,
                    fewest: false,
                    fewer: None,
                })
            }
            _ => None,
        };
        Ok(())
    }

    /// The reduced search's counterexample replaced by what the unreduced search would report:
    /// the first violation of a shortest length, found by a breadth-first search bounded by
    /// the counterexample's length. So reduction changes no verdict, check or trace.
    fn shorten<M: Model>(
        &self,
        model: &M,
        outcome: &mut Outcome,
        start: Instant,
    ) -> Result<(), SearchError> {
        let Verdict::Violation(cex) = &outcome.verdict else {
            return Ok(());
        };
        if !self.engine.shortest() {
            return Ok(());
        }
        let mut limits = self.limits.remaining_since(start);
        limits.max_depth = Some(cex.schedule.len());
        let bounded = self.quiet().limits(limits).reduction(Reduction::Off);
        match bounded.explore(model, None, &mut ())?.verdict {
            Verdict::Pass => unreachable!("the reduced graph's counterexample is a real schedule"),
            verdict => outcome.verdict = verdict,
        }
        Ok(())
    }

    /// Runs the engine on `model` with these settings.
    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        model: &M,
        reducer: Option<Reducer<M>>,
        observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        let run = Run {
            model,
            threads: match (&self.engine, self.threads) {
                (Engine::Bfs, None | Some(0)) => {
                    std::thread::available_parallelism().map_or(1, |n| n.get())
                }
                (Engine::Bfs, Some(n)) => n,
                _ => 1,
            },
            limits: self.limits.clone(),
            stop: self.stop,
            progress: self.progress,
            keep_going: self.keep_going,
            count_schedules: self.count_schedules,
            bitstate: self.bitstate,
            frontier_memory: self.frontier_memory,
            reducer,
        };
        match &self.engine {
            Engine::Bfs => Bfs.explore(&run, observer),
            Engine::Dfs => Dfs.explore(&run, observer),
            #[cfg(feature = "shuttle")]
            Engine::Shuttle(shuttle) => shuttle.explore(&run, observer),
            #[cfg(feature = "timely")]
            Engine::Timely(cluster) => cluster.explore(&run, observer),
        }
    }

    fn honours(&self, setting: Setting) -> bool {
        match &self.engine {
            Engine::Bfs => Bfs.honours(setting),
            Engine::Dfs => Dfs.honours(setting),
            #[cfg(feature = "shuttle")]
            Engine::Shuttle(shuttle) => shuttle.honours(setting),
            #[cfg(feature = "timely")]
            Engine::Timely(cluster) => cluster.honours(setting),
        }
    }

    fn max_threads(&self) -> usize {
        match &self.engine {
            Engine::Bfs => Bfs.max_threads(),
            Engine::Dfs => Dfs.max_threads(),
            #[cfg(feature = "shuttle")]
            Engine::Shuttle(shuttle) => shuttle.max_threads(),
            #[cfg(feature = "timely")]
            Engine::Timely(cluster) => cluster.max_threads(),
        }
    }
}

/// A counterexample found on orbit representatives, as a schedule of the model's own threads
/// and the violation it ends in there (whose message names the real threads).
fn concretize_verdict<M: Model>(model: &M, symmetry: &Symmetry<M>, verdict: &mut Verdict) {
    let Verdict::Violation(cex) = verdict else {
        return;
    };
    let schedule = concretize(model, symmetry, &cex.schedule);
    let trace = crate::trace::execute(model, &schedule)
        .expect("a renamed counterexample is a schedule of the model");
    cex.violation = trace
        .violation
        .expect("a renamed counterexample ends in the same violation");
    cex.schedule = schedule;
}

/// Under symmetry a representative's first threads of a group move more often than the
/// others, though every member runs the same program: a step any member reached, each
/// reached. Each member's coverage becomes the group's.
fn share_coverage(groups: &[Vec<usize>], coverage: &mut [Vec<u64>]) {
    for group in groups {
        let Some(points) = group.first().and_then(|&t| coverage.get(t)).map(Vec::len) else {
            continue;
        };
        let mut sum = vec![0u64; points];
        for &t in group {
            for (total, n) in sum.iter_mut().zip(&coverage[t]) {
                *total = total.saturating_add(*n);
            }
        }
        for &t in group {
            coverage[t].clone_from(&sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_searches_a_search_makes_keep_its_queue_memory() {
        // The fewest-preemptions and shortening searches run on `quiet()`: with the queue
        // asked to stay on disk, theirs must too, or they peak above the search they serve.
        let checker = Checker::default().frontier_memory(0);
        assert_eq!(checker.quiet().frontier_memory, Some(0));
        assert_eq!(Checker::default().quiet().frontier_memory, None);
    }
}
