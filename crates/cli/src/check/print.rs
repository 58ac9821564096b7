//! What `weft check` prints: the human summary and the `--json` document.

use super::{CheckArgs, Engine, Report};
use crate::render;
use serde_json::json;
use std::path::Path;
use weft_explorer::{Outcome, Sampling, Scheduler, Schedules, Verdict};
use weft_model::Scenario;

fn verdict_words(outcome: &Outcome) -> String {
    match &outcome.verdict {
        Verdict::Pass => "PASS: no violation in any schedule".into(),
        Verdict::Violation(c) => format!("VIOLATION of {}", c.violation.check),
        Verdict::Stopped(r) => format!("STOPPED before a verdict: {r}"),
    }
}

/// Human-readable lines about what a shuttle run covered, for the check summary.
fn sampling_lines(s: &Sampling, states: u64) -> Vec<String> {
    let mut out = vec![format!(
        "shuttle {}: {} executions{}, {} distinct schedules, {} distinct states, longest {} steps",
        s.scheduler.name(),
        s.executions,
        match s.scheduler {
            Scheduler::Dfs if s.exhausted => " (every schedule)".to_string(),
            Scheduler::Dfs => " (not every schedule: a limit stopped it)".to_string(),
            _ => format!(" (seed {})", s.seed),
        },
        s.schedules,
        states,
        s.longest,
    )];
    if let (Scheduler::Pct { depth }, Some(p), Some(miss)) =
        (s.scheduler, s.pct_bound(), s.pct_miss_bound())
    {
        out.push(format!(
            "PCT depth {depth}: each execution finds a bug of depth <= {depth} with probability \
             >= 1/(n*k^(d-1)) = {p:.2e} (n={} threads, k={} steps); {} executions miss it with \
             probability <= {miss:.3}",
            s.threads, s.longest, s.executions
        ));
    }
    if let Some(schedule) = &s.shuttle_schedule {
        out.push(format!("shuttle schedule: {schedule}"));
    }
    out
}

pub(super) fn print_human(
    scenario: &Scenario,
    report: &Report,
    args: &CheckArgs,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) {
    let o = &report.outcome;
    let shuttle = o.sampling.as_ref();
    let s = &o.stats;
    let mark = match as_expected {
        Some(true) => "  (as expected)",
        Some(false) => "  (NOT as expected)",
        None => "",
    };
    let words = match (shuttle, &o.verdict) {
        (Some(s), Verdict::Pass) if !s.exhausted => format!(
            "PASS: no violation in {} sampled executions ({} distinct schedules; not a proof)",
            s.executions, s.schedules
        ),
        _ => verdict_words(o),
    };
    println!("{}: {words}{mark}", scenario.name);
    if args.quiet {
        return;
    }
    for line in shuttle
        .iter()
        .flat_map(|s| sampling_lines(s, o.stats.states))
    {
        println!("  {line}");
    }
    println!("  model {}, variant {}", scenario.model, scenario.variant);
    if !scenario.summary.is_empty() {
        println!("  {}", scenario.summary);
    }
    if let Verdict::Violation(c) = &o.verdict {
        println!("  {}", c.violation.message);
    }
    let partial = if matches!(o.verdict, Verdict::Pass) {
        ""
    } else {
        "so far: "
    };
    println!(
        "  explored {partial}{} states, {} transitions, depth {}, {} terminal states, {:.3}s on {} thread{}",
        s.states,
        s.transitions,
        s.depth,
        s.terminal_states,
        s.elapsed.as_secs_f64(),
        s.threads,
        if s.threads == 1 { "" } else { "s" }
    );
    // Small searches skip the line: their memory is the process's own.
    if s.visited_bytes >= 1 << 20 || s.disk_bytes > 0 {
        let disk = if s.disk_bytes > 0 {
            format!(
                "; at most {} of the queue and the parent links in a temporary file (deleted)",
                mib(s.disk_bytes)
            )
        } else {
            String::new()
        };
        println!(
            "  memory: {} for the visited set and the parent links{disk}",
            mib(s.visited_bytes as u64)
        );
    }
    match &s.bitstate {
        Some(b) => println!(
            "  bitstate hashing: {} Mbit for {} states (hash factor {:.1}); about {:.1} states may \
             have been missed, so the search may be incomplete",
            b.bits >> 20,
            s.states,
            b.bits as f64 / s.states.max(1) as f64,
            b.expected_missed
        ),
        None => println!(
            "  fingerprint collision probability at most {:.1e} ({} states, 64-bit fingerprints)",
            collision_bound(s.states),
            s.states
        ),
    }
    if let Some(k) = o.preemption_bound {
        println!("  bounded: only schedules with at most {k} preemptions were explored; the verdict holds up to {k}");
    }
    match &report.other {
        Some(Some(other)) => {
            let (with, without) = if o.reduced {
                (s.states, other.states)
            } else {
                (other.states, s.states)
            };
            println!(
                "  partial-order reduction: {with} states with, {without} without ({:.2}x fewer)",
                without as f64 / with.max(1) as f64
            );
        }
        Some(None) => println!(
            "  partial-order reduction: does not apply (the model declares no footprints, or \
             the engine or options exclude it)"
        ),
        None => {}
    }
    match (&s.schedules, &o.verdict) {
        (Some(n), _) => println!("  distinct complete schedules: {n}"),
        (None, _) if o.reduced => println!(
            "  distinct complete schedules: not counted under partial-order reduction (--no-por counts them)"
        ),
        (None, Verdict::Violation(_)) => println!(
            "  distinct complete schedules: not counted (the search stopped at the first violation; \
             `weft compare` explores everything)"
        ),
        _ => {}
    }
    print_steps_and_coverage(report);
    if let Some(e) = &scenario.expect {
        let got = match &o.verdict {
            Verdict::Pass => "pass".to_string(),
            Verdict::Violation(c) => format!("violation of {}", c.violation.check),
            Verdict::Stopped(_) => "no verdict".to_string(),
        };
        println!("  expected {e}, got {got}{mark}");
    }
    if let Some(trace) = &report.trace {
        let pre = match &o.preemptions {
            Some(p) if p.fewest => {
                format!(
                    ", {} preemption{}, the fewest among the shortest",
                    p.count,
                    plural(p.count as usize)
                )
            }
            Some(p) => format!(", {} preemption{}", p.count, plural(p.count as usize)),
            None => String::new(),
        };
        let kind = match args.engine {
            Engine::Bfs | Engine::Timely => "shortest",
            Engine::Dfs => "found depth-first, not necessarily shortest",
            _ => "found on shuttle threads, not necessarily shortest",
        };
        println!(
            "\n  counterexample ({} steps, {kind}{pre}):",
            trace.steps.len()
        );
        print!("{}", render::steps(&trace.steps, false));
        if let Some(v) = &trace.violation {
            println!("  => {}", render::violation(v));
        }
        if let Some(f) = o.preemptions.as_ref().and_then(|p| p.fewer.as_ref()) {
            println!(
                "  (with {} preemption{}, a {}-step schedule breaks {}{})",
                f.preemptions,
                plural(f.preemptions as usize),
                f.length,
                f.check,
                if f.check == trace.violation.as_ref().map_or("", |v| v.check.as_str()) {
                    ""
                } else {
                    " instead"
                }
            );
        }
        match trace_path {
            Some(p) => println!(
                "\n  trace saved to {0}  (view: weft show {0}; confirm: weft replay {0})",
                p.display()
            ),
            None => println!(
                "\n  save it with --trace-out FILE, then `weft show FILE` or `weft replay FILE`"
            ),
        }
    }
    println!();
}

/// Bytes in MiB, one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// The probability that two of `n` distinct states share a 64-bit fingerprint (the birthday
/// bound n(n-1)/2^65); a collision could hide a state from the search.
pub fn collision_bound(n: u64) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2f64.powi(65)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Per-thread step counts, and coverage: steps reached and those never reached (like SPIN's
/// "unreached in proctype").
fn print_steps_and_coverage(report: &Report) {
    let s = &report.outcome.stats;
    let per: Vec<String> = report
        .threads
        .iter()
        .zip(&s.thread_steps)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    println!("  steps per thread: {}", per.join(", "));
    let total: usize = report.coverage_points.iter().map(Vec::len).sum();
    if total == 0 {
        return;
    }
    let reached: usize = s.coverage.iter().flatten().filter(|&&n| n > 0).count();
    println!("  coverage: {reached} of {total} kernel steps reached");
    for (t, names) in report.coverage_points.iter().enumerate() {
        let unreached: Vec<&str> = names
            .iter()
            .zip(s.coverage.get(t).into_iter().flatten())
            .filter(|(_, &n)| n == 0)
            .map(|(name, _)| name.as_str())
            .collect();
        if !unreached.is_empty() {
            println!("    unreached in {}:", report.threads[t]);
            for u in unreached {
                println!("      {u}");
            }
        }
    }
}

/// The schedule count as JSON: a number, or null with the reason.
pub fn schedules_json(s: &Option<Schedules>) -> (serde_json::Value, Option<String>) {
    match s {
        Some(Schedules::Exactly(n)) => match u64::try_from(*n) {
            Ok(small) => (json!(small), None),
            // JSON numbers past u64 lose precision in most readers: give the digits.
            Err(_) => (json!(n.to_string()), None),
        },
        Some(other) => (serde_json::Value::Null, Some(other.to_string())),
        None => (serde_json::Value::Null, Some("not counted".into())),
    }
}

pub(super) fn json_doc(
    scenario: &Scenario,
    report: &Report,
    engine: Engine,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) -> serde_json::Value {
    let o = &report.outcome;
    let shuttle = o.sampling.as_ref();
    let s = &o.stats;
    let (verdict, check, message, stop) = match &o.verdict {
        Verdict::Pass => ("pass", None, None, None),
        Verdict::Violation(c) => (
            "violation",
            Some(c.violation.check.clone()),
            Some(c.violation.message.clone()),
            None,
        ),
        Verdict::Stopped(r) => ("stopped", None, None, Some(r.to_string())),
    };
    let (schedules, schedules_note) = schedules_json(&s.schedules);
    let coverage: serde_json::Map<String, serde_json::Value> = report
        .threads
        .iter()
        .enumerate()
        .map(|(t, name)| {
            let points: Vec<_> = report.coverage_points[t]
                .iter()
                .zip(s.coverage.get(t).into_iter().flatten())
                .map(|(p, n)| json!({"step": p, "count": n}))
                .collect();
            (
                name.clone(),
                json!({"steps": s.thread_steps[t], "coverage": points}),
            )
        })
        .collect();
    json!({
        "scenario": scenario.name,
        "path": scenario.path,
        "model": scenario.model,
        "variant": scenario.variant,
        "engine": engine.name(),
        "verdict": verdict,
        "check": check,
        "message": message,
        "stopped": stop,
        "states": s.states,
        "transitions": s.transitions,
        "depth": s.depth,
        "terminal_states": s.terminal_states,
        "elapsed": s.elapsed.as_secs_f64(),
        "threads": s.threads,
        "schedules": schedules,
        "schedules_note": schedules_note,
        "preemption_bound": o.preemption_bound,
        "por": o.reduced,
        "fingerprint_collision_bound": s.bitstate.is_none().then(|| collision_bound(s.states)),
        "visited_bytes": s.visited_bytes,
        "disk_bytes": s.disk_bytes,
        "bitstate": s.bitstate.map(|b| json!({"bits": b.bits, "expected_missed": b.expected_missed})),
        "states_other_way": report.other.as_ref().and_then(|o| o.as_ref()).map(|o| o.states),
        "preemptions": o.preemptions.as_ref().map(|p| p.count),
        "fewer_preemptions": o.preemptions.as_ref().and_then(|p| p.fewer.as_ref()).map(|f| json!({"length": f.length, "preemptions": f.preemptions, "check": f.check})),
        "threads_detail": coverage,
        "trace_length": report.trace.as_ref().map(|t| t.steps.len()),
        "trace": trace_path.map(|p| p.display().to_string()),
        "expected": scenario.expect.as_ref().map(|e| e.to_string()),
        "as_expected": as_expected,
        "shuttle": shuttle.map(|s| json!({
            "iterations": s.executions,
            "distinct_schedules": s.schedules,
            "distinct_states": o.stats.states,
            "longest": s.longest,
            "seed": s.seed,
            "exhausted": s.exhausted,
            "pct_bound": s.pct_bound(),
            "shuttle_schedule": s.shuttle_schedule,
        })),
    })
}
