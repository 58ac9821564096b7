//! The depth-first engine: one thread, a stack of states, for memory-light runs and deep bugs.
//!
//! It stores the same fingerprints as the breadth-first engine but no parent links and no
//! levels: memory is the visited set plus the current path. The counterexample is the path on
//! the stack when a check fails, not necessarily a shortest one. Partial-order reduction uses
//! the depth-first cycle proviso: a step explored alone must not lead back onto the stack.

use super::{Explore, Run};
use crate::model::{check_state, Model, Reducer, Status};
use crate::reduce::pays::{Gauge, Tally, DFS_PERIOD, SAMPLE};
use crate::reduce::{enabled, statuses};
use crate::search::error::{SearchError, Setting};
use crate::search::observer::Observer;
use crate::search::outcome::{Bitstate, Outcome, Progress, StopReason, Verdict};
use crate::store::visited::{bitstate_expected_omissions, ShardedSet};
use crate::trace::Counterexample;
use std::collections::HashSet;
use std::time::Instant;

/// The depth-first engine.
pub(crate) struct Dfs;

impl Explore for Dfs {
    fn honours(&self, setting: Setting) -> bool {
        matches!(
            setting,
            Setting::MaxStates
                | Setting::MaxDepth
                | Setting::Reduction
                | Setting::Bitstate
                | Setting::PreemptionBound
        )
    }

    fn explore<M: Model, O: Observer<M::State>>(
        &self,
        run: &Run<'_, M>,
        _observer: &mut O,
    ) -> Result<Outcome, SearchError> {
        Ok(explore(run))
    }
}

struct Frame<S> {
    state: S,
    fp: u64,
    /// The thread whose step led here (none for the initial state).
    via: Option<usize>,
    /// The threads still to try from here, in order (all enabled ones, or the ample one).
    todo: Vec<usize>,
}

/// Explores every schedule of `run.model` depth-first.
fn explore<M: Model>(run: &Run<'_, M>) -> Outcome {
    let model = run.model;
    let start = Instant::now();
    let mut visited = run
        .bitstate
        .map_or_else(ShardedSet::default, ShardedSet::bitstate);
    let mut on_stack: HashSet<u64> = HashSet::new();
    let mut stats = run.zero_stats(1);
    let mut stack: Vec<Frame<M::State>> = Vec::new();
    let mut cut_by_depth = false;
    // Where reduction pays, and the states expanded in the current period (see `pays`).
    let mut gauge = Gauge::default();
    let mut period: u64 = 0;
    let verdict = 'search: {
        let init = model.initial_state();
        let fp = model.fingerprint(&init);
        visited.insert(fp);
        stats.states = 1;
        match check_state(model, &init) {
            Err(v) => {
                break 'search Verdict::Violation(Counterexample {
                    schedule: vec![],
                    violation: v,
                })
            }
            Ok(terminal) => stats.terminal_states += terminal as u64,
        }
        let todo = plan(model, run.reducer, &init, &on_stack, &mut gauge, 0);
        period += 1;
        on_stack.insert(fp);
        stack.push(Frame {
            state: init,
            fp,
            via: None,
            todo,
        });
        let mut steps: u64 = 0;
        while !stack.is_empty() {
            steps += 1;
            if steps % 4096 == 0 {
                if let Some(reason) = run.should_stop(start) {
                    break 'search Verdict::Stopped(reason);
                }
                if let Some(progress) = run.progress {
                    progress(&Progress {
                        depth: stack.len(),
                        states: stats.states,
                        transitions: stats.transitions,
                        frontier: stack.len(),
                        elapsed: start.elapsed(),
                    });
                }
            }
            let top = stack
                .last_mut()
                .expect("a frame while the stack is not empty");
            let Some(t) = top.todo.pop() else {
                let done = stack.pop().expect("non-empty");
                on_stack.remove(&done.fp);
                continue;
            };
            stats.transitions += 1;
            stats.thread_steps[t] += 1;
            if let Some(c) = stats.coverage.get_mut(t).filter(|c| !c.is_empty()) {
                c[model.coverage_point(&top.state, t)] += 1;
            }
            let mut next = top.state.clone();
            let path = |stack: &[Frame<M::State>], last: Option<usize>| {
                stack
                    .iter()
                    .filter_map(|f| f.via)
                    .chain(last)
                    .collect::<Vec<_>>()
            };
            if let Err(v) = model.step(&mut next, t) {
                break 'search Verdict::Violation(Counterexample {
                    schedule: path(&stack, Some(t)),
                    violation: v,
                });
            }
            let fp = model.fingerprint(&next);
            if !visited.insert(fp) {
                continue;
            }
            stats.states += 1;
            if run.limits.max_states.is_some_and(|m| stats.states > m) {
                stats.states -= 1;
                break 'search Verdict::Stopped(StopReason::MaxStates(stats.states));
            }
            match check_state(model, &next) {
                Err(v) => {
                    break 'search Verdict::Violation(Counterexample {
                        schedule: path(&stack, Some(t)),
                        violation: v,
                    })
                }
                Ok(terminal) => stats.terminal_states += terminal as u64,
            }
            let depth = stack.len();
            stats.depth = stats.depth.max(depth);
            if run.limits.max_depth.is_some_and(|d| depth >= d) {
                cut_by_depth |= !terminal_state(model, &next);
                continue;
            }
            let todo = plan(model, run.reducer, &next, &on_stack, &mut gauge, period);
            period += 1;
            if period == DFS_PERIOD && run.reducer.is_some() {
                gauge.end_period(period);
                period = 0;
            }
            on_stack.insert(fp);
            stack.push(Frame {
                state: next,
                fp,
                via: Some(t),
                todo,
            });
        }
        if cut_by_depth {
            Verdict::Stopped(StopReason::MaxDepth(run.limits.max_depth.unwrap_or(0)))
        } else {
            Verdict::Pass
        }
    };
    stats.elapsed = start.elapsed();
    stats.visited_bytes = visited.bytes();
    if run.reducer.is_some() && period > 0 {
        gauge.end_period(period);
    }
    stats.reduction = run.reducer.map(|_| gauge.stats());
    stats.bitstate = visited.bits().map(|bits| Bitstate {
        bits,
        expected_missed: bitstate_expected_omissions(stats.states, bits),
    });
    Outcome::new(verdict, stats)
}

fn terminal_state<M: Model>(model: &M, s: &M::State) -> bool {
    (0..model.thread_count()).all(|t| model.status(s, t) != Status::Enabled)
}

/// The threads to try from `s`, last first (popped from the end): every enabled thread, or
/// with reduction a single one whose step is persistent and does not lead onto the stack
/// where `gauge` says it pays; what reduction did, or would have done in the `i`th state of
/// the period when sampled, is added to `gauge`.
fn plan<M: Model>(
    model: &M,
    reducer: Option<Reducer<M>>,
    s: &M::State,
    on_stack: &HashSet<u64>,
    gauge: &mut Gauge,
    i: u64,
) -> Vec<usize> {
    let statuses = statuses(model, s);
    let enabled: Vec<usize> = enabled(&statuses).collect();
    let Some(reducer) = reducer else {
        return enabled.into_iter().rev().collect();
    };
    let mut tally = Tally::default();
    if !gauge.reducing() {
        if i % SAMPLE as u64 == 0 {
            let ample = reducer.ample(model, s, &statuses);
            tally.state(
                enabled.len(),
                if ample.is_some() { 1 } else { enabled.len() },
            );
            gauge.add(&tally);
        }
        return enabled.into_iter().rev().collect();
    }
    let ample = reducer.ample(model, s, &statuses).filter(|&t| {
        let mut next = s.clone();
        let leads_back =
            model.step(&mut next, t).is_ok() && on_stack.contains(&model.fingerprint(&next));
        !leads_back
    });
    tally.state(
        enabled.len(),
        if ample.is_some() { 1 } else { enabled.len() },
    );
    gauge.add(&tally);
    match ample {
        Some(t) => vec![t],
        None => enabled.into_iter().rev().collect(),
    }
}
