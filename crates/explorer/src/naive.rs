//! A reference enumerator for testing engines: it walks every complete schedule one by one,
//! with no visited set at all. Exponential; only for small models.

use crate::model::{check_state, Model, Status};
use std::collections::HashSet;

/// What enumerating every schedule found.
#[derive(Clone, Debug, Default)]
pub struct Enumeration {
    /// Fingerprints of every state some schedule reaches (violating states included).
    pub states: HashSet<u64>,
    /// Complete schedules (ending in a terminal, deadlocked or violating state).
    pub schedules: u64,
    /// Length of the shortest schedule that ends in a violation, and that violation's check.
    pub shortest_violation: Option<(usize, String)>,
    /// Whether the enumeration stopped at `max_schedules` before it was complete.
    pub truncated: bool,
}

/// Enumerates every schedule of `model`, up to `max_schedules` of them.
pub fn enumerate<M: Model>(model: &M, max_schedules: u64) -> Enumeration {
    let mut e = Enumeration::default();
    let init = model.initial_state();
    walk(model, init, 0, max_schedules, &mut e);
    e
}

fn walk<M: Model>(model: &M, state: M::State, depth: usize, max: u64, e: &mut Enumeration) {
    if e.schedules >= max {
        e.truncated = true;
        return;
    }
    e.states.insert(model.fingerprint(&state));
    if let Err(v) = check_state(model, &state) {
        note(e, depth, &v.check);
        e.schedules += 1;
        return;
    }
    let mut moved = false;
    for t in 0..model.thread_count() {
        if model.status(&state, t) != Status::Enabled {
            continue;
        }
        moved = true;
        let mut next = state.clone();
        match model.step(&mut next, t) {
            Err(v) => {
                note(e, depth + 1, &v.check);
                e.schedules += 1;
            }
            Ok(()) => walk(model, next, depth + 1, max, e),
        }
    }
    if !moved {
        e.schedules += 1;
    }
}

fn note(e: &mut Enumeration, len: usize, check: &str) {
    if e.shortest_violation.as_ref().is_none_or(|(l, _)| len < *l) {
        e.shortest_violation = Some((len, check.to_string()));
    }
}
