//! weft-explorer: the model-agnostic engine of weft, an exhaustive interleaving explorer.
//!
//! A [`Model`] is an initial state and a fixed set of threads, each advancing one atomic
//! [step](Model::step) at a time. A [`Checker`] explores every schedule of a model and returns
//! an [`Outcome`]: the verdict (a pass, or the [`Counterexample`] that breaks a check, or the
//! limit that stopped the search) and its counts. [`trace::execute`] turns a counterexample
//! into readable steps: each step's label, source, and the fields it changed.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use weft_explorer::{Checker, Field, Model, Source, Status, StepInfo, Verdict, Violation};
//!
//! /// Two threads each run `tmp = counter; counter = tmp + 1`.
//! #[derive(Clone)]
//! struct LostUpdate;
//!
//! #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
//! struct State {
//!     counter: u8,
//!     pc: [u8; 2],
//!     tmp: [u8; 2],
//! }
//!
//! impl Model for LostUpdate {
//!     type State = State;
//!     fn initial_state(&self) -> State {
//!         State { counter: 0, pc: [0; 2], tmp: [0; 2] }
//!     }
//!     fn thread_count(&self) -> usize {
//!         2
//!     }
//!     fn thread_name(&self, t: usize) -> &str {
//!         ["a", "b"][t]
//!     }
//!     fn status(&self, s: &State, t: usize) -> Status {
//!         if s.pc[t] == 2 { Status::Finished } else { Status::Enabled }
//!     }
//!     fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
//!         if s.pc[t] == 0 {
//!             s.tmp[t] = s.counter;
//!         } else {
//!             s.counter = s.tmp[t] + 1;
//!         }
//!         s.pc[t] += 1;
//!         Ok(())
//!     }
//!     fn step_info(&self, s: &State, t: usize) -> StepInfo {
//!         let label = ["tmp = counter", "counter = tmp + 1"][s.pc[t] as usize % 2];
//!         StepInfo { label: label.into(), note: None, source: Source::new("inc", "inc.c", "1") }
//!     }
//!     fn end_check(&self, s: &State) -> Result<(), Violation> {
//!         match s.counter {
//!             2 => Ok(()),
//!             n => Err(Violation::new("lost_update", format!("counter is {n}, not 2"))),
//!         }
//!     }
//!     fn fields(&self, s: &State) -> Vec<Field> {
//!         vec![Field::memory("counter", s.counter)]
//!     }
//! }
//!
//! let outcome = Checker::new().check(&LostUpdate).unwrap();
//! let Verdict::Violation(cex) = &outcome.verdict else { panic!("the update is lost") };
//! assert_eq!(cex.violation.check, "lost_update");
//! assert_eq!(cex.schedule, [0, 1, 0, 1]); // both read 0, both write 1
//! ```
//!
//! The parts, by folder:
//! - [`search`]: the public search API: the [`Checker`] builder, the [`Engine`]s it can run,
//!   the [`Outcome`] every engine returns, [`Limits`], [`Observer`]s, and [`SearchError`]
//!   for settings an engine cannot honour.
//! - `engine`: the engines, private, each behind one trait: breadth-first (parallel,
//!   deterministic, shortest counterexamples), depth-first, shuttle (feature `shuttle`:
//!   random, PCT and stateless depth-first schedules on real threads) and timely (feature
//!   `timely`: breadth-first across processes and machines).
//! - [`reduce`]: partial-order reduction, for models that implement [`Reduce`].
//! - [`store`]: fingerprints, the visited set, parent links and the level queue.
//! - [`trace`], [`describe`], [`preemption`], [`graph`] (feature `graph`), [`naive`]:
//!   counterexamples as steps, states as typed fields, preemption bounding, state graphs,
//!   and a brute-force enumerator to test engines against.
//!
//! The explorer knows nothing about the kernel: models live in `weft-model`.

pub mod describe;
mod engine;
mod erased;
#[cfg(feature = "graph")]
pub mod graph;
pub mod memory;
mod model;
pub mod naive;
pub mod only;
pub mod preemption;
pub mod reduce;
pub mod search;
pub mod store;
pub mod symmetry;
pub mod trace;

pub use describe::{Description, Field, FieldKind, Local, ThreadView};
pub use engine::bfs::FRONTIER_MEMORY;
#[cfg(feature = "shuttle")]
pub use engine::shuttle::{replay_on_shuttle, Replayed};
pub use erased::AnyModel;
pub use model::{check_state, Model, Reducer, Source, Status, StepInfo, Violation, DEADLOCK};
pub use reduce::{Footprint, Reduce};
pub use search::engines::{Cluster, Engine, Shuttle, DEFAULT_EXECUTIONS};
pub use search::error::{SearchError, Setting, TimelyError};
pub use search::limits::Limits;
pub use search::observer::Observer;
pub use search::outcome::{
    Bitstate, Fewer, Outcome, Preemptions, Progress, ReductionStats, Sampling, Scheduler,
    Schedules, Stats, StopReason, Verdict,
};
pub use search::{Checker, Reduction};
pub use store::fingerprint::{fingerprint, fingerprint_bytes};
pub use symmetry::{Symmetric, Symmetry};
pub use trace::{Change, Counterexample, Followed, Trace, TraceStep};
