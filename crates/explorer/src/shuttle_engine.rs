//! Randomized and stateless schedule exploration on real threads, with [shuttle].
//!
//! Each model thread runs as a shuttle thread. The model state lives in a
//! `shuttle::sync::Mutex`; a thread takes a step by locking it, and a thread whose next step
//! is [`Status::Blocked`] waits on its own `shuttle::sync::Condvar`, so when no thread can move,
//! every task is blocked on a real primitive and shuttle's deadlock detection reports it.
//!
//! **One scheduling point per step.** shuttle switches at every visible operation (lock,
//! unlock, notify, spawn, exit), so one model step would otherwise span several scheduling
//! decisions, most of them invisible to the model. A wrapper around shuttle's scheduler
//! (`StepScheduler`) lets a task run on through its bookkeeping and hands the scheduler a
//! choice only when every runnable task stands before its step's lock acquisition, and then only
//! among those whose model thread is enabled. So every decision the random, PCT or DFS scheduler
//! makes picks the thread of the next model step, and nothing else: PCT's step count `k` is the
//! schedule length, and DFS enumerates exactly the model's complete schedules.
//!
//! Checks are those of the exhaustive engines: a failed step assertion or invariant after a
//! step, the end checks when every thread has finished, deadlock when shuttle finds every task
//! blocked. A violation ends the execution (every thread stops at its next step) and, unless
//! `keep_going`, the run; the counterexample is the model-level schedule, and the execution's
//! shuttle schedule string is kept for [`replay`] through shuttle's `ReplayScheduler`.

use crate::bfs::{Outcome, Stats, StopReason, Verdict};
use crate::model::{check_state, Model, Status, Violation};
use crate::trace::Counterexample;
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::sync::{Condvar, Mutex};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which shuttle scheduler picks the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly random among the enabled threads at every step.
    Random,
    /// Probabilistic concurrency testing with `depth` priority change points minus one: finds a
    /// bug of depth `d <= depth` with probability at least `1/(n k^(d-1))` per execution.
    Pct {
        /// The bug depth PCT aims at (shuttle's `max_depth`).
        depth: usize,
    },
    /// shuttle's stateless depth-first search: every schedule, one execution each.
    Dfs,
}

impl Strategy {
    /// The engine name weft uses (`random`, `pct`, `dfs-shuttle`).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::Pct { .. } => "pct",
            Strategy::Dfs => "dfs-shuttle",
        }
    }
}

/// How to run a shuttle exploration.
#[derive(Clone, Debug)]
pub struct ShuttleOptions {
    /// The scheduler.
    pub strategy: Strategy,
    /// Executions to run; `None` for DFS means until every schedule is done (random and PCT
    /// then run [`DEFAULT_ITERATIONS`]).
    pub iterations: Option<usize>,
    /// Seed of the random and PCT schedulers.
    pub seed: u64,
    /// Stop starting new executions after this long.
    pub time_limit: Option<Duration>,
    /// Set from outside (Ctrl-C) to stop after the current execution.
    pub stop: Option<&'static AtomicBool>,
    /// Go on after a violation (the verdict names the first); for counting schedules.
    pub keep_going: bool,
}

/// Executions random and PCT run when no count is given.
pub const DEFAULT_ITERATIONS: usize = 1000;

impl Default for ShuttleOptions {
    fn default() -> Self {
        ShuttleOptions {
            strategy: Strategy::Random,
            iterations: None,
            seed: 0,
            time_limit: None,
            stop: None,
            keep_going: false,
        }
    }
}

/// What a shuttle run saw, beyond the verdict.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The scheduler used.
    pub strategy: Strategy,
    /// The seed of the random and PCT schedulers.
    pub seed: u64,
    /// Model threads (`n` in the PCT bound).
    pub threads: usize,
    /// Executions run.
    pub iterations: u64,
    /// Distinct complete model-level schedules among them.
    pub schedules: u64,
    /// Distinct states reached (fingerprints).
    pub states: u64,
    /// The longest schedule seen, in steps (`k` in the PCT bound).
    pub longest: usize,
    /// DFS enumerated every schedule (no limit cut it short).
    pub exhausted: bool,
    /// shuttle's own schedule string of the execution that produced the counterexample.
    pub shuttle_schedule: Option<String>,
}

impl Summary {
    /// PCT's guarantee: a bug of depth `d` (at most the configured depth) shows up in one
    /// execution with probability at least `1/(n k^(d-1))`, with `n` threads and `k` steps.
    pub fn pct_bound(&self) -> Option<f64> {
        let Strategy::Pct { depth } = self.strategy else {
            return None;
        };
        let n = self.threads.max(1) as f64;
        let k = self.longest.max(1) as f64;
        Some(1.0 / (n * k.powi(depth.saturating_sub(1) as i32)))
    }

    /// The probability that `iterations` independent PCT executions all miss a bug of the
    /// configured depth: at most `(1 - p)^iterations`.
    pub fn pct_miss_bound(&self) -> Option<f64> {
        self.pct_bound()
            .map(|p| (1.0 - p).powf(self.iterations as f64))
    }

    /// Human-readable lines for the check summary.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "shuttle {}: {} executions{}, {} distinct schedules, {} distinct states, longest {} steps",
            self.strategy.name(),
            self.iterations,
            match self.strategy {
                Strategy::Dfs if self.exhausted => " (every schedule)".to_string(),
                Strategy::Dfs => " (not every schedule: a limit stopped it)".to_string(),
                _ => format!(" (seed {})", self.seed),
            },
            self.schedules,
            self.states,
            self.longest,
        )];
        if let (Strategy::Pct { depth }, Some(p), Some(miss)) =
            (self.strategy, self.pct_bound(), self.pct_miss_bound())
        {
            out.push(format!(
                "PCT depth {depth}: each execution finds a bug of depth <= {depth} with probability \
                 >= 1/(n*k^(d-1)) = {p:.2e} (n={} threads, k={} steps); {} executions miss it with \
                 probability <= {miss:.3}",
                self.threads, self.longest, self.iterations
            ));
        }
        if let Some(s) = &self.shuttle_schedule {
            out.push(format!("shuttle schedule: {s}"));
        }
        out
    }
}

/// A shuttle run's verdict, counts and summary.
#[derive(Clone, Debug)]
pub struct ShuttleOutcome {
    /// Verdict and counts in the exhaustive engines' terms. `Pass` after random or PCT means no
    /// violation in the executions run, not in every schedule.
    pub outcome: Outcome,
    /// What shuttle ran.
    pub summary: Summary,
}

/// A counterexample re-executed on shuttle threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The model-level schedule the shuttle schedule produced.
    pub schedule: Vec<usize>,
    /// The violation it ended in, if any.
    pub violation: Option<Violation>,
}

/// Bookkeeping shared by the scheduler wrapper, the shuttle threads and the caller. A plain
/// `std` mutex: shuttle runs one task at a time, and no shuttle operation happens while it is
/// held, so it never blocks and adds no scheduling point.
#[derive(Default)]
struct Rec {
    // One execution.
    /// Per shuttle task id: it stands before its step's lock acquisition.
    at_step: Vec<bool>,
    /// Per shuttle task id: its model thread, if it is one.
    thread_of_task: Vec<Option<usize>>,
    /// Per model thread: enabled in the current state.
    enabled: Vec<bool>,
    /// A violation ended this execution: the remaining decisions are not choices.
    stopping: bool,
    /// The decisions of this execution, as shuttle records them.
    decisions: Schedule,
    /// The model-level schedule so far.
    model_schedule: Vec<usize>,
    // The run.
    iterations: u64,
    schedules: HashSet<u64>,
    states: HashSet<u64>,
    terminal: HashSet<u64>,
    longest: usize,
    transitions: u64,
    thread_steps: Vec<u64>,
    coverage: Vec<Vec<u64>>,
    first: Option<Counterexample>,
    /// The first violation's shuttle schedule is taken when its execution is over.
    save_pending: bool,
    first_schedule: Option<String>,
    /// Start no further execution.
    stop_run: bool,
    /// Whether the scheduler ran out of executions by itself (DFS exhausted, count reached).
    inner_done: bool,
    /// Filter decisions (exploration); a replay passes every decision through.
    filter: bool,
    /// The time limit stopped the run.
    timed_out: bool,
}

type Shared = Arc<std::sync::Mutex<Rec>>;

fn rec(r: &Shared) -> std::sync::MutexGuard<'_, Rec> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

fn set_flag(v: &mut Vec<bool>, i: usize, on: bool) {
    if v.len() <= i {
        v.resize(i + 1, false);
    }
    v[i] = on;
}

/// The shuttle schedule string, on one line.
fn encode(schedule: &Schedule) -> String {
    shuttle_engine::scheduler::serialization::serialize_schedule(schedule)
        .split_whitespace()
        .collect()
}

/// Wraps a shuttle scheduler so that its decisions are exactly the model's step choices, and
/// records every decision (forced ones too) as shuttle's schedule for the execution.
struct StepScheduler<S> {
    inner: S,
    rec: Shared,
    stop: Option<&'static AtomicBool>,
    /// On an early stop, run the inner scheduler out of executions (without running them):
    /// shuttle's random scheduler otherwise prints its seed as a failure when dropped.
    drain: bool,
    /// Start no execution after this.
    deadline: Option<Instant>,
}

impl<S: Scheduler> Scheduler for StepScheduler<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let mut r = rec(&self.rec);
        if r.save_pending {
            r.save_pending = false;
            r.first_schedule = Some(encode(&r.decisions));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            r.timed_out = true;
        }
        if r.stop_run || r.timed_out || self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            if self.drain {
                while self.inner.new_execution().is_some() {}
            }
            return None;
        }
        let Some(schedule) = self.inner.new_execution() else {
            r.inner_done = true;
            return None;
        };
        r.at_step.clear();
        r.thread_of_task.clear();
        r.stopping = false;
        r.model_schedule.clear();
        r.decisions = schedule.clone();
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let choice = {
            let r = rec(&self.rec);
            let at_step = |t: &Task| r.at_step.get(usize::from(t.id())) == Some(&true);
            if !r.filter {
                None
            } else if r.stopping {
                // The execution is ending: no decision matters.
                Some(
                    current
                        .filter(|c| runnable.iter().any(|t| t.id() == *c))
                        .unwrap_or(runnable[0].id()),
                )
            } else if let Some(c) =
                current.filter(|c| runnable.iter().any(|t| t.id() == *c && !at_step(t)))
            {
                // The current task is between steps (unlock, notify, spawn, exit): let it go on.
                Some(c)
            } else {
                // A task that is not yet before a step (just started, or woken up) gets there.
                runnable.iter().find(|t| !at_step(t)).map(|t| t.id())
            }
        };
        let choice = match choice {
            Some(c) => Some(c),
            None if !rec(&self.rec).filter => self.inner.next_task(runnable, current, is_yielding),
            None => {
                // Every runnable task stands before a step: the scheduler picks among the
                // enabled threads. None enabled: a model deadlock; let them reach their waits.
                let enabled: Vec<&Task> = {
                    let r = rec(&self.rec);
                    runnable
                        .iter()
                        .copied()
                        .filter(|t| {
                            r.thread_of_task
                                .get(usize::from(t.id()))
                                .copied()
                                .flatten()
                                .is_some_and(|m| r.enabled.get(m) == Some(&true))
                        })
                        .collect()
                };
                if enabled.is_empty() {
                    Some(runnable[0].id())
                } else {
                    self.inner.next_task(&enabled, current, is_yielding)
                }
            }
        };
        if let Some(c) = choice {
            rec(&self.rec).decisions.push_task(c);
        }
        choice
    }

    fn next_u64(&mut self) -> u64 {
        rec(&self.rec).decisions.push_random();
        self.inner.next_u64()
    }
}

/// The model state and what the threads tell each other, under the shuttle mutex.
struct State<S> {
    state: S,
    schedule: Vec<usize>,
    /// Per model thread: it waits on its condition variable.
    waiting: Vec<bool>,
    /// A violation ended the execution.
    violation: Option<Violation>,
}

/// One execution: the threads, their steps and the checks. Runs inside shuttle.
fn execution<M: Model>(model: &M, shared: &Shared, keep_going: bool) {
    let n = model.thread_count();
    let mutex = Mutex::new(State {
        state: model.initial_state(),
        schedule: Vec::new(),
        waiting: vec![false; n],
        violation: None,
    });
    let cvs: Vec<Condvar> = (0..n).map(|_| Condvar::new()).collect();
    {
        let init = model.initial_state();
        let mut r = rec(shared);
        r.enabled = (0..n)
            .map(|t| model.status(&init, t) == Status::Enabled)
            .collect();
    }
    shuttle::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|t| {
                let (mutex, cvs) = (&mutex, &cvs);
                scope.spawn(move || model_thread(model, shared, mutex, cvs, t))
            })
            .collect();
        for h in handles {
            h.join().expect("a model thread panicked");
        }
    });
    let done = mutex.into_inner().unwrap_or_else(|e| e.into_inner());
    let violation = match done.violation {
        Some(v) => Some(v),
        None => check_state(model, &done.state).err(),
    };
    let mut r = rec(shared);
    r.iterations += 1;
    let bytes: Vec<u8> = done.schedule.iter().map(|&t| t as u8).collect();
    r.schedules.insert(xxhash_rust::xxh3::xxh3_64(&bytes));
    r.longest = r.longest.max(done.schedule.len());
    if violation.is_none() {
        let fp = model.fingerprint(&done.state);
        r.terminal.insert(fp);
    }
    if let Some(v) = violation {
        if r.first.is_none() {
            r.first = Some(Counterexample {
                schedule: done.schedule,
                violation: v,
            });
            r.save_pending = true;
        }
        if !keep_going {
            r.stop_run = true;
        }
    }
}

fn model_thread<M: Model>(
    model: &M,
    shared: &Shared,
    mutex: &Mutex<State<M::State>>,
    cvs: &[Condvar],
    t: usize,
) {
    let me = usize::from(shuttle::current::me());
    {
        let mut r = rec(shared);
        if r.thread_of_task.len() <= me {
            r.thread_of_task.resize(me + 1, None);
        }
        r.thread_of_task[me] = Some(t);
    }
    // Before each step: the only scheduling decision the wrapped scheduler sees.
    let lock_for_step = || {
        set_flag(&mut rec(shared).at_step, me, true);
        let g = mutex.lock().unwrap_or_else(|e| e.into_inner());
        set_flag(&mut rec(shared).at_step, me, false);
        g
    };
    loop {
        let mut g = lock_for_step();
        if g.violation.is_some() {
            return;
        }
        match model.status(&g.state, t) {
            Status::Finished => return,
            Status::Blocked => {
                // Wait on a real primitive: if no thread can ever wake this one, every task
                // ends up blocked and shuttle reports the deadlock.
                g.waiting[t] = true;
                let g = cvs[t].wait(g).unwrap_or_else(|e| e.into_inner());
                drop(g);
                continue;
            }
            Status::Enabled => {}
        }
        let point = {
            let r = rec(shared);
            (!r.coverage.get(t).is_none_or(|c| c.is_empty()))
                .then(|| model.coverage_point(&g.state, t))
        };
        g.schedule.push(t);
        let st = &mut *g;
        let result = model
            .step(&mut st.state, t)
            .and_then(|()| model.invariant(&st.state));
        let fp = model.fingerprint(&st.state);
        let statuses: Vec<Status> = (0..cvs.len()).map(|u| model.status(&st.state, u)).collect();
        {
            let mut r = rec(shared);
            r.transitions += 1;
            r.thread_steps[t] += 1;
            if let Some(p) = point {
                if let Some(c) = r.coverage[t].get_mut(p) {
                    *c += 1;
                }
            }
            if result.is_ok() {
                r.states.insert(fp);
            }
            r.model_schedule.push(t);
            r.enabled = statuses.iter().map(|s| *s == Status::Enabled).collect();
            if result.is_err() {
                r.stopping = true;
            }
        }
        if let Err(v) = result {
            st.violation = Some(v);
        }
        let stop = st.violation.is_some();
        for (u, s) in statuses.iter().enumerate() {
            if st.waiting[u] && (stop || *s != Status::Blocked) {
                st.waiting[u] = false;
                cvs[u].notify_one();
            }
        }
        if stop || statuses[t] == Status::Finished {
            return;
        }
    }
}

/// Runs `body` under shuttle with `scheduler`; a panic (a deadlock) comes back as its message.
fn run_shuttle<S: Scheduler + 'static>(
    scheduler: S,
    body: &(dyn Fn() + Send + Sync),
) -> Result<(), String> {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.stack_size = 1 << 20;
    config.silence_warnings = true;
    // SAFETY: `Runner::run` runs every execution before it returns or unwinds, and then no
    // longer calls `body`; continuations it leaks are never resumed. So `body`, and the model it
    // borrows, outlive every use of the reference.
    let body: &'static (dyn Fn() + Send + Sync) = unsafe { std::mem::transmute(body) };
    let runner = shuttle::Runner::new(scheduler, config);
    catch_unwind(AssertUnwindSafe(|| {
        runner.run(body);
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "shuttle panicked".into())
    })
}

/// The violation at the end of a model-level schedule shuttle stopped in (a deadlock).
fn violation_after<M: Model>(model: &M, schedule: &[usize]) -> Option<Violation> {
    let mut state = model.initial_state();
    for &t in schedule {
        if let Err(v) = model.step(&mut state, t) {
            return Some(v);
        }
    }
    check_state(model, &state).err()
}

/// Runs `model`'s threads as shuttle threads under the chosen scheduler.
pub fn explore_shuttle<M: Model>(model: &M, options: &ShuttleOptions) -> ShuttleOutcome {
    let start = Instant::now();
    let n = model.thread_count();
    assert!(n <= u8::MAX as usize, "weft explores at most 255 threads");
    let coverage = crate::bfs::coverage_counters(model);
    let shared: Shared = Arc::new(std::sync::Mutex::new(Rec {
        filter: true,
        thread_steps: vec![0; n],
        coverage,
        ..Rec::default()
    }));
    let init = model.initial_state();
    rec(&shared).states.insert(model.fingerprint(&init));
    let mut verdict = None;
    if let Err(v) = check_state(model, &init) {
        verdict = Some(Verdict::Violation(Counterexample {
            schedule: vec![],
            violation: v,
        }));
    }
    let mut panicked = None;
    if verdict.is_none() {
        let keep_going = options.keep_going;
        let body = || execution(model, &shared, keep_going);
        let iterations = options.iterations.unwrap_or(DEFAULT_ITERATIONS);
        let deadline = options.time_limit.map(|t| start + t);
        let result = match options.strategy {
            Strategy::Random => run_shuttle(
                StepScheduler {
                    inner: RandomScheduler::new_from_seed(options.seed, iterations),
                    rec: shared.clone(),
                    stop: options.stop,
                    drain: true,
                    deadline,
                },
                &body,
            ),
            Strategy::Pct { depth } => run_shuttle(
                StepScheduler {
                    inner: PctScheduler::new_from_seed(options.seed, depth.max(1), iterations),
                    rec: shared.clone(),
                    stop: options.stop,
                    drain: false,
                    deadline,
                },
                &body,
            ),
            Strategy::Dfs => run_shuttle(
                StepScheduler {
                    inner: DfsScheduler::new(options.iterations, false),
                    rec: shared.clone(),
                    stop: options.stop,
                    drain: false,
                    deadline,
                },
                &body,
            ),
        };
        if let Err(message) = result {
            panicked = Some(message);
        }
    }
    let mut r = rec(&shared);
    if let Some(message) = panicked {
        // shuttle found every task blocked (or something broke): the execution in progress.
        r.iterations += 1;
        let schedule = std::mem::take(&mut r.model_schedule);
        let bytes: Vec<u8> = schedule.iter().map(|&t| t as u8).collect();
        r.schedules.insert(xxhash_rust::xxh3::xxh3_64(&bytes));
        r.longest = r.longest.max(schedule.len());
        match violation_after(model, &schedule) {
            Some(v) if message.contains("deadlock") && v.check == "deadlock" => {
                if r.first.is_none() {
                    r.first = Some(Counterexample {
                        schedule,
                        violation: v,
                    });
                    r.first_schedule = Some(encode(&r.decisions));
                }
            }
            _ => panic!("shuttle execution failed: {message}"),
        }
    } else if r.save_pending {
        r.save_pending = false;
        r.first_schedule = Some(encode(&r.decisions));
    }
    let elapsed = start.elapsed();
    let verdict = verdict.unwrap_or_else(|| match r.first.clone() {
        Some(cex) => Verdict::Violation(cex),
        None if r.inner_done => Verdict::Pass,
        None if r.timed_out => Verdict::Stopped(StopReason::TimeLimit(
            options.time_limit.unwrap_or_default(),
        )),
        None if options.stop.is_some_and(|s| s.load(Ordering::Relaxed)) => {
            Verdict::Stopped(StopReason::Interrupted)
        }
        None => Verdict::Pass,
    });
    let exhausted = options.strategy == Strategy::Dfs
        && r.inner_done
        && options
            .iterations
            .is_none_or(|i| (r.iterations as usize) < i);
    let stats = Stats {
        states: r.states.len() as u64,
        transitions: r.transitions,
        depth: r.longest,
        terminal_states: r.terminal.len() as u64,
        elapsed,
        visited_bytes: (r.states.len() + r.schedules.len()) * 8,
        threads: 1,
        schedules: None,
        coverage: r.coverage.clone(),
        thread_steps: r.thread_steps.clone(),
        bitstate: None,
        disk_bytes: 0,
    };
    let summary = Summary {
        strategy: options.strategy,
        seed: options.seed,
        threads: n,
        iterations: r.iterations,
        schedules: r.schedules.len() as u64,
        states: r.states.len() as u64,
        longest: r.longest,
        exhausted,
        shuttle_schedule: r.first_schedule.clone(),
    };
    ShuttleOutcome {
        outcome: Outcome { verdict, stats },
        summary,
    }
}

/// Re-executes a shuttle schedule string (from [`Summary::shuttle_schedule`]) as shuttle
/// threads through shuttle's `ReplayScheduler`, and reports the model-level schedule it
/// produced and the violation it ended in.
pub fn replay<M: Model>(model: &M, shuttle_schedule: &str) -> Result<Replayed, String> {
    let parsed = shuttle_engine::scheduler::serialization::deserialize_schedule(shuttle_schedule)
        .ok_or_else(|| "not a shuttle schedule string".to_string())?;
    let n = model.thread_count();
    let shared: Shared = Arc::new(std::sync::Mutex::new(Rec {
        filter: false,
        thread_steps: vec![0; n],
        coverage: vec![Vec::new(); n],
        ..Rec::default()
    }));
    let body = || execution(model, &shared, true);
    let scheduler = StepScheduler {
        inner: ReplayScheduler::new_from_schedule(parsed),
        rec: shared.clone(),
        stop: None,
        drain: false,
        deadline: None,
    };
    let result = run_shuttle(scheduler, &body);
    let mut r = rec(&shared);
    match result {
        Ok(()) => match r.first.take() {
            Some(cex) => Ok(Replayed {
                schedule: cex.schedule,
                violation: Some(cex.violation),
            }),
            None if r.iterations == 1 => {
                Err("the shuttle schedule ran to the end without a violation".to_string())
            }
            None => Err("the shuttle schedule did not run".to_string()),
        },
        Err(message) if message.contains("deadlock") => {
            let schedule = std::mem::take(&mut r.model_schedule);
            let violation = violation_after(model, &schedule);
            Ok(Replayed {
                schedule,
                violation,
            })
        }
        Err(message) => Err(format!("shuttle's replay failed: {message}")),
    }
}
