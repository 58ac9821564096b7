//! `weft step`: choose the schedule yourself, one step at a time, as SPIN's interactive
//! simulation does. Each turn lists the threads and the step each takes next; a choice runs
//! that step and shows what it changed. Choices come from stdin, so a session can be scripted.

use crate::exit::Exit;
use crate::render;
use crate::stdout::{out, outln};
use crate::trace_file::TraceFile;
use crate::view::{state::description, Paint};
use anyhow::{Context, Result};
use clap::Args;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use weft_explorer::{Description, Followed};
use weft_model::Scenario;

/// `weft step`'s options.
#[derive(Args)]
pub struct StepArgs {
    /// A scenario file or a shipped scenario's name (see `weft list`).
    scenario: String,
    /// Where to write the trace when the schedule ends in a violation (default:
    /// `<scenario>.step.trace.json` in the current folder); `weft show` and `weft replay` read it.
    #[arg(long, value_name = "FILE")]
    trace_out: Option<PathBuf>,
    /// Colour the state shown by `state`: auto, always, never.
    #[arg(long, value_enum, default_value_t = crate::view::ColorWhen::Auto)]
    color: crate::view::ColorWhen,
}

/// What the user asked for on one line.
#[derive(Debug, PartialEq, Eq)]
enum Choice {
    /// Run this thread's next step.
    Thread(usize),
    Undo,
    State,
    Help,
    Quit,
}

const HELP: &str =
    "  a thread's number or name runs its next step; `undo` takes the last step back; \
                    `state` prints every field and each thread's locals; `quit` ends";

/// The interactive session; its exit code is 1 if the schedule ends in a violation.
pub fn run(args: &StepArgs) -> Result<Exit> {
    let Some(scenario) = crate::input::load_scenario(&args.scenario) else {
        return Ok(Exit::BadInput);
    };
    let trace_out = args
        .trace_out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.step.trace.json", stem(&scenario.name))));
    crate::output::check_file(&trace_out)?;
    let paint = Paint {
        on: args.color.enabled(false),
    };
    let model = scenario.model();
    let names = model.thread_names();
    let interactive = std::io::stdin().is_terminal();
    outln!(
        "{} (model {}, variant {}): you choose which thread moves at each step",
        scenario.name,
        scenario.model,
        scenario.variant
    );
    outln!("{HELP}");
    let mut schedule: Vec<usize> = Vec::new();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        let now = where_now(model, &schedule)?;
        if let Some(exit) = finished(&scenario, &schedule, &now, &trace_out)? {
            return Ok(exit);
        }
        list_threads(schedule.len(), &now.description);
        if interactive {
            out!("> ");
            crate::stdout::flush();
        }
        let Some(line) = lines.next() else {
            return Ok(quit(&names, &schedule));
        };
        let line = line.context("cannot read standard input")?;
        if !interactive {
            outln!("> {}", line.trim());
        }
        match parse(line.trim(), &names) {
            Ok(Choice::Thread(t)) => match &now.description.threads[t] {
                th if th.next.is_none() => outln!("  {} has finished", th.name),
                th if th.blocked => outln!("  {} cannot move: it waits", th.name),
                _ => {
                    schedule.push(t);
                    show_step(model, &schedule)?;
                }
            },
            Ok(Choice::Undo) if schedule.is_empty() => outln!("  nothing to undo"),
            Ok(Choice::Undo) => {
                schedule.pop();
                outln!("  took step {} back", schedule.len() + 1);
            }
            Ok(Choice::State) => out!("{}", description(&now.description, &[], paint)),
            Ok(Choice::Help) => outln!("{HELP}"),
            Ok(Choice::Quit) => return Ok(quit(&names, &schedule)),
            Err(e) => outln!("  {e}"),
        }
    }
}

/// The state after `schedule` and how the schedule ended.
struct Now {
    followed: Followed,
    description: Description,
}

fn where_now(model: &dyn weft_explorer::AnyModel, schedule: &[usize]) -> Result<Now> {
    let followed = model.follow(schedule);
    let states = model
        .describe_along(schedule)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Now {
        followed,
        description: states.last().cloned().unwrap_or_default(),
    })
}

/// When the schedule has ended (a violation, or every thread finished): the verdict, the
/// trace file for a violation, and the exit code.
fn finished(
    scenario: &Scenario,
    schedule: &[usize],
    now: &Now,
    trace_out: &std::path::Path,
) -> Result<Option<Exit>> {
    if let Some(v) = &now.followed.trace.violation {
        outln!("=> {}", render::violation(v));
        let names = scenario.model().thread_names();
        let file = TraceFile::new(scenario, "step", &names, &now.followed.trace);
        file.write(trace_out)?;
        let path = trace_out.display();
        outln!(
            "the {}-step trace is in {path} (weft show {path}; weft replay {path} --variant V)",
            schedule.len()
        );
        return Ok(Some(Exit::Violation));
    }
    if now.description.threads.iter().all(|th| th.next.is_none()) {
        outln!(
            "=> every thread finished after {} steps and every check holds on this schedule \
             (one schedule of many: `weft check {}` explores them all)",
            schedule.len(),
            scenario.name
        );
        return Ok(Some(Exit::Pass));
    }
    Ok(None)
}

/// Each thread with its number and what it does next.
fn list_threads(step: usize, now: &Description) {
    outln!("step {}: who moves?", step + 1);
    let width = now
        .threads
        .iter()
        .map(|th| th.name.chars().count())
        .max()
        .unwrap_or(0);
    for (i, th) in now.threads.iter().enumerate() {
        let at = match (&th.next, th.blocked) {
            (None, _) => "finished".to_string(),
            (Some(next), false) => next.clone(),
            (Some(next), true) => format!("(waits) {next}"),
        };
        outln!("  {}  {:<width$}  {at}", i + 1, th.name);
    }
}

/// The step just taken and the fields it changed.
fn show_step(model: &dyn weft_explorer::AnyModel, schedule: &[usize]) -> Result<()> {
    let followed = model.follow(schedule);
    let step = followed
        .trace
        .steps
        .last()
        .context("the step just chosen did not run")?;
    outln!(
        "  {}. {} runs {}",
        schedule.len(),
        step.thread_name,
        render::label(step)
    );
    if step.changes.is_empty() {
        outln!("     (changes nothing: it only reads or tests the state)");
    }
    for c in &step.changes {
        outln!("     {} {} -> {}", render::field(c), c.before, c.after);
    }
    Ok(())
}

/// Ends a session the user stopped: the schedule so far, exit 0.
fn quit(names: &[String], schedule: &[usize]) -> Exit {
    let taken: Vec<&str> = schedule.iter().map(|&t| names[t].as_str()).collect();
    outln!(
        "stopped after {} steps, no check failed; the schedule: {}",
        schedule.len(),
        if taken.is_empty() {
            "(none)".to_string()
        } else {
            taken.join(" ")
        }
    );
    Exit::Pass
}

/// A line of input as a choice: a thread's number (from 1) or name, or a command.
fn parse(line: &str, names: &[String]) -> Result<Choice, String> {
    match line {
        "undo" | "u" => return Ok(Choice::Undo),
        "state" | "s" => return Ok(Choice::State),
        "help" | "h" | "?" => return Ok(Choice::Help),
        "quit" | "q" | "exit" => return Ok(Choice::Quit),
        _ => {}
    }
    if let Some(t) = names.iter().position(|n| n == line) {
        return Ok(Choice::Thread(t));
    }
    match line.parse::<usize>() {
        Ok(n) if (1..=names.len()).contains(&n) => Ok(Choice::Thread(n - 1)),
        Ok(n) => Err(format!("there is no thread {n} (1 to {})", names.len())),
        Err(_) => Err(format!(
            "`{}` is neither a thread ({}) nor a command (undo, state, help, quit)",
            weft_model::scenario::echo(line),
            names.join(", ")
        )),
    }
}

/// The scenario's name as a file stem: `pt_frag/set_page_count_L` → `set_page_count_L`.
fn stem(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::{parse, Choice};

    #[test]
    fn a_line_is_a_thread_by_number_or_name_or_a_command() {
        let names = ["owner".to_string(), "walker".to_string()];
        assert_eq!(parse("2", &names), Ok(Choice::Thread(1)));
        assert_eq!(parse("owner", &names), Ok(Choice::Thread(0)));
        assert_eq!(parse("undo", &names), Ok(Choice::Undo));
        assert_eq!(parse("q", &names), Ok(Choice::Quit));
        assert!(parse("3", &names).unwrap_err().contains("1 to 2"));
        assert!(parse("0", &names).is_err());
        assert!(parse("walk", &names).unwrap_err().contains("owner, walker"));
    }
}
