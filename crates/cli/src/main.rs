//! `weft`: check kernel memory-management models for races, and look at counterexamples.
//!
//! The command-line contract (subcommands, options, exit codes) is what scripts rely on:
//! 0 explored fully with no violation, 1 a violation was found, 2 bad input or usage,
//! 3 stopped by a limit (states, depth, time, memory, Ctrl-C, SIGTERM) before a verdict ([`exit`]). Each
//! subcommand is a module of its own.

// `json!` documents as large as a check report's nest deeper than the default allows.
#![recursion_limit = "256"]

mod check;
mod compare;
mod exit;
mod graph;
mod input;
mod list;
mod memory;
mod output;
mod progress;
mod render;
mod replay;
mod report;
mod shell;
mod show;
mod stdout;
mod step;
mod trace_file;
mod view;

use clap::{Parser, Subcommand};
use exit::Exit;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: memory::Allocator = memory::Allocator;

/// weft explores every interleaving of a kernel memory-management model, and when a check
/// breaks, prints the shortest schedule that breaks it.
///
/// Start with `weft list`, then `weft check pt_frag/set_page_count_L`.
#[derive(Parser)]
#[command(name = "weft", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// More log output on stderr (-v info: each search's engine, settings and counts; -vv
    /// debug: every level); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the shipped scenarios: name, model, variant and summary.
    List(list::ListArgs),
    /// Explore every schedule of one or more scenarios and report the verdict.
    ///
    /// SCENARIO is a file (models/pt_frag/set_page_count_L.toml) or a shipped name
    /// (pt_frag/set_page_count_L). Exit code: 0 no violation in any, 1 a violation in some,
    /// 2 bad input (an option the engine cannot honour included), 3 a limit stopped some
    /// search before its verdict.
    #[command(
        after_help = "Examples:\n  weft check pt_frag/set_page_count_L --trace-out lost-update.json\n  \
        weft check models/pt_frag/*.toml\n  weft check my-scenario.toml --max-states 1000000 --time-limit 60\n  \
        weft check thp/merged_fix_M --engine pct --iterations 5000 --seed 7"
    )]
    Check(Box<check::CheckArgs>),
    /// Show a saved counterexample: swimlanes, a narrative, any step's state, or HTML.
    #[command(
        after_help = "Examples:\n  weft show lost-update.json\n  weft show lost-update.json --explain\n  \
        weft show lost-update.json --state 9\n  \
        weft show lost-update.json --format html --out lost-update.html"
    )]
    Show(show::ShowArgs),
    /// Draw the reachable-state graph: states as nodes, steps as edges, one colour per
    /// thread, the counterexample path in red, violating states filled, terminal states
    /// double-bordered.
    #[command(
        after_help = "Examples:\n  weft graph pt_frag/set_page_count_L --format svg --out lost-update.svg\n  \
        weft graph pt_frag/pt_frag_refcount_scaled_2x2 --project shared --format svg --out shared.svg"
    )]
    Graph(graph::GraphArgs),
    /// One row per scenario (and variant): verdict, failed check, states, schedules,
    /// shortest trace length, fewest preemptions, and whether it matches `[expect]`.
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
    Replay(replay::ReplayArgs),
    /// Choose the schedule yourself: each turn lists every thread's next step, you pick one by
    /// number or name and see what it changed; `undo`, `state`, `help`, `quit`.
    ///
    /// Choices are read from stdin, one per line, so a session can be scripted. Exit code 1
    /// when the schedule ends in a violation (its trace is written for `weft show`), 0
    /// otherwise, 2 for bad input.
    #[command(after_help = "Examples:\n  weft step pt_frag/set_page_count_L\n  \
        printf 'owner\\nwalker\\nstate\\nquit\\n' | weft step pt_frag/set_page_count_L")]
    Step(step::StepArgs),
    /// Print a completion script for bash, zsh, fish, elvish or powershell.
    #[command(
        after_help = "Examples:\n  weft completions bash > ~/.local/share/bash-completion/completions/weft\n  \
        weft completions zsh > ~/.zfunc/_weft\n  \
        weft completions fish > ~/.config/fish/completions/weft.fish"
    )]
    Completions(shell::CompletionsArgs),
    /// Print weft's man page (roff), or write a page per subcommand with --out DIR.
    #[command(
        after_help = "Examples:\n  weft man | man -l -\n  weft man --out /usr/local/share/man/man1"
    )]
    Man(shell::ManArgs),
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
    memory::arm();
    let result = match &cli.command {
        Command::List(args) => list::run(args),
        Command::Check(args) => check::run(args),
        Command::Show(args) => show::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Step(args) => step::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(args),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e:#}");
            Exit::BadInput
        }
    };
    match stdout::finish() {
        None => ExitCode::from(exit as u8),
        Some(e) => {
            // A reader that went away (`weft list | head -1`) needs no message.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: cannot write to standard output: {e}");
            }
            ExitCode::from(Exit::BadInput as u8)
        }
    }
}

/// Logs on stderr through `tracing`: warnings by default, `-v` info, `-vv` debug.
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}
