//! Partial-order reduction on every shipped scenario of a model that offers it: the same
//! verdict, check and counterexample as the full search, never more states; and the
//! footprints it rests on are honest in every reachable state.

use weft_explorer::reduce::independence_everywhere;
use weft_explorer::{Checker, Outcome, Reduce, Reduction, Verdict};
use weft_model::Scenario;

fn explore(s: &Scenario, reduction: Reduction) -> Outcome {
    // Every state (no symmetry), so that the two searches differ by reduction alone.
    let checker = Checker::new()
        .threads(2)
        .reduction(reduction)
        .symmetry(false);
    s.model().check(&checker).unwrap()
}

#[test]
fn reduction_keeps_every_shipped_verdict_and_counterexample() {
    // The models (the part of a name before its `/`) reduction removed states from.
    let mut reduced_in = std::collections::BTreeSet::new();
    for name in Scenario::shipped_names() {
        let s = Scenario::shipped(name).unwrap().unwrap();
        if !s.model().reducible() {
            continue;
        }
        let (full, reduced) = (explore(&s, Reduction::Off), explore(&s, Reduction::On));
        assert!(reduced.reduced, "{name}");
        match (&full.verdict, &reduced.verdict) {
            (Verdict::Pass, Verdict::Pass) => {
                assert!(reduced.stats.states <= full.stats.states, "{name}");
                if reduced.stats.states < full.stats.states {
                    reduced_in.insert(name.split('/').next().unwrap_or(name));
                }
            }
            (Verdict::Violation(a), Verdict::Violation(b)) => assert_eq!(a, b, "{name}"),
            (a, b) => panic!("{name}: full {a:?}, reduced {b:?}"),
        }
    }
    for model in ["pt_frag", "thp"] {
        assert!(
            reduced_in.contains(model),
            "reduction removes states from some shipped {model} scenario: only {reduced_in:?}"
        );
    }
}

/// Checks the footprints of model `M` in every state reachable in each shipped scenario
/// `keep` accepts (all of them of model `M`): the states checked.
fn states_with_honest_footprints<M: Reduce>(keep: impl Fn(&str) -> bool) -> usize {
    let mut states = 0;
    for name in Scenario::shipped_names().filter(|n| keep(n)) {
        let s = Scenario::shipped(name).unwrap().unwrap();
        let m = s.model().as_any().downcast_ref::<M>().expect(name);
        let checker = Checker::new().keep_going(true).symmetry(false);
        states += independence_everywhere(m, &checker).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    states
}

#[test]
fn pt_frag_footprints_are_honest_in_every_reachable_state() {
    let states = states_with_honest_footprints::<weft_model::pt_frag::PtFrag>(|n| {
        n.starts_with("pt_frag/") && !n.contains("3x3")
    });
    assert!(states > 5_000, "{states} states checked");
}

#[test]
fn thp_footprints_are_honest_in_every_reachable_state() {
    let states = states_with_honest_footprints::<weft_model::thp::Thp>(|n| n.starts_with("thp/"));
    assert!(states > 5_000, "{states} states checked");
}
