//! Counterexamples: a schedule and the check it breaks, turned into readable steps by
//! re-executing the schedule against the model; and the description of every state along a
//! schedule, for state views.

use crate::describe::{Description, Field, FieldKind, ThreadView};
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
    /// Program memory or ghost state.
    #[serde(default, skip_serializing_if = "is_memory")]
    pub kind: FieldKind,
    /// Its value before the step.
    pub before: String,
    /// Its value after the step.
    pub after: String,
}

fn is_memory(kind: &FieldKind) -> bool {
    *kind == FieldKind::Memory
}

impl Change {
    /// Whether the field is ghost state.
    pub fn is_ghost(&self) -> bool {
        self.kind == FieldKind::Ghost
    }
}

/// One executed step of a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The thread's index.
    pub thread: usize,
    /// The thread's name.
    pub thread_name: String,
    /// The expression of the modelled code the step stands for.
    pub label: String,
    /// What the model adds about it, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where it is in the modelled code.
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

/// Whether `thread` can take the `step`th step of a schedule in `state`.
fn can_move<M: Model>(
    model: &M,
    state: &M::State,
    step: usize,
    thread: usize,
) -> Result<(), ReplayError> {
    if thread >= model.thread_count() {
        return Err(ReplayError {
            step,
            message: format!(
                "thread {thread} does not exist (the model has {})",
                model.thread_count()
            ),
        });
    }
    match model.status(state, thread) {
        Status::Enabled => Ok(()),
        other => Err(ReplayError {
            step,
            message: format!(
                "thread {} cannot move here (it is {})",
                model.thread_name(thread),
                if other == Status::Blocked {
                    "blocked"
                } else {
                    "finished"
                }
            ),
        }),
    }
}

/// How far a schedule ran: the steps taken, the violation it ended in (at its end or
/// earlier), and the step no thread could take, if it stopped there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    /// The steps taken and the violation they ended in.
    pub trace: Trace,
    /// Whether the violation was a step's own assertion (not a check of the state after it).
    pub failed_in_step: bool,
    /// The step that could not be taken (its thread blocked, finished or missing).
    pub cannot_move: Option<ReplayError>,
}

/// Runs `schedule` from the initial state as far as it goes: to its end, to the first
/// violation, or to the first step its thread cannot take. `weft replay --variant` runs a
/// trace of one variant on another this way; [`execute`] demands that it goes all the way.
pub fn follow<M: Model>(model: &M, schedule: &[usize]) -> Followed {
    let mut state = model.initial_state();
    let mut steps = Vec::with_capacity(schedule.len());
    let end = |steps, violation, failed_in_step, cannot_move| Followed {
        trace: Trace { steps, violation },
        failed_in_step,
        cannot_move,
    };
    if schedule.is_empty() {
        return end(steps, check_state(model, &state).err(), false, None);
    }
    for (i, &thread) in schedule.iter().enumerate() {
        if let Err(e) = can_move(model, &state, i, thread) {
            return end(steps, None, false, Some(e));
        }
        let info = model.step_info(&state, thread);
        let before = model.fields(&state);
        let result = model.step(&mut state, thread);
        let after = model.fields(&state);
        steps.push(TraceStep {
            thread,
            thread_name: model.thread_name(thread).to_string(),
            label: info.label,
            note: info.note,
            source: info.source,
            changes: diff(&before, &after),
        });
        if let Err(v) = result {
            return end(steps, Some(v), true, None);
        }
        let last = i + 1 == schedule.len();
        let checked = if last {
            check_state(model, &state).map(|_| ())
        } else {
            model.invariant(&state)
        };
        if let Err(v) = checked {
            return end(steps, Some(v), false, None);
        }
    }
    end(steps, None, false, None)
}

/// Re-executes `schedule` from the initial state and records every step. A step that fails
/// an assertion ends the trace; otherwise the final state is checked as the explorer would.
/// A schedule that stops short, or breaks a check before its end, is an error.
pub fn execute<M: Model>(model: &M, schedule: &[usize]) -> Result<Trace, ReplayError> {
    let followed = follow(model, schedule);
    if let Some(e) = followed.cannot_move {
        return Err(e);
    }
    let taken = followed.trace.steps.len();
    match &followed.trace.violation {
        Some(v) if taken < schedule.len() => Err(ReplayError {
            step: taken - 1,
            message: if followed.failed_in_step {
                format!("the step fails `{}` before the schedule ends", v.check)
            } else {
                format!("the state fails `{}` before the schedule ends", v.check)
            },
        }),
        _ => Ok(followed.trace),
    }
}

/// `state` as a person reads it: its fields, and each thread's next step and locals.
pub fn describe<M: Model>(model: &M, state: &M::State) -> Description {
    Description {
        fields: model.fields(state),
        threads: (0..model.thread_count())
            .map(|t| {
                let status = model.status(state, t);
                ThreadView {
                    name: model.thread_name(t).to_string(),
                    next: (status != Status::Finished)
                        .then(|| model.step_info(state, t).to_string()),
                    blocked: status == Status::Blocked,
                    locals: model.locals(state, t),
                }
            })
            .collect(),
    }
}

/// The state before any step and after each step of `schedule`, described, from one
/// execution.
pub fn describe_along<M: Model>(
    model: &M,
    schedule: &[usize],
) -> Result<Vec<Description>, ReplayError> {
    let mut state = model.initial_state();
    let mut out = vec![describe(model, &state)];
    for (i, &thread) in schedule.iter().enumerate() {
        can_move(model, &state, i, thread)?;
        let _ = model.step(&mut state, thread);
        out.push(describe(model, &state));
    }
    Ok(out)
}

fn diff(before: &[Field], after: &[Field]) -> Vec<Change> {
    let mut changes = Vec::new();
    for field in after {
        let old = before
            .iter()
            .find(|f| f.name == field.name)
            .map(|f| &f.value);
        if old != Some(&field.value) {
            changes.push(Change {
                field: field.name.clone(),
                kind: field.kind,
                before: old.cloned().unwrap_or_else(|| "-".into()),
                after: field.value.clone(),
            });
        }
    }
    for field in before {
        if !after.iter().any(|f| f.name == field.name) {
            changes.push(Change {
                field: field.name.clone(),
                kind: field.kind,
                before: field.value.clone(),
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
