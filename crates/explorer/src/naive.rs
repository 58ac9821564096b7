//! A reference enumerator for testing engines: it walks every complete schedule one by one,
//! with no visited set at all. Exponential; only for small models.

use crate::model::{check_state, Model, Status, Symmetric};
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

/// Every reachable state, each once: a violating state is kept but not expanded, and a
/// failing step leads nowhere.
pub fn reachable<M: Model>(model: &M) -> Vec<M::State> {
    let init = model.initial_state();
    let mut seen = HashSet::from([encoded(model, &init)]);
    let (mut all, mut next) = (Vec::new(), vec![init]);
    while let Some(state) = next.pop() {
        if check_state(model, &state).is_ok() {
            for t in 0..model.thread_count() {
                let mut after = state.clone();
                let moved =
                    model.status(&state, t) == Status::Enabled && model.step(&mut after, t).is_ok();
                if moved && seen.insert(encoded(model, &after)) {
                    next.push(after);
                }
            }
        }
        all.push(state);
    }
    all
}

/// `state` encoded, as a set of states seen keys it.
fn encoded<M: Model>(model: &M, state: &M::State) -> Vec<u8> {
    let mut out = Vec::new();
    model.encode(state, &mut out);
    out
}

/// Every [`reachable`] state, and the orbits among them: how many states are left when
/// states that a renaming of threads within their groups makes equal are counted once. By
/// brute force over every renaming, with no canonical form: the reference a symmetry
/// reduction is tested against.
pub fn orbits<M: Symmetric>(model: &M) -> (usize, usize) {
    let all = reachable(model);
    let renamings = renamings(model.thread_count(), &model.thread_groups());
    let orbits: HashSet<Vec<u8>> = (all.iter())
        .map(|s| {
            (renamings.iter())
                .map(|to| {
                    let mut t = s.clone();
                    model.permute(&mut t, to);
                    encoded(model, &t)
                })
                .min()
                .expect("the identity renaming")
        })
        .collect();
    (all.len(), orbits.len())
}

/// Every renaming `to[old] = new` that permutes each group within itself.
fn renamings(threads: usize, groups: &[Vec<usize>]) -> Vec<Vec<u8>> {
    let mut all = vec![(0..threads as u8).collect::<Vec<u8>>()];
    for group in groups {
        let mut next = Vec::new();
        for to in &all {
            for image in permutations(group) {
                let mut to = to.clone();
                for (old, new) in group.iter().zip(&image) {
                    to[*old] = *new as u8;
                }
                next.push(to);
            }
        }
        all = next;
    }
    all
}

/// Every ordering of `items`.
pub fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for (i, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, *first);
            out.push(tail);
        }
    }
    out
}
