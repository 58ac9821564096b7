//! Exploring a scenario's model into a [`Report`]: the outcome, with its counterexample
//! re-executed into a trace.

use anyhow::{Context, Result};
use weft_explorer::{AnyModel, Checker, Outcome, Stats, Trace, Verdict};

/// What exploring one scenario produced.
pub struct Report {
    pub outcome: Outcome,
    pub trace: Option<Trace>,
    pub threads: Vec<String>,
    /// Per thread, the names of the model's coverage points.
    pub coverage_points: Vec<Vec<String>>,
    /// Whether those points are each thread's program (else: every step of the model).
    pub coverage_is_program: bool,
    /// With `--por-stats`: the counts of the search made the other way (`None` inside when
    /// that search does not apply: a model with no reduction).
    pub other: Option<Option<Stats>>,
}

impl Report {
    /// The report of `outcome`: the counterexample re-executed into a trace, the threads and
    /// the coverage points.
    pub fn new(model: &dyn AnyModel, outcome: Outcome) -> Result<Report> {
        let trace = match &outcome.verdict {
            Verdict::Violation(cex) => Some(
                model
                    .trace(&cex.schedule)
                    .context("internal error: the counterexample does not re-execute")?,
            ),
            _ => None,
        };
        Ok(Report {
            outcome,
            trace,
            threads: model.thread_names(),
            coverage_points: model.coverage_points(),
            coverage_is_program: model.coverage_is_program(),
            other: None,
        })
    }
}

/// Explores `model` as `checker` says, into a report.
pub fn explore(model: &dyn AnyModel, checker: &Checker) -> Result<Report> {
    let outcome = model.check(checker)?;
    Report::new(model, outcome)
}
