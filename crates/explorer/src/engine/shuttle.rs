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
//! shuttle schedule string is kept for [`replay_on_shuttle`], which reads it strictly.

use super::{shuttle_replay, Explore, Run};
use crate::model::{check_state, Model, Status, Violation};
use crate::search::engines::{Shuttle, DEFAULT_EXECUTIONS};
use crate::search::error::{SearchError, Setting};
use crate::search::observer::Observer;
use crate::search::outcome::{
    Outcome, Progress, Sampling, Scheduler as Strategy, StopReason, Verdict,
};
use crate::trace::Counterexample;
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle::sync::{Condvar, Mutex};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

impl Explore for Shuttle {
    /// Exploring past a violation; time limits and the stop flag, as every engine. Not the
    /// limits on states and depth: a shuttle execution runs to its end.
    fn honours(&self, setting: Setting) -> bool {
        setting == Setting::KeepGoing
    }

    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        run: &Run<'_, M>,
        _observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        explore(run, self)
    }
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

impl StepScheduler<()> {
    /// The same wrapper around `inner`.
    fn around<S: Scheduler>(self, inner: S) -> StepScheduler<S> {
        StepScheduler {
            inner,
            rec: self.rec,
            stop: self.stop,
            drain: self.drain,
            deadline: self.deadline,
        }
    }
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
    let caught = quietly(|| {
        catch_unwind(AssertUnwindSafe(|| {
            runner.run(body);
        }))
    });
    caught.map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "shuttle panicked".into())
    })
}

/// Runs `f` with no panic hook: shuttle reports a deadlock of the model by panicking, which the
/// caller catches and turns into a counterexample, so the message and backtrace the hook would
/// print are noise. Shuttle installs its own hook at its first run (once); that first run is
/// made here, on an empty test, so that the hook taken and put back around `f` is shuttle's.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    static SHUTTLE_HOOK: std::sync::Once = std::sync::Once::new();
    SHUTTLE_HOOK.call_once(|| shuttle::check_random(|| {}, 1));
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = f();
    std::panic::set_hook(hook);
    result
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

/// Runs `run.model`'s threads as shuttle threads under `config`'s scheduler.
fn explore<M: Model>(run: &Run<'_, M>, config: &Shuttle) -> Result<Outcome, SearchError> {
    let model = run.model;
    let start = Instant::now();
    let n = model.thread_count();
    let mut stats = run.zero_stats(1);
    let shared: Shared = Arc::new(std::sync::Mutex::new(Rec {
        filter: true,
        thread_steps: stats.thread_steps.clone(),
        coverage: stats.coverage.clone(),
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
        let keep_going = run.keep_going;
        let body = || {
            execution(model, &shared, keep_going);
            if let Some(progress) = run.progress {
                let r = rec(&shared);
                progress(&Progress {
                    depth: r.longest,
                    states: r.states.len() as u64,
                    transitions: r.transitions,
                    frontier: 0,
                    elapsed: start.elapsed(),
                });
            }
        };
        let executions = config.executions.unwrap_or(DEFAULT_EXECUTIONS);
        let deadline = run.limits.time_limit.map(|t| start + t);
        let wrap = |drain| StepScheduler {
            inner: (),
            rec: shared.clone(),
            stop: run.stop,
            drain,
            deadline,
        };
        let result = match config.scheduler {
            Strategy::Random => run_shuttle(
                wrap(true).around(RandomScheduler::new_from_seed(config.seed, executions)),
                &body,
            ),
            Strategy::Pct { depth } => run_shuttle(
                wrap(false).around(PctScheduler::new_from_seed(
                    config.seed,
                    depth.max(1),
                    executions,
                )),
                &body,
            ),
            Strategy::Dfs => run_shuttle(
                wrap(false).around(DfsScheduler::new(config.executions, false)),
                &body,
            ),
        };
        if let Err(message) = result {
            panicked = Some(message);
        }
    }
    let mut r = rec(&shared);
    if let Some(message) = panicked {
        // shuttle found every task blocked, or something broke: the execution in progress.
        r.iterations += 1;
        let schedule = std::mem::take(&mut r.model_schedule);
        let bytes: Vec<u8> = schedule.iter().map(|&t| t as u8).collect();
        r.schedules.insert(xxhash_rust::xxh3::xxh3_64(&bytes));
        r.longest = r.longest.max(schedule.len());
        match violation_after(model, &schedule) {
            // The model is deadlocked there: every model thread waits on its condition
            // variable, which is what shuttle reported.
            Some(v) if v.is_deadlock() => {
                if r.first.is_none() {
                    r.first = Some(Counterexample {
                        schedule,
                        violation: v,
                    });
                    r.first_schedule = Some(encode(&r.decisions));
                }
            }
            _ => return Err(SearchError::Shuttle(message)),
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
            run.limits.time_limit.unwrap_or_default(),
        )),
        None if run.stop.is_some_and(|s| s.load(Ordering::Relaxed)) => {
            Verdict::Stopped(StopReason::Interrupted)
        }
        None => Verdict::Pass,
    });
    let exhausted = config.scheduler == Strategy::Dfs
        && r.inner_done
        && config
            .executions
            .is_none_or(|i| (r.iterations as usize) < i);
    stats.states = r.states.len() as u64;
    stats.transitions = r.transitions;
    stats.depth = r.longest;
    stats.terminal_states = r.terminal.len() as u64;
    stats.elapsed = elapsed;
    stats.visited_bytes = (r.states.len() + r.schedules.len()) * 8;
    stats.coverage = r.coverage.clone();
    stats.thread_steps = r.thread_steps.clone();
    let mut outcome = Outcome::new(verdict, stats);
    outcome.sampling = Some(Sampling {
        scheduler: config.scheduler,
        seed: config.seed,
        threads: n,
        executions: r.iterations,
        schedules: r.schedules.len() as u64,
        longest: r.longest,
        exhausted,
        shuttle_schedule: r.first_schedule.clone(),
    });
    Ok(outcome)
}

/// Re-executes a shuttle schedule string (from [`Sampling::shuttle_schedule`]) as shuttle
/// threads, every decision as the string says (a strict replay scheduler), and reports the
/// model-level schedule it produced and the violation it ended in. A string that is not one
/// of shuttle's, or does not fit the execution, is an error that says why, never a panic.
pub fn replay_on_shuttle<M: Model>(model: &M, shuttle_schedule: &str) -> Result<Replayed, String> {
    let parsed = shuttle_replay::parse(shuttle_schedule)?;
    let decisions = parsed.steps.len();
    let n = model.thread_count();
    let shared: Shared = Arc::new(std::sync::Mutex::new(Rec {
        filter: false,
        thread_steps: vec![0; n],
        coverage: vec![Vec::new(); n],
        ..Rec::default()
    }));
    let body = || execution(model, &shared, true);
    let (strict, fit) = shuttle_replay::Strict::new(parsed);
    let scheduler = StepScheduler {
        inner: strict,
        rec: shared.clone(),
        stop: None,
        drain: false,
        deadline: None,
    };
    let result = run_shuttle(scheduler, &body);
    if let Some(why) = fit
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .error(decisions)
    {
        return Err(why);
    }
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
        Err(message) => {
            let schedule = std::mem::take(&mut r.model_schedule);
            match violation_after(model, &schedule) {
                Some(v) if v.is_deadlock() => Ok(Replayed {
                    schedule,
                    violation: Some(v),
                }),
                _ => Err(format!("shuttle's replay failed: {message}")),
            }
        }
    }
}
