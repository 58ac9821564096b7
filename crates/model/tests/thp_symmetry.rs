//! Thread symmetry on THP: the children a process forks alike are interchangeable once
//! forked. The orbits are counted here by brute force over every reachable state (each
//! group's started children renamed every way, the smallest encoding naming the orbit), and
//! a counterexample found on representatives is one of the real threads.

mod common;

use weft_explorer::naive::permutations;

use std::collections::HashSet;
use weft_explorer::{trace, Checker, Model, Observer, Symmetric, Verdict};
use weft_model::thp::Thp;
use weft_model::Scenario;

/// Every state the full search reaches.
struct Collect(Vec<<Thp as Model>::State>);

impl Observer<<Thp as Model>::State> for Collect {
    fn state(&mut self, _: u64, s: &<Thp as Model>::State, _: usize) {
        self.0.push(s.clone());
    }
}

/// A parent that faults a THP, pins it, forks `children` alike and writes; each child runs
/// `child_ops`.
fn family(variant: &str, children: usize, child_ops: &str) -> Thp {
    let mut text = format!(
        "model = \"thp\"\nvariant = \"{variant}\"\n[params]\nsubpages = 2\n\
         [[thread]]\nname = \"P\"\nops = [\"thp_fault\", \"gup_pin(0)\"{} , \"write(0)\"]\n",
        ", \"fork\"".repeat(children)
    );
    for c in 1..=children {
        text += &format!("[[thread]]\nname = \"C{c}\"\nchild_of = \"P\"\nops = [{child_ops}]\n");
    }
    let s = Scenario::parse("family", "family.toml", &text).unwrap();
    s.model().as_any().downcast_ref::<Thp>().unwrap().clone()
}

/// The smallest encoding of `s` over every renaming of the children `movable` among
/// themselves.
fn smallest(m: &Thp, s: &<Thp as Model>::State, movable: &[usize]) -> Vec<u8> {
    permutations(movable)
        .into_iter()
        .map(|image| {
            let mut to: Vec<u8> = (0..m.thread_count() as u8).collect();
            for (old, new) in movable.iter().zip(&image) {
                to[*old] = *new as u8;
            }
            let mut t = s.clone();
            m.permute(&mut t, &to);
            let mut bytes = Vec::new();
            m.encode(&t, &mut bytes);
            bytes
        })
        .min()
        .unwrap()
}

/// The number of reachable states and of orbits among them, by brute force: a child may be
/// renamed once it has started (its parent's fork finished).
fn orbits(m: &Thp) -> (usize, usize) {
    let mut all = Collect(Vec::new());
    let out = Checker::new()
        .threads(1)
        .symmetry(false)
        .check_observed(m, &mut all)
        .unwrap();
    assert!(matches!(out.verdict, Verdict::Pass), "{:?}", out.verdict);
    let [group] = &m.thread_groups()[..] else {
        panic!("one group of children: {:?}", m.thread_groups())
    };
    let mut seen = HashSet::new();
    for s in &all.0 {
        let movable: Vec<usize> = group.iter().copied().filter(|&c| m.started(s, c)).collect();
        seen.insert(smallest(m, s, &movable));
    }
    (all.0.len(), seen.len())
}

#[test]
fn one_state_is_stored_per_orbit() {
    let m = family("merged_fix", 4, "\"exit\"");
    let (all, want) = orbits(&m);
    assert!(
        want * 4 < all,
        "{all} states, {want} orbits: the children do reduce"
    );
    for threads in [1, 2] {
        let out = Checker::new().threads(threads).check(&m).unwrap();
        assert!(matches!(out.verdict, Verdict::Pass));
        assert_eq!(out.symmetry, Some(vec![vec![1, 2, 3, 4]]));
        assert_eq!(out.stats.states, want as u64, "-j {threads}");
    }
}

#[test]
fn a_counterexample_on_representatives_names_the_real_children() {
    // v4.5's huge reuse check counts the pin: the parent's write after the children exit
    // copies the page it pinned.
    let m = family("v4_5", 3, "\"exit\"");
    let with = Checker::new().check(&m).unwrap();
    let without = Checker::new().symmetry(false).check(&m).unwrap();
    let (Verdict::Violation(a), Verdict::Violation(b)) = (&with.verdict, &without.verdict) else {
        panic!("{:?} / {:?}", with.verdict, without.verdict)
    };
    assert_eq!(a.violation.check, b.violation.check);
    assert_eq!(a.schedule.len(), b.schedule.len(), "still the shortest");
    assert!(with.stats.states < without.stats.states);
    let replayed = trace::execute(&m, &a.schedule).unwrap();
    assert_eq!(
        replayed.violation.map(|v| v.check),
        Some(a.violation.check.clone())
    );
}

#[test]
fn children_forked_out_of_order_are_not_interchangeable() {
    let text = "model = \"thp\"\nvariant = \"merged_fix\"\n\
                [[thread]]\nname = \"P\"\nops = [\"thp_fault\", \"fork\", \"fork\"]\n\
                [[thread]]\nname = \"C1\"\nchild_of = \"P\"\nops = [\"exit\"]\n\
                [[thread]]\nname = \"C2\"\nchild_of = \"P\"\nops = [\"write(0)\"]\n";
    let s = Scenario::parse("mixed", "mixed.toml", text).unwrap();
    let m = s.model().as_any().downcast_ref::<Thp>().unwrap();
    assert!(m.thread_groups().is_empty(), "{:?}", m.thread_groups());
}
