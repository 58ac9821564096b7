//! Looking for some checks only: a violation of another check is neither reported nor
//! explored past, and a pass says which checks it covers.

use crate::toy::{Locks, LostUpdate};
use weft_explorer::{Checker, Model, Verdict};

fn only<M: Model>(m: &M, checks: &[&str]) -> (Verdict, Option<Vec<String>>) {
    let checks = checks.iter().map(|c| c.to_string()).collect();
    let out = Checker::new()
        .threads(1)
        .only_checks(checks)
        .check(m)
        .expect("the breadth-first engine looks for some checks only");
    (out.verdict, out.only_checks)
}

fn failed(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Violation(c) => Some(&c.violation.check),
        _ => None,
    }
}

#[test]
fn another_checks_violation_is_a_dead_end_not_a_verdict() {
    let lost = LostUpdate {
        threads: 2,
        rounds: 1,
    };
    let (verdict, covered) = only(&lost, &["deadlock"]);
    assert!(matches!(verdict, Verdict::Pass), "{verdict:?}");
    assert_eq!(covered, Some(vec!["deadlock".to_string()]));
    let (verdict, _) = only(&lost, &["lost_update"]);
    assert_eq!(failed(&verdict), Some("lost_update"));

    let locks = Locks { ordered: false };
    let (verdict, _) = only(&locks, &["lost_update"]);
    assert!(
        matches!(verdict, Verdict::Pass),
        "the deadlock is not looked for"
    );
    let (verdict, _) = only(&locks, &["deadlock"]);
    assert_eq!(failed(&verdict), Some("deadlock"));
}

#[test]
fn the_counterexample_found_is_a_real_schedule_of_the_model() {
    let lost = LostUpdate {
        threads: 2,
        rounds: 2,
    };
    let (verdict, _) = only(&lost, &["lost_update"]);
    let Verdict::Violation(cex) = verdict else {
        panic!("the lost update is found");
    };
    let trace = weft_explorer::trace::execute(&lost, &cex.schedule).expect("it re-executes");
    assert_eq!(trace.violation.map(|v| v.check), Some("lost_update".into()));
}
