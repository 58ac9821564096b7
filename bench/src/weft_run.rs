//! One measured weft exploration, as both benchmark commands run it.

use std::time::Duration;
use weft_explorer::{explore, Limits, Model, Options, Outcome};
use weft_model::WithModel;

/// A breadth-first exploration of a scenario's model.
#[derive(Clone, Copy, Debug)]
pub struct WeftRun {
    /// Worker threads.
    pub threads: usize,
    /// Stop after this long.
    pub time_limit: Option<Duration>,
    /// Partial-order reduction.
    pub por: bool,
    /// The queue on disk past the write buffers (`--frontier-memory 0`), not the default.
    pub queue_on_disk: bool,
}

impl WithModel for WeftRun {
    type Output = Outcome;
    fn run<M: Model>(self, m: &M) -> Outcome {
        explore(
            m,
            &Options {
                threads: self.threads,
                limits: Limits {
                    time_limit: self.time_limit,
                    ..Limits::default()
                },
                por: self.por,
                frontier_memory: self.queue_on_disk.then_some(0),
                ..Options::default()
            },
        )
    }
}
