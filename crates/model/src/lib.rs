//! weft-model: models of Linux kernel memory-management paths, and the scenario files that
//! instantiate them.
//!
//! - [`page`]: the `struct page` fields the bugs touch, with ghost truth beside them.
//! - [`pt_frag`]: the powerpc page-table fragment allocator vs speculative references.
//! - [`thp`]: THP copy-on-write reuse vs GUP pins, and the THP mapcount bookkeeping.
//! - [`scenario`]: loading scenario files (TOML) into a runnable model, with precise errors.
//! - [`lang`]: models written in weft's language (`model = "lang/NAME.weft"`).
//! - [`registry`]: the models a scenario can name; adding one is a module and a line there.

pub mod lang;
pub mod page;
mod precheck;
pub mod pt_frag;
pub mod registry;
pub mod scenario;
mod step;
pub mod thp;

pub use registry::{model_kind, ModelKind, MODELS};
pub use scenario::{Expect, Scenario, ScenarioError};
