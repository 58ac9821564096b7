//! The distributed engine: level-synchronous breadth-first search as a timely-dataflow
//! iterative dataflow, on worker threads, processes and machines (cargo feature `timely`).
//!
//! Every state is owned by one worker, chosen from its fingerprint (`fp >> 40`, so that the
//! routing bits do not overlap the bits a hash table indexes by); the owner keeps the visited
//! set and the parent link (`fp -> (parent fp, thread)`) of the states it owns. Timestamps
//! count phases: at time `2d` owners insert the states of depth `d` that arrived, check them,
//! and broadcast counts and violations; at `2d + 1`, once timely's progress tracking says no
//! more data for `2d` can arrive anywhere, every worker knows the same global counts and
//! violations, takes the same decision (stop or go on), and expands its part of the level.
//!
//! Among the parents that reach a new state in the same level the smallest `(fingerprint,
//! thread)` is kept, and among the violations of the shallowest violating level the smallest
//! `(parent fingerprint, thread)`: so the verdict, the counts and the counterexample do not
//! depend on the number of workers. The counterexample's path is rebuilt by a second dataflow
//! that follows the parent links hop by hop from worker to worker, then handed back as an
//! ordinary [`Counterexample`] (the caller re-executes it into a trace).
//!
//! Fail-stop: a peer that cannot be reached within [`Cluster::connect_timeout`], or whose
//! connection breaks, ends the run with [`TimelyError`]; no call waits forever on a dead peer.
//! Partial-order reduction, schedule counting and bitstate hashing are not supported: the
//! engine explores every interleaving, so after a pass its counts are those of `bfs` with
//! `--no-por`. After a violation they are not: a level is always finished, so the counts are
//! those of every state up to the shallowest violating depth and every transition into them,
//! where `bfs` stops at its first violating step in its own order and counts only part of
//! that last level (and may keep another counterexample of the same length). Reproducing
//! `bfs`'s cut would take `bfs`'s order of every level, a global sort across workers per
//! level, to save counts that mean nothing more. `--max-states` also stops at a level's end.

use super::{coverage_counters, Explore, Run};
use crate::model::{check_state, Model, Status, Violation};
use crate::search::engines::Cluster;
use crate::search::error::{SearchError, Setting, TimelyError};
use crate::search::limits::Limits;
use crate::search::observer::Observer;
use crate::search::outcome::{Outcome, Progress, Stats, StopReason, Verdict};
use crate::store::visited::FpMap;
use crate::trace::Counterexample;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::{AllocatorBuilder, Hooks};
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::{Broadcast, Partition};
use timely::dataflow::operators::{Capability, Concat, ConnectLoop, Feedback, Probe, ToStream};
use timely::dataflow::ProbeHandle;
use timely::worker::Worker;
use timely::WorkerConfig;

impl Explore for Cluster {
    /// The limits on states and depth, as the breadth-first engine. Its worker threads are
    /// the cluster's.
    fn honours(&self, setting: Setting) -> bool {
        matches!(setting, Setting::MaxStates | Setting::MaxDepth)
    }

    /// A parent link's thread is a byte, one value of which marks the initial state.
    fn max_threads(&self) -> usize {
        ROOT as usize - 1
    }

    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        run: &Run<'_, M>,
        _observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        Ok(explore(run, self)?)
    }
}

/// The worker that owns fingerprint `fp`, as a routing value for [`Exchange`].
fn route(fp: u64) -> u64 {
    fp >> 40
}

/// No parent: the initial state.
const ROOT: u8 = u8::MAX;

/// A successor on its way to its owner, encoded ([`Model::encode`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Arrival {
    fp: u64,
    parent: u64,
    thread: u8,
    state: Encoded,
}

/// A state's encoding, inline up to 64 bytes: a successor then costs no allocation of its
/// own, which two workers handing states to each other would free across threads.
type Encoded = SmallVec<[u8; 64]>;

/// What every worker tells every other worker at each phase.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Signal {
    /// Counts from one worker's phase.
    Counts {
        states: u64,
        terminal: u64,
        transitions: u64,
        /// States of the new level that have a step to take.
        frontier: u64,
        /// Per thread, transitions it made.
        thread_steps: Vec<u64>,
        /// Per thread, per coverage point, transitions that fired it.
        coverage: Vec<Vec<u64>>,
        /// A limit or an interrupt asks to stop.
        stop: Option<Stop>,
    },
    /// A violation at `depth`, at the end of the step `(parent, thread)`.
    Violation {
        depth: u32,
        parent: u64,
        thread: u8,
        violation: Violation,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Stop {
    Interrupted,
    OutOfMemory,
    TimeLimit(Duration),
}

/// The loop's messages: states for their owners, signals for everyone.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Msg {
    State(Arrival),
    Signal(Signal),
}

/// A hop of the counterexample rebuild: the state `fp`, and the threads that lead from it to
/// the violation, last first; or the finished schedule, for worker 0.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Hop {
    At { fp: u64, rev: Vec<u8> },
    Done(Vec<u8>),
}

/// What a worker concludes, identical on every worker (except the rebuilt schedule, only on
/// worker 0).
#[derive(Clone, Debug, Default)]
struct Finish {
    states: u64,
    transitions: u64,
    terminal: u64,
    depth: usize,
    thread_steps: Vec<u64>,
    coverage: Vec<Vec<u64>>,
    /// Shallowest violation: (depth, parent, thread, violation).
    violation: Option<(u32, u64, u8, Violation)>,
    stop: Option<StopReason>,
    schedule: Option<Vec<usize>>,
}

enum Event {
    Progress(Progress),
    Done(usize, Result<Finish, String>),
}

/// Explores every schedule of `run.model` breadth-first on the workers of `cluster`: every
/// process of the cluster calls it with the same model and settings. Returns the same
/// [`Outcome`] on every process, except that only process 0's counterexample has its schedule
/// (elsewhere it is empty). `run.progress` is called once per level, on process 0 only.
///
/// On [`TimelyError`] worker threads of this process may be left parked: the caller is
/// expected to exit.
fn explore<M: Model>(run: &Run<'_, M>, cluster: &Cluster) -> Result<Outcome, TimelyError> {
    let model: Arc<dyn Levels> = Arc::new(run.model.clone());
    explore_levels(model, &run.limits, run.stop, run.progress, cluster)
}

/// [`explore`], on the model as the dataflow sees it.
fn explore_levels(
    model: Arc<dyn Levels>,
    limits: &Limits,
    interrupt: Option<&AtomicBool>,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
    cluster: &Cluster,
) -> Result<Outcome, TimelyError> {
    if cluster.workers == 0 {
        return Err(TimelyError::Config("at least one worker is needed".into()));
    }
    let processes = cluster.processes();
    if cluster.process >= processes {
        return Err(TimelyError::Config(format!(
            "process {} does not exist (the hostfile lists {processes})",
            cluster.process
        )));
    }
    install_panic_filter();
    let start = Instant::now();
    let (builders, guard): (Vec<AllocatorBuilder>, Box<dyn std::any::Any + Send>) = if processes
        == 1
    {
        timely::CommunicationConfig::Process(cluster.workers)
            .try_build()
            .map_err(TimelyError::Config)?
    } else {
        let sockets = connect(cluster)?;
        let hooks = Hooks::default();
        let local = ProcessBuilder::new_typed_vector(cluster.workers, hooks.refill.clone(), None);
        let (builders, guard) = initialize_networking_from_sockets(
            local,
            sockets,
            cluster.process,
            cluster.workers,
            hooks,
        )
        .map_err(|e| TimelyError::Connect(e.to_string()))?;
        (
            builders.into_iter().map(AllocatorBuilder::Tcp).collect(),
            Box::new(guard),
        )
    };

    let (events, receiver) = mpsc::channel::<Event>();
    let events = Mutex::new(events);
    let stop_flag = Arc::new(AtomicBool::new(false));
    let shared = Arc::new((model, limits.clone(), stop_flag.clone()));
    let guards = timely::execute::execute_from(builders, guard, WorkerConfig::default(), {
        move |worker: &mut Worker| {
            let events = events.lock().expect("events").clone();
            let index = worker.index();
            let shared = shared.clone();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (model, limits, stop) = &*shared;
                run_worker(worker, model, limits, stop, start, &events)
            }));
            let result = result.map_err(|p| panic_message(&*p));
            let _ = events.send(Event::Done(index, result));
        }
    })
    .map_err(TimelyError::Config)?;

    let total_workers = cluster.workers * processes;
    let mut finishes: BTreeMap<usize, Finish> = BTreeMap::new();
    while finishes.len() < cluster.workers {
        if interrupt.is_some_and(|s| s.load(Ordering::Relaxed)) {
            stop_flag.store(true, Ordering::Relaxed);
        }
        match receiver.recv_timeout(Duration::from_millis(50)) {
            Ok(Event::Progress(p)) => {
                if let Some(progress) = progress {
                    progress(&p);
                }
            }
            Ok(Event::Done(index, Ok(finish))) => {
                finishes.insert(index, finish);
            }
            Ok(Event::Done(_, Err(message))) => {
                std::mem::forget(guards);
                return Err(TimelyError::Peer(message));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::mem::forget(guards);
                return Err(TimelyError::Peer("a worker thread ended early".into()));
            }
        }
    }
    // Every worker concluded: let the connections close in order, but never wait for a peer
    // that dies now (the outcome is already known everywhere).
    let (closed, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let joined = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(guards)));
        let _ = closed.send(joined.is_ok());
    });
    let _ = wait.recv_timeout(cluster.connect_timeout);

    let (_, finish) = finishes.into_iter().next().expect("a worker");
    let verdict = match (finish.violation, finish.stop) {
        (Some((_, _, _, violation)), _) => Verdict::Violation(Counterexample {
            schedule: finish.schedule.unwrap_or_default(),
            violation,
        }),
        (None, Some(reason)) => Verdict::Stopped(reason),
        (None, None) => Verdict::Pass,
    };
    let stats = Stats {
        states: finish.states,
        transitions: finish.transitions,
        depth: finish.depth,
        terminal_states: finish.terminal,
        elapsed: start.elapsed(),
        visited_bytes: 0,
        threads: total_workers,
        schedules: None,
        coverage: finish.coverage,
        thread_steps: finish.thread_steps,
        bitstate: None,
        disk_bytes: 0,
        reduction: None,
    };
    Ok(Outcome::new(verdict, stats))
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let text = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a worker panicked".into());
    if text.contains("MergeQueue poisoned") || text.contains("timely communication error") {
        "a peer process died or its connection broke".into()
    } else {
        format!("a worker failed: {text}")
    }
}

/// Keeps the panics of timely's communication threads (a peer went away) off stderr: the
/// run reports them as one clear error. Other panics go to the previous hook.
fn install_panic_filter() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let timely_thread = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("timely:"));
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let network = text.contains("timely communication error")
                || text.contains("MergeQueue poisoned")
                || text.contains("Recv thread panic")
                || text.contains("Send thread panic");
            if !(timely_thread && network) {
                previous(info);
            }
        }));
    });
}

/// The magic number of weft's handshake, after timely's own (the process index).
const HELLO: u64 = 0x7765_6674_0001_0000;

/// Connects to every other process of the cluster, as timely does (process `i` connects to
/// the processes before it and accepts the ones after it), but gives up at the deadline.
fn connect(cluster: &Cluster) -> Result<Vec<Option<TcpStream>>, TimelyError> {
    let me = cluster.process;
    let addresses = &cluster.addresses;
    let deadline = Instant::now() + cluster.connect_timeout;
    let hello = HELLO ^ (addresses.len() as u64) << 8 ^ cluster.workers as u64;
    let listener = TcpListener::bind(&addresses[me]).map_err(|e| {
        TimelyError::Connect(format!(
            "process {me} cannot listen on {}: {e}",
            addresses[me]
        ))
    })?;
    let mut sockets: Vec<Option<TcpStream>> = (0..addresses.len()).map(|_| None).collect();
    for (peer, address) in addresses.iter().enumerate().take(me) {
        let stream = loop {
            let attempt = address.to_socket_addrs().and_then(|mut a| {
                let a = a
                    .next()
                    .ok_or_else(|| std::io::Error::other("no address"))?;
                TcpStream::connect_timeout(&a, Duration::from_millis(500))
            });
            match attempt {
                Ok(s) => break s,
                Err(e) if Instant::now() >= deadline => {
                    return Err(TimelyError::Connect(format!(
                        "process {peer} at {address} did not answer within {:.0}s: {e}",
                        cluster.connect_timeout.as_secs_f64()
                    )))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let io = |e: std::io::Error| {
            TimelyError::Connect(format!("handshake with process {peer} failed: {e}"))
        };
        stream.set_nodelay(true).map_err(io)?;
        (&stream)
            .write_all(&(me as u64).to_be_bytes())
            .map_err(io)?;
        (&stream).write_all(&hello.to_be_bytes()).map_err(io)?;
        sockets[peer] = Some(stream);
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| TimelyError::Connect(e.to_string()))?;
    let mut waiting = addresses.len() - me - 1;
    while waiting > 0 {
        match listener.accept() {
            Ok((stream, _)) => {
                let io = |e: std::io::Error| {
                    TimelyError::Connect(format!("handshake with a peer failed: {e}"))
                };
                stream.set_nonblocking(false).map_err(io)?;
                stream
                    .set_read_timeout(Some(cluster.connect_timeout))
                    .map_err(io)?;
                stream.set_nodelay(true).map_err(io)?;
                let mut words = [0u8; 16];
                (&stream).read_exact(&mut words).map_err(io)?;
                stream.set_read_timeout(None).map_err(io)?;
                let peer = u64::from_be_bytes(words[..8].try_into().expect("8 bytes")) as usize;
                let theirs = u64::from_be_bytes(words[8..].try_into().expect("8 bytes"));
                if theirs != hello {
                    return Err(TimelyError::Connect(format!(
                        "process {peer} runs with a different cluster shape (processes or \
                         workers per process differ)"
                    )));
                }
                if peer <= me || peer >= addresses.len() || sockets[peer].is_some() {
                    return Err(TimelyError::Connect(format!(
                        "unexpected connection from process {peer}"
                    )));
                }
                sockets[peer] = Some(stream);
                waiting -= 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let missing: Vec<String> = (me + 1..addresses.len())
                        .filter(|&p| sockets[p].is_none())
                        .map(|p| p.to_string())
                        .collect();
                    return Err(TimelyError::Connect(format!(
                        "process{} {} did not connect within {:.0}s",
                        if missing.len() == 1 { "" } else { "es" },
                        missing.join(", "),
                        cluster.connect_timeout.as_secs_f64()
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(TimelyError::Connect(e.to_string())),
        }
    }
    Ok(sockets)
}

/// What the search operator shares with the worker after the dataflow.
struct Shared {
    parents: FpMap<(u64, u8)>,
    finish: Finish,
}

fn run_worker(
    worker: &mut Worker,
    model: &Arc<dyn Levels>,
    limits: &Limits,
    stop: &Arc<AtomicBool>,
    start: Instant,
    events: &mpsc::Sender<Event>,
) -> Finish {
    let index = worker.index();
    let threads = model.threads();
    let shared = Rc::new(RefCell::new(Shared {
        parents: FpMap::default(),
        finish: Finish {
            thread_steps: vec![0; threads],
            coverage: model.coverage_counters(),
            ..Finish::default()
        },
    }));
    let probe = ProbeHandle::new();
    {
        let model = model.clone();
        let limits = limits.clone();
        let shared = shared.clone();
        let events = events.clone();
        let stop = stop.clone();
        let probe = probe.clone();
        worker.dataflow::<u32, _, _>(move |scope| {
            let (states_handle, states_loop) = scope.feedback(1u32);
            let (signals_handle, signals_loop) = scope.feedback::<Vec<Msg>>(1u32);
            let root: Vec<Msg> = if index == 0 {
                let (fp, state) = model.root();
                vec![Msg::State(Arrival {
                    fp,
                    parent: 0,
                    thread: ROOT,
                    state,
                })]
            } else {
                Vec::new()
            };
            let out = root
                .to_stream(scope)
                .container::<Vec<_>>()
                .concat(states_loop)
                .binary_frontier(
                    signals_loop,
                    Exchange::new(|m: &Msg| match m {
                        Msg::State(a) => route(a.fp),
                        Msg::Signal(_) => 0,
                    }),
                    Pipeline,
                    "Search",
                    move |_cap, _info| {
                        let mut search = Search {
                            model,
                            limits,
                            stop,
                            start,
                            index,
                            events,
                            shared,
                            pending: BTreeMap::new(),
                            arrivals: HashMap::new(),
                            signals: HashMap::new(),
                            frontier: Vec::new(),
                            done: false,
                        };
                        move |(input1, frontier1), (input2, frontier2), output| {
                            input1.for_each_stamp(|cap, data| {
                                if let Some(cap) = cap.retain_least(output.output_index()) {
                                    let t = *cap.time();
                                    search.pending.entry(t).or_insert(cap);
                                    let list = search.arrivals.entry(t).or_default();
                                    for batch in data {
                                        for m in batch.drain(..) {
                                            if let Msg::State(a) = m {
                                                list.push(a);
                                            }
                                        }
                                    }
                                }
                            });
                            input2.for_each_stamp(|cap, data| {
                                if let Some(cap) = cap.retain_least(output.output_index()) {
                                    let t = *cap.time();
                                    search.pending.entry(t).or_insert(cap);
                                    let list = search.signals.entry(t).or_default();
                                    for batch in data {
                                        for m in batch.drain(..) {
                                            if let Msg::Signal(s) = m {
                                                list.push(s);
                                            }
                                        }
                                    }
                                }
                            });
                            while let Some(t) = search.pending.keys().next().copied() {
                                if frontier1.frontier().less_equal(&t)
                                    || frontier2.frontier().less_equal(&t)
                                {
                                    break;
                                }
                                let cap = search.pending.remove(&t).expect("pending");
                                let mut out = Vec::new();
                                let next = search.phase(t, &mut out);
                                if !out.is_empty() {
                                    let mut session = output.session(&cap);
                                    for m in out {
                                        session.give(m);
                                    }
                                }
                                if next {
                                    let later = cap.delayed(&(t + 1));
                                    search.pending.insert(t + 1, later);
                                }
                            }
                        }
                    },
                );
            // Split, not filtered twice: filtering a clone of the stream copied every state.
            let mut parts = out.partition(2, |m| match m {
                Msg::State(_) => (0, m),
                Msg::Signal(_) => (1, m),
            });
            let signals = parts.pop().expect("two parts");
            let states = parts.pop().expect("two parts");
            states.connect_loop(states_handle);
            signals
                .broadcast()
                .probe_with(&probe)
                .connect_loop(signals_handle);
        });
    }
    while !probe.done() {
        worker.step_or_park(Some(Duration::from_millis(20)));
    }

    // Rebuild the counterexample's path by following parent links from owner to owner.
    let violation = shared.borrow().finish.violation.clone();
    let rebuilt: Rc<RefCell<Option<Vec<u8>>>> = Rc::new(RefCell::new(None));
    if let Some((depth, parent, thread, _)) = violation {
        let probe = ProbeHandle::new();
        let shared = shared.clone();
        let rebuilt_in = rebuilt.clone();
        let start_hop: Vec<Hop> = match (index, depth) {
            (0, 0) => vec![Hop::Done(Vec::new())],
            (0, _) => vec![Hop::At {
                fp: parent,
                rev: vec![thread],
            }],
            _ => Vec::new(),
        };
        worker.dataflow::<u32, _, _>(|scope| {
            let (handle, cycle) = scope.feedback(1u32);
            start_hop
                .to_stream(scope)
                .container::<Vec<_>>()
                .concat(cycle)
                .unary(
                    Exchange::new(|h: &Hop| match h {
                        Hop::At { fp, .. } => route(*fp),
                        Hop::Done(_) => 0,
                    }),
                    "Rebuild",
                    move |_cap, _info| {
                        move |input, output| {
                            input.for_each_stamp(|time, data| {
                                let mut session = output.session(&time);
                                for batch in data {
                                    for hop in batch.drain(..) {
                                        match hop {
                                            Hop::Done(mut rev) => {
                                                rev.reverse();
                                                *rebuilt_in.borrow_mut() = Some(rev);
                                            }
                                            Hop::At { fp, mut rev } => {
                                                let link =
                                                    shared.borrow().parents.get(&fp).copied();
                                                match link {
                                                    Some((_, ROOT)) => session.give(Hop::Done(rev)),
                                                    Some((p, t)) => {
                                                        rev.push(t);
                                                        session.give(Hop::At { fp: p, rev });
                                                    }
                                                    None => panic!(
                                                        "internal error: no parent link for state {fp:#x}"
                                                    ),
                                                }
                                            }
                                        }
                                    }
                                }
                            });
                        }
                    },
                )
                .probe_with(&probe)
                .connect_loop(handle);
        });
        while !probe.done() {
            worker.step_or_park(Some(Duration::from_millis(20)));
        }
    }
    let mut finish = std::mem::take(&mut shared.borrow_mut().finish);
    finish.schedule = rebuilt
        .borrow_mut()
        .take()
        .map(|s| s.into_iter().map(usize::from).collect());
    finish
}

/// One worker's search operator.
struct Search {
    model: Arc<dyn Levels>,
    limits: Limits,
    stop: Arc<AtomicBool>,
    start: Instant,
    index: usize,
    events: mpsc::Sender<Event>,
    shared: Rc<RefCell<Shared>>,
    pending: BTreeMap<u32, Capability<u32>>,
    arrivals: HashMap<u32, Vec<Arrival>>,
    signals: HashMap<u32, Vec<Signal>>,
    /// The states of the current level this worker owns and must expand, encoded.
    frontier: Vec<(u64, Encoded)>,
    done: bool,
}

impl Search {
    /// Processes time `t`, once no more data for it can arrive; returns whether the worker
    /// has work at `t + 1`.
    fn phase(&mut self, t: u32, out: &mut Vec<Msg>) -> bool {
        let arrivals = self.arrivals.remove(&t).unwrap_or_default();
        let signals = self.signals.remove(&t).unwrap_or_default();
        let mut sh = self.shared.borrow_mut();
        let mut frontier_total = 0u64;
        let mut stop = None;
        for s in signals {
            match s {
                Signal::Counts {
                    states,
                    terminal,
                    transitions,
                    frontier,
                    thread_steps,
                    coverage,
                    stop: s,
                } => {
                    let f = &mut sh.finish;
                    f.states += states;
                    f.terminal += terminal;
                    f.transitions += transitions;
                    for (a, b) in f.thread_steps.iter_mut().zip(thread_steps) {
                        *a += b;
                    }
                    for (a, b) in f.coverage.iter_mut().zip(coverage) {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                    }
                    frontier_total += frontier;
                    if states > 0 {
                        f.depth = f.depth.max((t / 2) as usize);
                    }
                    stop = stop.or(s);
                }
                Signal::Violation {
                    depth,
                    parent,
                    thread,
                    violation,
                } => {
                    let better = match &sh.finish.violation {
                        None => true,
                        Some((d, p, th, _)) => (depth, parent, thread) < (*d, *p, *th),
                    };
                    if better {
                        sh.finish.violation = Some((depth, parent, thread, violation));
                    }
                }
            }
        }
        if self.done {
            return false;
        }
        let depth = t / 2;
        if t % 2 == 0 {
            // Insert the states of `depth` that arrived, smallest parent first.
            let mut best: FpMap<Arrival> = FpMap::default();
            for a in arrivals {
                if sh.parents.contains_key(&a.fp) {
                    continue;
                }
                match best.get_mut(&a.fp) {
                    Some(b) if (a.parent, a.thread) < (b.parent, b.thread) => *b = a,
                    Some(_) => {}
                    None => {
                        best.insert(a.fp, a);
                    }
                }
            }
            let (mut states, mut terminal) = (0, 0);
            for (fp, a) in best {
                sh.parents.insert(fp, (a.parent, a.thread));
                states += 1;
                match self.model.check(&a.state) {
                    Err(violation) => out.push(Msg::Signal(Signal::Violation {
                        depth,
                        parent: a.parent,
                        thread: a.thread,
                        violation,
                    })),
                    Ok(true) => terminal += 1,
                    Ok(false) => self.frontier.push((fp, a.state)),
                }
            }
            let stop = if self.stop.load(Ordering::Relaxed) {
                Some(Stop::Interrupted)
            } else if crate::memory::exhausted() {
                Some(Stop::OutOfMemory)
            } else {
                self.limits
                    .time_limit
                    .filter(|&l| self.start.elapsed() >= l)
                    .map(Stop::TimeLimit)
            };
            if states > 0 || stop.is_some() {
                out.push(Msg::Signal(Signal::Counts {
                    states,
                    terminal,
                    transitions: 0,
                    frontier: self.frontier.len() as u64,
                    thread_steps: Vec::new(),
                    coverage: Vec::new(),
                    stop,
                }));
            }
            // Wait at `t + 1` for every worker's signals before expanding.
            return !self.frontier.is_empty();
        }
        // Odd time: every worker knows the same counts and violations of `depth`.
        let f = &sh.finish;
        let decision = if f.violation.as_ref().is_some_and(|v| v.0 <= depth + 1) {
            Some(None)
        } else if let Some(s) = stop {
            Some(Some(match s {
                Stop::Interrupted => StopReason::Interrupted,
                Stop::OutOfMemory => StopReason::OutOfMemory,
                Stop::TimeLimit(l) => StopReason::TimeLimit(l),
            }))
        } else if self.limits.max_states.is_some_and(|m| f.states > m) {
            Some(Some(StopReason::MaxStates(f.states)))
        } else if self.limits.max_depth == Some(depth as usize) && frontier_total > 0 {
            Some(Some(StopReason::MaxDepth(depth as usize)))
        } else {
            None
        };
        if self.index == 0 {
            let _ = self.events.send(Event::Progress(Progress {
                depth: depth as usize,
                states: f.states,
                transitions: f.transitions,
                frontier: frontier_total as usize,
                elapsed: self.start.elapsed(),
            }));
        }
        if let Some(reason) = decision {
            self.done = true;
            self.frontier = Vec::new();
            if sh.finish.violation.is_none() {
                sh.finish.stop = reason;
            }
            return false;
        }
        drop(sh);
        let mut transitions = 0;
        let mut thread_steps = vec![0u64; self.model.threads()];
        let mut coverage = self.model.coverage_counters();
        for (fp, state) in std::mem::take(&mut self.frontier) {
            self.model
                .successors(&state, &mut coverage, &mut |th, next| {
                    transitions += 1;
                    thread_steps[th] += 1;
                    out.push(match next {
                        Err(violation) => Msg::Signal(Signal::Violation {
                            depth: depth + 1,
                            parent: fp,
                            thread: th as u8,
                            violation,
                        }),
                        Ok((next_fp, next)) => Msg::State(Arrival {
                            fp: next_fp,
                            parent: fp,
                            thread: th as u8,
                            state: next,
                        }),
                    })
                });
        }
        if transitions == 0 {
            return false;
        }
        out.push(Msg::Signal(Signal::Counts {
            states: 0,
            terminal: 0,
            transitions,
            frontier: 0,
            thread_steps,
            coverage,
            stop: None,
        }));
        false
    }
}

/// A step's successor, its fingerprint and encoding, or the step's violation.
type Successor = Result<(u64, Encoded), Violation>;

/// The model as the dataflow sees it, its states encoded ([`Model::encode`]): the dataflow
/// is compiled once, not once for each model type (timely's operators made every crate that
/// instantiates the engines, debug tests among them, take several times longer to build).
trait Levels: Send + Sync {
    /// The model's threads.
    fn threads(&self) -> usize;
    /// A zero count for each thread's coverage points.
    fn coverage_counters(&self) -> Vec<Vec<u64>>;
    /// The initial state's fingerprint and encoding.
    fn root(&self) -> (u64, Encoded);
    /// [`check_state`] of the state `bytes` encodes: whether it is terminal, or what it
    /// violates.
    fn check(&self, bytes: &[u8]) -> Result<bool, Violation>;
    /// Each enabled thread's step from the state `bytes` encodes, in thread order: `each` gets
    /// the thread and the successor's fingerprint and encoding, or the step's violation.
    /// Counts each step's coverage point into `coverage` (one entry per thread).
    fn successors(
        &self,
        bytes: &[u8],
        coverage: &mut [Vec<u64>],
        each: &mut dyn FnMut(usize, Successor),
    );
}

impl<M: Model> Levels for M {
    fn threads(&self) -> usize {
        self.thread_count()
    }

    fn coverage_counters(&self) -> Vec<Vec<u64>> {
        coverage_counters(self)
    }

    fn root(&self) -> (u64, Encoded) {
        let mut bytes = Vec::new();
        let fp = self.encode_fingerprinted(&self.initial_state(), &mut bytes);
        (fp, Encoded::from_slice(&bytes))
    }

    fn check(&self, bytes: &[u8]) -> Result<bool, Violation> {
        check_state(self, &self.decode(bytes))
    }

    fn successors(
        &self,
        bytes: &[u8],
        coverage: &mut [Vec<u64>],
        each: &mut dyn FnMut(usize, Successor),
    ) {
        let state = self.decode(bytes);
        let mut scratch = Vec::new();
        for (th, points) in coverage.iter_mut().enumerate() {
            if self.status(&state, th) != Status::Enabled {
                continue;
            }
            if !points.is_empty() {
                let point = self.coverage_point(&state, th);
                if let Some(n) = points.get_mut(point) {
                    *n += 1;
                }
            }
            let mut next = state.clone();
            each(
                th,
                self.step(&mut next, th).map(|()| {
                    scratch.clear();
                    let fp = self.encode_fingerprinted(&next, &mut scratch);
                    (fp, Encoded::from_slice(&scratch))
                }),
            );
        }
    }
}
