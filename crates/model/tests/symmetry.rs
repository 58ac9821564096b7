//! Thread symmetry on pt_frag: the search stores exactly one state per orbit. The orbits are
//! counted independently, by brute force (`weft_explorer::naive::orbits`): every reachable
//! state, enumerated without the search, is renamed by every permutation of its groups, and
//! the smallest encoding names its orbit.

use weft_explorer::naive::orbits;
use weft_explorer::{Checker, Symmetric, Verdict};
use weft_model::pt_frag::PtFrag;
use weft_model::Scenario;

fn model(name: &str) -> PtFrag {
    let s = Scenario::shipped(name).unwrap().unwrap();
    s.model()
        .as_any()
        .downcast_ref::<PtFrag>()
        .expect("a pt_frag model")
        .clone()
}

fn stored_with_symmetry(m: &PtFrag, threads: usize) -> u64 {
    let out = Checker::new().threads(threads).check(m).unwrap();
    assert!(matches!(out.verdict, Verdict::Pass));
    assert!(out.symmetry.is_some(), "symmetry applies to {m:?}");
    out.stats.states
}

#[test]
fn one_state_is_stored_per_orbit() {
    for (name, states, want) in [
        ("pt_frag/pt_frag_refcount_scaled_2x2", 4_756, 1_503),
        ("pt_frag/pt_frag_refcount_scaled_3x3", 733_678, 39_556),
    ] {
        let m = model(name);
        assert_eq!(m.thread_groups().len(), 2, "{name}: owners and walkers");
        let (all, orbits) = orbits(&m);
        assert_eq!((all, orbits), (states, want), "{name}");
        for threads in [1, 2] {
            assert_eq!(
                stored_with_symmetry(&m, threads),
                want as u64,
                "{name} -j {threads}"
            );
        }
    }
}

#[test]
fn threads_named_by_another_are_not_interchangeable() {
    let text = "model = \"pt_frag\"\nvariant = \"pt_frag_refcount\"\n\
                [[thread]]\nname = \"a\"\nops = [\"pte_fragment_alloc\"]\n\
                [[thread]]\nname = \"b\"\nops = [\"pte_fragment_alloc\"]\n\
                [[thread]]\nname = \"rcu\"\nops = [\"pte_fragment_free(a)\"]\n";
    let s = Scenario::parse("named", "named.toml", text).unwrap();
    let m = s.model().as_any().downcast_ref::<PtFrag>().unwrap();
    assert!(m.thread_groups().is_empty(), "{:?}", m.thread_groups());
}

/// What the search's shortcut relies on (`Symmetric::keys_are_local`): in every state each
/// shipped pt_frag scenario with interchangeable threads reaches, a step changes no grouped
/// thread's key but its own. Scenarios up to the 2x2 scaled one, every reachable state.
#[test]
fn a_step_changes_no_other_threads_key() {
    use weft_explorer::naive::reachable;
    use weft_explorer::{Model, Status};
    let mut checked = 0;
    for name in Scenario::shipped_names().filter(|n| n.starts_with("pt_frag/")) {
        let m = model(name);
        let grouped: Vec<usize> = m.thread_groups().concat();
        if grouped.is_empty() || !m.keys_are_local() || name.ends_with("3x3") {
            continue;
        }
        for s in reachable(&m) {
            for t in (0..m.thread_count()).filter(|&t| m.status(&s, t) == Status::Enabled) {
                let mut next = s.clone();
                if m.step(&mut next, t).is_err() {
                    continue;
                }
                for &u in grouped.iter().filter(|&&u| u != t) {
                    assert_eq!(
                        m.thread_key(&s, u),
                        m.thread_key(&next, u),
                        "{name}: thread {t}'s step changed thread {u}'s key in {s:?}"
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 3, "{checked} scenarios with local keys checked");
}
