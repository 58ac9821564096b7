//! `weft check --json`: one document per scenario.

use super::print::collision_bound;
use super::{Engine, Report};
use serde_json::{json, Value};
use std::path::Path;
use weft_explorer::{Schedules, Verdict};
use weft_model::Scenario;

/// The schedule count as JSON: a number, or null with the reason.
pub fn schedules_json(s: &Option<Schedules>) -> (Value, Option<String>) {
    match s {
        Some(Schedules::Exactly(n)) => match u64::try_from(*n) {
            Ok(small) => (json!(small), None),
            // JSON numbers past u64 lose precision in most readers: give the digits.
            Err(_) => (json!(n.to_string()), None),
        },
        Some(other) => (Value::Null, Some(other.to_string())),
        None => (Value::Null, Some("not counted".into())),
    }
}

/// One scenario's `--json` document.
pub(super) fn document(
    scenario: &Scenario,
    report: &Report,
    engine: Engine,
    trace_path: Option<&Path>,
    as_expected: Option<bool>,
) -> Value {
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
    let coverage: serde_json::Map<String, Value> = report
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
        "partial_pass": super::print::partial_pass(o),
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
        "only_checks": o.only_checks,
        "symmetry": o.symmetry.as_ref().map(|groups| json!({
            "groups": groups
                .iter()
                .map(|g| g.iter().map(|&t| report.threads[t].clone()).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            "orbits": s.states,
        })),
        "por": o.reduced,
        "por_periods": s.reduction.map(|r| json!({
            "unit": if o.engine == "dfs" { "states" } else { "level" },
            "periods": r.periods,
            "reduced": r.reduced_periods,
            "states_reduced": r.expanded,
            "states_full": r.unreduced,
            "pruned_percent": r.pruned_percent(),
            "sampled_pruned_percent": (r.sampled > 0).then(|| r.sampled_pruned_percent()),
            "summary": super::print::reduction_line(&r, o.engine),
        })),
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
