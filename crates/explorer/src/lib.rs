//! weft-explorer: the model-agnostic engine of weft.
//!
//! A [`Model`] is an initial state and a fixed set of threads; each thread advances one
//! atomic [step](Model::step) at a time. The [`bfs`] engine enumerates every schedule, stores
//! a 64-bit [fingerprint](fingerprint()) per distinct state plus a parent link, and on a violation rebuilds
//! the shortest [`Counterexample`] by re-executing its schedule ([`trace`]).
//!
//! The other engines explore the same models: [`dfs`] (depth-first, memory-light),
//! [`shuttle_engine`] (random, PCT and stateless DFS on real shuttle threads), and, with the
//! `timely` feature, `timely_engine` (breadth-first across workers, processes and machines).
//! [`preemption`] bounds schedules by their preemptions, [`graph`] draws the state graph, and
//! [`naive`] enumerates every schedule by brute force, to test the engines against.
//!
//! The explorer knows nothing about the kernel: models live in `weft-model`.

pub mod bfs;
pub mod dfs;
mod expand;
pub mod fingerprint;
pub mod graph;
mod level;
mod model;
pub mod naive;
mod pipeline;
pub mod preemption;
pub mod shuttle_engine;
mod spool;
#[cfg(feature = "timely")]
pub mod timely_engine;
pub mod trace;
mod visited;

pub use bfs::{
    explore, explore_observed, Bitstate, Limits, Observer, Options, Outcome, Progress, Schedules,
    Stats, StopReason, Verdict,
};
pub use fingerprint::{fingerprint, fingerprint_bytes};
pub use model::{check_state, Footprint, Model, Source, Status, StepInfo, Violation};
pub use trace::{Change, Counterexample, Trace, TraceStep};
pub use visited::{bitstate_expected_omissions, FingerprintSet, BITSTATE_HASHES};
