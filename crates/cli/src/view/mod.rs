//! Views of a saved counterexample for people: swimlanes, a narrative, the state after any
//! step, and a self-contained HTML report.

pub mod explain;
pub mod html;
pub mod legend;
pub mod quiz;
pub mod state;
pub mod swimlanes;
mod torn;

use crate::trace_file::TraceFile;
use anyhow::Result;
use std::io::IsTerminal;
use weft_explorer::Description;

/// When to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal, unless NO_COLOR is set (CLICOLOR_FORCE=1 forces it).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether to colour output written to stdout (`to_file` false) or to a file.
    pub fn enabled(self, to_file: bool) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                if set("NO_COLOR") {
                    false
                } else if set("CLICOLOR_FORCE") {
                    true
                } else {
                    !to_file && std::io::stdout().is_terminal()
                }
            }
        }
    }
}

/// How wide text views are: the terminal's width when stdout is one, else `COLUMNS` if set,
/// else 100; never under 60 (the swimlanes need room for two lanes) nor over 240.
pub fn width(to_file: bool) -> usize {
    let terminal = (!to_file && std::io::stdout().is_terminal())
        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .flatten();
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
    };
    terminal.or_else(columns).unwrap_or(100).clamp(60, 240)
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    /// Whether colour is on.
    pub on: bool,
}

impl Paint {
    /// `text` in the SGR style `code` (e.g. "1;31"), or plain.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.on && !code.is_empty() && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The colour of the `i`-th thread lane.
    pub fn thread_code(i: usize) -> &'static str {
        ["36", "35", "33", "32", "34", "31"][i % 6]
    }
}

/// The trace re-executed against its embedded scenario: every state and the model's checks.
pub struct Replayed {
    /// The checks the model runs (with `deadlock`).
    pub checks: Vec<String>,
    /// The state before any step (index 0) and after each step (index n).
    pub states: Vec<Description>,
    /// The scenario's one-line summary.
    pub summary: String,
}

/// Re-executes the trace's embedded scenario to recover the full state at every step.
pub fn replay(file: &TraceFile) -> Result<Replayed> {
    let scenario = crate::trace_file::check::embedded_scenario(file)?;
    crate::trace_file::check::check_header(file, &scenario)?;
    let model = scenario.model();
    let schedule = file.schedule_for(model)?;
    let states = model
        .describe_along(&schedule)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut checks: Vec<String> = model.checks().iter().map(|c| c.to_string()).collect();
    if !checks.iter().any(|c| c == weft_explorer::DEADLOCK) {
        checks.push(weft_explorer::DEADLOCK.into());
    }
    if !checks.contains(&file.violation.check) {
        checks.push(file.violation.check.clone());
    }
    Ok(Replayed {
        checks,
        states,
        summary: scenario.summary.clone(),
    })
}

/// Greedy word wrap of `text` into lines at most `width` characters wide. Lines break at
/// spaces, and inside long expressions after `(`, `,` and `;`; a piece still wider than a
/// line is split between the words of an identifier (after `_`, `.`, `->`), or at the width
/// if it has none. Continuation lines are indented by `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    wrap_at(text, width, indent, true)
}

/// Word wrap for prose: lines break at spaces only (see [`wrap`]).
pub fn wrap_prose(text: &str, width: usize) -> Vec<String> {
    wrap_at(text, width, 0, false)
}

/// The widest piece of `text` that [`wrap`] keeps on one line when it can: a word, or a
/// call up to its `(`. A view sized to it breaks no word.
pub fn widest_piece(text: &str) -> usize {
    atoms(text, true)
        .iter()
        .map(|(_, a)| a.len())
        .max()
        .unwrap_or(0)
}

/// The pieces of `text` a line may break between, each with whether a space precedes it: its
/// words, and for code also a call's `f(` and each argument (`a,`).
fn atoms(text: &str, code: bool) -> Vec<(bool, Vec<char>)> {
    let mut atoms: Vec<(bool, Vec<char>)> = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    let mut space = false;
    for c in text.chars() {
        if c == ' ' {
            if !cur.is_empty() {
                atoms.push((space, std::mem::take(&mut cur)));
            }
            space = true;
            continue;
        }
        cur.push(c);
        // A lone `(` (a parenthesised note) stays with what follows it.
        if code && matches!(c, '(' | ',' | ';') && cur.len() > 1 {
            atoms.push((space, std::mem::take(&mut cur)));
            space = false;
        }
    }
    if !cur.is_empty() {
        atoms.push((space, cur));
    }
    atoms
}

fn wrap_at(text: &str, width: usize, indent: usize, code: bool) -> Vec<String> {
    let width = width.max(indent + 4);
    let atoms = atoms(text, code);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for (space, mut atom) in atoms {
        loop {
            let room = if lines.is_empty() {
                width
            } else {
                width - indent
            };
            let sep = usize::from(space && len > 0);
            if len + sep + atom.len() <= room {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(atom.iter());
                len += sep + atom.len();
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A piece wider than a whole line: split it after the last `_`, `.`, `>`, `[`
            // or `(` that fits (between the words of an identifier), or at the width.
            let cut = atom[..room]
                .iter()
                .rposition(|c| code && matches!(c, '_' | '.' | '>' | '[' | '('))
                .map_or(room, |at| at + 1);
            let head: String = atom[..cut].iter().collect();
            lines.push(head);
            atom.drain(..cut);
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    for l in lines.iter_mut().skip(1) {
        l.insert_str(0, &" ".repeat(indent));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_splits_long_words() {
        let lines = wrap("aaaa bbbb cccccccccccccc dd", 8, 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 8), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), "aaaabbbbccccccccccccccdd");
        let lines = wrap("spin_lock(&mm->page_table_lock)", 12, 2);
        assert_eq!(lines, ["spin_lock(", "  &mm->page_", "  table_", "  lock)"]);
        // A parenthesised note is not cut after its `(`.
        assert_eq!(
            wrap("put_page_testzero(page0) (VM_BUG_ON_PAGE)", 30, 2),
            ["put_page_testzero(page0)", "  (VM_BUG_ON_PAGE)"]
        );
        assert_eq!(
            widest_piece("[stale pointer: page_cache_get_speculative]"),
            27
        );
        // An identifier breaks between its words, never inside one.
        let lines = wrap("[stale pointer: page_cache_get_speculative]", 26, 1);
        assert_eq!(
            lines,
            ["[stale pointer:", " page_cache_get_", " speculative]"]
        );
        assert_eq!(wrap("f(a, b)", 20, 2), ["f(a, b)"]);
    }
}
