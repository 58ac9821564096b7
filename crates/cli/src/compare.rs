//! `weft compare`: one row per scenario and variant, explored completely.

use crate::check::{explore, schedules_json, Report};
use crate::exit::Exit;
use crate::progress::{self, INTERRUPTED};
use crate::stdout::{out, outln};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::json;
use weft_explorer::{Checker, Reduction, Verdict};
use weft_model::Scenario;

#[derive(Args)]
pub struct CompareArgs {
    /// Scenario files or shipped names (see `weft list`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// `all`: each scenario once per variant of its model (its `[expect]` applies to its own
    /// variant only).
    #[arg(long, value_name = "all")]
    variants: Option<VariantsArg>,
    /// Table format.
    #[arg(long, value_enum, default_value_t = TableFormat::Text)]
    format: TableFormat,
    /// One JSON document (an array of rows) on stdout.
    #[arg(long)]
    json: bool,
    /// Worker threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Stop a scenario's exploration after this many states (its row says "stopped").
    #[arg(long, value_name = "N")]
    max_states: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum VariantsArg {
    All,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    Text,
    Markdown,
}

/// One row of the comparison.
pub struct Row {
    pub scenario: String,
    pub variant: String,
    pub verdict: String,
    pub check: Option<String>,
    pub states: u64,
    pub schedules: String,
    pub schedules_json: serde_json::Value,
    pub trace_length: Option<usize>,
    pub preemptions: Option<u32>,
    pub expected: Option<String>,
    pub as_expected: Option<bool>,
}

/// Explores `scenario` completely and makes its row.
pub fn row(scenario: &Scenario, threads: usize, max_states: Option<u64>) -> Result<Row> {
    Ok(explore_completely(scenario, threads, max_states)?.0)
}

/// Explores `scenario` completely: its row, and the report with the counterexample.
pub fn explore_completely(
    scenario: &Scenario,
    threads: usize,
    max_states: Option<u64>,
) -> Result<(Row, Report)> {
    let mut checker = Checker::new()
        .threads(threads)
        .stop(&INTERRUPTED)
        .keep_going(true)
        .count_schedules(true)
        .reduction(Reduction::Off)
        .fewest_preemptions(true);
    if let Some(max) = max_states {
        checker = checker.max_states(max);
    }
    let report: Report = explore(scenario.model(), &checker)?;
    let o = &report.outcome;
    let (verdict, check) = match &o.verdict {
        Verdict::Pass => ("pass".to_string(), None),
        Verdict::Violation(c) => ("violation".to_string(), Some(c.violation.check.clone())),
        Verdict::Stopped(r) => (format!("stopped: {r}"), None),
    };
    let as_expected = scenario.expect.as_ref().and_then(|e| e.judge(o));
    let (schedules_json, _) = schedules_json(&o.stats.schedules);
    let row = Row {
        scenario: scenario.name.clone(),
        variant: scenario.variant.clone(),
        verdict,
        check,
        states: o.stats.states,
        schedules: o
            .stats
            .schedules
            .map_or_else(|| "not counted".into(), |n| n.to_string()),
        schedules_json,
        trace_length: report.trace.as_ref().map(|t| t.steps.len()),
        preemptions: o.preemptions.as_ref().map(|p| p.count),
        expected: scenario.expect.as_ref().map(|e| e.to_string()),
        as_expected,
    };
    Ok((row, report))
}

pub fn run(args: &CompareArgs) -> Result<Exit> {
    progress::handle_ctrl_c();
    let mut exit = Exit::Pass;
    let mut rows = Vec::new();
    for arg in &crate::input::expand(&args.scenarios)? {
        let Some(scenario) = crate::input::load_scenario(arg) else {
            exit = exit.combine(Exit::BadInput);
            continue;
        };
        let variants: Vec<(&str, Result<Scenario, _>)> = match args.variants {
            None => vec![("", Ok(scenario.clone()))],
            Some(VariantsArg::All) => scenario
                .variants()
                .iter()
                .map(|&v| (v, scenario.with_variant(v)))
                .collect(),
        };
        for (variant, s) in variants {
            let s = match s {
                Ok(s) => s,
                Err(e) => {
                    rows.push(not_applicable(&scenario, variant, &e.message));
                    continue;
                }
            };
            let r = row(&s, args.threads, args.max_states)?;
            if r.verdict.starts_with("stopped") {
                exit = exit.combine(Exit::Stopped);
            }
            rows.push(r);
        }
    }
    if args.json {
        let docs: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "scenario": r.scenario, "variant": r.variant, "verdict": r.verdict,
                    "check": r.check, "states": r.states, "schedules": r.schedules_json,
                    "trace_length": r.trace_length, "preemptions": r.preemptions,
                    "expected": r.expected, "as_expected": r.as_expected,
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&docs)?);
    } else {
        out!("{}", table(&rows, args.format == TableFormat::Markdown));
    }
    Ok(exit)
}

/// The row of a variant the scenario cannot be built for.
fn not_applicable(scenario: &Scenario, variant: &str, why: &str) -> Row {
    Row {
        scenario: scenario.name.clone(),
        variant: variant.to_string(),
        verdict: format!("n/a: {why}"),
        check: None,
        states: 0,
        schedules: "-".into(),
        schedules_json: serde_json::Value::Null,
        trace_length: None,
        preemptions: None,
        expected: None,
        as_expected: None,
    }
}

/// The rows as an aligned text table or a Markdown table.
pub fn table(rows: &[Row], markdown: bool) -> String {
    let header = [
        "scenario",
        "variant",
        "verdict",
        "check",
        "states",
        "schedules",
        "trace",
        "preempt",
        "expected",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.scenario.clone(),
                r.variant.clone(),
                r.verdict.clone(),
                r.check.clone().unwrap_or_else(|| "-".into()),
                r.states.to_string(),
                r.schedules.clone(),
                r.trace_length.map_or("-".into(), |l| l.to_string()),
                r.preemptions.map_or("-".into(), |p| p.to_string()),
                match (&r.expected, r.as_expected) {
                    (None, _) => "-".into(),
                    (Some(e), Some(true)) => format!("yes ({e})"),
                    (Some(e), Some(false)) => format!("NO (expected {e})"),
                    (Some(e), None) => format!("? ({e})"),
                },
            ]
        })
        .collect();
    let mut out = String::new();
    if markdown {
        out += &format!("| {} |\n", header.join(" | "));
        out += &format!("|{}\n", "---|".repeat(header.len()));
        for c in &cells {
            out += &format!("| {} |\n", c.join(" | "));
        }
        return out;
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[String]| {
        c.iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    out += &line(&header.map(String::from));
    for c in &cells {
        out += &line(c);
    }
    out
}
