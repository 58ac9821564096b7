//! `cargo run --release -p weft-bench [-- SCENARIO... --runs N]`
//!
//! Explores each scenario with 1 and 2 worker threads, several times, each run in a fresh
//! child process so that its peak memory is its own. Prints medians side by side: distinct
//! states, transitions, wall time, states per second, bytes per stored state in the visited
//! set (fingerprints and parent links) and in peak process memory. Machines are shared and
//! noisy: compare numbers from one run of this command, not across runs.

use std::process::Command;
use std::time::Duration;
use weft_explorer::{explore, Model, Options, Outcome, Verdict};
use weft_model::{Scenario, WithModel};

const DEFAULT: &[&str] = &["pt_frag/pt_frag_refcount_scaled_3x3"];

struct Run(usize);
impl WithModel for Run {
    type Output = Outcome;
    fn run<M: Model>(self, m: &M) -> Outcome {
        explore(
            m,
            &Options {
                threads: self.0,
                ..Options::default()
            },
        )
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
fn child(name: &str, threads: usize) {
    let scenario = Scenario::resolve(name).unwrap_or_else(|e| panic!("{e}"));
    let base = peak_rss();
    let out = scenario.with_model(Run(threads));
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

fn sample(name: &str, threads: usize) -> Sample {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--child", name, &threads.to_string()])
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(&args[1], args[2].parse().unwrap());
        return;
    }
    let mut runs = 5;
    let mut names = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|r| r.parse().ok()).expect("--runs N"),
            other => names.push(other.to_string()),
        }
    }
    if names.is_empty() {
        names = DEFAULT.iter().map(|s| s.to_string()).collect();
    }
    println!("median of {runs} runs each, threads 1 and 2 interleaved (run 1t, 2t, 1t, 2t, ...)\n");
    println!(
        "| scenario | threads | states | transitions | time (s) | states/s | visited B/state | peak RSS growth B/state | peak RSS MiB | verdict |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for name in &names {
        let mut by_threads: Vec<Vec<Sample>> = vec![Vec::new(), Vec::new()];
        for _ in 0..runs {
            for (i, t) in [1, 2].into_iter().enumerate() {
                by_threads[i].push(sample(name, t));
            }
        }
        let mut medians = Vec::new();
        for (i, samples) in by_threads.iter().enumerate() {
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
                "| {name} | {} | {} | {} | {:.3} | {:.0} | {:.1} | {:.1} | {:.0} | {} |",
                i + 1,
                s0.states,
                s0.transitions,
                time,
                s0.states as f64 / time,
                visited / s0.states as f64,
                grown / s0.states as f64,
                peak / (1 << 20) as f64,
                s0.verdict
            );
        }
        println!(
            "\n{name}: speedup 1 -> 2 threads {:.2}x (median times, same machine, same run)\n",
            medians[0] / medians[1]
        );
    }
}
