//! The reachable-state graph as a petgraph graph: nodes are states, edges are steps, with the
//! counterexample path, violating states and terminal states marked; and its DOT rendering.
//!
//! Built from a complete search ([`Checker::keep_going`]), so a graph shows every reachable
//! state even when some violate a check. With `shared_only`, states that differ only in thread
//! positions and locals are drawn as one node (the graph quotiented by the shared state).
//! When the checker searches with thread symmetry, the nodes are orbit representatives (the
//! quotient by renaming interchangeable threads), and an edge is a step of one thread of a
//! group, named by the whole group (`walker1|walker2`); [`Outcome::symmetry`] names the groups.

use crate::model::{Model, Status, Violation};
use crate::search::error::SearchError;
use crate::search::observer::Observer;
use crate::search::outcome::{Outcome, StopReason, Verdict};
use crate::search::{Checker, Reduction};
use crate::store::fingerprint::fingerprint;
use crate::symmetry::{Renaming, Symmetry};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

/// A node of the state graph: one state, or with a projection, every state with the same
/// shared part.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// The model's short label of the state.
    pub label: String,
    /// Depth at which it was first reached.
    pub depth: usize,
    /// The initial state.
    pub initial: bool,
    /// No thread can move (every thread finished).
    pub terminal: bool,
    /// The check it breaks, if any.
    pub violation: Option<String>,
    /// On the counterexample path.
    pub on_counterexample: bool,
    /// How many states it stands for (1 without a projection).
    pub states: usize,
}

/// An edge of the state graph: a step.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// The thread that moves (in a quotient, its place in the representative state).
    pub thread: usize,
    /// The thread's name; in a quotient, for a thread of a group, the group's names joined
    /// by `|`: the step is one of theirs.
    pub thread_name: String,
    /// The label of the step.
    pub label: String,
    /// On the counterexample path.
    pub on_counterexample: bool,
    /// How many transitions it stands for (more than 1 only with a projection).
    pub transitions: usize,
}

/// A state graph and the search it came from.
pub struct StateGraph {
    /// The graph.
    pub graph: DiGraph<Node, Edge>,
    /// The search's verdict and counts (states and transitions of the model, before any
    /// projection).
    pub outcome: Outcome,
    /// The nodes the counterexample goes through, from the initial state, one per step
    /// (empty without a violation).
    pub counterexample_path: Vec<NodeIndex>,
}

/// Why a graph was not built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// More nodes than the limit: how many were found when it stopped, and whether the search
    /// was complete.
    TooLarge {
        /// Nodes (or states) found.
        nodes: usize,
        /// Whether every state had been explored.
        complete: bool,
    },
    /// The search stopped for another reason.
    Stopped(StopReason),
    /// The search was refused.
    Search(SearchError),
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphError::TooLarge { nodes, complete } => write!(
                f,
                "the state graph has {}{nodes} nodes",
                if *complete { "" } else { "more than " }
            ),
            GraphError::Stopped(r) => {
                write!(f, "the search stopped before the graph was complete: {r}")
            }
            GraphError::Search(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for GraphError {}

struct Builder<'m, M: Model> {
    model: &'m M,
    /// What an edge calls each thread.
    names: Vec<String>,
    shared_only: bool,
    graph: DiGraph<Node, Edge>,
    nodes: HashMap<u64, NodeIndex>,
    edges: HashMap<(NodeIndex, NodeIndex, usize, String), petgraph::graph::EdgeIndex>,
}

impl<M: Model> Builder<'_, M> {
    /// The node key of a state: its fingerprint, or that of its shared label.
    fn key(&self, fp: u64, state: &M::State) -> u64 {
        if self.shared_only {
            fingerprint(&self.model.state_label(state, true))
        } else {
            fp
        }
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex, thread: usize, label: String) {
        let key = (from, to, thread, label.clone());
        match self.edges.get(&key) {
            Some(&e) => self.graph[e].transitions += 1,
            None => {
                let e = self.graph.add_edge(
                    from,
                    to,
                    Edge {
                        thread,
                        thread_name: self.names[thread].clone(),
                        label,
                        on_counterexample: false,
                        transitions: 1,
                    },
                );
                self.edges.insert(key, e);
            }
        }
    }
}

/// Keys of states by fingerprint, so transitions (which carry fingerprints) find their nodes.
struct Collect<'b, 'm, M: Model> {
    b: &'b mut Builder<'m, M>,
    by_fp: HashMap<u64, NodeIndex>,
}

impl<M: Model> Observer<M::State> for Collect<'_, '_, M> {
    fn state(&mut self, fp: u64, state: &M::State, depth: usize) {
        let key = self.b.key(fp, state);
        let model = self.b.model;
        let terminal =
            (0..model.thread_count()).all(|t| model.status(state, t) == Status::Finished);
        let node = match self.b.nodes.get(&key) {
            Some(&n) => {
                self.b.graph[n].states += 1;
                self.b.graph[n].terminal |= terminal;
                n
            }
            None => {
                let n = self.b.graph.add_node(Node {
                    label: model.state_label(state, self.b.shared_only),
                    depth,
                    initial: depth == 0,
                    terminal,
                    violation: None,
                    on_counterexample: false,
                    states: 1,
                });
                self.b.nodes.insert(key, n);
                n
            }
        };
        self.by_fp.insert(fp, node);
    }

    fn transition(&mut self, from_fp: u64, from: &M::State, thread: usize, to_fp: u64) {
        let (Some(&a), Some(&b)) = (self.by_fp.get(&from_fp), self.by_fp.get(&to_fp)) else {
            return;
        };
        let label = self.b.model.step_info(from, thread).to_string();
        self.b.edge(a, b, thread, label);
    }

    fn bad_state(&mut self, fp: u64, violation: &Violation) {
        if let Some(&n) = self.by_fp.get(&fp) {
            self.b.graph[n].violation = Some(violation.check.clone());
        }
    }

    fn failed_step(&mut self, from_fp: u64, from: &M::State, thread: usize, violation: &Violation) {
        let Some(&a) = self.by_fp.get(&from_fp) else {
            return;
        };
        let depth = self.b.graph[a].depth + 1;
        let label = self.b.model.step_info(from, thread).to_string();
        let n = self.b.graph.add_node(Node {
            label: "assertion fails".into(),
            depth,
            initial: false,
            terminal: false,
            violation: Some(violation.check.clone()),
            on_counterexample: false,
            states: 1,
        });
        self.b.edge(a, n, thread, label);
    }
}

/// Builds the state graph of `model`, refusing graphs of more than `max_nodes` nodes.
/// `checker` runs the search (its threads, limits, stop flag and progress); without a
/// projection it stops once more than `max_nodes` states are stored. The search goes past
/// violations and does not reduce by partial order; with thread symmetry (the checker's and
/// the model's) it draws orbits, without it every state, and counts schedules.
pub fn build<M: Model>(
    model: &M,
    checker: &Checker<'_>,
    shared_only: bool,
    max_nodes: usize,
) -> Result<StateGraph, GraphError> {
    let checker = checker.clone().keep_going(true).reduction(Reduction::Off);
    let symmetry = checker.symmetry_of(model);
    let mut checker = checker.count_schedules(symmetry.is_none());
    if !shared_only && checker.limits_of().max_states.is_none() {
        checker = checker.max_states(max_nodes as u64 + 1);
    }
    let mut names: Vec<String> = (0..model.thread_count())
        .map(|t| model.thread_name(t).to_string())
        .collect();
    for group in symmetry.iter().flat_map(|sym| &sym.groups) {
        let all: Vec<&str> = group.iter().map(|&t| model.thread_name(t)).collect();
        let all = all.join("|");
        for &t in group {
            names[t] = all.clone();
        }
    }
    let mut b = Builder {
        model,
        names,
        shared_only,
        graph: DiGraph::new(),
        nodes: HashMap::new(),
        edges: HashMap::new(),
    };
    let mut collect = Collect {
        b: &mut b,
        by_fp: HashMap::new(),
    };
    let outcome = checker
        .check_observed(model, &mut collect)
        .map_err(GraphError::Search)?;
    let by_fp = std::mem::take(&mut collect.by_fp);
    match &outcome.verdict {
        Verdict::Stopped(StopReason::MaxStates(n)) if !shared_only => {
            return Err(GraphError::TooLarge {
                nodes: *n as usize,
                complete: false,
            })
        }
        Verdict::Stopped(r) => return Err(GraphError::Stopped(r.clone())),
        _ => {}
    }
    if b.graph.node_count() > max_nodes {
        return Err(GraphError::TooLarge {
            nodes: b.graph.node_count(),
            complete: true,
        });
    }
    let counterexample_path = match &outcome.verdict {
        Verdict::Violation(cex) => {
            mark_counterexample(model, symmetry.as_ref(), &mut b, &by_fp, &cex.schedule)
        }
        _ => Vec::new(),
    };
    Ok(StateGraph {
        graph: b.graph,
        outcome,
        counterexample_path,
    })
}

/// Marks the nodes and edges the counterexample's schedule (of the real threads) goes
/// through, and returns the nodes in order. With `symmetry`, the nodes are the
/// representatives of the states it reaches, and each step is its thread's in the
/// representative.
fn mark_counterexample<M: Model>(
    model: &M,
    symmetry: Option<&Symmetry<M>>,
    b: &mut Builder<'_, M>,
    by_fp: &HashMap<u64, NodeIndex>,
    schedule: &[usize],
) -> Vec<NodeIndex> {
    // The node of a state, and `to[real thread]`: that thread's place in the node's state.
    let mut to = Renaming::new();
    let node_of = |state: &M::State, to: &mut Renaming| {
        let mut rep = state.clone();
        match symmetry {
            Some(sym) => sym.canonicalize(model, &mut rep, to),
            None => *to = (0..model.thread_count() as u8).collect(),
        }
        by_fp.get(&model.fingerprint(&rep)).copied()
    };
    let mut path = Vec::new();
    let mut state = model.initial_state();
    let mut at = node_of(&state, &mut to);
    if let Some(n) = at {
        b.graph[n].on_counterexample = true;
        path.push(n);
    }
    for &real in schedule {
        let t = usize::from(to[real]);
        let label = model.step_info(&state, real).to_string();
        let failed = model.step(&mut state, real).is_err();
        let next = if failed {
            at.and_then(|a| {
                b.graph
                    .edges(a)
                    .find(|e| e.weight().thread == t && e.weight().label == label)
                    .map(|e| petgraph::visit::EdgeRef::target(&e))
            })
        } else {
            node_of(&state, &mut to)
        };
        if let (Some(a), Some(n)) = (at, next) {
            if let Some(&e) = b.edges.get(&(a, n, t, label)) {
                b.graph[e].on_counterexample = true;
            }
            b.graph[n].on_counterexample = true;
            path.push(n);
        }
        at = next;
        if failed {
            break;
        }
    }
    path
}

/// Colours for threads, in order.
const THREAD_COLORS: [&str; 8] = [
    "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
];

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph in Graphviz DOT: one colour per thread, the counterexample path drawn thick and
/// red, violating states filled red, terminal states with a double border, the initial state
/// bold.
pub fn to_dot(g: &StateGraph, title: &str) -> String {
    let mut out = String::new();
    writeln!(out, "digraph weft {{").unwrap();
    writeln!(
        out,
        "  label=\"{}\"; labelloc=t; fontname=\"Helvetica\";",
        escape(title)
    )
    .unwrap();
    writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];"
    )
    .unwrap();
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];").unwrap();
    for n in g.graph.node_indices() {
        let node = &g.graph[n];
        let mut lines: Vec<String> = node.label.split(' ').map(str::to_string).collect();
        if node.states > 1 {
            lines.push(format!("({} states)", node.states));
        }
        if let Some(v) = &node.violation {
            lines.push(format!("✗ {v}"));
        }
        let label: Vec<String> = lines.iter().map(|l| escape(l)).collect();
        let mut attrs = vec![format!("label=\"{}\"", label.join("\\n"))];
        if node.violation.is_some() {
            attrs.push("style=\"rounded,filled\", fillcolor=\"#f4a6a6\"".into());
        }
        if node.terminal {
            attrs.push("peripheries=2".into());
        }
        if node.initial {
            attrs.push("penwidth=2".into());
        }
        if node.on_counterexample {
            attrs.push("color=\"#d62728\", penwidth=2.5".into());
        }
        writeln!(out, "  n{} [{}];", n.index(), attrs.join(", ")).unwrap();
    }
    for e in g.graph.edge_indices() {
        let (a, b) = g.graph.edge_endpoints(e).expect("edge");
        let edge = &g.graph[e];
        let color = if edge.on_counterexample {
            "#d62728"
        } else {
            THREAD_COLORS[edge.thread % THREAD_COLORS.len()]
        };
        let mut label = format!("{}: {}", edge.thread_name, edge.label);
        if edge.transitions > 1 {
            label += &format!(" (x{})", edge.transitions);
        }
        let mut attrs = vec![
            format!("label=\"{}\"", escape(&label)),
            format!("color=\"{color}\""),
            format!("fontcolor=\"{color}\""),
        ];
        if edge.on_counterexample {
            attrs.push("penwidth=3".into());
        }
        writeln!(
            out,
            "  n{} -> n{} [{}];",
            a.index(),
            b.index(),
            attrs.join(", ")
        )
        .unwrap();
    }
    writeln!(out, "}}").unwrap();
    out
}
