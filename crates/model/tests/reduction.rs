//! Partial-order reduction on every shipped scenario: the same verdict, check and
//! counterexample as the full search, and never more states.

use weft_explorer::{explore, Model, Options, Outcome, Verdict};
use weft_model::{Scenario, WithModel};

struct Both;
impl WithModel for Both {
    type Output = (Outcome, Outcome);
    fn run<M: Model>(self, m: &M) -> Self::Output {
        let full = explore(
            m,
            &Options {
                threads: 2,
                ..Options::default()
            },
        );
        let reduced = explore(
            m,
            &Options {
                threads: 2,
                por: true,
                ..Options::default()
            },
        );
        (full, reduced)
    }
}

#[test]
fn reduction_keeps_every_shipped_verdict_and_counterexample() {
    let mut reduced_somewhere = false;
    for name in Scenario::shipped_names() {
        let s = Scenario::shipped(name).unwrap().unwrap();
        let (full, reduced) = s.with_model(Both);
        match (&full.verdict, &reduced.verdict) {
            (Verdict::Pass, Verdict::Pass) => {
                assert!(reduced.stats.states <= full.stats.states, "{name}");
                reduced_somewhere |= reduced.stats.states < full.stats.states;
            }
            (Verdict::Violation(a), Verdict::Violation(b)) => assert_eq!(a, b, "{name}"),
            (a, b) => panic!("{name}: full {a:?}, reduced {b:?}"),
        }
    }
    assert!(
        reduced_somewhere,
        "reduction applies to some shipped scenario"
    );
}
