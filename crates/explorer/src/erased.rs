//! [`AnyModel`]: any [`Model`] behind one object type, for programs that pick their model at
//! run time (a scenario file names it) and then search it, trace it and draw it without
//! knowing its state type. Every model is one, by a blanket implementation.

use crate::describe::Description;
use crate::model::Model;
use crate::search::error::SearchError;
use crate::search::outcome::Outcome;
use crate::search::Checker;
use crate::trace::{self, ReplayError, Trace};

/// A model whose state type is hidden: what a program that loads models by name needs.
pub trait AnyModel: Send + Sync {
    /// The model itself, to downcast to its type (tests that need its states do).
    fn as_any(&self) -> &dyn std::any::Any;

    /// The threads' names, in thread order.
    fn thread_names(&self) -> Vec<String>;

    /// The checks the model runs (without `deadlock`, which every search runs).
    fn checks(&self) -> Vec<&'static str>;

    /// Per thread, the names of the model's coverage points.
    fn coverage_points(&self) -> Vec<Vec<String>>;

    /// Whether the coverage points are each thread's program ([`Model::coverage_is_program`]).
    fn coverage_is_program(&self) -> bool;

    /// Whether the model offers partial-order reduction.
    fn reducible(&self) -> bool;

    /// Whether a search of the model as `checker` says would reduce (and so count no
    /// schedules).
    fn reduces(&self, checker: &Checker<'_>) -> Result<bool, SearchError>;

    /// Explores the model as `checker` says.
    fn check(&self, checker: &Checker<'_>) -> Result<Outcome, SearchError>;

    /// Re-executes `schedule` into readable steps.
    fn trace(&self, schedule: &[usize]) -> Result<Trace, ReplayError>;

    /// Runs `schedule` as far as it goes ([`crate::trace::follow`]).
    fn follow(&self, schedule: &[usize]) -> crate::trace::Followed;

    /// Every state along `schedule`, described: the initial one and one after each step.
    fn describe_along(&self, schedule: &[usize]) -> Result<Vec<Description>, ReplayError>;

    /// The state graph, as [`graph::build`](crate::graph::build) draws it.
    #[cfg(feature = "graph")]
    fn graph(
        &self,
        checker: &Checker<'_>,
        shared_only: bool,
        max_nodes: usize,
    ) -> Result<crate::graph::StateGraph, crate::graph::GraphError>;

    /// Re-executes a shuttle schedule string on shuttle threads
    /// ([`replay_on_shuttle`](crate::replay_on_shuttle)).
    #[cfg(feature = "shuttle")]
    fn replay_on_shuttle(&self, shuttle_schedule: &str) -> Result<crate::Replayed, String>;
}

impl<M: Model> AnyModel for M {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn thread_names(&self) -> Vec<String> {
        (0..self.thread_count())
            .map(|t| self.thread_name(t).to_string())
            .collect()
    }

    fn checks(&self) -> Vec<&'static str> {
        Model::checks(self)
    }

    fn coverage_is_program(&self) -> bool {
        Model::coverage_is_program(self)
    }

    fn coverage_points(&self) -> Vec<Vec<String>> {
        (0..self.thread_count())
            .map(|t| Model::coverage_points(self, t))
            .collect()
    }

    fn reducible(&self) -> bool {
        self.reduction().is_some()
    }

    fn reduces(&self, checker: &Checker<'_>) -> Result<bool, SearchError> {
        checker.reduces(self)
    }

    fn check(&self, checker: &Checker<'_>) -> Result<Outcome, SearchError> {
        checker.check(self)
    }

    fn trace(&self, schedule: &[usize]) -> Result<Trace, ReplayError> {
        trace::execute(self, schedule)
    }

    fn follow(&self, schedule: &[usize]) -> crate::trace::Followed {
        trace::follow(self, schedule)
    }

    fn describe_along(&self, schedule: &[usize]) -> Result<Vec<Description>, ReplayError> {
        trace::describe_along(self, schedule)
    }

    #[cfg(feature = "graph")]
    fn graph(
        &self,
        checker: &Checker<'_>,
        shared_only: bool,
        max_nodes: usize,
    ) -> Result<crate::graph::StateGraph, crate::graph::GraphError> {
        crate::graph::build(self, checker, shared_only, max_nodes)
    }

    #[cfg(feature = "shuttle")]
    fn replay_on_shuttle(&self, shuttle_schedule: &str) -> Result<crate::Replayed, String> {
        crate::engine::shuttle::replay_on_shuttle(self, shuttle_schedule)
    }
}
