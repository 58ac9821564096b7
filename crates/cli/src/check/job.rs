//! Running a scenario's model on an engine, into a [`Report`].

use super::Engine;
use anyhow::{Context, Result};
use weft_explorer::dfs::explore_dfs;
use weft_explorer::preemption::{self, Bounded, Fewer};
use weft_explorer::shuttle_engine::{explore_shuttle, ShuttleOptions, Summary};
use weft_explorer::{explore, Model, Options, Outcome, Trace, Verdict};
use weft_model::WithModel;

/// What exploring one scenario produced.
pub struct Report {
    pub outcome: Outcome,
    pub trace: Option<Trace>,
    pub threads: Vec<String>,
    /// Preemptions the reported counterexample uses.
    pub preemptions: Option<u32>,
    /// A counterexample that needs fewer preemptions than the reported one.
    pub fewer: Option<Fewer>,
    /// Per thread, the names of the model's coverage points.
    pub coverage_points: Vec<Vec<String>>,
    /// The preemption bound explored under, if any.
    pub bound: Option<u32>,
    /// Partial-order reduction was on.
    pub por: bool,
    /// With `--por-stats`: the counts of the search made the other way.
    pub other: Option<weft_explorer::Stats>,
}

impl Report {
    /// The report of `outcome`: the counterexample re-executed into a trace (with its
    /// preemptions), the threads and the coverage points; nothing bounded, reduced or
    /// compared yet.
    pub fn new<M: Model>(model: &M, outcome: Outcome) -> Result<Report> {
        let (trace, preemptions) = match &outcome.verdict {
            Verdict::Violation(cex) => (
                Some(
                    cex.trace(model)
                        .context("internal error: the counterexample does not re-execute")?,
                ),
                preemption::count(model, &cex.schedule),
            ),
            _ => (None, None),
        };
        Ok(Report {
            outcome,
            trace,
            threads: (0..model.thread_count())
                .map(|t| model.thread_name(t).to_string())
                .collect(),
            preemptions,
            fewer: None,
            coverage_points: (0..model.thread_count())
                .map(|t| model.coverage_points(t))
                .collect(),
            bound: None,
            por: false,
            other: None,
        })
    }
}

/// Runs a scenario's model on shuttle threads (engines random, pct, dfs-shuttle).
pub(super) struct ShuttleJob(pub(super) ShuttleOptions);

impl WithModel for ShuttleJob {
    type Output = Result<(Report, Summary)>;
    fn run<M: Model>(self, model: &M) -> Result<(Report, Summary)> {
        let out = explore_shuttle(model, &self.0);
        let report = Report::new(model, out.outcome)?;
        Ok((report, out.summary))
    }
}

/// Explores a scenario's model with these options.
pub struct Job<'a> {
    pub options: Options<'a>,
    /// Explore only schedules with at most this many preemptions.
    pub bound: Option<u32>,
    /// Look for a shortest counterexample with the fewest preemptions.
    pub fewest: bool,
    /// Also explore with reduction toggled, for `--por-stats`.
    pub por_stats: bool,
    /// Which engine explores.
    pub engine: Engine,
}

impl WithModel for Job<'_> {
    type Output = Result<Report>;
    fn run<M: Model>(self, model: &M) -> Result<Report> {
        let start = std::time::Instant::now();
        let mut outcome = match (self.engine, self.bound) {
            (Engine::Bfs, None) => explore(model, &self.options),
            (Engine::Bfs, Some(bound)) => explore(&Bounded { model, bound }, &self.options),
            (Engine::Dfs, None) => explore_dfs(model, &self.options),
            (Engine::Dfs, Some(bound)) => explore_dfs(&Bounded { model, bound }, &self.options),
            (Engine::Timely, _) => unreachable!("the timely engine runs through TimelyJob"),
            (_, _) => unreachable!("the shuttle engines run through ShuttleJob"),
        };
        let por = self.options.por && !self.options.count_schedules && self.bound.is_none();
        let other = self.por_stats.then(|| {
            let toggled = Options {
                threads: self.options.threads,
                limits: self.options.limits.clone(),
                stop: self.options.stop,
                por: !por,
                ..Options::default()
            };
            match self.engine {
                Engine::Bfs | Engine::Timely => explore(model, &toggled).stats,
                _ => explore_dfs(model, &toggled).stats,
            }
        });
        let mut fewer = None;
        if let Verdict::Violation(cex) = &mut outcome.verdict {
            if self.fewest && self.engine == Engine::Bfs {
                let quiet = Options {
                    threads: self.options.threads,
                    limits: self.options.limits.remaining_since(start),
                    stop: self.options.stop,
                    ..Options::default()
                };
                let found = preemption::fewest(model, &quiet, cex);
                *cex = found.counterexample;
                fewer = found.fewer;
            }
        }
        Ok(Report {
            fewer,
            bound: self.bound,
            por,
            other,
            ..Report::new(model, outcome)?
        })
    }
}
