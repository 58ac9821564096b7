//! `weft list`: the shipped scenarios.

use crate::exit::Exit;
use crate::stdout::outln;
use anyhow::Result;
use clap::Args;
use weft_model::Scenario;

/// `weft list`'s options.
#[derive(Args)]
pub struct ListArgs {
    /// One JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Lists the shipped scenarios.
pub fn run(args: &ListArgs) -> Result<Exit> {
    let json = args.json;
    let mut rows = Vec::new();
    for name in Scenario::shipped_names() {
        let s = Scenario::shipped(name).expect("listed")?;
        rows.push(s);
    }
    if json {
        let docs: Vec<_> = rows
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name, "path": s.path, "model": s.model, "variant": s.variant,
                    "summary": s.summary,
                    "expect": s.expect.as_ref().map(|e| e.to_string()),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&docs)?);
        return Ok(Exit::Pass);
    }
    let width = rows.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let vwidth = rows.iter().map(|s| s.variant.len()).max().unwrap_or(0);
    for s in &rows {
        let summary = s.summary.split(';').next().unwrap_or("");
        outln!(
            "{:<width$}  {:<8} {:<vwidth$}  {}",
            s.name,
            s.model,
            s.variant,
            summary
        );
    }
    outln!(
        "\n{} scenarios; check one with `weft check NAME`",
        rows.len()
    );
    Ok(Exit::Pass)
}
