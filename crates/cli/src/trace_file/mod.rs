//! The trace file format (`weft-trace/2`): self-contained JSON that `weft show` and
//! `weft replay` read back. It embeds the whole scenario, so replay needs nothing else.
//!
//! Version 2 types what version 1 spelled into strings: a changed field is marked
//! `"kind": "ghost"` instead of carrying ` (ghost)` in its name, a step's note is its own
//! `note` instead of `  [...]` after its label, and a source names its `version` (version 1's
//! `commit`). Version 1 files are read and converted ([`upgrade_v1`]).

pub mod check;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use weft_explorer::{Trace, TraceStep, Violation};
use weft_model::Scenario;

/// The format tag every trace file weft writes carries.
pub const FORMAT: &str = "weft-trace/2";

/// The format before [`FORMAT`], still read.
const FORMAT_V1: &str = "weft-trace/1";

/// A counterexample as written to disk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TraceFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The scenario that was explored, in full.
    pub scenario: EmbeddedScenario,
    /// The model's name.
    pub model: String,
    /// The variant's name.
    pub variant: String,
    /// The scenario's parameters.
    pub params: BTreeMap<String, i64>,
    /// The engine that found it.
    pub engine: String,
    /// The check that fails and what it saw.
    pub violation: Violation,
    /// The thread that moves at each step, by name.
    pub schedule: Vec<String>,
    /// Every step with its label, kernel source and the fields it changed.
    pub steps: Vec<TraceStep>,
    /// shuttle's schedule string, when a shuttle engine (random, pct, dfs-shuttle) found it:
    /// `weft replay --engine shuttle` re-executes it on shuttle threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuttle_schedule: Option<String>,
}

/// The scenario as it was when the trace was made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmbeddedScenario {
    /// Its name.
    pub name: String,
    /// Where it was read from.
    pub path: String,
    /// The file's full text.
    pub text: String,
}

impl TraceFile {
    /// The trace file for a violation found in `scenario`.
    pub fn new(scenario: &Scenario, engine: &str, threads: &[String], trace: &Trace) -> Self {
        TraceFile {
            format: FORMAT.into(),
            scenario: EmbeddedScenario {
                name: scenario.name.clone(),
                path: scenario.path.clone(),
                text: scenario.text.clone(),
            },
            model: scenario.model.clone(),
            variant: scenario.variant.clone(),
            params: scenario.params.clone(),
            engine: engine.into(),
            violation: trace
                .violation
                .clone()
                .expect("a counterexample ends in a violation"),
            schedule: trace
                .steps
                .iter()
                .map(|s| threads[s.thread].clone())
                .collect(),
            steps: trace.steps.clone(),
            shuttle_schedule: None,
        }
    }

    /// Writes the file (pretty JSON) whole or not at all ([`output::write`](crate::output::write)):
    /// a reader never sees half a trace, and a failed write leaves the old file as it was.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        crate::output::write(path, &bytes)
    }

    /// The schedule as thread indices of `model`; fails on a thread the model does not have.
    pub fn schedule_for(&self, model: &dyn weft_explorer::AnyModel) -> Result<Vec<usize>> {
        let names = model.thread_names();
        self.schedule
            .iter()
            .enumerate()
            .map(|(i, n)| {
                names.iter().position(|t| t == n).with_context(|| {
                    format!("step {}: the scenario has no thread named `{n}`", i + 1)
                })
            })
            .collect()
    }

    /// Reads a trace file and parses it ([`parse`](Self::parse)).
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| path.display().to_string())
    }

    /// A trace file's text, parsed and upgraded to [`FORMAT`]. A leading UTF-8 byte-order
    /// mark (which some editors add) is skipped, as the TOML parser skips one in a scenario.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
        let version = value.get("format").and_then(|f| f.as_str());
        let mut file: TraceFile = match version {
            Some(FORMAT | FORMAT_V1) => serde_json::from_value(value.clone())
                .with_context(|| format!("malformed {FORMAT} trace"))?,
            Some(other) => bail!("trace format `{other}` is not {FORMAT} (nor {FORMAT_V1})"),
            None => bail!("not a weft trace (no \"format\" field)"),
        };
        if version == Some(FORMAT_V1) {
            upgrade_v1(&mut file);
        }
        Ok(file)
    }
}

/// A version 1 trace in version 2's terms: ghost fields were named `field (ghost)`, and notes
/// followed labels as `label  [note]`.
fn upgrade_v1(file: &mut TraceFile) {
    file.format = FORMAT.into();
    for step in &mut file.steps {
        if let Some(text) = step.label.strip_suffix(']') {
            if let Some(at) = text.rfind("  [") {
                step.note = Some(text[at + 3..].to_string());
                step.label = text[..at].trim_end().to_string();
            }
        }
        for change in &mut step.changes {
            if let Some(name) = change.field.strip_suffix(" (ghost)") {
                change.field = name.to_string();
                change.kind = weft_explorer::FieldKind::Ghost;
            }
        }
    }
}
