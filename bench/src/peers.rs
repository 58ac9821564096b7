//! `cargo run --release -p weft-bench --bin weft-peers [-- OPTIONS]`
//!
//! weft next to its peers on the scaled `pt_frag_refcount` scenarios (walkers x owners, with
//! `frag_nr = owners`): weft on 1 and 2 threads (with and without reduction, and with its
//! queue on disk), stateright's BFS checker on 1 and 2 threads
//! (bench/src/stateright_peer.rs), and SPIN on Promela written step for step like weft's model
//! (bench/src/promela.rs), with and without its partial-order reduction, storing whole states
//! (its default), states compressed without loss (`-DCOLLAPSE`) or hashes of states (`-DHC0`,
//! hash compaction, as weft stores fingerprints). Every
//! measurement is a fresh child process, so its peak memory (`ru_maxrss` from `wait4`) is its
//! own; runs of the configurations are interleaved, and the table shows medians from this one
//! invocation.
//!
//! `--help` lists the options (runs, sizes, tools, threads, time and memory budgets,
//! `--promela WxO`).

use clap::{Parser, ValueEnum};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use weft_bench::WeftRun;
use weft_explorer::{Checker, Reduction, Schedules, Verdict};
use weft_model::Scenario;

/// weft next to SPIN and stateright on the scaled pt_frag_refcount scenarios.
///
/// weft runs on 1 and 2 threads, with and without partial-order reduction and with its queue
/// on disk; stateright's BFS checker on 1 and 2 threads; SPIN (if installed) on Promela written
/// step for step like weft's model, with and without its reduction, storing whole states,
/// collapsed states or hashes of states. Every measurement is a fresh child process;
/// configurations are interleaved run by run, and the table shows medians from this one
/// invocation.
#[derive(Parser)]
#[command(name = "weft-peers", version, after_help = EXAMPLES)]
struct Args {
    /// Runs per configuration.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Scenarios as walkers x owners (frag_nr = owners), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "2x2,3x3,4x4", value_parser = Size::parse)]
    sizes: Vec<Size>,
    /// Time budget per run, in seconds: a run that reaches it is stopped, reported with what
    /// it had explored, and not repeated.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    budget: u64,
    /// Memory budget per run, in MiB: the same.
    #[arg(long, value_name = "MIB", default_value_t = 8192)]
    mem_budget: u64,
    /// Configurations to run, comma-separated (weft's and stateright's on each of --threads).
    #[arg(long, value_delimiter = ',', default_values = ["weft", "weft-por", "weft-disk",
        "weft-sym", "stateright", "spin", "spin-por", "spin-collapse", "spin-collapse-por", "spin-hc",
        "spin-hc-por"])]
    tools: Vec<Config>,
    /// Thread counts for weft and stateright, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2",
        value_parser = clap::value_parser!(u16).range(1..))]
    threads: Vec<u16>,
    /// Print the Promela of a scenario (e.g. 3x3) and exit.
    #[arg(long, value_name = "WxO", value_parser = Size::parse)]
    promela: Option<Size>,
    /// One measured run (tool, size, threads, budget), as the benchmark starts its children.
    #[arg(long, num_args = 4, value_names = ["TOOL", "SIZE", "THREADS", "SECS"], hide = true)]
    child: Option<Vec<String>>,
}

const EXAMPLES: &str = "\
Examples:
  weft-peers --runs 5 --sizes 2x2,3x3
  # 4x4, which only some tools finish, measured once with room to finish:
  weft-peers --sizes 4x4 --runs 1 --budget 900 --mem-budget 20480 \\
    --tools weft,weft-por,spin-por,spin-collapse,spin-collapse-por,spin-hc,spin-hc-por";

/// A scenario size: walkers x owners.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Size {
    walkers: usize,
    owners: usize,
}

impl Size {
    fn parse(s: &str) -> Result<Size, String> {
        let bad = || format!("`{s}`: a size is WALKERSxOWNERS with both at least 1, e.g. 3x3");
        let (w, o) = s.split_once('x').ok_or_else(bad)?;
        match (w.parse(), o.parse()) {
            (Ok(walkers), Ok(owners)) if walkers > 0 && owners > 0 => Ok(Size { walkers, owners }),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.walkers, self.owners)
    }
}

/// The scenario weft loads: the shipped file, or the one generated under bench/scenarios/.
fn scenario(size: Size) -> Scenario {
    let shipped = format!("pt_frag/pt_frag_refcount_scaled_{size}");
    if let Some(s) = Scenario::shipped(&shipped) {
        return s.unwrap_or_else(|e| panic!("{e:?}"));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("scenarios/pt_frag_refcount_scaled_{size}.toml"));
    Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

/// A configuration of one tool, as `--tools` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Config {
    /// weft without reduction.
    Weft,
    /// weft with partial-order reduction (`weft check`'s default).
    WeftPor,
    /// weft without reduction, its queue on disk (`--frontier-memory 0`).
    WeftDisk,
    /// weft with thread symmetry (`weft check`'s default): one state per orbit.
    WeftSym,
    /// stateright's breadth-first checker.
    Stateright,
    /// SPIN without reduction (`-DNOREDUCE`), whole states stored.
    Spin,
    /// SPIN with its partial-order reduction, whole states stored.
    SpinPor,
    /// SPIN without reduction, states compressed without loss (`-DCOLLAPSE`).
    SpinCollapse,
    /// SPIN with its reduction, states compressed without loss (`-DCOLLAPSE`).
    SpinCollapsePor,
    /// SPIN without reduction, a hash of each state stored (`-DHC0`; see bench/README.md).
    SpinHc,
    /// SPIN with its reduction, a hash of each state stored (`-DHC0`).
    SpinHcPor,
}

/// How pan stores a visited state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    /// The whole state vector (pan's default).
    Whole,
    /// `-DCOLLAPSE`: each process's and the globals' parts numbered once, the state stored as
    /// those numbers; lossless.
    Collapse,
    /// `-DHC0`: one machine word of the state's hash instead of the state (hash compaction).
    /// With `-w` up to 32, pan 6.5 hashes with a 32-bit function, so states can be missed.
    Hash,
}

impl Storage {
    const ALL: [Storage; 3] = [Storage::Whole, Storage::Collapse, Storage::Hash];

    /// The compiler flag, and the word in the verifier's file name.
    fn flag(self) -> (Option<&'static str>, &'static str) {
        match self {
            Storage::Whole => (None, "whole"),
            Storage::Collapse => (Some("-DCOLLAPSE"), "collapse"),
            Storage::Hash => (Some("-DHC0"), "hc"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tool {
    Weft {
        threads: usize,
    },
    WeftPor {
        threads: usize,
    },
    /// weft without reduction, its queue on disk (`--frontier-memory 0`).
    WeftDisk {
        threads: usize,
    },
    /// weft with thread symmetry.
    WeftSym {
        threads: usize,
    },
    Stateright {
        threads: usize,
    },
    Spin {
        reduce: bool,
        storage: Storage,
    },
}

impl Tool {
    fn name(self) -> String {
        match self {
            Tool::Weft { .. } => "weft".into(),
            Tool::WeftPor { .. } => "weft + POR".into(),
            Tool::WeftDisk { .. } => "weft, queue on disk".into(),
            Tool::WeftSym { .. } => "weft + symmetry".into(),
            Tool::Stateright { .. } => "stateright 0.31 BFS".into(),
            Tool::Spin { reduce, storage } => format!(
                "SPIN 6.5{}{}",
                storage.flag().0.map_or(String::new(), |f| format!(" {f}")),
                if reduce { " (POR)" } else { " -DNOREDUCE" }
            ),
        }
    }
    fn reduces(self) -> bool {
        matches!(self, Tool::WeftPor { .. } | Tool::Spin { reduce: true, .. })
    }
    fn config(self) -> Config {
        match self {
            Tool::Weft { .. } => Config::Weft,
            Tool::WeftPor { .. } => Config::WeftPor,
            Tool::WeftDisk { .. } => Config::WeftDisk,
            Tool::WeftSym { .. } => Config::WeftSym,
            Tool::Stateright { .. } => Config::Stateright,
            Tool::Spin { reduce, storage } => match (storage, reduce) {
                (Storage::Whole, false) => Config::Spin,
                (Storage::Whole, true) => Config::SpinPor,
                (Storage::Collapse, false) => Config::SpinCollapse,
                (Storage::Collapse, true) => Config::SpinCollapsePor,
                (Storage::Hash, false) => Config::SpinHc,
                (Storage::Hash, true) => Config::SpinHcPor,
            },
        }
    }
    fn threads(self) -> usize {
        match self {
            Tool::Weft { threads }
            | Tool::WeftPor { threads }
            | Tool::WeftDisk { threads }
            | Tool::WeftSym { threads }
            | Tool::Stateright { threads } => threads,
            Tool::Spin { .. } => 1,
        }
    }
}

/// One measured run.
#[derive(Clone, Debug, Default)]
struct Sample {
    states: u64,
    transitions: u64,
    /// The tool's own search time.
    search: f64,
    /// The child process from spawn to exit.
    wall: f64,
    /// Peak resident memory of the child process, bytes.
    peak: u64,
    /// pass / violation / why it stopped.
    verdict: String,
    complete: bool,
}

// ---------------------------------------------------------------------------------------
// Children: one exploration each, printing `states transitions search_nanos complete verdict`.

fn child(tool: &str, size: Size, threads: usize, budget: Duration) {
    match tool {
        "weft" | "weft-por" | "weft-disk" | "weft-sym" => {
            let run = WeftRun {
                threads,
                time_limit: Some(budget),
                por: tool == "weft-por",
                queue_on_disk: tool == "weft-disk",
                symmetry: tool == "weft-sym",
            };
            let out = run.run(scenario(size).model());
            let (complete, verdict) = match out.verdict {
                Verdict::Pass => (true, "pass".to_string()),
                Verdict::Violation(c) => (true, format!("violation of {}", c.violation.check)),
                Verdict::Stopped(r) => (false, r.to_string()),
            };
            println!(
                "{} {} {} {} {verdict}",
                out.stats.states,
                out.stats.transitions,
                out.stats.elapsed.as_nanos(),
                complete as u8
            );
        }
        "stateright" => {
            let model = weft_bench::scaled(size.walkers, size.owners);
            let out = weft_bench::stateright_peer::check(model, threads, Some(budget));
            let complete = out.elapsed < budget;
            let verdict = match (complete, out.violation) {
                (false, _) => format!("time limit reached ({}s)", budget.as_secs()),
                (true, false) => "pass".into(),
                (true, true) => "violation".into(),
            };
            println!(
                "{} {} {} {} {verdict}",
                out.unique_states,
                out.generated.saturating_sub(1),
                out.elapsed.as_nanos(),
                complete as u8
            );
        }
        _ => panic!("unknown child tool {tool}"),
    }
}

// ---------------------------------------------------------------------------------------
// Running and measuring a child process.

/// Resident memory of a running process, bytes (`VmRSS`).
fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

struct Finished {
    stdout: String,
    wall: f64,
    peak: u64,
    /// Why the parent stopped it, if it did.
    stopped: Option<String>,
}

/// Runs `cmd`, stopping it (SIGINT, then SIGKILL 15 s later) once it passes `budget` plus
/// `grace` or `mem` bytes; its peak RSS comes from `wait4`.
fn measure(mut cmd: Command, budget: Duration, grace: Duration, mem: u64) -> Finished {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let mut stopped = None;
    let mut interrupted_at: Option<Instant> = None;
    let hard = budget + grace;
    let (peak, wall) = loop {
        let mut status = 0;
        // SAFETY: plain FFI calls on our own child's pid with valid out-pointers.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid as i32, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid as i32 {
            break (usage.ru_maxrss as u64 * 1024, start.elapsed().as_secs_f64());
        }
        assert!(r == 0, "wait4 failed");
        if interrupted_at.is_none() {
            let why = if start.elapsed() > hard {
                Some(format!("time budget ({}s)", budget.as_secs()))
            } else if rss_of(pid) > mem {
                Some(format!("memory budget ({} MiB)", mem >> 20))
            } else {
                None
            };
            if let Some(why) = why {
                // SAFETY: signalling our own child.
                unsafe { libc::kill(pid as i32, libc::SIGINT) };
                interrupted_at = Some(Instant::now());
                stopped = Some(why);
            }
        } else if interrupted_at.is_some_and(|t| t.elapsed() > Duration::from_secs(15)) {
            // SAFETY: as above.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The child was reaped by wait4 above; `Child` must not wait again.
    std::mem::forget(child);
    Finished {
        stdout: reader.join().unwrap_or_default(),
        wall,
        peak,
        stopped,
    }
}

fn run_child(tool: Tool, size: Size, budget: Duration, mem: u64) -> Sample {
    // /proc/self/exe, not current_exe(): a concurrent `cargo build` may replace the binary.
    let mut cmd = Command::new("/proc/self/exe");
    let name = match tool {
        Tool::Weft { .. } => "weft",
        Tool::WeftPor { .. } => "weft-por",
        Tool::WeftDisk { .. } => "weft-disk",
        Tool::WeftSym { .. } => "weft-sym",
        _ => "stateright",
    };
    cmd.args([
        "--child",
        name,
        &size.to_string(),
        &tool.threads().to_string(),
        &budget.as_secs().to_string(),
    ]);
    // weft and stateright stop themselves at the budget; the parent steps in 10 s later.
    let f = measure(cmd, budget, Duration::from_secs(10), mem);
    let fields: Vec<&str> = f.stdout.split_whitespace().collect();
    if fields.len() < 5 {
        return Sample {
            wall: f.wall,
            peak: f.peak,
            verdict: format!(
                "stopped: {}",
                f.stopped.unwrap_or_else(|| "the child failed".into())
            ),
            ..Sample::default()
        };
    }
    let n = |i: usize| fields[i].parse::<u64>().unwrap_or(0);
    Sample {
        states: n(0),
        transitions: n(1),
        search: n(2) as f64 / 1e9,
        wall: f.wall,
        peak: f.peak,
        complete: n(3) == 1 && f.stopped.is_none(),
        verdict: f
            .stopped
            .map_or(fields[4..].join(" "), |s| format!("stopped: {s}")),
    }
}

// ---------------------------------------------------------------------------------------
// SPIN.

/// The compiled verifiers for one size, in a temporary directory removed when dropped.
struct Pans {
    dir: tempfile::TempDir,
}

fn have_spin() -> bool {
    Command::new("spin")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The file name of the verifier for `reduce` and `storage`.
fn pan_name(reduce: bool, storage: Storage) -> String {
    let r = if reduce { "reduce" } else { "noreduce" };
    format!("pan_{}_{r}", storage.flag().1)
}

/// Generates the Promela, runs `spin -a` and compiles a verifier for each SPIN configuration
/// in `tools`.
fn build_pans(size: Size, mem: u64, tools: &[Tool]) -> Result<Pans, String> {
    let temp = tempfile::Builder::new()
        .prefix(&format!("weft-peers-{size}-"))
        .tempdir()
        .map_err(|e| e.to_string())?;
    let dir = temp.path();
    std::fs::write(
        dir.join("model.pml"),
        weft_bench::promela::pt_frag_refcount(size.walkers, size.owners),
    )
    .map_err(|e| e.to_string())?;
    let ok = |c: &mut Command| -> Result<(), String> {
        let out = c.current_dir(dir).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{:?} failed: {}{}",
                c,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    ok(Command::new("spin").args(["-a", "model.pml"]))?;
    let memlim = format!("-DMEMLIM={}", mem >> 20);
    for &tool in tools {
        let Tool::Spin { reduce, storage } = tool else {
            continue;
        };
        let mut c = Command::new("gcc");
        c.args(["-O2", "-DSAFETY", "-DNOCLAIM", &memlim]);
        c.args(storage.flag().0);
        c.args((!reduce).then_some("-DNOREDUCE"));
        c.args(["-o", &pan_name(reduce, storage), "pan.c"]);
        ok(&mut c)?;
    }
    Ok(Pans { dir: temp })
}

/// The first number on the line containing `key`, if any.
fn number_before(text: &str, key: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains(key))?;
    line.split_whitespace().find_map(|w| w.parse::<f64>().ok())
}

fn run_pan(pans: &Pans, tool: Tool, hash_bits: u32, budget: Duration, mem: u64) -> Sample {
    let Tool::Spin { reduce, storage } = tool else {
        unreachable!("only SPIN runs pan")
    };
    let exe = pans.dir.path().join(pan_name(reduce, storage));
    let mut cmd = Command::new(exe);
    cmd.current_dir(pans.dir.path())
        .args(["-m100000", &format!("-w{hash_bits}")]);
    // pan prints its statistics when interrupted (SIGINT) at the budget.
    let f = measure(cmd, budget, Duration::ZERO, mem);
    let out = &f.stdout;
    let states = number_before(out, "states, stored").unwrap_or(0.0) as u64;
    let transitions = number_before(out, "transitions (= stored+matched)").unwrap_or(0.0) as u64;
    let search = out
        .lines()
        .find_map(|l| l.strip_prefix("pan: elapsed time "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f.wall);
    let errors = out
        .lines()
        .find_map(|l| l.split("errors: ").nth(1))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limited = out.contains("MEMLIM") || out.contains("out of memory");
    let stopped = f.stopped.clone().or_else(|| {
        if limited {
            Some(format!("memory budget ({} MiB, -DMEMLIM)", mem >> 20))
        } else {
            out.contains("Search not completed")
                .then(|| "search not completed".to_string())
        }
    });
    let verdict = match (&stopped, errors) {
        (Some(s), _) => format!("stopped: {s}"),
        (None, Some(0)) => "pass".into(),
        (None, Some(n)) => format!("violation ({n} errors)"),
        (None, None) => "pan failed".into(),
    };
    Sample {
        states,
        transitions,
        search,
        wall: f.wall,
        peak: f.peak,
        complete: stopped.is_none() && errors.is_some(),
        verdict,
    }
}

// ---------------------------------------------------------------------------------------
// The report.

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Medians of a configuration's runs (counts are the same in every complete run).
struct Row {
    tool: Tool,
    runs: usize,
    s: Sample,
}

fn summarize(tool: Tool, samples: &[Sample]) -> Row {
    let m = |f: fn(&Sample) -> f64| median(samples.iter().map(f).collect());
    let first = &samples[0];
    Row {
        tool,
        runs: samples.len(),
        s: Sample {
            states: m(|s| s.states as f64) as u64,
            transitions: m(|s| s.transitions as f64) as u64,
            search: m(|s| s.search),
            wall: m(|s| s.wall),
            peak: m(|s| s.peak as f64) as u64,
            verdict: first.verdict.clone(),
            complete: first.complete,
        },
    }
}

/// Searches shorter than this (pan's time resolution is 0.01 s) get no rate and no time ratio.
const MIN_TIME: f64 = 0.05;

fn print_row(size: Size, r: &Row) {
    let s = &r.s;
    let mib = s.peak as f64 / (1 << 20) as f64;
    let states = if s.complete {
        s.states.to_string()
    } else if s.states == 0 {
        "-".into()
    } else {
        format!("≥{}", s.states)
    };
    // pan prints its time to 0.01 s: shorter searches have no meaningful rate.
    let rate = if s.search >= MIN_TIME {
        format!("{:.0}", s.states as f64 / s.search)
    } else {
        "-".into()
    };
    println!(
        "| {size} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {rate} | {:.0} | {:.0} | {} | {} |",
        r.tool.name(),
        r.tool.threads(),
        if r.tool.reduces() { "yes" } else { "no" },
        states,
        s.transitions,
        s.search,
        s.wall,
        mib,
        s.peak as f64 / s.states.max(1) as f64,
        s.verdict,
        r.runs
    );
}

fn schedules_of(size: Size) -> Option<Schedules> {
    let checker = Checker::new()
        .threads(1)
        .reduction(Reduction::Off)
        .count_schedules(true);
    scenario(size).model().check(&checker).ok()?.stats.schedules
}

fn main() {
    let args = Args::parse();
    if let Some(c) = &args.child {
        let size = Size::parse(&c[1]).expect("the parent passes a valid size");
        child(
            &c[0],
            size,
            c[2].parse().unwrap(),
            Duration::from_secs(c[3].parse().unwrap()),
        );
        return;
    }
    if let Some(s) = args.promela {
        print!(
            "{}",
            weft_bench::promela::pt_frag_refcount(s.walkers, s.owners)
        );
        return;
    }
    let runs = args.runs;
    let sizes = args.sizes;
    let budget = Duration::from_secs(args.budget);
    let mem = args.mem_budget << 20;
    let spin = have_spin();
    println!(
        "weft-peers: median of {runs} runs each, configurations interleaved; budget {}s and {} MiB \
         per run (a run that reaches it is stopped, reported once with what it had explored, \
         and not repeated)\n",
        budget.as_secs(),
        mem >> 20
    );
    if !spin {
        println!(
            "SPIN runs skipped: `spin` is not installed (Debian: apt-get install spin; gcc too)\n"
        );
    }
    println!(
        "| scenario | tool | threads | POR | states | transitions | search s | process s | states/s | peak RSS MiB | peak B/state | verdict | runs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for &size in &sizes {
        let mut tools = Vec::new();
        let per_thread_count: [fn(usize) -> Tool; 5] = [
            |threads| Tool::Weft { threads },
            |threads| Tool::WeftPor { threads },
            |threads| Tool::WeftDisk { threads },
            |threads| Tool::WeftSym { threads },
            |threads| Tool::Stateright { threads },
        ];
        for make in per_thread_count {
            tools.extend(args.threads.iter().map(|&t| make(t as usize)));
        }
        let spins: Vec<Tool> = Storage::ALL
            .into_iter()
            .flat_map(|storage| [false, true].map(|reduce| Tool::Spin { reduce, storage }))
            .filter(|t| args.tools.contains(&t.config()))
            .collect();
        let mut pans = None;
        if spin && !spins.is_empty() {
            match build_pans(size, mem, &spins) {
                Ok(p) => {
                    pans = Some(p);
                    tools.extend(spins);
                }
                Err(e) => notes.push(format!("{size}: SPIN skipped: {e}")),
            }
        }
        tools.retain(|t| args.tools.contains(&t.config()));
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); tools.len()];
        let mut hash_bits = 28;
        for _ in 0..runs {
            for (i, &tool) in tools.iter().enumerate() {
                if samples[i].first().is_some_and(|s| !s.complete) {
                    continue; // over budget once: not repeated
                }
                let s = match (tool, &pans) {
                    (Tool::Spin { .. }, Some(p)) => run_pan(p, tool, hash_bits, budget, mem),
                    (Tool::Spin { .. }, None) => unreachable!(),
                    _ => run_child(tool, size, budget, mem),
                };
                // pan's hash table: 2^w slots, w sized from weft's count without reduction
                // (SPIN's advice: at least as many slots as states).
                if matches!(tool, Tool::Weft { .. } | Tool::WeftDisk { .. }) && s.complete {
                    hash_bits = (64 - s.states.leading_zeros()).clamp(18, 30);
                }
                samples[i].push(s);
            }
        }
        let rows: Vec<Row> = tools
            .iter()
            .zip(&samples)
            .map(|(&t, s)| summarize(t, s))
            .collect();
        for r in &rows {
            print_row(size, r);
        }
        notes.extend(ratios(size, &rows, hash_bits));
        if size.walkers * size.owners <= 9 {
            if let Some(n) = schedules_of(size) {
                notes.push(format!(
                    "{size}: shuttle DFS skipped: {n} complete schedules (weft's count); \
                     shuttle's DFS runs each schedule once with no state caching"
                ));
            }
        }
    }
    println!("\nRatios (medians, this run; above 1 means weft is faster or smaller):");
    for n in notes {
        println!("- {n}");
    }
}

fn ratios(size: Size, rows: &[Row], hash_bits: u32) -> Vec<String> {
    let find = |t: Tool| rows.iter().find(|r| r.tool == t).filter(|r| r.s.complete);
    let mut out = Vec::new();
    let w1 = find(Tool::Weft { threads: 1 });
    let w2 = find(Tool::Weft { threads: 2 });
    let wp1 = find(Tool::WeftPor { threads: 1 });
    let wp2 = find(Tool::WeftPor { threads: 2 });
    let wd1 = find(Tool::WeftDisk { threads: 1 });
    let wd2 = find(Tool::WeftDisk { threads: 2 });
    let s1 = find(Tool::Stateright { threads: 1 });
    let s2 = find(Tool::Stateright { threads: 2 });
    let spin = |reduce, storage| find(Tool::Spin { reduce, storage });
    let (sp, spr) = (spin(false, Storage::Whole), spin(true, Storage::Whole));
    let (sc, scr) = (
        spin(false, Storage::Collapse),
        spin(true, Storage::Collapse),
    );
    let (sh, shr) = (spin(false, Storage::Hash), spin(true, Storage::Hash));
    let same = |a: &Row, b: &Row| {
        if a.s.states == b.s.states {
            "same".to_string()
        } else {
            format!("{} vs {}", a.s.states, b.s.states)
        }
    };
    if let Some(w) = w1 {
        let mut counts = Vec::new();
        if let Some(s) = s1 {
            counts.push(format!("stateright {}", same(w, s)));
        }
        if let Some(s) = sp {
            counts.push(format!(
                "SPIN -DNOREDUCE {} (transitions {} = weft's + 1: SPIN counts the initial state)",
                same(w, s),
                s.s.transitions
            ));
        }
        if let Some(s) = sc {
            counts.push(format!("SPIN -DCOLLAPSE -DNOREDUCE {}", same(w, s)));
        }
        if let Some(s) = sh {
            counts.push(format!("SPIN -DHC0 -DNOREDUCE {}", same(w, s)));
        }
        if !counts.is_empty() {
            out.push(format!(
                "{size}: distinct states vs weft's {}: {}",
                w.s.states,
                counts.join("; ")
            ));
        }
    }
    let time = |a: &Row, b: &Row| {
        if a.s.search >= MIN_TIME && b.s.search >= MIN_TIME {
            format!("{:.2}", a.s.search / b.s.search)
        } else {
            "- (too short)".into()
        }
    };
    if let (Some(w), Some(s)) = (w1, sp) {
        out.push(format!(
            "{size}: SPIN -DNOREDUCE (-w{hash_bits}) / weft 1 thread: search time {}, process time {:.2}, peak RSS {:.2}",
            time(s, w),
            s.s.wall / w.s.wall,
            s.peak_ratio(w)
        ));
    }
    for (a, b, how) in [
        (sp, spr, ""),
        (sc, scr, " with -DCOLLAPSE"),
        (sh, shr, " with -DHC0"),
    ] {
        if let (Some(a), Some(b)) = (a, b) {
            out.push(format!(
                "{size}: SPIN's partial-order reduction{how} (NOREDUCE / POR): states {:.2}, \
                 search time {}",
                a.s.states as f64 / b.s.states.max(1) as f64,
                time(a, b)
            ));
        }
    }
    for (w, s, t) in [(w1, s1, 1), (w2, s2, 2)] {
        if let (Some(w), Some(s)) = (w, s) {
            out.push(format!(
                "{size}: stateright / weft, {t} thread{}: search time {}, peak RSS {:.2}",
                if t > 1 { "s" } else { "" },
                time(s, w),
                s.peak_ratio(w)
            ));
        }
    }
    for (w, s, t) in [(wd1, s1, 1), (wd2, s2, 2)] {
        if let (Some(w), Some(s)) = (w, s) {
            out.push(format!(
                "{size}: stateright / weft with its queue on disk, {t} thread{}: search time {}, \
                 peak RSS {:.2}",
                if t > 1 { "s" } else { "" },
                time(s, w),
                s.peak_ratio(w)
            ));
        }
    }
    for threads in [1, 2] {
        let full = find(Tool::Weft { threads });
        let sym = find(Tool::WeftSym { threads });
        if let (Some(full), Some(sym)) = (full, sym) {
            out.push(format!(
                "{size}: weft's thread symmetry (every state / one per orbit, {threads} \
                 thread{}): states {:.1}, search time {}, peak RSS {:.2}",
                if threads > 1 { "s" } else { "" },
                full.s.states as f64 / sym.s.states.max(1) as f64,
                time(full, sym),
                full.peak_ratio(sym)
            ));
        }
    }
    if let (Some(a), Some(b)) = (w1, w2) {
        out.push(format!(
            "{size}: weft speedup 1 -> 2 threads (search time 1t / 2t): {}",
            time(a, b)
        ));
    }
    if let Some((full, red)) = [(w1, wp1), (w2, wp2)]
        .into_iter()
        .find_map(|(a, b)| a.zip(b))
    {
        out.push(format!(
            "{size}: weft's partial-order reduction (full / POR, {} thread{}): states {:.2}, \
             search time {}",
            full.tool.threads(),
            if full.tool.threads() > 1 { "s" } else { "" },
            full.s.states as f64 / red.s.states.max(1) as f64,
            time(full, red)
        ));
    }
    for (spin, how) in [(spr, ""), (scr, " -DCOLLAPSE"), (shr, " -DHC0")] {
        for (w, t) in [(wp1, 1), (wp2, 2)] {
            if let (Some(w), Some(s)) = (w, spin) {
                out.push(format!(
                    "{size}: SPIN{how} with POR / weft with POR, {t} thread{}: search time {}, \
                     process time {:.2}, peak RSS {:.2} (the target: at least 2)",
                    if t > 1 { "s" } else { "" },
                    time(s, w),
                    s.s.wall / w.s.wall,
                    s.peak_ratio(w)
                ));
            }
        }
    }
    out
}

impl Row {
    /// This row's peak memory over `other`'s.
    fn peak_ratio(&self, other: &Row) -> f64 {
        self.s.peak as f64 / other.s.peak.max(1) as f64
    }
}
