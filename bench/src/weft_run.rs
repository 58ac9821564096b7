//! One measured weft exploration, as both benchmark commands run it.

use std::time::Duration;
use weft_explorer::{AnyModel, Checker, Outcome, Reduction};

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
    /// Thread symmetry (`weft check`'s default); off, every state is stored.
    pub symmetry: bool,
}

impl WeftRun {
    /// Explores `model`.
    pub fn run(self, model: &dyn AnyModel) -> Outcome {
        let mut checker = Checker::new()
            .threads(self.threads)
            .reduction(if self.por {
                Reduction::On
            } else {
                Reduction::Off
            })
            .symmetry(self.symmetry);
        if let Some(limit) = self.time_limit {
            checker = checker.time_limit(limit);
        }
        if self.queue_on_disk {
            checker = checker.frontier_memory(0);
        }
        model
            .check(&checker)
            .unwrap_or_else(|e| panic!("the benchmark's search was refused: {e}"))
    }
}
