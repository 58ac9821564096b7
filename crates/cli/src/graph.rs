//! `weft graph`: the reachable-state graph as DOT, SVG (through graphviz) or JSON.

use crate::exit::Exit;
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use weft_explorer::graph::{self, GraphError};
use weft_explorer::{Checker, Verdict};

#[derive(Args)]
pub struct GraphArgs {
    /// A scenario file or a shipped name (see `weft list`).
    scenario: String,
    /// Output format: DOT text, SVG drawn by graphviz's `dot`, or JSON nodes and edges.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Refuse graphs with more nodes than this (graphviz lays out about 2000 at most).
    #[arg(long, default_value_t = 300, value_name = "N")]
    max_nodes: usize,
    /// Draw states that differ only in thread positions and locals as one node.
    #[arg(long, value_enum, value_name = "PROJECTION")]
    project: Option<Projection>,
    /// With --project: stop exploring after this many states.
    #[arg(long, default_value_t = 2_000_000, value_name = "N")]
    max_states: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Draw every state. By default, as `weft check` counts them, states that differ only by
    /// renaming interchangeable threads (the same operations) are one node, and an edge is a
    /// step of one thread of a group, named by the group (`walker1|walker2`).
    #[arg(long)]
    no_symmetry: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Dot,
    Svg,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Projection {
    /// Only the shared state: pages, counters, locks, caches.
    Shared,
}

pub fn run(args: &GraphArgs) -> Result<Exit> {
    if let Some(out) = &args.out {
        crate::output::check_file(out)?;
    }
    let Some(scenario) = crate::input::load_scenario(&args.scenario) else {
        return Ok(Exit::BadInput);
    };
    let shared_only = args.project.is_some();
    let mut checker = Checker::new()
        .threads(args.threads)
        .symmetry(!args.no_symmetry);
    if shared_only {
        checker = checker.max_states(args.max_states);
    }
    let built = scenario
        .model()
        .graph(&checker, shared_only, args.max_nodes);
    let g = match built {
        Ok(g) => g,
        Err(GraphError::TooLarge { nodes, complete }) => {
            bail!(
                "the state graph of {} has {}{nodes} {}, more than --max-nodes {}: raise \
                 --max-nodes (graphviz lays out about 2000 nodes at most){}",
                scenario.name,
                if complete { "" } else { "more than " },
                if shared_only { "nodes" } else { "states" },
                args.max_nodes,
                if shared_only {
                    ""
                } else {
                    ", or draw states that differ only in thread positions as one node with \
                     --project shared"
                }
            )
        }
        Err(e) => bail!("{e}"),
    };
    let names = scenario.model().thread_names();
    // The interchangeable threads' names, one group each, when the nodes are orbits.
    let groups: Option<Vec<Vec<&str>>> = g.outcome.symmetry.as_ref().map(|groups| {
        (groups.iter())
            .map(|g| g.iter().map(|&t| names[t].as_str()).collect())
            .collect()
    });
    let counted = match &groups {
        Some(groups) => {
            let each: Vec<String> = groups.iter().map(|g| g.join(", ")).collect();
            format!(
                "{} orbits of interchangeable threads ({}; --no-symmetry draws every state)",
                g.outcome.stats.states,
                each.join("; ")
            )
        }
        None => format!("{} states", g.outcome.stats.states),
    };
    let title = format!(
        "{} (variant {}): {counted}, {} transitions{}",
        scenario.name,
        scenario.variant,
        g.outcome.stats.transitions,
        match &g.outcome.verdict {
            Verdict::Violation(c) => format!(", counterexample of {} in red", c.violation.check),
            _ => String::new(),
        }
    );
    let bytes = match args.format {
        GraphFormat::Dot => graph::to_dot(&g, &title).into_bytes(),
        GraphFormat::Svg => svg(&graph::to_dot(&g, &title))?,
        GraphFormat::Json => {
            let nodes: Vec<_> = g
                .graph
                .node_indices()
                .map(|n| {
                    let mut v = serde_json::to_value(&g.graph[n]).expect("nodes serialize");
                    v["id"] = json!(n.index());
                    v
                })
                .collect();
            let edges: Vec<_> = g
                .graph
                .edge_indices()
                .map(|e| {
                    let (a, b) = g.graph.edge_endpoints(e).expect("edge");
                    let mut v = serde_json::to_value(&g.graph[e]).expect("edges serialize");
                    v["from"] = json!(a.index());
                    v["to"] = json!(b.index());
                    v
                })
                .collect();
            let doc = json!({
                "scenario": scenario.name,
                "model": scenario.model,
                "variant": scenario.variant,
                "projection": if shared_only { "shared" } else { "none" },
                "symmetry": groups,
                "states": g.outcome.stats.states,
                "transitions": g.outcome.stats.transitions,
                "nodes": nodes,
                "edges": edges,
            });
            (serde_json::to_string_pretty(&doc)? + "\n").into_bytes()
        }
    };
    match &args.out {
        Some(p) => crate::output::write(p, bytes.as_ref())?,
        None => crate::stdout::write_all(&bytes),
    }
    Ok(Exit::Pass)
}

/// Renders DOT to SVG with graphviz's `dot`.
pub fn svg(dot: &str) -> Result<Vec<u8>> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!(
                "graphviz's `dot` is needed for SVG ({e}): install graphviz (Debian: apt-get \
                 install graphviz; ./scripts/test.sh installs it), or use --format dot"
            )
        })?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(dot.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("dot failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.stdout)
}
