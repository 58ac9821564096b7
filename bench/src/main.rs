//! `cargo run --release -p weft-bench [-- SCENARIO... --runs N]` (`--help` for more)
//!
//! Explores each scenario without reduction on 1 and 2 worker threads, with the breadth-first
//! queue in memory (the default) and on disk (`--frontier-memory 0`), or (`--symmetry`)
//! storing every state and one state per orbit of interchangeable threads, or (`--por`)
//! without and with partial-order reduction, several times, each run
//! in a fresh child process so that its peak memory is its own. Prints medians side by side:
//! distinct states, transitions, wall time, states per second, bytes per stored state in the
//! visited set (fingerprints and the in-memory part of the parent links) and in peak process
//! memory (its growth during the search, and in all). Machines are shared and noisy: compare
//! numbers from one run of this command, not across runs.

use clap::Parser;
use std::process::Command;
use std::time::Duration;
use weft_bench::WeftRun;
use weft_explorer::Verdict;
use weft_model::Scenario;

const DEFAULT: &[&str] = &[
    "pt_frag/pt_frag_refcount_scaled_3x3",
    "bench/scenarios/thp_merged_fix_3proc_A.toml",
    "bench/scenarios/thp_merged_fix_3proc_M.toml",
    "bench/scenarios/thp_merged_fix_3proc_B.toml",
];

/// Throughput and memory of weft's breadth-first search, without reduction, on 1 and 2
/// threads, with the queue in memory and on disk.
///
/// Each run is a fresh child process, so its peak memory is its own; the configurations are
/// interleaved run by run and the table shows medians. Machines are shared and noisy: compare
/// numbers from one run of this command, not across runs.
#[derive(Parser)]
#[command(name = "weft-bench", version)]
struct Args {
    /// Scenarios: shipped names (pt_frag/pt_frag_refcount_scaled_3x3) or files
    /// (bench/scenarios/thp_merged_fix_3proc_A.toml). Default: pt_frag 3x3 and the THP
    /// merged_fix scenarios A, M and B with three processes.
    scenarios: Vec<String>,
    /// Runs per configuration, at least.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Seconds of search per configuration, at least: a scenario whose runs are short gets
    /// more of them (up to 101), so that its median is not one noisy run's; 0 runs exactly `--runs`.
    #[arg(long, default_value_t = 2.0, value_name = "SECS", value_parser = seconds)]
    min_time: f64,
    /// Another build's `weft-bench` (the build before a change, say): each configuration also
    /// runs as that build's child, interleaved run by run with this build's, and the table
    /// gives both builds' medians and their ratio.
    #[arg(long, value_name = "PATH")]
    baseline: Option<std::path::PathBuf>,
    /// Measure thread symmetry instead of the queue: every state stored and one per orbit of
    /// interchangeable threads (weft check's default), both with the queue in memory.
    #[arg(long, conflicts_with = "por")]
    symmetry: bool,
    /// Measure partial-order reduction instead of the queue: every state explored, and with
    /// reduction where it pays (`weft check --por`), both with the queue in memory and every
    /// state stored (no symmetry).
    #[arg(long)]
    por: bool,
    /// One measured run (scenario, threads, setup), as the benchmark starts its children.
    #[arg(long, num_args = 3, value_names = ["SCENARIO", "THREADS", "QUEUE"], hide = true)]
    child: Option<Vec<String>>,
}

/// How a run stores what it explores: every state with the breadth-first queue where the
/// default puts it (in memory up to 1 byte a state stored, between 2 and 64 MiB, then disk)
/// or all on disk past the write buffers (`--frontier-memory 0`), or one state per orbit of
/// interchangeable threads.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    Memory,
    Disk,
    Symmetry,
    Por,
}

impl Setup {
    const ALL: [Setup; 4] = [Setup::Memory, Setup::Disk, Setup::Symmetry, Setup::Por];

    fn name(self) -> &'static str {
        match self {
            Setup::Memory => "memory",
            Setup::Disk => "disk",
            Setup::Symmetry => "symmetry",
            Setup::Por => "por",
        }
    }
}

/// Peak resident memory of this process so far, in bytes (Linux `VmHWM`).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// One exploration in this process; prints one machine-readable line.
fn child(name: &str, threads: usize, setup: Setup) {
    let scenario = Scenario::resolve(name).unwrap_or_else(|e| panic!("{e}"));
    let base = peak_rss();
    let out = WeftRun {
        threads,
        time_limit: None,
        por: setup == Setup::Por,
        queue_on_disk: setup == Setup::Disk,
        symmetry: setup == Setup::Symmetry,
    }
    .run(scenario.model());
    let verdict = match out.verdict {
        Verdict::Pass => "pass".to_string(),
        Verdict::Violation(c) => c.violation.check,
        Verdict::Stopped(r) => r.to_string(),
    };
    println!(
        "{} {} {} {} {} {} {}",
        out.stats.states,
        out.stats.transitions,
        out.stats.elapsed.as_nanos(),
        out.stats.visited_bytes,
        peak_rss().saturating_sub(base),
        peak_rss(),
        verdict
    );
}

struct Sample {
    states: u64,
    transitions: u64,
    elapsed: Duration,
    visited: u64,
    grown: u64,
    peak: u64,
    verdict: String,
}

fn sample(exe: &std::path::Path, name: &str, threads: usize, setup: Setup) -> Sample {
    let out = Command::new(exe)
        .args(["--child", name, &threads.to_string(), setup.name()])
        .output()
        .expect("the benchmark re-runs itself");
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = line.split_whitespace().collect();
    assert!(
        f.len() >= 7,
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n = |i: usize| f[i].parse::<u64>().unwrap();
    Sample {
        states: n(0),
        transitions: n(1),
        elapsed: Duration::from_nanos(n(2)),
        visited: n(3),
        grown: n(4),
        peak: n(5),
        verdict: f[6..].join(" "),
    }
}

/// A number of seconds, 0 or more.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds (0 or more)")),
    }
}

/// Most runs a configuration gets for `--min-time`.
const MAX_RUNS: u32 = 101;

/// Runs for a configuration whose run takes `secs`: at least `runs`, and enough for
/// `min_time` seconds, up to [`MAX_RUNS`] (never fewer than `runs`).
fn runs_for(runs: u32, min_time: f64, secs: f64) -> u32 {
    if min_time <= 0.0 || secs <= 0.0 {
        return runs;
    }
    let wanted = (min_time / secs).ceil().min(f64::from(MAX_RUNS)) as u32;
    runs.max(wanted)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn main() {
    let args = Args::parse();
    if let Some(child_args) = &args.child {
        let setup = Setup::ALL
            .into_iter()
            .find(|s| s.name() == child_args[2])
            .expect("the parent passes a setup");
        child(&child_args[0], child_args[1].parse().unwrap(), setup);
        return;
    }
    let runs = args.runs;
    let mut names = args.scenarios;
    if names.is_empty() {
        names = DEFAULT.iter().map(|s| s.to_string()).collect();
    }
    // Bad names fail here, with the loader's message, not in a child process.
    for name in &names {
        if let Err(e) = Scenario::resolve(name) {
            eprintln!("weft-bench: {e}");
            std::process::exit(2);
        }
    }
    if let Some(b) = args.baseline.as_ref().filter(|b| !b.is_file()) {
        eprintln!("weft-bench: --baseline {}: no such program", b.display());
        std::process::exit(2);
    }
    let mut builds = vec![("this", std::env::current_exe().unwrap())];
    builds.extend(args.baseline.iter().map(|b| ("baseline", b.clone())));
    let configs: &[(usize, Setup)] = if args.symmetry {
        &SYMMETRY_CONFIGS
    } else if args.por {
        &POR_CONFIGS
    } else {
        &QUEUE_CONFIGS
    };
    println!(
        "median of {runs} runs each or more (at least {}s of search a configuration), {}; \
         configurations {}interleaved run by run\n",
        args.min_time,
        if args.por {
            "without and with reduction"
        } else {
            "no reduction"
        },
        if builds.len() > 1 { "and builds " } else { "" }
    );
    println!(
        "| scenario | build | threads | setup | states | transitions | time (s) | states/s | visited B/state | peak RSS growth B/state | peak RSS B/state | peak RSS MiB | verdict | runs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for name in &names {
        let samples = measure(name, &builds, configs, runs, args.min_time);
        let medians: Vec<Vec<f64>> = builds
            .iter()
            .zip(&samples)
            .map(|((build, _), by_config)| print_rows(name, build, configs, by_config))
            .collect();
        let this = &medians[0];
        let other = if args.symmetry {
            "symmetry"
        } else if args.por {
            "reduction"
        } else {
            "the queue on disk"
        };
        println!(
            "\n{name}: speedup 1 -> 2 threads {:.2}x storing every state with the queue in \
             memory, {:.2}x with {other}; {other} takes {:.3}x the time on 1 thread, {:.3}x on 2 \
             (median times, same run)",
            this[0] / this[1],
            this[2] / this[3],
            this[2] / this[0],
            this[3] / this[1],
        );
        if let Some(base) = medians.get(1) {
            let ratios: Vec<String> = configs
                .iter()
                .zip(this.iter().zip(base))
                .map(|((t, q), (a, b))| format!("{t} thread(s), {}: {:.3}", q.name(), b / a))
                .collect();
            println!(
                "{name}: this build's states/s over the baseline's (median times, same run): {}",
                ratios.join("; ")
            );
        }
        println!();
    }
}

/// The configurations measured by default: threads and where the queue lives.
const QUEUE_CONFIGS: [(usize, Setup); 4] = [
    (1, Setup::Memory),
    (2, Setup::Memory),
    (1, Setup::Disk),
    (2, Setup::Disk),
];

/// The configurations measured with `--por`: threads, and every state or reduction.
const POR_CONFIGS: [(usize, Setup); 4] = [
    (1, Setup::Memory),
    (2, Setup::Memory),
    (1, Setup::Por),
    (2, Setup::Por),
];

/// The configurations measured with `--symmetry`: threads, and every state or one per orbit.
const SYMMETRY_CONFIGS: [(usize, Setup); 4] = [
    (1, Setup::Memory),
    (2, Setup::Memory),
    (1, Setup::Symmetry),
    (2, Setup::Symmetry),
];

/// Every build's samples of every configuration of `name`, runs interleaved: per build, per
/// configuration, the samples.
fn measure(
    name: &str,
    builds: &[(&str, std::path::PathBuf)],
    configs: &[(usize, Setup)],
    runs: u32,
    min_time: f64,
) -> Vec<Vec<Vec<Sample>>> {
    let mut samples: Vec<Vec<Vec<Sample>>> = builds
        .iter()
        .map(|_| configs.iter().map(|_| Vec::new()).collect())
        .collect();
    let round = |samples: &mut Vec<Vec<Vec<Sample>>>| {
        for (i, &(t, q)) in configs.iter().enumerate() {
            for (b, (_, exe)) in builds.iter().enumerate() {
                samples[b][i].push(sample(exe, name, t, q));
            }
        }
    };
    round(&mut samples);
    // The slowest configuration's first run sets how many runs make `min_time`.
    let slowest = samples
        .iter()
        .flatten()
        .map(|s| s[0].elapsed.as_secs_f64())
        .fold(0.0, f64::max);
    for _ in 1..runs_for(runs, min_time, slowest) {
        round(&mut samples);
    }
    samples
}

/// A table row per configuration of one build; the median times, in configuration order.
fn print_rows(
    name: &str,
    build: &str,
    configs: &[(usize, Setup)],
    by_config: &[Vec<Sample>],
) -> Vec<f64> {
    let mut medians = Vec::new();
    for (samples, &(threads, setup)) in by_config.iter().zip(configs) {
        let s0 = &samples[0];
        assert!(samples
            .iter()
            .all(|s| s.states == s0.states && s.transitions == s0.transitions));
        let time = median(samples.iter().map(|s| s.elapsed.as_secs_f64()).collect());
        let grown = median(samples.iter().map(|s| s.grown as f64).collect());
        let peak = median(samples.iter().map(|s| s.peak as f64).collect());
        let visited = median(samples.iter().map(|s| s.visited as f64).collect());
        medians.push(time);
        println!(
            "| {name} | {build} | {threads} | {} | {} | {} | {:.3} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} | {} | {} |",
            setup.name(),
            s0.states,
            s0.transitions,
            time,
            s0.states as f64 / time,
            visited / s0.states as f64,
            grown / s0.states as f64,
            peak / s0.states as f64,
            peak / (1 << 20) as f64,
            s0.verdict,
            samples.len()
        );
    }
    medians
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_runs_are_repeated_up_to_the_minimum_time_and_the_cap() {
        // 30 ms runs: 2 s takes 67 of them.
        assert_eq!(runs_for(5, 2.0, 0.030), 67);
        // 1 ms runs: capped.
        assert_eq!(runs_for(5, 2.0, 0.001), MAX_RUNS);
        // Long runs: `--runs` stands, and so does a larger `--runs` than the cap.
        assert_eq!(runs_for(5, 2.0, 2.5), 5);
        assert_eq!(runs_for(200, 2.0, 0.001), 200);
        // `--min-time 0` turns it off.
        assert_eq!(runs_for(3, 0.0, 0.001), 3);
    }

    #[test]
    fn min_time_refuses_what_is_not_a_duration() {
        assert_eq!(seconds("1.5"), Ok(1.5));
        assert!(seconds("-1").is_err());
        assert!(seconds("inf").is_err());
        assert!(seconds("soon").is_err());
    }
}
