//! The timely engine's side of `weft check`: the cluster from the options and hostfile.

use super::{CheckArgs, Report};
use crate::progress::INTERRUPTED;
use anyhow::{Context, Result};
use std::time::Duration;
use weft_explorer::timely_engine::{explore_timely, Cluster};
use weft_explorer::{Limits, Model, Options};
use weft_model::scenario::WithSerialModel;
use weft_model::Scenario;

/// Runs one scenario on the timely engine, as `args` describe the cluster.
pub(super) fn timely_report(
    scenario: &Scenario,
    args: &CheckArgs,
    limits: &Limits,
) -> Result<Report> {
    let addresses = match (&args.hostfile, args.processes) {
        (_, 0) => anyhow::bail!("--processes must be at least 1"),
        (None, 1) => Vec::new(),
        (None, _) => anyhow::bail!("--processes above 1 needs --hostfile (one host:port a line)"),
        (Some(path), n) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the hostfile {}", path.display()))?;
            let lines: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect();
            anyhow::ensure!(
                lines.len() >= n,
                "the hostfile {} lists {} address(es) for {n} processes",
                path.display(),
                lines.len()
            );
            lines.into_iter().take(n).collect()
        }
    };
    anyhow::ensure!(
        args.process < args.processes,
        "--process must be below --processes ({})",
        args.processes
    );
    anyhow::ensure!(
        args.preemptions.is_none() && args.bitstate.is_none(),
        "--engine timely does not support --preemptions or --bitstate"
    );
    let cluster = Cluster {
        workers: args.workers,
        process: args.process,
        addresses,
        connect_timeout: Duration::try_from_secs_f64(args.connect_timeout)
            .context("--connect-timeout takes seconds")?,
    };
    let quiet = args.quiet || args.process != 0;
    let last = std::sync::Mutex::new((0u64, Duration::ZERO));
    let line = |p: &weft_explorer::Progress| {
        if quiet {
            return;
        }
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let (states, at) = *last;
        let rate = (p.states - states) as f64 / (p.elapsed - at).as_secs_f64().max(1e-9);
        *last = (p.states, p.elapsed);
        eprintln!(
            "  level {}: {} states, frontier {}, {:.0} states/s",
            p.depth, p.states, p.frontier, rate
        );
    };
    scenario.with_serial_model(TimelyJob {
        options: Options {
            limits: limits.clone(),
            stop: Some(&INTERRUPTED),
            progress: Some(&line),
            ..Options::default()
        },
        cluster,
    })
}

struct TimelyJob<'a> {
    options: Options<'a>,
    cluster: Cluster,
}

impl WithSerialModel for TimelyJob<'_> {
    type Output = Result<Report>;
    fn run<M>(self, model: &M) -> Result<Report>
    where
        M: Model + Clone + Send + 'static,
        M::State: 'static,
    {
        let outcome = explore_timely(model, &self.options, &self.cluster)?;
        Report::new(model, outcome)
    }
}
