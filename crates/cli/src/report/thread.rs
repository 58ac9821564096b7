//! reports/pt_frag/thread.md: the claims made in the 2018 review of 4231aba000f5, each next to
//! the scenarios that settle it and what exploring them found.
//!
//! Who said what, when and in which message is written by hand, once, in [`CLAIMS`], with what
//! each claim means for each scenario it names. Every cell about a scenario's outcome comes from
//! the row `weft report` explored for it, and so does every sentence that says whether
//! exploring bears a claim out.

use super::{yes_no, Rows};
use crate::compare::Row;
use anyhow::{bail, Result};
use std::fmt::Write as _;

/// The model whose scenarios settle the claims, and the page's file in its folder.
pub const MODEL: &str = "pt_frag";
pub const FILE: &str = "thread.md";

/// What a claim means for one scenario: how exploring it ends if the claim holds.
#[derive(Clone, Copy)]
pub enum Implies {
    /// Every schedule passes.
    Pass,
    /// A schedule violates this check.
    Fails(&'static str),
}

/// One scenario that settles a claim.
pub struct Settles {
    /// Its name in the model (`set_page_count_L` for `pt_frag/set_page_count_L`).
    scenario: &'static str,
    implies: Implies,
    /// What the scenario puts to the claim.
    why: &'static str,
}

/// One claim of the review.
pub struct Claim {
    title: &'static str,
    who: &'static str,
    /// The date the message bears.
    date: &'static str,
    message_id: &'static str,
    /// The claim in our words; what is quoted is in quotation marks.
    said: &'static str,
    /// The title of the earlier claim this one answers.
    answers: Option<&'static str>,
    settled_by: &'static [Settles],
}

const PIGGIN: &str = "Nicholas Piggin";
const WILCOX: &str = "Matthew Wilcox";
const PATCH: &str = "20180727114817.27190-1-npiggin@gmail.com";
const PIGGIN_REPLY: &str = "20180728002906.531d0211@roar.ozlabs.ibm.com";
const WILCOX_REPLY: &str = "20180727153834.GC13348@bombadil.infradead.org";

/// The review's claims, in the order they were made.
pub const CLAIMS: &[Claim] = &[
    Claim {
        title: "The stomp",
        who: PIGGIN,
        date: "2018-07-27",
        message_id: PATCH,
        said: "The patch's changelog (4231aba000f5's): a customer hit a BUG on the underflow of \
               a page-table page's refcount. The fragment allocator's `set_page_count()` is a \
               plain store that ends up \"stomping on a speculative reference\"; the speculative \
               failure handler's put then takes one off the new count, and the underflow pops \
               when the page tables are freed.",
        answers: None,
        settled_by: &[
            Settles {
                scenario: "set_page_count_L",
                implies: Implies::Fails("refcount_underflow"),
                why: "A walker's `get_page_unless_zero()` may land between `alloc_page()` and \
                      `set_page_count()`, before the owner frees its two fragments and the \
                      walker puts its reference.",
            },
            Settles {
                scenario: "set_page_count_L_invariants",
                implies: Implies::Fails("counter_mismatch"),
                why: "Scenario L with the counts checked at every quiet point: is a reference \
                      lost at the store itself, before any put?",
            },
            Settles {
                scenario: "set_page_count_L_pmd",
                implies: Implies::Fails("refcount_underflow"),
                why: "The same store in `__alloc_for_pmdcache()`, on a PMD table.",
            },
            Settles {
                scenario: "set_page_count_E_rcu_lookup",
                implies: Implies::Fails("free_with_live_fragment"),
                why: "The customer's case: teardown, the last fragment freed past an \
                      RCU-sched grace period, and a page-cache lookup under `rcu_read_lock()`. \
                      A count one short reaches 0 while the owner still uses a fragment as a \
                      page table, before it can underflow.",
            },
        ],
    },
    Claim {
        title: "page_ref_add instead",
        who: WILCOX,
        date: "2018-07-27",
        message_id: "20180727134156.GA13348@bombadil.infradead.org",
        said: "\"Can't you fix this instead by using page_ref_add() instead of \
               set_page_count()?\" An atomic add cannot erase the walker's reference.",
        answers: None,
        settled_by: &[Settles {
            scenario: "page_ref_add_L",
            implies: Implies::Pass,
            why: "`set_page_count_L`'s schedules with the count added by `page_ref_add()`: \
                  the fix holds if every schedule passes.",
        }],
    },
    Claim {
        title: "The lost destructor",
        who: PIGGIN,
        date: "2018-07-28",
        message_id: PIGGIN_REPLY,
        said: "With the fragment count in `_refcount`, the page-table destructor is lost when \
               the speculative reference is the last one put: that `put_page()` frees the page \
               without `pgtable_page_dtor()`.",
        answers: Some("page_ref_add instead"),
        settled_by: &[
            Settles {
                scenario: "page_ref_add_L",
                implies: Implies::Fails("dtor_missed"),
                why: "The lost-update schedules again, now that the walker's reference is \
                      kept: may its put be the last?",
            },
            Settles {
                scenario: "page_ref_add_D",
                implies: Implies::Fails("dtor_missed"),
                why: "One fragment per page, and a walker whose get may come after the \
                      owner's setup and its put after the owner's free.",
            },
            Settles {
                scenario: "page_ref_add_E",
                implies: Implies::Fails("dtor_missed"),
                why: "Teardown: `pte_frag_destroy()` races the free of the one fragment handed \
                      out, while a walker holds a reference.",
            },
        ],
    },
    Claim {
        title: "RCU table freeing",
        who: PIGGIN,
        date: "2018-07-28",
        message_id: PIGGIN_REPLY,
        said: "With RCU page-table freeing one might argue that no speculative reference can be \
               around at teardown, so `page_ref_add()` would not lose the destructor there; a \
               dedicated counter avoids relying on that.",
        answers: None,
        settled_by: &[
            Settles {
                scenario: "page_ref_add_E_rcu_lookup",
                implies: Implies::Pass,
                why: "A page-cache lookup (`find_get_entry()`) under `rcu_read_lock()` on a \
                      kernel without CONFIG_PREEMPT, the last fragment freed through \
                      `tlb_remove_table()` past an RCU-sched grace period.",
            },
            Settles {
                scenario: "page_ref_add_E_gup_fast",
                implies: Implies::Pass,
                why: "GUP-fast, which walks with interrupts off, on a CONFIG_PREEMPT kernel.",
            },
            Settles {
                scenario: "page_ref_add_E_rcu_lookup_preempt",
                implies: Implies::Pass,
                why: "The page-cache lookup on a CONFIG_PREEMPT kernel, where `rcu_read_lock()` \
                      does not hold off an RCU-sched grace period.",
            },
            Settles {
                scenario: "page_ref_add_E_pfn",
                implies: Implies::Pass,
                why: "A pfn walker (`page_idle_get_page()`), which takes its reference outside \
                      any RCU read-side section.",
            },
        ],
    },
    Claim {
        title: "Way too black-magic",
        who: WILCOX,
        date: "2018-07-27",
        message_id: WILCOX_REPLY,
        said: "Relying on RCU table freeing to keep speculative references away from teardown \
               is \"way too black-magic\".",
        answers: Some("RCU table freeing"),
        settled_by: &[
            Settles {
                scenario: "page_ref_add_E_rcu_lookup_preempt",
                implies: Implies::Fails("dtor_missed"),
                why: "Under CONFIG_PREEMPT the grace period `tlb_remove_table()` waits for does \
                      not wait for the lookup's `rcu_read_lock()` section.",
            },
            Settles {
                scenario: "page_ref_add_E_pfn",
                implies: Implies::Fails("dtor_missed"),
                why: "A pfn walker holds no RCU read-side section, so no grace period waits \
                      for it.",
            },
        ],
    },
    Claim {
        title: "The top bits",
        who: WILCOX,
        date: "2018-07-27",
        message_id: WILCOX_REPLY,
        said: "Alternatively, keep the fragment count in \"the top 16 bits of the atomic\" and \
               call the destructor once the atomic is below 64k: speculative references add to \
               the low bits only, so the destructor runs with the last fragment, whoever puts \
               the page last.",
        answers: None,
        settled_by: &[
            Settles {
                scenario: "top_bits_L",
                implies: Implies::Pass,
                why: "The lost-update schedules, fragments counted in the top bits.",
            },
            Settles {
                scenario: "top_bits_D",
                implies: Implies::Pass,
                why: "A single-fragment page whose last put may be the walker's.",
            },
            Settles {
                scenario: "top_bits_E",
                implies: Implies::Pass,
                why: "Teardown racing the free of the one fragment handed out, with a walker.",
            },
            Settles {
                scenario: "top_bits_bad_L",
                implies: Implies::Fails("dtor_missed"),
                why: "A tempting encoding that is not the idea: the last fragment drops its \
                      top-bits unit and the allocation reference in one `dec_and_test` and \
                      runs the destructor only when the whole count is 0, not when the top \
                      bits empty.",
            },
            Settles {
                scenario: "top_bits_bad_D",
                implies: Implies::Fails("dtor_missed"),
                why: "The same encoding on a single-fragment page.",
            },
            Settles {
                scenario: "top_bits_bad_E",
                implies: Implies::Fails("dtor_missed"),
                why: "The same encoding at teardown.",
            },
        ],
    },
    Claim {
        title: "A dedicated counter",
        who: PIGGIN,
        date: "2018-08-01",
        message_id: "20180801124536.173bc327@roar.ozlabs.ibm.com",
        said: "Keeping the patch as posted, a dedicated `pt_frag_refcount` in a union with \
               `pt_mm`: \"Let's go with that for now\"; he would \"rather not fix this obscure \
               bug by introducing something even worse\". Michael Ellerman applied it on \
               2018-08-08 (`41ltwv4RJjz9s4V@ozlabs.org`), as 4231aba000f5: `_refcount` is left \
               to the allocator and to speculative users, and the destructor runs when the \
               fragment count reaches 0, with or without RCU.",
        answers: Some("The top bits"),
        settled_by: &[
            Settles {
                scenario: "pt_frag_refcount_L",
                implies: Implies::Pass,
                why: "The lost-update schedules.",
            },
            Settles {
                scenario: "pt_frag_refcount_D",
                implies: Implies::Pass,
                why: "A single-fragment page whose last put may be the walker's.",
            },
            Settles {
                scenario: "pt_frag_refcount_E",
                implies: Implies::Pass,
                why: "Teardown racing the free of the one fragment handed out, with a walker.",
            },
            Settles {
                scenario: "pt_frag_refcount_E_rcu_lookup_preempt",
                implies: Implies::Pass,
                why: "The page-cache lookup on a CONFIG_PREEMPT kernel, whose \
                      `rcu_read_lock()` section no grace period waits for.",
            },
            Settles {
                scenario: "pt_frag_refcount_C",
                implies: Implies::Pass,
                why: "Two allocators of one mm race to install the fragment cache page.",
            },
            Settles {
                scenario: "pt_frag_refcount_scaled_2x2",
                implies: Implies::Pass,
                why: "Two owners and two walkers.",
            },
            Settles {
                scenario: "pt_frag_refcount_scaled_3x3",
                implies: Implies::Pass,
                why: "Three owners and three walkers.",
            },
            Settles {
                scenario: "pt_frag_refcount_L_invariants",
                implies: Implies::Pass,
                why: "Scenario L with the counts checked at every quiet point: the dedicated \
                      counter equals the live and cached fragments, `_refcount` the allocation \
                      and walker references.",
            },
            Settles {
                scenario: "pt_frag_refcount_L_pmd",
                implies: Implies::Pass,
                why: "The patch changed PMD fragments the same way: scenario L on a PMD table.",
            },
            Settles {
                scenario: "pt_frag_refcount_mixed",
                implies: Implies::Pass,
                why: "PTE and PMD fragments side by side, two caches under one \
                      `mm->page_table_lock`, with the counts checked.",
            },
        ],
    },
];

const INTRO: &str = "In July 2018 Nicholas Piggin posted \"powerpc/64s: Fix page table fragment \
    refcount race vs speculative references\", and Matthew Wilcox answered with alternatives. \
    Each claim of that review is below in our words (quotes in quotation \
    marks), with the message that made it (by Message-ID, on lore.kernel.org), next to the \
    scenarios that settle it. \"The claim implies\" is what the claim means for a scenario, \
    written by hand; the verdict, check, states and trace length are what exploring every \
    schedule of the scenario found, and \"holds\" compares the two. \"As the file expects\" \
    compares the verdict with the scenario file's own `[expect]`.";

/// Every scenario the claims name that is not shipped: an error naming each, so that no page
/// is written with a hole in it. `shipped` holds full names (`pt_frag/set_page_count_L`).
pub fn check_named(claims: &[Claim], shipped: &[&str]) -> Result<()> {
    let missing: Vec<String> = claims
        .iter()
        .flat_map(|c| c.settled_by.iter().map(move |s| (c, s)))
        .filter(|(_, s)| !shipped.contains(&full_name(s.scenario).as_str()))
        .map(|(c, s)| format!("claim \"{}\" names {}", c.title, full_name(s.scenario)))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{MODEL}/{FILE}: scenarios missing from models/{MODEL}/ ({}); restore them or \
             change the claims' table",
            missing.join("; ")
        );
    }
    Ok(())
}

fn full_name(scenario: &str) -> String {
    format!("{MODEL}/{scenario}")
}

/// The page, from the claims and the explored rows.
pub fn page(claims: &[Claim], rows: &Rows) -> Result<String> {
    let mut out = format!(
        "# The 2018 review, claim by claim\n\n{INTRO}\n\nGenerated by `weft report`; terms: \
         [the glossary](../glossary.md); every scenario: [the index](../README.md).\n\n"
    );
    out += &summary(claims, rows)?;
    for i in 0..claims.len() {
        out += &section(claims, i, rows)?;
    }
    Ok(out)
}

/// A scenario that settles a claim, as explored.
struct Settled<'a> {
    by: &'a Settles,
    row: &'a Row,
    /// Its page, from the thread page's folder.
    page: &'a str,
}

/// Each settling scenario with its explored row.
fn settled<'a>(claim: &'a Claim, rows: &'a Rows) -> Result<Vec<Settled<'a>>> {
    let folder = format!("{MODEL}/");
    claim
        .settled_by
        .iter()
        .map(|by| match rows.get(&full_name(by.scenario)) {
            Some((row, page)) => Ok(Settled {
                by,
                row,
                page: page.strip_prefix(&folder).unwrap_or(page),
            }),
            None => bail!(
                "{MODEL}/{FILE}: claim \"{}\" names {}, which was not explored",
                claim.title,
                full_name(by.scenario)
            ),
        })
        .collect()
}

/// Whether exploring ended as the claim implies.
fn holds(implies: Implies, row: &Row) -> bool {
    match implies {
        Implies::Pass => row.verdict == "pass",
        Implies::Fails(check) => row.verdict == "violation" && row.check.as_deref() == Some(check),
    }
}

fn implied(implies: Implies) -> String {
    match implies {
        Implies::Pass => "pass".into(),
        Implies::Fails(check) => format!("violation of {check}"),
    }
}

fn explored(row: &Row) -> String {
    match &row.check {
        Some(check) => format!("{} of {check}", row.verdict),
        None => row.verdict.clone(),
    }
}

/// How many of a claim's scenarios end as it implies, of how many.
fn tally(pairs: &[Settled]) -> (usize, usize) {
    let held = pairs.iter().filter(|p| holds(p.by.implies, p.row)).count();
    (held, pairs.len())
}

fn anchor(n: usize, title: &str) -> String {
    let heading = format!("{n}. {title}").to_lowercase();
    heading
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn summary(claims: &[Claim], rows: &Rows) -> Result<String> {
    let mut out = String::from("| | claim | by | exploring |\n|---|---|---|---|\n");
    for (i, claim) in claims.iter().enumerate() {
        let (held, of) = tally(&settled(claim, rows)?);
        writeln!(
            out,
            "| {n} | [{t}](#{a}) | {} ({}) | {} |",
            claim.who,
            claim.date,
            bears_out(held, of),
            n = i + 1,
            t = claim.title,
            a = anchor(i + 1, claim.title),
        )?;
    }
    Ok(out + "\n")
}

fn bears_out(held: usize, of: usize) -> String {
    match held {
        h if h == of => format!("bears it out ({h} of {of})"),
        0 => format!("does not bear it out (0 of {of})"),
        h => format!("bears it out in part ({h} of {of})"),
    }
}

/// One claim: who said it, the table of its scenarios, and what exploring says of it.
fn section(claims: &[Claim], i: usize, rows: &Rows) -> Result<String> {
    let claim = &claims[i];
    let pairs = settled(claim, rows)?;
    let mut out = format!(
        "## {}. {}\n\n{}, {}, [`{id}`](https://lore.kernel.org/r/{id}/):\n\n> {}\n\n",
        i + 1,
        claim.title,
        claim.who,
        claim.date,
        claim.said,
        id = claim.message_id
    );
    out += "| scenario | the claim implies | verdict | check | states | trace | holds | as the \
            file expects | what it puts to the claim |\n";
    out += "|---|---|---|---|---|---|---|---|---|\n";
    for Settled { by, row, page } in &pairs {
        writeln!(
            out,
            "| [{}]({page}) | {} | {} | {} | {} | {} | {} | {} | {} |",
            by.scenario,
            implied(by.implies),
            row.verdict,
            row.check.as_deref().unwrap_or("-"),
            row.states,
            row.trace_length.map_or("-".into(), |l| l.to_string()),
            yes_no(Some(holds(by.implies, row))),
            yes_no(row.as_expected),
            by.why,
        )?;
    }
    writeln!(out, "\n{}", verdict_sentence(&pairs))?;
    if let Some(answered) = claim.answers {
        writeln!(out, "{}", exchange_sentence(claims, i, answered, rows)?)?;
    }
    Ok(out + "\n")
}

/// Whether exploring bears the claim out, and which scenarios do not end as their own files
/// expect.
fn verdict_sentence(pairs: &[Settled]) -> String {
    let (held, of) = tally(pairs);
    let against: Vec<String> = pairs
        .iter()
        .filter(|p| !holds(p.by.implies, p.row))
        .map(|p| {
            format!(
                "`{}` ends in {} where the claim implies {}",
                p.by.scenario,
                explored(p.row),
                implied(p.by.implies)
            )
        })
        .collect();
    let mut out = match (held, of) {
        (1, 1) => "Exploring bears the claim out: its scenario ends as it implies.".into(),
        (2, 2) => "Exploring bears the claim out: both its scenarios end as it implies.".into(),
        (h, o) if h == o => {
            format!("Exploring bears the claim out: all {o} of its scenarios end as it implies.")
        }
        (0, 1) => format!(
            "Exploring does not bear the claim out: {}.",
            against.concat()
        ),
        (0, o) => format!(
            "Exploring does not bear the claim out: none of its {o} scenarios ends as it \
             implies ({}).",
            against.join("; ")
        ),
        (h, o) => format!(
            "Exploring bears the claim out in {h} of its {o} scenarios, not in the rest: {}.",
            against.join("; ")
        ),
    };
    let unexpected: Vec<&str> = pairs
        .iter()
        .filter(|p| p.row.as_expected != Some(true))
        .map(|p| p.by.scenario)
        .collect();
    if !unexpected.is_empty() {
        write!(
            out,
            " Not as their scenario files expect: `{}`.",
            unexpected.join("`, `")
        )
        .expect("a String takes writes");
    }
    out
}

/// Which side of an exchange exploring bears out: claim `i`, or the earlier claim it answers.
fn exchange_sentence(claims: &[Claim], i: usize, answered: &str, rows: &Rows) -> Result<String> {
    let Some(j) = claims.iter().position(|c| c.title == answered) else {
        bail!(
            "{MODEL}/{FILE}: claim \"{}\" answers \"{answered}\", which is not a claim",
            claims[i].title
        );
    };
    let whole = |c: &Claim| -> Result<bool> {
        let (held, of) = tally(&settled(c, rows)?);
        Ok(held == of)
    };
    let (this, that) = (whole(&claims[i])?, whole(&claims[j])?);
    let other = format!("claim {} ({}'s)", j + 1, claims[j].who);
    let this_one = format!("this one ({}'s)", claims[i].who);
    Ok(match (this, that) {
        (true, false) => format!(
            "It answers {other}; of the two, exploring bears out {this_one} and not the other."
        ),
        (false, true) => {
            format!("It answers {other}; of the two, exploring bears out {other} and not this one.")
        }
        (true, true) => format!("It answers {other}; exploring bears out both."),
        (false, false) => format!("It answers {other}; exploring bears out neither in full."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn row(verdict: &str, check: Option<&str>, states: u64, trace: Option<usize>) -> Row {
        Row {
            scenario: String::new(),
            variant: String::new(),
            verdict: verdict.into(),
            check: check.map(String::from),
            states,
            schedules: "-".into(),
            schedules_json: serde_json::Value::Null,
            trace_length: trace,
            preemptions: None,
            expected: None,
            as_expected: Some(true),
        }
    }

    fn rows(list: Vec<(&str, Row)>) -> Rows {
        list.into_iter()
            .map(|(n, r)| (full_name(n), (r, format!("{MODEL}/{n}.md"))))
            .collect::<BTreeMap<_, _>>()
    }

    const FIX: &[Settles] = &[Settles {
        scenario: "fix_L",
        implies: Implies::Pass,
        why: "the lost update",
    }];
    const OBJECTION: &[Settles] = &[Settles {
        scenario: "fix_L",
        implies: Implies::Fails("dtor_missed"),
        why: "the last put",
    }];
    const FAKE: &[Claim] = &[
        Claim {
            title: "A fix",
            who: "A",
            date: "2018-01-01",
            message_id: "1@a",
            said: "it fixes it",
            answers: None,
            settled_by: FIX,
        },
        Claim {
            title: "No",
            who: "B",
            date: "2018-01-02",
            message_id: "2@b",
            said: "it does not",
            answers: Some("A fix"),
            settled_by: OBJECTION,
        },
    ];

    #[test]
    fn the_cells_are_the_explored_rows() {
        let violated = rows(vec![(
            "fix_L",
            row("violation", Some("dtor_missed"), 4321, Some(17)),
        )]);
        let page = page(FAKE, &violated).unwrap();
        assert!(page.contains(
            "| [fix_L](fix_L.md) | pass | violation | dtor_missed | 4321 | 17 | NO | yes |"
        ));
        assert!(page.contains(
            "Exploring does not bear the claim out: `fix_L` ends in violation of dtor_missed \
             where the claim implies pass."
        ));
        assert!(page.contains("| [fix_L](fix_L.md) | violation of dtor_missed | violation |"));
        assert!(page.contains("exploring bears out this one (B's) and not the other."));
        assert!(page.contains("| 1 | [A fix](#1-a-fix) | A (2018-01-01) | does not bear it out"));

        let passed = rows(vec![("fix_L", row("pass", None, 99, None))]);
        let page = super::page(FAKE, &passed).unwrap();
        assert!(page.contains("| [fix_L](fix_L.md) | pass | pass | - | 99 | - | yes | yes |"));
        assert!(page.contains("Exploring bears the claim out: its scenario ends as it implies."));
        assert!(page.contains("exploring bears out claim 1 (A's) and not this one."));
    }

    #[test]
    fn a_scenario_not_shipped_is_an_error() {
        let err = check_named(FAKE, &["pt_frag/other"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("claim \"A fix\" names pt_frag/fix_L"), "{err}");
        assert!(err.contains("claim \"No\" names pt_frag/fix_L"), "{err}");
        check_named(FAKE, &["pt_frag/fix_L"]).unwrap();
        let err = page(FAKE, &rows(vec![])).unwrap_err().to_string();
        assert!(
            err.contains("names pt_frag/fix_L, which was not explored"),
            "{err}"
        );
    }

    #[test]
    fn every_claim_names_shipped_scenarios_and_answers_a_claim() {
        let shipped: Vec<&str> = weft_model::Scenario::shipped_names().collect();
        check_named(CLAIMS, &shipped).unwrap();
        for c in CLAIMS {
            assert!(c
                .answers
                .is_none_or(|a| CLAIMS.iter().any(|o| o.title == a)));
        }
    }
}
