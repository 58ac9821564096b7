//! `weft show --explain`: the counterexample as a story, one paragraph per step, generated
//! from the steps' labels and changes alone, ending with the check that fails and why.

use super::swimlanes::show_value;
use super::wrap_prose;
use crate::trace_file::TraceFile;
use std::collections::{BTreeMap, BTreeSet};
use weft_explorer::{Change, TraceStep};

/// How a thread is named in a sentence: "the walker", or "thread P" for short names.
pub(super) fn who(name: &str) -> String {
    if name.chars().count() <= 2 || name.chars().all(|c| c.is_ascii_digit()) {
        format!("thread {name}")
    } else {
        format!("the {name}")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The kernel function a label calls (`if (put_page_testzero(page0))` gives
/// `put_page_testzero`), or the whole expression when it calls none.
pub fn operation(label: &str) -> String {
    let main = label;
    let bytes: Vec<char> = main.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let word: String = bytes[start..i].iter().collect();
            let keyword = matches!(
                word.as_str(),
                "if" | "while" | "for" | "return" | "switch" | "sizeof" | "else"
            );
            if !keyword && bytes.get(i) == Some(&'(') {
                return word;
            }
        } else {
            i += 1;
        }
    }
    main.to_string()
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn join(parts: &[String]) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

fn number(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

fn phrase(c: &Change) -> String {
    let f = &c.field;
    let (b, a) = (show_value(&c.before), show_value(&c.after));
    match (number(b), number(a)) {
        (Some(x), Some(y)) if y > x => format!("raises {f} {x} -> {y}"),
        (Some(x), Some(y)) => format!("lowers {f} {x} -> {y}"),
        _ if b == "-" => format!("sets {f} to {a}"),
        _ if a == "-" => format!("clears {f} (it was {b})"),
        _ => format!("changes {f} from {b} to {a}"),
    }
}

/// A step that raised a counter: who, where, and from what to what.
struct Raise {
    step: usize,
    thread: String,
    op: String,
    field: String,
    from: i64,
    to: i64,
}

/// The narrative: one paragraph per step, then the conclusion.
pub fn paragraphs(t: &TraceFile) -> Vec<String> {
    let mut out = Vec::new();
    // What each field is known to hold, from the changes seen so far.
    let mut known: BTreeMap<String, String> = BTreeMap::new();
    // The fields seen so far that are ghost state.
    let mut ghosts: BTreeSet<String> = BTreeSet::new();
    // Which step last changed each field.
    let mut last_writer: BTreeMap<String, usize> = BTreeMap::new();
    let mut root_cause: Option<String> = None;
    let threads: Vec<&str> = t.steps.iter().map(|s| s.thread_name.as_str()).collect();
    for (i, s) in t.steps.iter().enumerate() {
        let n = i + 1;
        let note = s.note.as_deref();
        let mut p = format!("Step {n}: {} runs `{}`", who(&s.thread_name), s.label);
        if let Some(note) = note.filter(|x| x.len() > 3) {
            p += &format!(" ({note})");
        }
        let kernel: Vec<&Change> = s.changes.iter().filter(|c| !c.is_ghost()).collect();
        let ghost: Vec<&Change> = s.changes.iter().filter(|c| c.is_ghost()).collect();
        let plain_store = note.and_then(|x| x.strip_prefix("plain store:"));
        if kernel.is_empty() && plain_store.is_some() {
            p += "; the value it stores is the one already there, so nothing visibly changes.";
        } else if kernel.is_empty() {
            p += if ghost.is_empty() {
                "; it changes nothing (it only reads or tests the state)."
            } else {
                "; it changes no kernel field."
            };
        } else {
            let parts: Vec<String> = kernel.iter().map(|c| phrase(c)).collect();
            p += &format!(", which {}.", join(&parts));
        }
        if !ghost.is_empty() {
            let parts: Vec<String> = ghost.iter().map(|c| phrase(c)).collect();
            p += &format!(" The model's ghost bookkeeping {}.", join(&parts));
        }

        // A plain store over a counter another thread raised: the increment is lost.
        if let Some(store) = plain_store {
            let counter = store.split_whitespace().next().unwrap_or("");
            let value = store.rsplit(' ').next().unwrap_or("").trim();
            let raise = last_raise(&t.steps[..i], counter, &s.thread_name);
            let target = raise
                .as_ref()
                .map_or(counter.to_string(), |r| r.field.clone());
            p += &format!(
                " But this is a plain store, not an atomic update: it writes {value} into \
                 {target} whatever it held."
            );
            if let Some(r) = raise {
                let what = if counter.contains("ref") {
                    "reference"
                } else {
                    "increment"
                };
                p += &format!(
                    " {}'s {} had just raised {} {} -> {} (step {}), so that {what} is no \
                     longer counted: the update is lost.",
                    capitalize(&who(&r.thread)),
                    r.op,
                    r.field,
                    r.from,
                    r.to,
                    r.step
                );
                if root_cause.is_none() {
                    root_cause = Some(format!(
                        "The root of the failure is step {n}: {}'s plain store to {} erased the \
                         {what} {} took at step {}.",
                        who(&s.thread_name),
                        r.field,
                        who(&r.thread),
                        r.step
                    ));
                }
            }
        }

        for c in &s.changes {
            known.insert(c.field.clone(), c.after.clone());
            if c.is_ghost() {
                ghosts.insert(c.field.clone());
            }
        }
        for c in &kernel {
            // Another thread's change to the same field, overwritten or built upon here.
            if let Some(&j) = last_writer.get(&c.field) {
                let w = &t.steps[j - 1];
                if w.thread_name != s.thread_name && !c.field.contains("lock") {
                    p += &format!(
                        " Before this, {} was last changed by {} at step {j} ({}).",
                        c.field,
                        who(&w.thread_name),
                        operation(&w.label)
                    );
                }
            }
            // A reference count reaching zero (or going below it).
            let f = c.field.clone();
            if let (Some(x), Some(y)) = (number(&c.before), number(&c.after)) {
                if f.contains("refcount") && y <= 0 && x > y {
                    let object = f.split('.').next().unwrap_or(&f).to_string();
                    p += &if y == 0 {
                        format!(" Now {f} is 0: by this count, nobody holds {object} any more")
                    } else {
                        format!(" Now {f} is below 0: more references were dropped than taken")
                    };
                    let holders: Vec<&String> = known
                        .iter()
                        .filter(|(g, v)| {
                            let owner = g.split('.').next().unwrap_or("");
                            ghosts.contains(*g)
                                && owner != s.thread_name
                                && threads.contains(&owner)
                                && mentions(v, &object)
                        })
                        .map(|(g, _)| g)
                        .collect();
                    if holders.is_empty() {
                        p.push('.');
                    } else {
                        let list: Vec<String> = holders
                            .iter()
                            .map(|g| format!("{g} still says {}", known[*g]))
                            .collect();
                        p += &format!(", yet {}.", join(&list));
                    }
                }
            }
        }
        for c in &s.changes {
            last_writer.insert(c.field.clone(), n);
        }
        out.push(p);
    }

    let v = &t.violation;
    let mut end = String::new();
    if let Some(r) = root_cause.or_else(|| super::torn::root_cause(t)) {
        end += &r;
        end.push(' ');
    }
    let message = v.message.trim_end_matches('.');
    match t.steps.last() {
        Some(s) => {
            end += &format!(
                "So the check {} fails at step {} ({}'s {}): {message}.",
                v.check,
                t.steps.len(),
                who(&s.thread_name),
                operation(&s.label)
            );
        }
        None => end += &format!("So the check {} fails at once: {message}.", v.check),
    }
    out.push(end);
    out
}

/// Whether a value names `object` as a whole word (`page0 fragment 1` names `page0`).
fn mentions(value: &str, object: &str) -> bool {
    value
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == object)
}

/// The last step before these by another thread that raised a field named `counter`.
fn last_raise(steps: &[TraceStep], counter: &str, not: &str) -> Option<Raise> {
    for (j, s) in steps.iter().enumerate().rev() {
        if s.thread_name == not {
            continue;
        }
        for c in &s.changes {
            let f = c.field.clone();
            let matches = f == counter || f.ends_with(&format!(".{counter}"));
            if let (true, Some(x), Some(y)) = (matches, number(&c.before), number(&c.after)) {
                if y > x {
                    return Some(Raise {
                        step: j + 1,
                        thread: s.thread_name.clone(),
                        op: operation(&s.label),
                        field: f,
                        from: x,
                        to: y,
                    });
                }
            }
        }
    }
    None
}

/// The narrative as text, wrapped to `width`.
pub fn render(t: &TraceFile, width: usize) -> String {
    let head = format!(
        "{} (model {}, variant {}): how the check {} fails, step by step.",
        t.scenario.name, t.model, t.variant, t.violation.check
    );
    let mut out = String::new();
    for p in std::iter::once(head).chain(paragraphs(t)) {
        for l in wrap_prose(&p, width) {
            out += &l;
            out.push('\n');
        }
        out.push('\n');
    }
    out.pop();
    out
}
