//! `weft completions` and `weft man`: shell completions and man pages, generated from the same
//! clap definitions `--help` shows, so they cannot drift from the options.

use crate::exit::Exit;
use anyhow::Result;
use clap::{Args, CommandFactory};
use std::path::PathBuf;

/// `weft completions`'s options.
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// `weft man`'s options.
#[derive(Args)]
pub struct ManArgs {
    /// Write weft.1 and a page per subcommand (weft-check.1, ...) into this folder, instead of
    /// printing weft.1.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> Result<Exit> {
    let mut bytes = Vec::new();
    clap_complete::generate(args.shell, &mut crate::Cli::command(), "weft", &mut bytes);
    crate::stdout::write_all(&bytes);
    Ok(Exit::Pass)
}

/// Prints weft's man page, or writes every page into a folder.
pub fn man(args: &ManArgs) -> Result<Exit> {
    let command = crate::Cli::command();
    let Some(dir) = &args.out else {
        crate::stdout::write_all(&page(command)?);
        return Ok(Exit::Pass);
    };
    crate::output::check_dir(dir)?;
    crate::output::write(&dir.join("weft.1"), &page(command.clone())?)?;
    for sub in command.get_subcommands() {
        let name = format!("weft-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        crate::output::write(&dir.join(format!("{name}.1")), &page(sub)?)?;
    }
    crate::stdout::outln!("man pages written to {}", dir.display());
    Ok(Exit::Pass)
}

/// One command's man page, in roff.
fn page(command: clap::Command) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(command).render(&mut bytes)?;
    Ok(bytes)
}
