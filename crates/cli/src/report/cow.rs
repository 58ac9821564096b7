//! reports/thp/cow-selftest.md: the kernel's own test of copy-on-write of anonymous memory,
//! tools/testing/selftests/mm/cow.c, as a peer. Each case the model can express, on each THP
//! shape it can express, is a shipped scenario of the newest variant, named
//! `v5_19_anon_exclusive_cow_{case}_{shape}`; the page sets every variant's verdict on it side
//! by side, each explored here, and lists the cases and shapes the model cannot express and
//! why.
//!
//! Which selftest case and shape a scenario mirrors is written once, in [`CASES`] and
//! [`SHAPES`]; a shipped `cow_` scenario that they do not name, or a case and shape they name
//! that is not shipped, is an error, so the page and the scenarios cannot drift apart.

use super::Rows;
use crate::compare::{self, Row};
use anyhow::{bail, Result};
use std::fmt::Write as _;
use weft_model::thp::Variant;
use weft_model::Scenario;

/// The page's model, folder and file stem.
pub const MODEL: &str = "thp";
pub const STEM: &str = "cow-selftest";

/// The variant the mirrored scenarios are shipped for: the first with `PageAnonExclusive`,
/// whose behaviour the selftest expects of a current kernel.
const SHIPPED: Variant = Variant::V519AnonExclusive;

/// A selftest case the model mirrors: its id in scenario names, its name in cow.c's table,
/// and what the scenario does and checks.
struct Case {
    id: &'static str,
    name: &'static str,
    what: &'static str,
}

/// The anonymous-memory cases of cow.c that the model can express.
const CASES: [Case; 6] = [
    Case {
        id: "basic",
        name: "Basic COW after fork()",
        what: "the parent writes after fork; the child must keep its data (`cow_isolation`)",
    },
    Case {
        id: "vmsplice_child",
        name: "vmsplice() + unmap in child",
        what: "the child pins read-only with FOLL_GET (`gup_pin_read`) and unmaps; the parent \
               writes; the pipe must keep the old data (`pin_isolation`, CVE-2020-29374)",
    },
    Case {
        id: "vmsplice_before_fork",
        name: "vmsplice() before fork(), unmap in parent after fork()",
        what: "the parent pins read-only, forks and unmaps; the child writes (`pin_isolation`)",
    },
    Case {
        id: "vmsplice_after_fork",
        name: "vmsplice() + unmap in parent after fork()",
        what: "the parent forks, pins read-only and unmaps; the child writes (`pin_isolation`)",
    },
    Case {
        id: "iouring_fork",
        name: "fork() with an iouring fixed buffer",
        what: "the parent takes a FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM pin (`pin_user_pages`), \
               forks and writes; the pin must see the write (`pin_coherence`)",
    },
    Case {
        id: "ro_pin_shared",
        name: "R/O GUP pin on R/O-mapped shared page",
        what: "the parent forks, takes a read-only FOLL_PIN | FOLL_LONGTERM pin \
               (`pin_user_pages_read`, as gup_test's PIN_LONGTERM_TEST_START) while the child \
               lives, and writes; the pin must see the write (`pin_coherence`)",
    },
];

/// A THP shape of cow.c's `run_with_thp` that the model can express: its id in scenario
/// names, cow.c's name for it, and the operations that make it.
const SHAPES: [(&str, &str, &str); 3] = [
    (
        "pmd",
        "THP_RUN_PMD",
        "the THP mapped by its PMD (`thp_fault`)",
    ),
    (
        "pte",
        "THP_RUN_PTE",
        "the PMD split into PTEs (`split_huge_pmd`; cow.c mprotects one subpage read-only and \
         back, which splits the PMD the same way)",
    ),
    (
        "single_pte",
        "THP_RUN_SINGLE_PTE",
        "one PTE left mapped (`munmap(1)`; cow.c zaps the other subpages with MADV_DONTNEED)",
    ),
];

/// What cow.c tests on anonymous memory that the model cannot express, and why.
const NOT_EXPRESSED: [(&str, &str); 9] = [
    (
        "the GUP-fast cases (\"R/O GUP-fast pin on R/O-mapped shared page\", \
         \"... previously-shared page\", \"... exclusive page\")",
        "the model's GUP-fast is `pin_user_pages_fast_only` in another thread of the process, \
         with no slow-path fallback; these cases take `pin_user_pages_fast`, whose fallback to \
         the slow path is where the unshare happens",
    ),
    (
        "\"R/O GUP pin on R/O-mapped previously-shared page\"",
        "the child must have exited before the pin: the model has no operation that waits for \
         another process, and without the wait every order is the shared case's",
    ),
    (
        "\"R/O GUP pin on R/O-mapped exclusive page\"",
        "the page is made read-only and exclusive by mprotect(PROT_READ) and back with soft-dirty \
         tracking cleared; the model has no mprotect",
    ),
    (
        "the \"... with mprotect() optimization\" cases",
        "no mprotect, and no mprotect that maps an exclusive page writable again",
    ),
    (
        "\"R/O-mapping a page registered as iouring fixed buffer\"",
        "needs mprotect and soft-dirty tracking",
    ),
    (
        "THP_RUN_PARTIAL_MREMAP",
        "no mremap: half of the THP moved elsewhere",
    ),
    (
        "THP_RUN_PARTIAL_SHARED",
        "no MADV_DONTFORK: fork shares only the first subpage",
    ),
    (
        "the swap-out shapes (THP_RUN_PMD_SWAPOUT, THP_RUN_PTE_SWAPOUT, \
         THP_RUN_SINGLE_PTE_SWAPOUT)",
        "no swap: MADV_PAGEOUT, the swap cache and do_swap_page are not modelled",
    ),
    (
        "the base-page runs, hugetlb, KSM and the collapse cases",
        "the model is one THP; no small anonymous pages, no hugetlb, no KSM, no MADV_COLLAPSE",
    ),
];

/// The name of the scenario mirroring `case` on `shape`.
fn scenario_name(case: &str, shape: &str) -> String {
    format!("{MODEL}/{}_cow_{case}_{shape}", SHIPPED.name())
}

/// Refuses shipped `cow_` scenarios the tables do not name, and named ones not shipped.
fn check_shipped(rows: &Rows) -> Result<()> {
    let named: Vec<String> = CASES
        .iter()
        .flat_map(|c| SHAPES.iter().map(|(s, ..)| scenario_name(c.id, s)))
        .collect();
    let prefix = format!("{MODEL}/{}_cow_", SHIPPED.name());
    for name in rows.keys().filter(|n| n.starts_with(&prefix)) {
        if !named.contains(name) {
            bail!("{name}: a cow selftest scenario that report/cow.rs does not name");
        }
    }
    for name in &named {
        if !rows.contains_key(name) {
            bail!("{name}: report/cow.rs names it, but no such scenario is shipped");
        }
    }
    Ok(())
}

/// A cell: how exploring ended, as the history table writes it.
fn cell(row: &Row) -> String {
    match row.verdict.as_str() {
        "pass" => "pass".into(),
        "violation" => format!(
            "{}, {} steps",
            row.check.as_deref().unwrap_or("?"),
            row.trace_length.unwrap_or(0)
        ),
        v if v.starts_with("n/a") => "n/a".into(),
        v => v.into(),
    }
}

/// The page, from the explored `rows` of the shipped scenarios; every other variant is
/// explored here, on `threads` workers.
pub fn page(rows: &Rows, threads: usize) -> Result<String> {
    check_shipped(rows)?;
    let mut out = String::from(
        "# The kernel's cow selftest, mirrored\n\n\
         tools/testing/selftests/mm/cow.c (David Hildenbrand, 2022: 69c66add5663, \
         f4b5fd6946e2, 6f1405efc61b) tests copy-on-write of anonymous memory after fork, with \
         and without GUP pins, on base pages and on several THP shapes. Each row below is one \
         of its cases on one THP shape, shipped as a scenario of `v5_19_anon_exclusive`, with \
         the verdict the selftest expects on a current kernel (pass) as its `[expect]`. Each \
         cell is how exploring that scenario ended on a variant: `pass`, or the check that \
         failed and the shortest counterexample's length; `n/a` where the variant cannot run \
         it (no FOLL_PIN before v5.6; v4_4 maps no THP by PTEs). Every cell comes from \
         exploring. The selftest's pipes fix one order of the two processes' steps; the \
         scenarios explore every order, so a failure may come from an order the selftest does \
         not run, and a pass covers the selftest's order. Generated by `weft report`.\n\n",
    );
    out += "| cow.c case | THP shape | scenario |";
    for v in Variant::ALL {
        let _ = write!(out, " `{}` |", v.name());
    }
    out += "\n|---|---|---|";
    out += &"---|".repeat(Variant::ALL.len());
    out += "\n";
    for case in &CASES {
        for (shape, run, _) in &SHAPES {
            let name = scenario_name(case.id, shape);
            let (row, page) = &rows[&name];
            let stem = name.trim_start_matches(&format!("{MODEL}/"));
            let page = page.trim_start_matches(&format!("{MODEL}/"));
            let _ = write!(out, "| {} | {run} | [{stem}]({page}) |", case.name);
            let scenario = Scenario::shipped(&name).expect("shipped")?;
            for v in Variant::ALL {
                let text = if v == SHIPPED {
                    cell(row)
                } else {
                    match scenario.with_variant(v.name()) {
                        Ok(s) => cell(&compare::row(&s, threads, None)?),
                        Err(_) => "n/a".into(),
                    }
                };
                let _ = write!(out, " {text} |");
            }
            out += "\n";
        }
    }
    out += "\n## The cases\n\n";
    for case in &CASES {
        let _ = writeln!(out, "- \"{}\": {}.", case.name, case.what);
    }
    out += "\n## The shapes\n\n";
    for (_, run, what) in &SHAPES {
        let _ = writeln!(out, "- {run}: {what}.");
    }
    out += "\nThe selftest writes the whole range; the scenarios write subpage 0, which stands \
            for every subpage.\n\n## What the model cannot mirror\n\n";
    for (what, why) in &NOT_EXPRESSED {
        let _ = writeln!(out, "- {what}: {why}.");
    }
    Ok(out)
}
