//! reports/thp/history.md and history.html: the THP variants as rows (year, commit, what each
//! changed), the shipped scenarios as columns, each cell how exploring the scenario ended,
//! linked to its page; under the table, what each variant closed, opened and left open
//! against the kernel variant before it.
//!
//! The facts about a variant are written once, in [`Variant::history`]. Every verdict, check
//! and trace length is the row `weft report` explored for the scenario, and every closed,
//! opened and left-open scenario is derived from those rows.

use super::Rows;
use crate::compare::Row;
use crate::view::html::esc;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use weft_model::thp::Variant;

/// The model whose variants the page sets in order, and the page's file stem in its folder.
pub const MODEL: &str = "thp";
pub const STEM: &str = "history";

/// The shipped scenarios of [`MODEL`], by variant and scenario.
struct Table<'a> {
    /// Scenario columns (`A`, `vmsplice`, …): the story's order, then any others by name.
    scenarios: Vec<String>,
    /// One map per variant of [`Variant::ALL`], in that order: its rows by scenario.
    cells: Vec<BTreeMap<String, &'a Row>>,
}

impl<'a> Table<'a> {
    /// The rows of [`MODEL`]'s scenarios, named `{variant}_{scenario}`; `order` is the story's
    /// order of scenarios.
    fn new(rows: &'a Rows, order: &[&str]) -> Result<Self> {
        let mut cells = vec![BTreeMap::new(); Variant::ALL.len()];
        for (name, (row, _)) in rows {
            let Some(rest) = name.strip_prefix(&format!("{MODEL}/")) else {
                continue;
            };
            let Some(v) = Variant::from_name(&row.variant) else {
                bail!("{name}: no THP variant is called {}", row.variant);
            };
            let Some(scenario) = rest.strip_prefix(&format!("{}_", row.variant)) else {
                bail!(
                    "{name}: the name does not start with its variant {}",
                    row.variant
                );
            };
            // The cow selftest's mirror has a page of its own (cow.rs).
            if scenario.starts_with("cow_") {
                continue;
            }
            cells[v as usize].insert(scenario.to_string(), row);
        }
        let mut scenarios: Vec<String> = order
            .iter()
            .filter(|s| cells.iter().any(|c| c.contains_key(**s)))
            .map(|s| s.to_string())
            .collect();
        let mut others: Vec<&String> = cells.iter().flat_map(|c| c.keys()).collect();
        others.sort();
        others.dedup();
        for s in others {
            if !scenarios.contains(s) {
                scenarios.push(s.clone());
            }
        }
        Ok(Table { scenarios, cells })
    }

    /// Whether exploring found a violation, by scenario, for variant `i` (scenarios that were
    /// stopped are left out: they settle nothing).
    fn fails(&self, i: usize) -> BTreeMap<String, bool> {
        self.cells[i]
            .iter()
            .filter_map(|(s, r)| match r.verdict.as_str() {
                "pass" => Some((s.clone(), false)),
                "violation" => Some((s.clone(), true)),
                _ => None,
            })
            .collect()
    }
}

/// How a variant's verdicts differ from those of the variant it is measured against, one list
/// of scenarios each, in column order.
#[derive(Debug, Default, PartialEq)]
struct Diff {
    /// Failed there, passes here.
    closed: Vec<String>,
    /// Passed there, fails here.
    opened: Vec<String>,
    /// Fails on both.
    left_open: Vec<String>,
    /// Explored here, not there.
    new: Vec<String>,
}

fn diff(
    scenarios: &[String],
    before: &BTreeMap<String, bool>,
    now: &BTreeMap<String, bool>,
) -> Diff {
    let mut d = Diff::default();
    for s in scenarios {
        let list = match (before.get(s), now.get(s)) {
            (Some(true), Some(false)) => &mut d.closed,
            (Some(false), Some(true)) => &mut d.opened,
            (Some(true), Some(true)) => &mut d.left_open,
            (None, Some(_)) => &mut d.new,
            _ => continue,
        };
        list.push(s.clone());
    }
    d
}

/// The variant row `i` is measured against: the nearest kernel variant above it (a teaching
/// variant is measured like any other, but is no base for the next).
fn base(kernel: &[bool], i: usize) -> Option<usize> {
    (0..i).rev().find(|&j| kernel[j])
}

/// A piece of a paragraph or cell: text (in which `code` spans are marked with backticks), or
/// a link with its address in the Markdown page and in the HTML page.
enum Inline {
    Text(String),
    Link {
        text: String,
        md: String,
        html: String,
        class: &'static str,
    },
}

fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

enum Block {
    Heading(usize, String),
    Para(Vec<Inline>),
    List(Vec<Vec<Inline>>),
    Table(Vec<String>, Vec<Vec<Vec<Inline>>>),
}

/// A scenario's page, as the Markdown and the HTML page link it: its own HTML page where
/// `weft report` wrote one (a counterexample to step through), its Markdown page otherwise.
fn scenario_link(v: Variant, scenario: &str, row: &Row, label: String) -> Inline {
    let base = format!("{}_{scenario}", v.name());
    let html = match row.trace_length {
        Some(_) => format!("{base}.html"),
        None => format!("{base}.md"),
    };
    let class = match row.verdict.as_str() {
        "pass" => "pass",
        "violation" => "fail",
        _ => "other",
    };
    Inline::Link {
        text: label,
        md: format!("{base}.md"),
        html,
        class,
    }
}

/// How exploring ended: `pass`, or the failed check and the counterexample's length.
fn verdict(row: &Row) -> String {
    match (&row.check, row.trace_length) {
        (Some(check), Some(n)) => format!("{check}, {n} steps"),
        (Some(check), None) => check.clone(),
        _ => row.verdict.clone(),
    }
}

fn table_block(t: &Table) -> Block {
    let mut head: Vec<String> = ["year", "variant", "commit", "release", "what it changed"]
        .map(String::from)
        .to_vec();
    head.extend(t.scenarios.iter().cloned());
    let rows = Variant::ALL
        .iter()
        .zip(&t.cells)
        .map(|(&v, cells)| {
            let h = v.history();
            let mut row = vec![
                vec![text(h.year.map_or("-".into(), |y| y.to_string()))],
                vec![text(format!("`{}`", v.name()))],
                vec![text(h.commit)],
                vec![text(h.release)],
                vec![text(h.change)],
            ];
            for s in &t.scenarios {
                row.push(
                    cells
                        .get(s)
                        .map_or(Vec::new(), |r| vec![scenario_link(v, s, r, verdict(r))]),
                );
            }
            row
        })
        .collect();
    Block::Table(head, rows)
}

/// One line of a variant's account: `label`, then the scenarios, each linked to its page on
/// variant `v`, or `none`.
fn account_line(
    label: &str,
    v: Variant,
    scenarios: &[String],
    cells: &BTreeMap<String, &Row>,
) -> Vec<Inline> {
    let mut line = vec![text(format!("{label}: "))];
    if scenarios.is_empty() {
        line.push(text("none"));
    }
    for (k, s) in scenarios.iter().enumerate() {
        if k > 0 {
            line.push(text(", "));
        }
        let r = cells[s];
        line.push(scenario_link(v, s, r, format!("{s} ({})", verdict(r))));
    }
    line
}

/// What variant `i` closed, opened and left open against its base.
fn account(t: &Table, i: usize, base: usize) -> Vec<Block> {
    let (v, b) = (Variant::ALL[i], Variant::ALL[base]);
    let h = v.history();
    let what = match (h.kernel, h.commit) {
        (false, _) => "a teaching variant".to_string(),
        (true, "-") => h.release.to_string(),
        (true, commit) => commit.to_string(),
    };
    let d = diff(&t.scenarios, &t.fails(base), &t.fails(i));
    let (was, name) = (format!("on `{}`", b.name()), v.name());
    let mut lines = vec![
        account_line(
            &format!("Closed (failed {was}, passes here)"),
            v,
            &d.closed,
            &t.cells[i],
        ),
        account_line(
            &format!("Opened (passed {was}, fails here)"),
            v,
            &d.opened,
            &t.cells[i],
        ),
        account_line(
            &format!("Left open (fails {was} and here)"),
            v,
            &d.left_open,
            &t.cells[i],
        ),
    ];
    if !d.new.is_empty() {
        lines.push(account_line(
            &format!("Not shipped for `{}`", b.name()),
            v,
            &d.new,
            &t.cells[i],
        ));
    }
    vec![
        Block::Heading(3, format!("`{name}` ({what}), against `{}`", b.name())),
        Block::Para(vec![text(h.why)]),
        Block::List(lines),
    ]
}

const INTRO: &str = "Each row is a variant of the THP model: kernel code, from a release or a \
     posted proposal, or a teaching variant. Rows run in the order of the code they change, \
     each kernel variant after the one it builds on. Each column is a shipped scenario; each \
     cell is how exploring every schedule of it ended (`pass`, or the check that failed and the \
     length of the shortest counterexample in steps) and links to the scenario's page. An \
     empty cell: no scenario is shipped for that variant. The year, commit, release and change \
     are written by hand; every cell, and every line of the account below the table, comes \
     from exploring.";

const ACCOUNT: &str = "Each variant against the kernel variant above it, the code it changes \
     (a teaching variant is measured against the kernel variant it varies, and the next one \
     is measured past it): closed, the scenarios that failed there and pass here; opened, the \
     ones that passed there and fail here; left open, the ones that fail on both.";

fn blocks(t: &Table) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, "The THP variants in history".into()),
        Block::Para(vec![
            text(INTRO),
            text(" The scenarios are told in "),
            Inline::Link {
                text: "the THP story".into(),
                md: "../README.md#the-thp-story".into(),
                html: "../README.md#the-thp-story".into(),
                class: "",
            },
            text("; the terms in "),
            Inline::Link {
                text: "the glossary".into(),
                md: super::GLOSSARY.into(),
                html: super::GLOSSARY.into(),
                class: "",
            },
            text("."),
        ]),
        table_block(t),
        Block::Heading(2, "What each variant closed, opened and left open".into()),
        Block::Para(vec![text(ACCOUNT)]),
    ];
    let kernel: Vec<bool> = Variant::ALL.iter().map(|v| v.history().kernel).collect();
    for i in 1..Variant::ALL.len() {
        if let Some(b) = base(&kernel, i) {
            out.extend(account(t, i, b));
        }
    }
    out
}

fn inline_md(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text(s) => s.clone(),
            Inline::Link { text, md, .. } => format!("[{text}]({md})"),
        })
        .collect()
}

fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(n, s) => _ = writeln!(out, "{} {s}\n", "#".repeat(*n)),
            Block::Para(p) => _ = writeln!(out, "{}\n", inline_md(p)),
            Block::List(items) => {
                for item in items {
                    _ = writeln!(out, "- {}", inline_md(item));
                }
                out += "\n";
            }
            Block::Table(head, rows) => {
                _ = writeln!(out, "| {} |", head.join(" | "));
                _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for r in rows {
                    let cells: Vec<String> = r.iter().map(|c| inline_md(c)).collect();
                    _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out += "\n";
            }
        }
    }
    out
}

/// Escapes `s` for HTML, with its backtick spans as `<code>`.
fn text_html(s: &str) -> String {
    let mut out = String::new();
    for (k, part) in s.split('`').enumerate() {
        if k % 2 == 1 {
            _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out += &esc(part);
        }
    }
    out
}

fn inline_html(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text(s) => text_html(s),
            Inline::Link {
                text, html, class, ..
            } => {
                let class = match *class {
                    "" => String::new(),
                    c => format!(" class=\"{c}\""),
                };
                format!("<a{class} href=\"{}\">{}</a>", esc(html), text_html(text))
            }
        })
        .collect()
}

const CSS: &str =
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:110em;line-height:1.4}\
table{border-collapse:collapse;font-size:90%}th,td{border:1px solid #ccc;padding:.3em .5em;\
vertical-align:top}th{background:#f3f4f6}a.pass{color:#15803d}a.fail{color:#b91c1c;font-weight:600}\
code{background:#f3f4f6;padding:0 .2em}";

fn html(blocks: &[Block]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>The THP variants in history</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    );
    for b in blocks {
        match b {
            Block::Heading(n, s) => _ = writeln!(out, "<h{n}>{}</h{n}>", text_html(s)),
            Block::Para(p) => _ = writeln!(out, "<p>{}</p>", inline_html(p)),
            Block::List(items) => {
                out += "<ul>\n";
                for item in items {
                    _ = writeln!(out, "<li>{}</li>", inline_html(item));
                }
                out += "</ul>\n";
            }
            Block::Table(head, rows) => {
                out += "<table>\n<tr>";
                for h in head {
                    _ = write!(out, "<th>{}</th>", text_html(h));
                }
                out += "</tr>\n";
                for r in rows {
                    out += "<tr>";
                    for c in r {
                        _ = write!(out, "<td>{}</td>", inline_html(c));
                    }
                    out += "</tr>\n";
                }
                out += "</table>\n";
            }
        }
    }
    out + "</body>\n</html>\n"
}

/// The page, as Markdown and as HTML, from the explored `rows`; `order` is the story's order
/// of [`MODEL`]'s scenarios.
pub fn pages(rows: &Rows, order: &[&str]) -> Result<(String, String)> {
    let t = Table::new(rows, order)?;
    let b = blocks(&t);
    Ok((markdown(&b), html(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(variant: &str, check: Option<&str>, trace: Option<usize>) -> Row {
        Row {
            scenario: String::new(),
            variant: variant.into(),
            verdict: if check.is_some() { "violation" } else { "pass" }.into(),
            check: check.map(String::from),
            states: 1,
            schedules: "-".into(),
            schedules_json: serde_json::Value::Null,
            trace_length: trace,
            preemptions: None,
            expected: None,
            as_expected: Some(true),
        }
    }

    /// A shipped scenario: its variant, its scenario, and the failed check and the
    /// counterexample's length if it fails.
    type Shipped<'a> = (&'a str, &'a str, Option<(&'a str, usize)>);

    /// Rows as `weft report` keys them.
    fn rows(list: &[Shipped]) -> Rows {
        list.iter()
            .map(|&(v, s, fail)| {
                let r = row(v, fail.map(|f| f.0), fail.map(|f| f.1));
                (
                    format!("{MODEL}/{v}_{s}"),
                    (r, format!("{MODEL}/{v}_{s}.md")),
                )
            })
            .collect()
    }

    fn fails(list: &[(&str, bool)]) -> BTreeMap<String, bool> {
        list.iter().map(|&(s, f)| (s.to_string(), f)).collect()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn closed_opened_and_left_open_compare_verdicts_scenario_by_scenario() {
        let scenarios = names(&["A", "B", "M", "S", "K"]);
        let before = fails(&[("A", true), ("B", false), ("M", true), ("S", false)]);
        let now = fails(&[
            ("A", false),
            ("B", true),
            ("M", true),
            ("S", false),
            ("K", true),
        ]);
        let d = diff(&scenarios, &before, &now);
        assert_eq!(d.closed, ["A"]);
        assert_eq!(d.opened, ["B"]);
        assert_eq!(d.left_open, ["M"]);
        assert_eq!(d.new, ["K"], "K was not explored before");
        // A scenario gone, or passing on both, is in no list.
        let d = diff(&scenarios, &now, &fails(&[("S", false)]));
        assert_eq!(d, Diff::default());
    }

    #[test]
    fn a_teaching_variant_is_measured_but_is_no_base() {
        let kernel = [true, true, false, true, true];
        assert_eq!(base(&kernel, 0), None);
        assert_eq!(base(&kernel, 1), Some(0));
        assert_eq!(
            base(&kernel, 2),
            Some(1),
            "the teaching variant against the one it varies"
        );
        assert_eq!(
            base(&kernel, 3),
            Some(1),
            "the next kernel variant skips it"
        );
        assert_eq!(base(&kernel, 4), Some(3));
    }

    #[test]
    fn names_split_into_variant_and_scenario_even_where_variant_names_share_a_prefix() {
        let rows = rows(&[
            ("v4_5", "A", Some(("false_cow", 34))),
            ("v4_5_mapcount_only", "A", None),
            ("andrea_v1_head", "vmsplice_split", None),
            ("v4_5", "Z", None),
        ]);
        let t = Table::new(&rows, &["vmsplice_split", "A", "B"]).unwrap();
        assert_eq!(
            t.scenarios,
            ["vmsplice_split", "A", "Z"],
            "story order, then by name"
        );
        assert!(t.cells[Variant::V45 as usize].contains_key("A"));
        assert!(t.cells[Variant::V45MapcountOnly as usize].contains_key("A"));
        assert!(t.cells[Variant::AndreaV1Head as usize].contains_key("vmsplice_split"));
        let mut bad = Rows::new();
        bad.insert(
            "thp/v4_4_Z".into(),
            (row("v4_5", None, None), String::new()),
        );
        assert!(
            Table::new(&bad, &[]).is_err(),
            "a name that does not start with its variant"
        );
    }

    #[test]
    fn the_cells_and_the_account_are_the_explored_rows() {
        let rows = rows(&[
            ("v4_4", "A", None),
            ("v4_5", "A", Some(("false_cow", 34))),
            ("v4_5", "B", None),
            ("v4_5_mapcount_only", "A", None),
            ("andrea_v1", "A", None),
            ("andrea_v1", "B", Some(("cow_isolation", 26))),
        ]);
        let (md, html) = pages(&rows, &["A", "B"]).unwrap();
        let line = |v: &str| {
            md.lines()
                .find(|l| l.contains(&format!("| `{v}` |")))
                .unwrap()
                .to_string()
        };
        assert!(
            line("v4_4").ends_with("| [pass](v4_4_A.md) |  |"),
            "{}",
            line("v4_4")
        );
        assert!(line("v4_5").ends_with("| [false_cow, 34 steps](v4_5_A.md) | [pass](v4_5_B.md) |"));
        assert!(
            line("merged_fix").ends_with("|  |  |"),
            "no scenario shipped"
        );
        assert!(md.contains(
            "- Opened (passed on `v4_4`, fails here): [A (false_cow, 34 steps)](v4_5_A.md)"
        ));
        assert!(md.contains("- Not shipped for `v4_4`: [B (pass)](v4_5_B.md)"));
        // The teaching variant against v4_5, andrea_v1 against v4_5 past it.
        assert!(md.contains("### `v4_5_mapcount_only` (a teaching variant), against `v4_5`"));
        assert!(md.contains("- Closed (failed on `v4_5`, passes here): [A (pass)](andrea_v1_A.md)"));
        assert!(md.contains(
            "- Opened (passed on `v4_5`, fails here): [B (cow_isolation, 26 steps)](andrea_v1_B.md)"
        ));
        // The HTML page links a counterexample's stepper, a passing scenario's Markdown page.
        assert!(html.contains("<a class=\"fail\" href=\"v4_5_A.html\">false_cow, 34 steps</a>"));
        assert!(html.contains("<a class=\"pass\" href=\"v4_5_B.md\">pass</a>"));
        assert!(html.contains("<code>page_count() == 1</code>"));
        assert!(
            html.contains("<a href=\"../glossary.md\">"),
            "a plain link has no class"
        );
    }
}
