//! The pt_frag model: every shipped scenario's verdict comes from exploring it, and the
//! engine agrees with brute-force enumeration on the small ones.

use std::collections::HashSet;
use weft_explorer::bfs::explore_observed;
use weft_explorer::{explore, naive, Model, Observer, Options, Outcome, Trace, Verdict};
use weft_model::{Scenario, WithModel};

fn pt_frag_scenarios() -> Vec<Scenario> {
    Scenario::shipped_names()
        .filter(|n| n.starts_with("pt_frag/"))
        .map(|n| Scenario::shipped(n).unwrap().unwrap())
        .collect()
}

struct Explore(usize);
impl WithModel for Explore {
    type Output = (Outcome, Option<Trace>);
    fn run<M: Model>(self, m: &M) -> Self::Output {
        ExploreWith(self.0, false).run(m)
    }
}

/// Explores on this many threads, with or without partial-order reduction.
struct ExploreWith(usize, bool);
impl WithModel for ExploreWith {
    type Output = (Outcome, Option<Trace>);
    fn run<M: Model>(self, m: &M) -> Self::Output {
        let out = explore(
            m,
            &Options {
                threads: self.0,
                por: self.1,
                ..Options::default()
            },
        );
        let trace = match &out.verdict {
            Verdict::Violation(c) => Some(c.trace(m).expect("the counterexample re-executes")),
            _ => None,
        };
        (out, trace)
    }
}

fn failed_check(o: &Outcome) -> Option<&str> {
    match &o.verdict {
        Verdict::Violation(c) => Some(&c.violation.check),
        Verdict::Pass => None,
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

#[test]
fn every_shipped_scenario_gives_its_expected_verdict() {
    let all = pt_frag_scenarios();
    assert!(
        all.len() >= 20,
        "the L, D, C, E scenarios for five variants are shipped"
    );
    for s in all {
        let expect = s
            .expect
            .clone()
            .unwrap_or_else(|| panic!("{} has no [expect]", s.name));
        let (out, trace) = s.with_model(Explore(2));
        assert!(
            expect.matches(failed_check(&out)),
            "{}: expected {expect}, explored {:?}",
            s.name,
            failed_check(&out)
        );
        if let Some(t) = trace {
            assert_eq!(
                t.violation.as_ref().map(|v| v.check.as_str()),
                failed_check(&out)
            );
        }
    }
}

#[test]
fn the_issue_verdicts_hold() {
    let check = |name: &str| {
        let s = Scenario::shipped(name).unwrap().unwrap();
        let (out, _) = s.with_model(Explore(1));
        failed_check(&out).map(str::to_string)
    };
    assert!(check("pt_frag/set_page_count_L").is_some());
    assert_eq!(
        check("pt_frag/page_ref_add_D").as_deref(),
        Some("dtor_missed")
    );
    assert_eq!(
        check("pt_frag/top_bits_bad_D").as_deref(),
        Some("dtor_missed")
    );
    for v in ["pt_frag_refcount", "top_bits"] {
        for sc in ["L", "D", "C", "E"] {
            assert_eq!(check(&format!("pt_frag/{v}_{sc}")), None, "{v}_{sc}");
        }
    }
}

#[test]
fn set_page_count_counterexample_shows_the_lost_update() {
    let s = Scenario::shipped("pt_frag/set_page_count_L")
        .unwrap()
        .unwrap();
    let (_, trace) = s.with_model(Explore(1));
    let t = trace.expect("a counterexample");
    let get = t
        .steps
        .iter()
        .position(|s| s.thread_name == "walker" && s.label.starts_with("get_page_unless_zero"))
        .expect("the walker takes its speculative reference");
    let store = t
        .steps
        .iter()
        .position(|s| s.label.starts_with("set_page_count(page0"))
        .expect("the owner stores the fragment count");
    assert!(
        get < store,
        "the walker's reference is taken before the store overwrites it"
    );
    // The store leaves _refcount where the walker's increment had put it: 2 -> 2 is the
    // walker's reference being lost.
    assert!(
        t.steps[store].label.contains("_refcount 2 -> 2"),
        "{}",
        t.steps[store].label
    );
    let change = t.steps[store]
        .changes
        .iter()
        .find(|c| c.field == "page0._refcount");
    assert!(
        change.is_none(),
        "set_page_count(2) over 2 changes nothing visible: {change:?}"
    );
    assert_eq!(t.steps[get].changes[0].field, "page0._refcount");
    assert_eq!(t.steps[get].changes[0].after, "2");
}

#[test]
fn one_and_two_threads_agree_on_counts_and_counterexamples() {
    for s in pt_frag_scenarios() {
        for por in [false, true] {
            let (a, ta) = s.with_model(ExploreWith(1, por));
            let (b, tb) = s.with_model(ExploreWith(2, por));
            assert_eq!(a.stats.states, b.stats.states, "{} (por {por})", s.name);
            assert_eq!(
                a.stats.transitions, b.stats.transitions,
                "{} (por {por})",
                s.name
            );
            assert_eq!(ta, tb, "{} (por {por})", s.name);
        }
    }
}

struct Compare;
impl WithModel for Compare {
    type Output = ();
    fn run<M: Model>(self, m: &M) {
        struct Seen(HashSet<u64>);
        impl<S> Observer<S> for Seen {
            fn state(&mut self, fp: u64, _: &S, _: usize) {
                self.0.insert(fp);
            }
        }
        let mut seen = Seen(HashSet::new());
        let out = explore_observed(
            m,
            &Options {
                threads: 1,
                ..Options::default()
            },
            &mut seen,
        );
        let all = naive::enumerate(m, 2_000_000);
        assert!(!all.truncated, "small scenarios enumerate fully");
        // With keep_going the whole space is explored: schedules and states match brute force.
        let full = explore(
            m,
            &Options {
                threads: 2,
                keep_going: true,
                count_schedules: true,
                ..Options::default()
            },
        );
        assert_eq!(
            full.stats.schedules,
            Some(weft_explorer::Schedules::Exactly(all.schedules as u128)),
            "schedule count equals brute-force enumeration"
        );
        assert_eq!(full.stats.states as usize, all.states.len());
        match &out.verdict {
            Verdict::Pass => {
                assert_eq!(all.shortest_violation, None);
                assert_eq!(seen.0, all.states, "same reachable states");
            }
            Verdict::Violation(c) => {
                let (len, _) = all.shortest_violation.clone().expect("naive finds it too");
                assert_eq!(c.schedule.len(), len, "BFS finds a shortest counterexample");
                assert!(seen.0.is_subset(&all.states));
            }
            Verdict::Stopped(r) => panic!("stopped: {r}"),
        }
    }
}

#[test]
fn bfs_matches_brute_force_enumeration_on_small_scenarios() {
    for s in pt_frag_scenarios()
        .into_iter()
        .filter(|s| !s.name.contains("scaled"))
    {
        s.with_model(Compare);
    }
}
