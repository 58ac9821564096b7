//! Any weft [`Model`] as a [stateright](https://docs.rs/stateright) model, so that stateright's
//! breadth-first checker explores exactly weft's state graph: one action per enabled thread,
//! one successor per action, the same states.
//!
//! A step that fails an assertion leads to a terminal [`PeerState::Failed`] state (weft stops
//! there; stateright keeps exploring the rest). The `always` property checks what weft checks
//! in every reached state ([`check_state`]: invariants, end checks, deadlock). A `sometimes`
//! property that never holds keeps stateright from stopping early: its checkers stop once every
//! property has a discovery.

use stateright::{Checker, Model as _, Property};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_explorer::{check_state, Model, Status};

/// A weft model seen by stateright.
pub struct Peer<M: Model>(pub Arc<M>);

/// A state of the weft model, or the end of a schedule whose last step failed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PeerState<S> {
    /// A state weft reaches.
    Ok(S),
    /// A step failed the named check (weft reports it and stops).
    Failed(String),
}

impl<M: Model> stateright::Model for Peer<M> {
    type State = PeerState<M::State>;
    type Action = usize;

    fn init_states(&self) -> Vec<Self::State> {
        vec![PeerState::Ok(self.0.initial_state())]
    }

    fn actions(&self, state: &Self::State, actions: &mut Vec<usize>) {
        if let PeerState::Ok(s) = state {
            actions.extend(
                (0..self.0.thread_count()).filter(|&t| self.0.status(s, t) == Status::Enabled),
            );
        }
    }

    fn next_state(&self, last: &Self::State, thread: usize) -> Option<Self::State> {
        let PeerState::Ok(s) = last else { return None };
        let mut next = s.clone();
        Some(match self.0.step(&mut next, thread) {
            Ok(()) => PeerState::Ok(next),
            Err(v) => PeerState::Failed(v.check),
        })
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("no violation", |m: &Self, s: &Self::State| match s {
                PeerState::Ok(s) => check_state(&*m.0, s).is_ok(),
                PeerState::Failed(_) => false,
            }),
            Property::sometimes("never (explore everything)", |_, _| false),
        ]
    }
}

/// What one stateright run found.
#[derive(Debug)]
pub struct PeerOutcome {
    /// Distinct states (`unique_state_count`).
    pub unique_states: u64,
    /// States generated, duplicates included (`state_count`): transitions plus the initial state.
    pub generated: u64,
    /// Wall time of `spawn_bfs().join()`.
    pub elapsed: Duration,
    /// Whether the `always` property found a violating state.
    pub violation: bool,
}

/// Explores `model` with stateright's BFS checker on `threads` threads, for at most `timeout`.
pub fn check<M: Model + Send + Sync + 'static>(
    model: M,
    threads: usize,
    timeout: Option<Duration>,
) -> PeerOutcome
where
    M::State: 'static,
{
    let start = Instant::now();
    let mut builder = Peer(Arc::new(model)).checker().threads(threads);
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    let checker = builder.spawn_bfs().join();
    let elapsed = start.elapsed();
    PeerOutcome {
        unique_states: checker.unique_state_count() as u64,
        generated: checker.state_count() as u64,
        elapsed,
        violation: checker.discovery("no violation").is_some(),
    }
}
