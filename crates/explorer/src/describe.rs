//! What a state looks like to a person: typed fields, and where each thread is. Models
//! describe their states with these types ([`Model::fields`](crate::Model::fields),
//! [`Model::locals`](crate::Model::locals)); traces, state views and graphs read them, so no
//! view has to guess from a field's name whether it is ghost state or whose it is.

use serde::{Deserialize, Serialize};

/// Whether a field is memory the modelled program has, or the model's own bookkeeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Memory of the modelled program (a counter, a flag, a pointer, a lock).
    #[default]
    Memory,
    /// Ghost state: the truth the program's counters are meant to track (who holds what),
    /// kept by the model for its checks and never read by a step's program logic.
    Ghost,
}

/// One named value of a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The field's name, stable from state to state (`page0._refcount`).
    pub name: String,
    /// Its value, as the model shows it.
    pub value: String,
    /// Program memory or ghost state.
    pub kind: FieldKind,
    /// The thread the field belongs to (its fragments, its page tables), if any.
    pub thread: Option<usize>,
}

impl Field {
    /// A field of program memory that no thread owns.
    pub fn memory(name: impl Into<String>, value: impl ToString) -> Field {
        Field {
            name: name.into(),
            value: value.to_string(),
            kind: FieldKind::Memory,
            thread: None,
        }
    }

    /// A ghost field that no thread owns.
    pub fn ghost(name: impl Into<String>, value: impl ToString) -> Field {
        Field {
            kind: FieldKind::Ghost,
            ..Field::memory(name, value)
        }
    }

    /// The same field, belonging to `thread`.
    pub fn of(self, thread: usize) -> Field {
        Field {
            thread: Some(thread),
            ..self
        }
    }

    /// Whether the field is ghost state.
    pub fn is_ghost(&self) -> bool {
        self.kind == FieldKind::Ghost
    }
}

/// A thread's local variable, as the modelled code names it (`ret`, `page`, `mapcount`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Local {
    /// The variable's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Local {
    /// The local `name` with `value`.
    pub fn new(name: impl Into<String>, value: impl ToString) -> Local {
        Local {
            name: name.into(),
            value: value.to_string(),
        }
    }
}

/// Where a thread is in a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    /// The thread's name.
    pub name: String,
    /// The label of the step it takes next (it may be waiting to take it), or `None` once it
    /// has finished.
    pub next: Option<String>,
    /// Whether it must wait before that step (a lock another thread holds).
    pub blocked: bool,
    /// Its local variables.
    pub locals: Vec<Local>,
}

/// A whole state as a person reads it: its fields, then each thread's position and locals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// Every field, in the model's stable order.
    pub fields: Vec<Field>,
    /// Every thread, in thread order.
    pub threads: Vec<ThreadView>,
}
