//! `weft report`: regenerate reports/ from every shipped scenario, as a teaching path.
//!
//! Per scenario: a Markdown page (summary, verdict, the comparison row, the swimlane
//! counterexample or "no violation"), the trace JSON, the HTML stepper, and the state graph
//! (DOT, and SVG through graphviz) where it is small. reports/README.md indexes them: the
//! pt_frag story, then the THP story, variant by variant; reports/pt_frag/thread.md sets the
//! 2018 review's claims next to the scenarios that settle them (thread.rs), and
//! reports/thp/history.md the THP variants in order against every scenario, with what each
//! closed and left open (history.rs). Everything is
//! deterministic (no times, no machine paths), so a test can tell when reports/ is out of date.

mod cow;
mod history;
mod thread;

use crate::compare::{self, Row};
use crate::exit::Exit;
use crate::stdout::outln;
use crate::trace_file::TraceFile;
use crate::view::{self, Paint};
use anyhow::Result;
use clap::Args;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use weft_explorer::graph;
use weft_explorer::Checker;
use weft_model::Scenario;

#[derive(Args)]
pub struct ReportArgs {
    /// Where to write the reports.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    out: PathBuf,
    /// Largest state graph drawn into a report.
    #[arg(long, default_value_t = 100, value_name = "N")]
    max_nodes: usize,
    /// Worker threads (0 = one per core). Reports do not depend on it.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    threads: usize,
}

/// Every explored scenario by name: its row, and its page's path below reports/.
type Rows = BTreeMap<String, (Row, String)>;

/// The order scenarios are told in: the story of each model, variant by variant.
const STORY: [(&str, &[&str]); 3] = [
    ("pt_frag", &["L", "D", "E", "C", "scaled_2x2", "scaled_3x3"]),
    (
        "thp",
        &[
            "A",
            "B",
            "M",
            "S",
            "K",
            "tail",
            "vmsplice",
            "vmsplice_split",
            "pin_fork",
            "fork_gup_fast",
            "fork_gup_fast_split",
            "vfio_gup_fast",
        ],
    ),
    ("lang", &[]),
];

const INTRO: &[(&str, &str)] = &[
    (
        "pt_frag",
        "The powerpc page-table fragment allocator kept its fragment count in the page's \
         `_refcount` and installed it with `set_page_count()`, a plain store that erased a \
         concurrent speculative `get_page_unless_zero()`. 4231aba000f5 gave fragments their own \
         counter. Scenarios: L (the lost update), D (the speculative put is the last one, so the \
         destructor is missed), E (teardown with unused fragments), C (two allocators race to \
         install the cache page), scaled ones, E per walker kind under RCU table freeing, PMD \
         versions of L and D, and L with the thread's invariants checked.",
    ),
    (
        "thp",
        "In 2016 the THP refcount redesign made a write fault copy a pinned huge page \
         (`page_mapcount()==1 && page_count()==1`), breaking vfio DMA. Andrea Arcangeli's \
         first fix (`page_trans_huge_mapcount()`) was shown wrong by Kirill Shutemov's split + \
         fork + munmap-halves scenario; the version he reviewed on 2016-05-05 (`andrea_v2`) \
         added the `total_mapcount` guard but stored through a NULL pointer on the huge path \
         and moved the anon_vma of a tail page, as his review said; the merged fix \
         6d0a07edd17c answered both. Later steps: c444eb564fb1's page lock around the PMD split \
         (`split_page_lock`), the page lock on the huge reuse test as 4.9.y took it in 2021 \
         (`huge_page_lock`), v5.9 (`v5_9_page_count`: `page_count()` at PTE level, a split \
         and the PTE path when the huge page cannot be reused, fork's early copy of a page \
         pinned with FOLL_PIN), v5.18 (`v5_18_cow_fixes`: `page_count()` on the huge path too) \
         and v5.19 (`v5_19_anon_exclusive`: `PageAnonExclusive`). Scenarios: A (pinned PMD-mapped \
         page, child gone, parent writes), B (the same with PTEs), M (why `page_count` was \
         needed; exploring finds a split race that only both page locks together close: the \
         split's alone leaves it open), K (Kirill's counterexample), tail (a process alone \
         on a tail subpage reuses it), S (the same race on the PTE path, the form reported in \
         2020: the writer holds the page lock, the splitter does not), vmsplice (a read-only \
         pin that a mapcount-based reuse test writes through, on a PMD-mapped and on a split \
         THP), pin_fork (A with a FOLL_PIN pin), and fork_gup_fast (another thread of the \
         process pins with GUP-fast while it forks: the race write_protect_seq closed). The kernel's cow selftest is mirrored \
         too.",
    ),
    (
        "lang",
        "Models written in weft's language (docs/writing-a-model.md). Page migration freezes a \
         page's reference count with `page_ref_freeze()` while a lockless page-cache lookup \
         takes a speculative reference with `get_page_unless_zero()`: written as a read and a \
         separate store, the freeze overwrites the lookup's reference; the kernel's \
         `atomic_cmpxchg` does not.",
    ),
];

/// The folder of a shipped scenario's reports: the first part of its name (`pt_frag`,
/// `thp`, `lang`).
fn folder(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

/// The hand-written glossary, as a scenario page (one folder down) links it.
const GLOSSARY: &str = "../glossary.md";

fn file_stem(name: &str) -> String {
    name.replace('/', "_")
}

/// Writes `text` to `path` only if it differs (keeps timestamps of unchanged files), whole or
/// not at all; `run` has made the folders.
fn write(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    crate::output::write(path, text.as_bytes())
}

/// The scenarios of `model` in the order the story tells them.
fn story_scenarios(model: &str) -> &'static [&'static str] {
    STORY
        .iter()
        .find(|(m, _)| *m == model)
        .map_or(&[], |(_, s)| s)
}

/// Orders shipped scenario names along the story.
fn story_order(names: &[&str]) -> Vec<String> {
    let mut ordered = Vec::new();
    for (model, scenarios) in STORY {
        let variants = weft_model::model_kind(model).map_or(&[][..], |kind| kind.variants);
        for sc in scenarios {
            for v in variants {
                let name = format!("{model}/{v}_{sc}");
                if names.contains(&name.as_str()) {
                    ordered.push(name);
                }
            }
        }
    }
    for n in names {
        if !ordered.iter().any(|o| o == n) {
            ordered.push(n.to_string());
        }
    }
    ordered
}

pub fn run(args: &ReportArgs) -> Result<Exit> {
    // Every folder written into, made and checked once, before any scenario is explored.
    crate::output::check_dir(&args.out)?;
    for (folder, _) in STORY {
        crate::output::check_dir(&args.out.join(folder))?;
    }
    let names: Vec<&str> = Scenario::shipped_names().collect();
    // A claim naming a scenario that is gone fails before anything is explored or written.
    thread::check_named(thread::CLAIMS, &names)?;
    let mut rows = Rows::new();
    for name in story_order(&names) {
        let scenario = Scenario::shipped(&name).expect("listed")?;
        eprintln!("report: {name}");
        let (row, report) = compare::explore_completely(&scenario, args.threads, None)?;
        let stem = file_stem(&name);
        let dir = args.out.join(folder(&name));
        let base = stem
            .strip_prefix(&format!("{}_", folder(&name)))
            .unwrap_or(&stem)
            .to_string();
        let mut page = format!("# {name}\n\n{}\n\n", scenario.summary);
        writeln!(
            page,
            "Model `{}`, variant `{}`; scenario file [`{}`](../../{}). Terms: \
             [the glossary]({GLOSSARY}).\n",
            scenario.model, scenario.variant, scenario.path, scenario.path
        )?;
        page += &compare::table(std::slice::from_ref(&row), true);
        page += "\n";
        let notes = scenario_notes(&scenario.text);
        if !notes.is_empty() {
            page += "## From the scenario file\n\n";
            for p in &notes {
                page += p;
                page += "\n\n";
            }
        }
        // The whole state graph, as it is: a quotient by symmetry would not teach it.
        let checker = Checker::new().threads(args.threads).symmetry(false);
        let graph = scenario.model().graph(&checker, false, args.max_nodes).ok();
        let mut svg = None;
        let graph_path: Vec<String> = graph.as_ref().map_or(Vec::new(), |g| {
            g.counterexample_path
                .iter()
                .map(|n| format!("n{}", n.index()))
                .collect()
        });
        if let Some(g) = &graph {
            let dot = graph::to_dot(g, &format!("{name}: {} states", g.outcome.stats.states));
            write(&dir.join(format!("{base}.dot")), &dot)?;
            let drawn = String::from_utf8(crate::graph::svg(&dot)?)?;
            write(&dir.join(format!("{base}.svg")), &drawn)?;
            svg = Some(drawn);
        }
        match &report.trace {
            Some(trace) => {
                let file = TraceFile::new(&scenario, "bfs", &report.threads, trace);
                write(
                    &dir.join(format!("{base}.trace.json")),
                    &(serde_json::to_string_pretty(&file)? + "\n"),
                )?;
                let replayed = view::replay(&file)?;
                let explain = view::explain::paragraphs(&file);
                write(
                    &dir.join(format!("{base}.html")),
                    &view::html::render(
                        &file,
                        &replayed,
                        &explain,
                        &view::html::Extras {
                            graph_svg: svg.as_deref(),
                            graph_path: &graph_path,
                            glossary: Some(GLOSSARY),
                        },
                    ),
                )?;
                writeln!(
                    page,
                    "## Counterexample: {} steps{}\n",
                    trace.steps.len(),
                    row.preemptions
                        .map_or(String::new(), |p| format!(", {p} preemptions"))
                )?;
                writeln!(
                    page,
                    "Step through it in [{base}.html]({base}.html) (open it in a browser, then \
                     use the arrow keys); the trace is [{base}.trace.json]({base}.trace.json) \
                     (`weft show`, `weft replay`).\n"
                )?;
                page += "```text\n";
                page += &view::swimlanes::render(&file, 100, Paint { on: false });
                page += "```\n\n";
                page += "### The story\n\n";
                for p in &explain {
                    page += p;
                    page += "\n\n";
                }
            }
            None => {
                writeln!(
                    page,
                    "## No violation\n\nEvery schedule explored: {} states, {} complete schedules, \
                     and no check fails.\n",
                    row.states, row.schedules
                )?;
            }
        }
        if graph.is_some() {
            let path = if report.trace.is_some() {
                " the counterexample path in red; violating states filled red;"
            } else {
                ""
            };
            writeln!(
                page,
                "## State graph\n\n![state graph]({base}.svg)\n\nOne colour per thread;{path} \
                 terminal states double-bordered.\n"
            )?;
        }
        write(&dir.join(format!("{base}.md")), &page)?;
        rows.insert(name.clone(), (row, format!("{}/{base}.md", folder(&name))));
    }
    write(
        &args.out.join(thread::MODEL).join(thread::FILE),
        &thread::page(thread::CLAIMS, &rows)?,
    )?;
    let (md, html) = history::pages(&rows, story_scenarios(history::MODEL))?;
    let dir = args.out.join(history::MODEL);
    write(&dir.join(format!("{}.md", history::STEM)), &md)?;
    write(&dir.join(format!("{}.html", history::STEM)), &html)?;
    let cow = cow::page(&rows, args.threads)?;
    write(
        &args.out.join(cow::MODEL).join(format!("{}.md", cow::STEM)),
        &cow,
    )?;
    write(&args.out.join("README.md"), &index(&names, &rows))?;
    outln!("reports written to {}", args.out.display());
    Ok(Exit::Pass)
}

fn index(names: &[&str], rows: &Rows) -> String {
    let mut out = String::from(
        "# weft reports\n\nGenerated by `weft report` from every shipped scenario; do not edit \
         by hand (a test fails when they are out of date). Each page has the verdict, the \
         counts, the shortest counterexample as swimlanes and as a story, an HTML page to step \
         through, and the state graph when it is small enough to draw.\n\n\
         Every kernel and model-checking term the pages use is in [the glossary](glossary.md); \
         exercises built on these scenarios are in [labs/](labs/README.md). Both are written by \
         hand.\n\n",
    );
    for (model, _) in STORY {
        let intro = INTRO
            .iter()
            .find(|(m, _)| *m == model)
            .map_or("", |(_, t)| t);
        let _ = write!(out, "## The {model} story\n\n{intro}\n\n");
        if model == thread::MODEL {
            let _ = write!(
                out,
                "The 2018 review's claims, each next to the scenarios that settle it: \
                 [{model}/{file}]({model}/{file}).\n\n",
                file = thread::FILE
            );
        }
        if model == history::MODEL {
            let _ = write!(
                out,
                "The variants in order, each against every scenario, with what each closed, \
                 opened and left open: [{model}/{stem}.md]({model}/{stem}.md) (and \
                 [as HTML]({model}/{stem}.html)).\n\n",
                stem = history::STEM
            );
        }
        if model == cow::MODEL {
            let _ = write!(
                out,
                "The kernel's own cow selftest (tools/testing/selftests/mm/cow.c), each case \
                 and THP shape the model can express against every variant: \
                 [{model}/{stem}.md]({model}/{stem}.md).\n\n",
                stem = cow::STEM
            );
        }
        out += "| scenario | variant | verdict | check | states | trace | as expected |\n";
        out += "|---|---|---|---|---|---|---|\n";
        for name in story_order(names) {
            if !name.starts_with(&format!("{model}/")) {
                continue;
            }
            let Some((r, link)) = rows.get(&name) else {
                continue;
            };
            let _ = writeln!(
                out,
                "| [{}]({link}) | {} | {} | {} | {} | {} | {} |",
                name,
                r.variant,
                r.verdict,
                r.check.as_deref().unwrap_or("-"),
                r.states,
                r.trace_length.map_or("-".into(), |l| l.to_string()),
                yes_no(r.as_expected),
            );
        }
        out += "\n";
    }
    out
}

/// A table cell for a yes-or-no that may be unknown.
fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    }
}

/// The comments of a scenario file, where its author explains the scenario: one paragraph
/// per block of `#` lines (an empty `#` line also ends one).
fn scenario_notes(text: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        match line.strip_prefix('#').map(str::trim) {
            Some(words) if !words.is_empty() => paragraph.push(words),
            _ if !paragraph.is_empty() => notes.push(std::mem::take(&mut paragraph).join(" ")),
            _ => {}
        }
    }
    if !paragraph.is_empty() {
        notes.push(paragraph.join(" "));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::scenario_notes;

    #[test]
    fn a_scenario_files_comments_become_paragraphs() {
        let text = "# one\n# two\n#\n# three\nmodel = \"thp\"\n  # four\n[expect]\n";
        assert_eq!(scenario_notes(text), ["one two", "three", "four"]);
        assert!(scenario_notes("model = \"thp\"\n").is_empty());
    }
}
