//! Fuzz targets for what weft reads from its users: scenario files, trace files and the timely
//! engine's hostfiles. Each target takes raw bytes and must return whatever they are: an error
//! is an answer, a panic is a bug.
//!
//! Two drivers run the same targets:
//!
//! - [`mutate::run`]: deterministic mutations (bytes, and the JSON, TOML or lines inside)
//!   of the seed corpus ([`corpus`]) from a fixed seed, for a fixed number of inputs. The
//!   `fuzz` test runs it in CI; `WEFT_FUZZ_ITERATIONS` and `WEFT_FUZZ_SEED` make it run
//!   longer or elsewhere.
//! - `weft-fuzz-afl` (feature `afl`, built with `cargo afl build`): the same targets under
//!   AFL++'s coverage-guided search, for long runs (`fuzz/afl.sh`).
//!
//! The command line's own trace and hostfile code is compiled in here from its files, so the
//! targets run exactly what `weft replay`, `weft show` and `weft check --hostfile` run.

#[allow(dead_code)]
#[path = "../../crates/cli/src/render.rs"]
mod render;

#[allow(dead_code)]
#[path = "../../crates/cli/src/trace_file/mod.rs"]
mod trace_file;

#[allow(dead_code)]
#[path = "../../crates/cli/src/output.rs"]
mod output;

#[allow(dead_code)]
#[path = "../../crates/cli/src/check/cluster/hostfile.rs"]
mod hostfile;

pub mod corpus;
pub mod mutate;

use weft_explorer::{Checker, Engine, Limits};

/// A fuzz target: one kind of input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A scenario file (`weft check FILE`).
    Scenario,
    /// A trace file (`weft replay FILE`, `weft show FILE`).
    Trace,
    /// A timely hostfile (`weft check --engine timely --hostfile FILE`).
    Hostfile,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 3] = [Target::Scenario, Target::Trace, Target::Hostfile];

    /// The target's name, as `fuzz/afl.sh` and the corpus folders spell it.
    pub fn name(self) -> &'static str {
        match self {
            Target::Scenario => "scenario",
            Target::Trace => "trace",
            Target::Hostfile => "hostfile",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Feeds `bytes` to the target; returns only if weft handles them.
    pub fn run(self, bytes: &[u8]) {
        match self {
            Target::Scenario => scenario(bytes),
            Target::Trace => trace(bytes),
            Target::Hostfile => hostfile(bytes),
        }
    }
}

/// The scenario loader, as `weft check` calls it; a scenario that loads is also explored a
/// little (depth-first, at most 64 states), so that its model runs on whatever parameters
/// and threads the loader let through.
pub fn scenario(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(scenario) = weft_model::Scenario::parse("fuzz", "fuzz.toml", text) else {
        return;
    };
    let checker = Checker::new().engine(Engine::Dfs).limits(Limits {
        max_states: Some(64),
        max_depth: Some(64),
        ..Limits::default()
    });
    let _ = scenario.model().check(&checker);
}

/// The trace loader and every check `weft replay` and `weft show` make before they trust a
/// trace, then the shuttle schedule's replay if it has one.
pub fn trace(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(file) = trace_file::TraceFile::parse(text) else {
        return;
    };
    let Ok(scenario) = trace_file::check::check(&file) else {
        return;
    };
    if let Some(schedule) = &file.shuttle_schedule {
        let _ = scenario.model().replay_on_shuttle(schedule);
    }
}

/// The hostfile parser, for one to four processes; what it accepts must be that many
/// `host:port` lines with ports from 1 to 65535.
pub fn hostfile(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for processes in 1..=4 {
        let Ok(addresses) = hostfile::parse(text, processes) else {
            continue;
        };
        assert_eq!(addresses.len(), processes, "{text:?}");
        for a in &addresses {
            let port = a.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
            assert!(matches!(port, Some(Ok(p)) if p > 0), "{a:?} in {text:?}");
        }
    }
}
