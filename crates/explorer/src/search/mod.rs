//! The public search API: a [`Checker`] configures a search (the engine, its settings, the
//! limits) and returns one [`Outcome`](outcome::Outcome) for every engine; an
//! [`Observer`](observer::Observer) watches a search state by state. The vocabulary every
//! engine shares lives in [`outcome`], [`limits`] and [`error`].

mod checker;
pub mod engines;
pub mod error;
mod fewest;
pub mod limits;
pub mod observer;
pub mod outcome;

pub use checker::{Checker, Reduction};
