//! `weft show`: a saved counterexample as swimlanes, a list, a story, the state after any
//! step, JSON, or an HTML page to step through.

use crate::exit::Exit;
use crate::stdout::out;
use crate::trace_file::{check, TraceFile};
use crate::{render, view};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `weft show`'s options.
#[derive(Args)]
pub struct ShowArgs {
    /// A trace file written by `weft check --trace-out`.
    trace: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    format: ShowFormat,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Tell the counterexample as a story: a paragraph per step, then why the check fails.
    #[arg(long, conflicts_with = "state")]
    explain: bool,
    /// Print the whole state after step N (0: the initial state), re-executing the
    /// trace's embedded scenario; the fields step N changed are marked `*`, and each thread's
    /// next step and locals follow.
    #[arg(long, value_name = "N")]
    state: Option<usize>,
    /// With `--format html`: a quiz page that hides the verdict, the broken check and every
    /// step not yet revealed, and asks for a prediction before each step.
    #[arg(long, requires = "format", conflicts_with_all = ["state", "explain"])]
    quiz: bool,
    /// Colour text output: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = view::ColorWhen::Auto)]
    color: view::ColorWhen,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShowFormat {
    /// Swimlanes: a column per thread, a row per step, the changed fields on the right.
    Text,
    /// Numbered steps with each one's kernel source and the fields it changed.
    List,
    /// The trace file's JSON.
    Json,
    /// One self-contained HTML page to step through (use with --out).
    Html,
}

/// `weft show`: the saved counterexample in the asked format (swimlanes by default).
pub fn run(args: &ShowArgs) -> Result<Exit> {
    if args.quiz && !matches!(args.format, ShowFormat::Html) {
        anyhow::bail!("--quiz makes an HTML page: use it with --format html");
    }
    if let Some(out) = &args.out {
        crate::output::check_file(out)?;
    }
    let t = TraceFile::read(&args.trace)?;
    // Nothing is drawn that the model does not do: a hand-edited step is refused here.
    check::check(&t)
        .with_context(|| format!("{} does not match its model", args.trace.display()))?;
    let paint = view::Paint {
        on: args.color.enabled(args.out.is_some()),
    };
    let width = view::width(args.out.is_some());
    let text = match args.state {
        Some(n) => state(&t, n, args.format, paint)?,
        None if args.explain && !matches!(args.format, ShowFormat::Html) => {
            view::explain::render(&t, width)
        }
        None if args.quiz => {
            let replayed = view::replay(&t)?;
            view::quiz::render(&t, &replayed, &view::explain::paragraphs(&t))
        }
        None => whole(&t, args.format, paint, width)?,
    };
    match &args.out {
        Some(p) => crate::output::write(p, text.as_ref())?,
        None => out!("{text}"),
    }
    Ok(Exit::Pass)
}

/// The state after step `n`.
fn state(t: &TraceFile, n: usize, format: ShowFormat, paint: view::Paint) -> Result<String> {
    let replayed = view::replay(t)?;
    if !matches!(format, ShowFormat::Json) {
        return view::state::render(t, &replayed, n, paint);
    }
    let state = replayed
        .states
        .get(n)
        .with_context(|| format!("--state {n}: the trace has {} steps", t.steps.len()))?;
    let changed = if n == 0 {
        Vec::new()
    } else {
        t.steps[n - 1].changes.clone()
    };
    let doc = serde_json::json!({
        "step": n,
        "fields": state.fields,
        "threads": state.threads,
        "changed": changed,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// The whole counterexample.
fn whole(t: &TraceFile, format: ShowFormat, paint: view::Paint, width: usize) -> Result<String> {
    Ok(match format {
        ShowFormat::Json => serde_json::to_string_pretty(t)? + "\n",
        ShowFormat::Text => view::swimlanes::render(t, width, paint),
        ShowFormat::List => {
            let mut s = format!(
                "{}  (model {}, variant {}, found by {})\n",
                t.scenario.name, t.model, t.variant, t.engine
            );
            s += &format!("{} steps:\n", t.steps.len());
            s += &render::steps(&t.steps, true);
            s += &format!("  => {}\n", render::violation(&t.violation));
            s
        }
        ShowFormat::Html => {
            let replayed = view::replay(t)?;
            let story = view::explain::paragraphs(t);
            view::html::render(t, &replayed, &story, &view::html::Extras::default())
        }
    })
}
