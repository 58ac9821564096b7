//! The timely engine's side of `weft check`: the cluster from the options and hostfile, and
//! a line per level on stderr.

mod hostfile;

use super::args::TimelyArgs;
use anyhow::{Context, Result};
use std::sync::Mutex;
use std::time::Duration;
use weft_explorer::{Cluster, Progress};

/// The cluster `args` describe: workers, this process, and the hostfile's addresses.
pub(super) fn cluster(args: &TimelyArgs) -> Result<Cluster> {
    let processes = args.processes.unwrap_or(1);
    let process = args.process.unwrap_or(0);
    let addresses = match (&args.hostfile, processes) {
        (_, 0) => anyhow::bail!("--processes must be at least 1"),
        (None, 1) => Vec::new(),
        (None, _) => anyhow::bail!("--processes above 1 needs --hostfile (one host:port a line)"),
        (Some(path), n) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the hostfile {}", path.display()))?;
            hostfile::parse(&text, n).with_context(|| format!("the hostfile {}", path.display()))?
        }
    };
    anyhow::ensure!(
        process < processes,
        "--process must be below --processes ({processes})"
    );
    let workers = args.workers.unwrap_or(1);
    anyhow::ensure!(workers > 0, "--workers must be at least 1");
    Ok(Cluster {
        workers,
        process,
        addresses,
        connect_timeout: Duration::try_from_secs_f64(args.connect_timeout.unwrap_or(30.0))
            .context("--connect-timeout takes seconds")?,
    })
}

/// Prints a line per level with the rate since the level before.
#[derive(Default)]
pub(super) struct LevelLines(Mutex<(u64, Duration)>);

impl LevelLines {
    pub(super) fn print(&self, p: &Progress) {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (states, at) = *last;
        let rate = (p.states - states) as f64 / (p.elapsed - at).as_secs_f64().max(1e-9);
        *last = (p.states, p.elapsed);
        eprintln!(
            "  level {}: {} states, frontier {}, {:.0} states/s",
            p.depth, p.states, p.frontier, rate
        );
    }
}
