//! `weft`: check kernel memory-management models for races, and look at counterexamples.
//!
//! The command-line contract (subcommands, options, exit codes) is what scripts rely on:
//! 0 explored fully with no violation, 1 a violation was found, 2 bad input or usage,
//! 3 stopped by a limit (states, depth, time, Ctrl-C) before a verdict.

mod check;
mod compare;
mod graph;
mod list;
mod progress;
mod render;
mod replay;
mod report;
mod trace_file;
mod view;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// weft explores every interleaving of a kernel memory-management model, and when a check
/// breaks, prints the shortest schedule that breaks it.
///
/// Start with `weft list`, then `weft check pt_frag/set_page_count_L`.
#[derive(Parser)]
#[command(name = "weft", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the shipped scenarios: name, model, variant and summary.
    List {
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Explore every schedule of one or more scenarios and report the verdict.
    ///
    /// SCENARIO is a file (models/pt_frag/set_page_count_L.toml) or a shipped name
    /// (pt_frag/set_page_count_L). Exit code: 0 no violation in any, 1 a violation in some,
    /// 2 bad input, 3 a limit stopped some search before its verdict.
    #[command(
        after_help = "Examples:\n  weft check pt_frag/set_page_count_L --trace-out lost-update.json\n  \
        weft check models/pt_frag/*.toml\n  weft check my-scenario.toml --max-states 1000000 --time-limit 60"
    )]
    Check(check::CheckArgs),
    /// Show a saved counterexample: swimlanes, a narrative, any step's state, or HTML.
    #[command(
        after_help = "Examples:\n  weft show lost-update.json\n  weft show lost-update.json --explain\n  \
        weft show lost-update.json --state 9\n  \
        weft show lost-update.json --format html --out lost-update.html"
    )]
    Show {
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
        /// trace's embedded scenario; the fields step N changed are marked `*`.
        #[arg(long, value_name = "N")]
        state: Option<usize>,
        /// Colour text output: auto (a terminal, unless NO_COLOR is set), always, never.
        #[arg(long, value_enum, default_value_t = view::ColorWhen::Auto)]
        color: view::ColorWhen,
    },
    /// Draw the reachable-state graph: states as nodes, steps as edges, one colour per
    /// thread, the counterexample path in red, violating states filled, terminal states
    /// double-bordered.
    #[command(
        after_help = "Examples:\n  weft graph pt_frag/set_page_count_L --format svg --out lost-update.svg\n  \
        weft graph pt_frag/pt_frag_refcount_scaled_2x2 --project shared --format svg --out shared.svg"
    )]
    Graph(graph::GraphArgs),
    /// One row per scenario (and variant): verdict, failed check, states, schedules,
    /// shortest trace length, fewest preemptions, and whether it matches [expect].
    ///
    /// Every scenario is explored completely (violating states are not expanded), so the
    /// counts are those of the whole state space. Exit code 0, 2 for bad input, 3 if a limit
    /// stopped some exploration.
    #[command(after_help = "Examples:\n  weft compare models/pt_frag/*.toml\n  \
        weft compare pt_frag/set_page_count_L --variants all --format markdown")]
    Compare(compare::CompareArgs),
    /// Regenerate reports/ for every shipped scenario: a Markdown page, the trace, an HTML
    /// stepper and the state graph each, indexed in reports/README.md as a teaching path.
    Report(report::ReportArgs),
    /// Re-execute a saved counterexample against its model and confirm it.
    ///
    /// Exit code 0 when every step and the final violation reproduce; 2 when the trace is
    /// unreadable or does not match the model any more.
    Replay {
        /// A trace file written by `weft check --trace-out`.
        trace: PathBuf,
        /// `shuttle`: re-execute the trace's shuttle schedule (from `--engine random`, `pct` or
        /// `dfs-shuttle`) as real shuttle threads through shuttle's replay scheduler.
        #[arg(long, value_enum, default_value_t = replay::ReplayEngine::Model)]
        engine: replay::ReplayEngine,
    },
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

/// The exit codes of the command-line contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Explored fully, no violation.
    Pass = 0,
    /// Stopped by a limit before a verdict.
    Stopped = 3,
    /// A violation was found.
    Violation = 1,
    /// Bad input or usage.
    BadInput = 2,
}

impl Exit {
    /// Combines the results of several scenarios: bad input, then violation, then stopped.
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Pass => 0,
            Exit::Stopped => 1,
            Exit::Violation => 2,
            Exit::BadInput => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::List { json } => list::run(json),
        Command::Check(args) => check::run(&args),
        Command::Show {
            trace,
            format,
            out,
            explain,
            state,
            color,
        } => replay::show(
            &trace,
            format,
            out.as_deref(),
            view::ShowOptions {
                explain,
                state,
                color,
            },
        ),
        Command::Replay { trace, engine } => replay::run(&trace, engine),
        Command::Graph(args) => graph::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Report(args) => report::run(&args),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(Exit::BadInput as u8)
        }
    }
}

/// The scenario `arg` names (a file or a shipped name), or `None` after drawing what is wrong
/// with it on stderr (file, line, column and what would be valid).
pub fn load_scenario(arg: &str) -> Option<weft_model::Scenario> {
    match weft_model::Scenario::resolve(arg) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            None
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
