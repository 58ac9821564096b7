//! A root cause `--explain` can name from the trace alone: a torn read. A thread computes one
//! answer from several reads, each a step of its own, and another thread changes a field it
//! already read before it reads the last: the answer mixes values from before and after
//! the other thread's steps, a state that never existed at one moment (the THP mapcount
//! readers racing `__split_huge_pmd_locked`).
//!
//! A step that reads a field says so in its note, which starts with the field's name
//! (`H[0]._mapcount -1 + 1 = 0: ret = 0`); a field is one that some step of the trace changes.

use super::explain::{operation, who};
use crate::trace_file::TraceFile;
use std::collections::BTreeSet;

/// One read: the step (from 1) and the field.
struct Read<'a> {
    step: usize,
    field: &'a str,
}

/// The field a step read, if its note names one of `fields` first.
fn field_read<'a>(note: Option<&str>, fields: &BTreeSet<&'a str>) -> Option<&'a str> {
    let first = note?.split_whitespace().next()?;
    fields.get(first).copied()
}

/// A sentence on the last torn read before the violation, if there is one.
pub fn root_cause(t: &TraceFile) -> Option<String> {
    let fields: BTreeSet<&str> = t
        .steps
        .iter()
        .flat_map(|s| &s.changes)
        .filter(|c| !c.is_ghost())
        .map(|c| c.field.as_str())
        .collect();
    let threads: BTreeSet<&str> = t.steps.iter().map(|s| s.thread_name.as_str()).collect();
    threads
        .into_iter()
        .filter_map(|reader| torn(t, reader, &fields))
        .max_by_key(|(last, _)| *last)
        .map(|(_, sentence)| sentence)
}

/// The reader's last run of reads (its reads with no other step of its own between them),
/// and the sentence if another thread changed a field it read before the run ended.
fn torn(t: &TraceFile, reader: &str, fields: &BTreeSet<&str>) -> Option<(usize, String)> {
    let mut run: Vec<Read> = Vec::new();
    let mut last_run: Vec<Read> = Vec::new();
    for (i, s) in t.steps.iter().enumerate() {
        if s.thread_name != reader {
            continue;
        }
        match field_read(s.note.as_deref(), fields) {
            Some(field) => run.push(Read { step: i + 1, field }),
            None if !run.is_empty() => last_run = std::mem::take(&mut run),
            None => {}
        }
    }
    if !run.is_empty() {
        last_run = run;
    }
    let (first, last) = (last_run.first()?.step, last_run.last()?.step);
    // Another thread's change, between the reader's first and last read, to a field it read.
    let writes: Vec<(usize, &str, &str)> = (first..last)
        .flat_map(|n| {
            let s = &t.steps[n - 1];
            s.changes
                .iter()
                .filter(move |_| s.thread_name != reader)
                .map(move |c| (n, s.thread_name.as_str(), c.field.as_str()))
        })
        .filter(|(_, _, field)| last_run.iter().any(|r| r.field == *field))
        .collect();
    let (_, writer, _) = *writes.first()?;
    // The reads a change came after (stale by the end), and those that saw a change.
    let stale = side(&last_run, &writes, |read, write| write > read);
    let fresh = side(&last_run, &writes, |read, write| write < read);
    if stale.is_empty() {
        return None;
    }
    let (who, by) = (who(reader), who(writer));
    let mut sentence =
        format!(
        "The root of the failure is a torn read: {who} computed one answer from reads at steps \
         {first} to {last}, but read {} before {by} changed {} ({}){}, so its answer mixes \
         values from before and after {by}'s steps, a state that never existed at one moment.",
        stale.reads,
        if stale.count == 1 { "it" } else { "them" },
        stale.steps,
        if fresh.is_empty() {
            String::new()
        } else {
            format!(", and {} after it changed it ({})", fresh.reads, fresh.steps)
        },
    );
    if let Some(next) = t.steps[last..].iter().find(|s| s.thread_name == reader) {
        let decided = next
            .note
            .as_deref()
            .map_or(String::new(), |n| format!(" ({n})"));
        sentence += &format!(
            " On that answer it went on to {}{decided}.",
            operation(&next.label)
        );
    }
    Some((last, sentence))
}

/// Some of a run's reads, and the other thread's steps that changed what they read.
struct Side {
    count: usize,
    reads: String,
    steps: String,
}

impl Side {
    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The reads of `run` with a change in `writes` on the side `order(read, write)` says, as
/// `f at step 15 and g at step 16`, and those changes as `step 20` or `steps 20 and 21`.
fn side(
    run: &[Read],
    writes: &[(usize, &str, &str)],
    order: impl Fn(usize, usize) -> bool,
) -> Side {
    let mut reads = Vec::new();
    let mut steps = BTreeSet::new();
    for r in run {
        let hits: Vec<usize> = writes
            .iter()
            .filter(|(n, _, f)| *f == r.field && order(r.step, *n))
            .map(|(n, _, _)| *n)
            .collect();
        if !hits.is_empty() {
            reads.push(format!("{} at step {}", r.field, r.step));
            steps.extend(hits);
        }
    }
    let steps: Vec<String> = steps.iter().map(|n| n.to_string()).collect();
    Side {
        count: reads.len(),
        reads: super::explain::join(&reads),
        steps: match steps.len() {
            1 => format!("step {}", steps[0]),
            _ => format!("steps {}", super::explain::join(&steps)),
        },
    }
}
