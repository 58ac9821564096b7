//! Thread symmetry on pt_frag: the search stores exactly one state per orbit. The orbits are
//! counted here independently, by brute force: every reachable state of the full search is
//! renamed by every permutation of its groups, and the smallest encoding names its orbit.

mod common;

use common::permutations;

use std::collections::HashSet;
use weft_explorer::{Checker, Model, Observer, Symmetric, Verdict};
use weft_model::pt_frag::PtFrag;
use weft_model::Scenario;

/// Every state the full search reaches.
struct Collect(Vec<<PtFrag as Model>::State>);

impl Observer<<PtFrag as Model>::State> for Collect {
    fn state(&mut self, _: u64, s: &<PtFrag as Model>::State, _: usize) {
        self.0.push(s.clone());
    }
}

fn model(name: &str) -> PtFrag {
    let s = Scenario::shipped(name).unwrap().unwrap();
    s.model()
        .as_any()
        .downcast_ref::<PtFrag>()
        .expect("a pt_frag model")
        .clone()
}

/// Every renaming `to[old] = new` the groups allow (the product of each group's permutations).
fn renamings(threads: usize, groups: &[Vec<usize>]) -> Vec<Vec<u8>> {
    let mut all = vec![(0..threads as u8).collect::<Vec<u8>>()];
    for group in groups {
        let mut next = Vec::new();
        for to in &all {
            for image in permutations(group) {
                let mut to = to.clone();
                for (old, new) in group.iter().zip(&image) {
                    to[*old] = *new as u8;
                }
                next.push(to);
            }
        }
        all = next;
    }
    all
}

/// The number of orbits among every reachable state, by brute force.
fn orbits(m: &PtFrag) -> (usize, usize) {
    let mut all = Collect(Vec::new());
    let out = Checker::new()
        .threads(1)
        .keep_going(true)
        .symmetry(false)
        .check_observed(m, &mut all)
        .unwrap();
    assert!(matches!(out.verdict, Verdict::Pass));
    let renamings = renamings(m.thread_count(), &m.thread_groups());
    let mut seen = HashSet::new();
    for s in &all.0 {
        let smallest = renamings
            .iter()
            .map(|to| {
                let mut t = s.clone();
                m.permute(&mut t, to);
                let mut bytes = Vec::new();
                m.encode(&t, &mut bytes);
                bytes
            })
            .min()
            .unwrap();
        seen.insert(smallest);
    }
    (all.0.len(), seen.len())
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
