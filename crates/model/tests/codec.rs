//! `Model::decode` reverses `Model::encode` on every reachable state of every small shipped
//! scenario: the breadth-first search queues states encoded, so a codec that loses a field
//! would explore the wrong states. And `Model::fingerprint` tells those states apart: a
//! fingerprint that skipped a field would merge states the search must keep apart. And
//! `clone_from` copies a state over another (the search steps successors in reused copies).

mod common;

use common::{report, typed};
use std::collections::HashMap;
use weft_explorer::{Checker, Model, Observer, Reduction, Verdict};
use weft_model::Scenario;

struct RoundTrip<'a, M: Model> {
    model: &'a M,
    /// Every state reported, by the fingerprint the search gave it.
    by_fp: HashMap<u64, M::State>,
    /// The state reported before, to copy the next one over.
    last: Option<M::State>,
}

impl<M: Model> Observer<M::State> for RoundTrip<'_, M> {
    fn state(&mut self, fp: u64, s: &M::State, _depth: usize) {
        let mut bytes = vec![0xAA]; // encode appends: start from a non-empty buffer
        self.model.encode(s, &mut bytes);
        let decoded = self.model.decode(&bytes[1..]);
        assert_eq!(&decoded, s);
        assert_eq!(self.model.fingerprint(&decoded), fp);
        let mut copy = self.last.take().unwrap_or_else(|| s.clone());
        copy.clone_from(s);
        assert_eq!(&copy, s, "clone_from over another state");
        self.last = Some(copy);
        self.by_fp.insert(fp, s.clone());
    }

    fn transition(&mut self, _from_fp: u64, from: &M::State, thread: usize, to_fp: u64) {
        let mut to = from.clone();
        self.model.step(&mut to, thread).unwrap();
        assert_eq!(
            self.by_fp.get(&to_fp),
            Some(&to),
            "a step reached a state the search took for another with the same fingerprint"
        );
    }
}

fn check<M: Model>(m: &M) -> usize {
    let mut rt = RoundTrip {
        model: m,
        by_fp: HashMap::new(),
        last: None,
    };
    Checker::new()
        .symmetry(false)
        .keep_going(true)
        .check_observed(m, &mut rt)
        .unwrap();
    rt.by_fp.len()
}

#[test]
fn every_reachable_state_round_trips_and_keeps_its_own_fingerprint() {
    let mut checked = 0;
    for name in Scenario::shipped_names().filter(|n| !n.contains("scaled_3x3")) {
        let scenario = Scenario::shipped(name).unwrap().unwrap();
        let states = typed!(scenario, |m| check(m));
        assert!(states > 1, "{name}: explored {states} states");
        checked += states;
    }
    assert!(checked > 10_000, "{checked} states checked");
}

/// Explores with the whole queue in memory and with none of it (every level on disk).
fn queue_on_disk(scenario: &Scenario) {
    let reduced = if scenario.model().reducible() {
        Reduction::On
    } else {
        Reduction::Off
    };
    for (reduction, count_schedules, threads) in [(Reduction::Off, true, 1), (reduced, false, 2)] {
        let checker = Checker::new()
            .symmetry(false)
            .threads(threads)
            .reduction(reduction)
            .count_schedules(count_schedules);
        let run = |checker: &Checker| scenario.model().check(checker).unwrap();
        let (mem, disk) = (run(&checker), run(&checker.clone().frontier_memory(0)));
        assert_eq!(report(&mem), report(&disk));
        assert_eq!(mem.stats.disk_bytes, 0, "small runs stay in memory");
    }
}

#[test]
fn a_queue_on_disk_explores_exactly_what_one_in_memory_does() {
    for name in Scenario::shipped_names().filter(|n| !n.contains("scaled_3x3")) {
        queue_on_disk(&Scenario::shipped(name).unwrap().unwrap());
    }
}

/// On 3x3 the levels outgrow the write buffers, so a zero budget puts them in the file (every
/// state stored: without symmetry).
#[test]
fn a_zero_budget_puts_the_queue_on_disk() {
    let name = "pt_frag/pt_frag_refcount_scaled_3x3";
    let scenario = Scenario::shipped(name).unwrap().unwrap();
    let checker = Checker::new().symmetry(false).threads(2);
    let run = |checker: &Checker| scenario.model().check(checker).unwrap();
    let (mem, disk) = (run(&checker), run(&checker.clone().frontier_memory(0)));
    // Both put the parent links on disk; only the zero budget puts the levels there too.
    let (on_disk, in_memory) = (disk.stats.disk_bytes, mem.stats.disk_bytes);
    assert!(on_disk > in_memory + (1 << 20), "{on_disk} vs {in_memory}");
    assert_eq!(report(&mem), report(&disk));
    assert!(matches!(disk.verdict, Verdict::Pass));
}
