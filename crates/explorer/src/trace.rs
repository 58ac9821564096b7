//! Counterexamples: a schedule and the check it breaks, turned into readable steps by
//! re-executing the schedule against the model.

use crate::model::{check_state, Model, Source, Status, Violation};
use serde::{Deserialize, Serialize};

/// A schedule (the thread that moves at each step) that ends in a violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Thread index per step, from the initial state.
    pub schedule: Vec<usize>,
    /// The check that fails at the end of the schedule.
    pub violation: Violation,
}

/// One field of the state whose value a step changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The field's name (`page0._refcount`).
    pub field: String,
    /// Its value before the step.
    pub before: String,
    /// Its value after the step.
    pub after: String,
}

/// One executed step of a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The thread's index.
    pub thread: usize,
    /// The thread's name.
    pub thread_name: String,
    /// The kernel expression the step stands for.
    pub label: String,
    /// Where it is in the kernel.
    pub source: Source,
    /// The fields it changed.
    pub changes: Vec<Change>,
}

/// A schedule re-executed: every step with its effect, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The steps, in order.
    pub steps: Vec<TraceStep>,
    /// The violation the schedule ends in, if any.
    pub violation: Option<Violation>,
}

/// Why a schedule cannot be re-executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// Index of the step (0-based) that could not run.
    pub step: usize,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}: {}", self.step + 1, self.message)
    }
}

impl std::error::Error for ReplayError {}

/// Re-executes `schedule` from the initial state and records every step. A step that fails
/// an assertion ends the trace; otherwise the final state is checked as the explorer would.
pub fn execute<M: Model>(model: &M, schedule: &[usize]) -> Result<Trace, ReplayError> {
    let mut state = model.initial_state();
    let mut steps = Vec::with_capacity(schedule.len());
    if let Err(v) = check_state(model, &state) {
        if schedule.is_empty() {
            return Ok(Trace {
                steps,
                violation: Some(v),
            });
        }
    }
    for (i, &thread) in schedule.iter().enumerate() {
        if thread >= model.thread_count() {
            return Err(ReplayError {
                step: i,
                message: format!(
                    "thread {thread} does not exist (the model has {})",
                    model.thread_count()
                ),
            });
        }
        let name = model.thread_name(thread).to_string();
        match model.status(&state, thread) {
            Status::Enabled => {}
            other => {
                return Err(ReplayError {
                    step: i,
                    message: format!(
                        "thread {name} cannot move here (it is {})",
                        if other == Status::Blocked {
                            "blocked"
                        } else {
                            "finished"
                        }
                    ),
                })
            }
        }
        let info = model.step_info(&state, thread);
        let before = model.fields(&state);
        let result = model.step(&mut state, thread);
        let after = model.fields(&state);
        steps.push(TraceStep {
            thread,
            thread_name: name,
            label: info.label,
            source: info.source,
            changes: diff(&before, &after),
        });
        if let Err(v) = result {
            if i + 1 != schedule.len() {
                return Err(ReplayError {
                    step: i,
                    message: format!("the step fails `{}` before the schedule ends", v.check),
                });
            }
            return Ok(Trace {
                steps,
                violation: Some(v),
            });
        }
        if i + 1 < schedule.len() {
            if let Err(v) = model.invariant(&state) {
                return Err(ReplayError {
                    step: i,
                    message: format!("the state fails `{}` before the schedule ends", v.check),
                });
            }
        }
    }
    Ok(Trace {
        steps,
        violation: check_state(model, &state).err(),
    })
}

/// The state after the first `steps` steps of `schedule`, as named fields.
pub fn state_after<M: Model>(
    model: &M,
    schedule: &[usize],
    steps: usize,
) -> Result<Vec<(String, String)>, ReplayError> {
    let mut states = states_along(model, &schedule[..steps.min(schedule.len())])?;
    Ok(states.pop().expect("the initial state at least"))
}

/// The state before any step and after each step of `schedule`, as named fields, from one
/// execution.
pub fn states_along<M: Model>(
    model: &M,
    schedule: &[usize],
) -> Result<Vec<Vec<(String, String)>>, ReplayError> {
    let mut state = model.initial_state();
    let mut out = vec![model.fields(&state)];
    for (i, &thread) in schedule.iter().enumerate() {
        if thread >= model.thread_count() || model.status(&state, thread) != Status::Enabled {
            return Err(ReplayError {
                step: i,
                message: format!("thread {thread} cannot move here"),
            });
        }
        let _ = model.step(&mut state, thread);
        out.push(model.fields(&state));
    }
    Ok(out)
}

fn diff(before: &[(String, String)], after: &[(String, String)]) -> Vec<Change> {
    let mut changes = Vec::new();
    for (field, new) in after {
        let old = before.iter().find(|(f, _)| f == field).map(|(_, v)| v);
        if old != Some(new) {
            changes.push(Change {
                field: field.clone(),
                before: old.cloned().unwrap_or_else(|| "-".into()),
                after: new.clone(),
            });
        }
    }
    for (field, old) in before {
        if !after.iter().any(|(f, _)| f == field) {
            changes.push(Change {
                field: field.clone(),
                before: old.clone(),
                after: "-".into(),
            });
        }
    }
    changes
}

impl Counterexample {
    /// Re-executes the schedule against `model` into readable steps.
    pub fn trace<M: Model>(&self, model: &M) -> Result<Trace, ReplayError> {
        execute(model, &self.schedule)
    }
}
