//! What `weft check` prints: per scenario a verdict line and a summary (or its `--json`
//! document), and after several scenarios how many were as expected.

use super::{json, CheckArgs, Engine, Report};
use crate::render;
use crate::stdout::{out, outln};
use serde_json::Value;
use std::path::Path;
use weft_explorer::reduce::{DFS_PERIOD, MIN_PRUNED_PERCENT};
use weft_explorer::{Outcome, ReductionStats, Sampling, Scheduler, Stats, Verdict};
use weft_model::Scenario;

/// Where the results of a `weft check` go: stdout as text, or one JSON document at the end.
pub(super) struct Output<'a> {
    args: &'a CheckArgs,
    several: bool,
    docs: Vec<Value>,
    /// Scenarios whose `[expect]` could be judged, and of them those as expected.
    judged: usize,
    matched: usize,
}

impl<'a> Output<'a> {
    pub(super) fn new(args: &'a CheckArgs, several: bool) -> Self {
        Output {
            args,
            several,
            docs: Vec::new(),
            judged: 0,
            matched: 0,
        }
    }

    /// One scenario's result, with the path its counterexample was saved to.
    pub(super) fn add(&mut self, scenario: &Scenario, report: &Report, trace: Option<&Path>) {
        let as_expected = scenario
            .expect
            .as_ref()
            .and_then(|e| e.judge(&report.outcome));
        if let Some(ok) = as_expected {
            self.judged += 1;
            self.matched += ok as usize;
        }
        if self.args.output.json {
            let engine = self.args.engine();
            let doc = json::document(scenario, report, engine, trace, as_expected);
            self.docs.push(doc);
        } else {
            print_human(scenario, report, self.args, trace, as_expected);
        }
    }

    /// After `--continue`'s searches of one scenario: each check violated with its shortest
    /// counterexample's length, and what the last search says of the others.
    pub(super) fn continued(&self, scenario: &Scenario, reports: &[Report]) {
        if self.args.output.json {
            return;
        }
        let found: Vec<String> = reports
            .iter()
            .filter_map(|r| match &r.outcome.verdict {
                Verdict::Violation(c) => Some(format!(
                    "{} ({} steps)",
                    c.violation.check,
                    c.schedule.len()
                )),
                _ => None,
            })
            .collect();
        let last = reports.last().map(|r| &r.outcome);
        let others = match last.map(|o| (&o.verdict, &o.only_checks)) {
            Some((Verdict::Pass, Some(only))) => {
                format!("no schedule violates the others ({})", only.join(", "))
            }
            Some((Verdict::Pass, None)) => "no schedule violates any check".to_string(),
            Some((Verdict::Stopped(r), _)) => format!("the search for the others stopped: {r}"),
            _ => "every check looked for is violated".to_string(),
        };
        let violated = match found.len() {
            0 => "no check violated".to_string(),
            1 => format!("1 check violated: {}", found[0]),
            n => format!("{n} checks violated: {}", found.join(", ")),
        };
        outln!("{}: {violated}; {others}", scenario.name);
    }

    /// The JSON document, or the count of scenarios as expected.
    pub(super) fn finish(mut self) -> anyhow::Result<()> {
        if self.args.output.json {
            // --continue gives a document per search, so an array even for one scenario.
            let doc = if self.several || self.args.search.go_on {
                Value::Array(self.docs)
            } else {
                self.docs.pop().unwrap_or(Value::Null)
            };
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        } else if self.several && self.judged > 0 {
            outln!(
                "{} of {} scenarios with an [expect] gave the expected verdict",
                self.matched,
                self.judged
            );
        }
        Ok(())
    }
}

fn print_human(
    scenario: &Scenario,
    report: &Report,
    args: &CheckArgs,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) {
    let o = &report.outcome;
    let mark = match as_expected {
        Some(true) => "  (as expected)",
        Some(false) => "  (NOT as expected)",
        None => "",
    };
    outln!("{}: {}{mark}", scenario.name, verdict_words(o));
    if args.output.quiet {
        return;
    }
    for line in o
        .sampling
        .iter()
        .flat_map(|s| sampling_lines(s, o.stats.states))
    {
        outln!("  {line}");
    }
    outln!("  model {}, variant {}", scenario.model, scenario.variant);
    if !scenario.summary.is_empty() {
        outln!("  {}", scenario.summary);
    }
    if let Verdict::Violation(c) = &o.verdict {
        outln!("  {}", c.violation.message);
    }
    print_counts(o);
    print_symmetry(report);
    print_reduction(report);
    print_steps_and_coverage(report);
    if let Some(e) = &scenario.expect {
        outln!("  expected {e}, got {}{mark}", got(&o.verdict));
    }
    print_counterexample(report, args.engine(), trace_path);
    outln!();
}

/// A verdict in `[expect]`'s terms, for comparing the two: `pass`, `violation of CHECK`, or
/// `no verdict`.
pub(super) fn got(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Pass => "pass".to_string(),
        Verdict::Violation(c) => format!("violation of {}", c.violation.check),
        Verdict::Stopped(_) => "no verdict".to_string(),
    }
}

/// The verdict line's words.
fn verdict_words(o: &Outcome) -> String {
    match &o.verdict {
        Verdict::Pass => match partial_pass(o) {
            Some(scope) => format!("PASS: no violation {scope}"),
            None => "PASS: no violation in any schedule".into(),
        },
        Verdict::Violation(c) => format!("VIOLATION of {}", c.violation.check),
        Verdict::Stopped(r) => format!("STOPPED before a verdict: {r}"),
    }
}

/// For a pass that does not cover every schedule, which ones it covers: a sample, a
/// preemption bound, or a bitstate search that may have missed states. `None` for a pass
/// that is a proof (over the model) and for any other verdict.
pub(super) fn partial_pass(o: &Outcome) -> Option<String> {
    if !matches!(o.verdict, Verdict::Pass) {
        return None;
    }
    if let Some(s) = o.sampling.as_ref().filter(|s| !s.exhausted) {
        return Some(format!(
            "in {} sampled executions ({} distinct schedules; not a proof)",
            s.executions, s.schedules
        ));
    }
    if let Some(k) = o.preemption_bound {
        return Some(format!(
            "in schedules with at most {k} preemptions (bounded; others not explored)"
        ));
    }
    if let Some(only) = &o.only_checks {
        return Some(format!(
            "of {} in any schedule (the other checks were not looked for)",
            only.join(", ")
        ));
    }
    o.stats.bitstate.as_ref().map(|_| {
        "in the states bitstate hashing stored (it may have missed some; not a proof)".into()
    })
}

/// What a shuttle run covered.
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

/// States, transitions, time, memory, and what the fingerprints or the bit array can miss.
fn print_counts(o: &Outcome) {
    let s = &o.stats;
    let partial = if matches!(o.verdict, Verdict::Pass) {
        ""
    } else {
        "so far: "
    };
    outln!(
        "  explored {partial}{} states, {} transitions, depth {}, {} terminal states, {:.3}s on {} thread{}",
        s.states,
        s.transitions,
        s.depth,
        s.terminal_states,
        s.elapsed.as_secs_f64(),
        s.threads,
        plural(s.threads)
    );
    print_memory(s);
    match &s.bitstate {
        Some(b) => outln!(
            "  bitstate hashing: {} Mbit for {} states (hash factor {:.1}); about {:.1} states may \
             have been missed, so the search may be incomplete",
            b.bits >> 20,
            s.states,
            b.bits as f64 / s.states.max(1) as f64,
            b.expected_missed
        ),
        None => outln!(
            "  fingerprint collision probability at most {:.1e} ({} states, 64-bit fingerprints)",
            collision_bound(s.states),
            s.states
        ),
    }
    if let Some(k) = o.preemption_bound {
        outln!("  bounded: only schedules with at most {k} preemptions were explored; the verdict holds up to {k}");
    }
}

/// The search's memory and disk, when it is more than the process's own.
fn print_memory(s: &Stats) {
    if s.visited_bytes < 1 << 20 && s.disk_bytes == 0 {
        return;
    }
    let disk = if s.disk_bytes > 0 {
        format!(
            "; at most {} of the queue and the parent links in a temporary file (deleted)",
            mib(s.disk_bytes)
        )
    } else {
        String::new()
    };
    outln!(
        "  memory: {} for the visited set and the parent links{disk}",
        mib(s.visited_bytes as u64)
    );
}

/// With thread symmetry: what the states counted are, and which threads are interchangeable.
fn print_symmetry(report: &Report) {
    let Some(groups) = &report.outcome.symmetry else {
        return;
    };
    let each: Vec<String> = groups
        .iter()
        .map(|g| {
            let names: Vec<&str> = g.iter().map(|&t| report.threads[t].as_str()).collect();
            format!("{} ({})", names.join(", "), g.len())
        })
        .collect();
    outln!(
        "  symmetry: the states counted are orbits (one state stored for each set that differs \
         only by renaming interchangeable threads: {}); --no-symmetry stores every state",
        each.join("; ")
    );
}

/// What reduction did (with `--por-stats`), and whether schedules were counted.
fn print_reduction(report: &Report) {
    let o = &report.outcome;
    let s = &o.stats;
    if let Some(r) = &s.reduction {
        outln!("  {}", reduction_line(r, o.engine));
    }
    match &report.other {
        Some(Some(other)) => {
            let (with, without) = if o.reduced {
                (s.states, other.states)
            } else {
                (other.states, s.states)
            };
            outln!(
                "  partial-order reduction: {with} states with, {without} without ({:.2}x fewer)",
                without as f64 / with.max(1) as f64
            );
        }
        Some(None) => outln!(
            "  partial-order reduction: does not apply (the model declares no footprints, or \
             the engine or options exclude it)"
        ),
        None => {}
    }
    match (&s.schedules, &o.verdict) {
        (Some(n), _) => outln!("  distinct complete schedules: {n}"),
        (None, _) if o.symmetry.is_some() => outln!(
            "  distinct complete schedules: not counted under thread symmetry (--no-symmetry \
             counts them, on a search that runs to the end)"
        ),
        (None, _) if o.reduced => outln!(
            "  distinct complete schedules: not counted under partial-order reduction (a bfs search with --no-por that runs to the end counts them)"
        ),
        (None, Verdict::Violation(_)) => outln!(
            "  distinct complete schedules: not counted (the search stopped at the first violation; \
             `weft compare` explores everything)"
        ),
        _ => {}
    }
}

/// Where partial-order reduction was on, and what it left unexplored there.
pub(crate) fn reduction_line(r: &ReductionStats, engine: &str) -> String {
    let periods = if engine == "dfs" {
        format!("stretches of {DFS_PERIOD} states")
    } else {
        "levels".to_string()
    };
    let on = format!(
        "it left {:.1}% of the enabled steps unexplored in the {} states it reduced",
        r.pruned_percent(),
        r.expanded
    );
    if r.off_periods() == 0 {
        return format!(
            "partial-order reduction: on in every one of the {} {periods}; {on}",
            r.periods
        );
    }
    format!(
        "partial-order reduction: on in {} of {} {periods}, off in the {} others ({} states \
         expanded fully), each after one where it left fewer than {MIN_PRUNED_PERCENT}% of the \
         enabled steps unexplored (a sample of {} of their states says it would have left \
         {:.1}%); {on}",
        r.reduced_periods,
        r.periods,
        r.off_periods(),
        r.unreduced,
        r.sampled,
        r.sampled_pruned_percent(),
    )
}

/// The counterexample as numbered steps, and where it was saved.
fn print_counterexample(report: &Report, engine: Engine, trace_path: Option<&Path>) {
    let Some(trace) = &report.trace else {
        return;
    };
    let o = &report.outcome;
    let pre = match &o.preemptions {
        Some(p) if p.fewest => format!(
            ", {} preemption{}, the fewest among the shortest",
            p.count,
            plural(p.count as usize)
        ),
        Some(p) => format!(", {} preemption{}", p.count, plural(p.count as usize)),
        None => String::new(),
    };
    let kind = match engine {
        Engine::Bfs | Engine::Timely => "shortest",
        Engine::Dfs => "found depth-first, not necessarily shortest",
        _ => "found on shuttle threads, not necessarily shortest",
    };
    outln!(
        "\n  counterexample ({} steps, {kind}{pre}):",
        trace.steps.len()
    );
    out!("{}", render::steps(&trace.steps, false));
    if let Some(v) = &trace.violation {
        outln!("  => {}", render::violation(v));
    }
    if let Some(f) = o.preemptions.as_ref().and_then(|p| p.fewer.as_ref()) {
        let same = f.check == trace.violation.as_ref().map_or("", |v| v.check.as_str());
        outln!(
            "  (with {} preemption{}, a {}-step schedule breaks {}{})",
            f.preemptions,
            plural(f.preemptions as usize),
            f.length,
            f.check,
            if same { "" } else { " instead" }
        );
    }
    match trace_path {
        Some(p) => outln!(
            "\n  trace saved to {0}  (view: weft show {0}; confirm: weft replay {0})",
            p.display()
        ),
        None => {
            outln!("\n  save it with --trace-out FILE, then `weft show FILE` or `weft replay FILE`")
        }
    }
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
    outln!(
        "  steps per thread (transitions explored, by the thread that moved): {}",
        per.join(", ")
    );
    let total: usize = report.coverage_points.iter().map(Vec::len).sum();
    if total == 0 {
        return;
    }
    let reached: usize = s.coverage.iter().flatten().filter(|&&n| n > 0).count();
    if !report.coverage_is_program {
        let per: Vec<String> = report
            .threads
            .iter()
            .zip(&s.coverage)
            .map(|(t, points)| format!("{t} {}", points.iter().filter(|&&n| n > 0).count()))
            .collect();
        let declared = report.coverage_points.first().map_or(0, Vec::len);
        outln!(
            "  coverage: kernel steps reached per thread: {} (of the model's {declared} steps; \
             it declares no program per operation, so steps never reached are not listed; \
             --json lists each step's count)",
            per.join(", ")
        );
        return;
    }
    outln!("  coverage: {reached} of {total} kernel steps reached");
    for (t, names) in report.coverage_points.iter().enumerate() {
        let unreached: Vec<&str> = names
            .iter()
            .zip(s.coverage.get(t).into_iter().flatten())
            .filter(|(_, &n)| n == 0)
            .map(|(name, _)| name.as_str())
            .collect();
        if !unreached.is_empty() {
            outln!("    unreached in {}:", report.threads[t]);
            for u in unreached {
                outln!("      {u}");
            }
        }
    }
}
