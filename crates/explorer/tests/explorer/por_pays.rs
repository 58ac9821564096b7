//! Reduction only where it pays: a search reduces in a level (depth-first, a stretch of
//! states) only if reduction left enough steps unexplored in the one before, and says so.

use weft_explorer::{
    Checker, Engine, Field, Footprint, Model, Outcome, Reduce, Reducer, Reduction, Source, Status,
    StepInfo, Verdict, Violation,
};

/// Each thread first takes `shared` steps that write one shared variable (the last writer),
/// so that no two threads' steps are independent, then `local` steps of its own, which are.
#[derive(Clone)]
struct Phases {
    threads: usize,
    shared: u8,
    local: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
struct S {
    pc: Vec<u8>,
    last: u8,
}

impl Model for Phases {
    type State = S;
    fn initial_state(&self) -> S {
        S {
            pc: vec![0; self.threads],
            last: u8::MAX,
        }
    }
    fn thread_count(&self) -> usize {
        self.threads
    }
    fn thread_name(&self, t: usize) -> &str {
        ["a", "b", "c", "d", "e", "f"][t]
    }
    fn status(&self, s: &S, t: usize) -> Status {
        if s.pc[t] < self.shared + self.local {
            Status::Enabled
        } else {
            Status::Finished
        }
    }
    fn step(&self, s: &mut S, t: usize) -> Result<(), Violation> {
        if s.pc[t] < self.shared {
            s.last = t as u8;
        }
        s.pc[t] += 1;
        Ok(())
    }
    fn step_info(&self, _: &S, _: usize) -> StepInfo {
        StepInfo {
            label: "step".into(),
            note: None,
            source: Source::new("-", "-", "-"),
        }
    }
    fn fields(&self, s: &S) -> Vec<Field> {
        vec![Field::memory("last", s.last)]
    }
    fn reduction(&self) -> Option<Reducer<Self>> {
        Some(Reducer::by_footprints())
    }
}

impl Reduce for Phases {
    fn footprint(&self, s: &S, t: usize) -> Footprint {
        if s.pc[t] < self.shared {
            Footprint::rw(1)
        } else {
            Footprint::default()
        }
    }
    fn future_footprint(&self, s: &S, t: usize) -> Footprint {
        self.footprint(s, t)
    }
    fn invariant_reads(&self) -> u64 {
        0
    }
}

fn check(m: &Phases, engine: Engine, threads: usize, reduction: Reduction) -> Outcome {
    let out = Checker::new()
        .engine(engine)
        .threads(threads)
        .reduction(reduction)
        .check(m)
        .unwrap();
    assert!(matches!(out.verdict, Verdict::Pass), "{:?}", out.verdict);
    out
}

fn bfs(m: &Phases, threads: usize, reduction: Reduction) -> Outcome {
    check(m, Engine::Bfs, threads, reduction)
}

#[test]
fn reduction_that_removes_nothing_is_off_after_the_first_level() {
    let m = Phases {
        threads: 4,
        shared: 6,
        local: 0,
    };
    let (full, reduced) = (bfs(&m, 1, Reduction::Off), bfs(&m, 1, Reduction::On));
    assert!(full.stats.reduction.is_none());
    let r = reduced.stats.reduction.expect("reduction asked for");
    // The first level reduces and removes nothing: every later one is explored fully.
    assert_eq!(r.reduced_periods, 1, "{r:?}");
    assert_eq!(r.periods, reduced.stats.depth as u64 + 1, "{r:?}");
    assert_eq!(r.pruned + r.sampled_pruned, 0, "{r:?}");
    assert!(r.sampled > 0, "{r:?}");
    assert_eq!(r.expanded + r.unreduced, full.stats.states, "{r:?}");
    // Nothing was removed, so the search is the full one.
    assert_eq!(reduced.stats.states, full.stats.states);
    assert_eq!(reduced.stats.transitions, full.stats.transitions);
    // The same on two threads.
    assert_eq!(bfs(&m, 2, Reduction::On).stats.reduction, Some(r));
}

#[test]
fn reduction_that_removes_much_stays_on_in_every_level() {
    let m = Phases {
        threads: 4,
        shared: 0,
        local: 6,
    };
    let (full, reduced) = (bfs(&m, 1, Reduction::Off), bfs(&m, 1, Reduction::On));
    let r = reduced.stats.reduction.expect("reduction asked for");
    assert_eq!(r.reduced_periods, r.periods, "{r:?}");
    assert_eq!(r.unreduced, 0, "{r:?}");
    assert!(r.pruned_percent() > 50.0, "{r:?}");
    // One interleaving of independent steps: a single path.
    assert_eq!(reduced.stats.states, 6 * 4 + 1);
    assert!(full.stats.states > 1000);
    assert_eq!(bfs(&m, 2, Reduction::On).stats.reduction, Some(r));
}

#[test]
fn reduction_comes_back_on_where_it_starts_to_pay() {
    let m = Phases {
        threads: 3,
        shared: 4,
        local: 4,
    };
    let (full, reduced) = (bfs(&m, 1, Reduction::Off), bfs(&m, 1, Reduction::On));
    let r = reduced.stats.reduction.expect("reduction asked for");
    // Off after the first level, on again once threads reach their local steps.
    assert!(r.off_periods() > 0, "{r:?}");
    assert!(r.reduced_periods > 1, "{r:?}");
    assert!(r.pruned > 0, "{r:?}");
    assert!(reduced.stats.states < full.stats.states);
    // Deterministic: the same counts and decisions on any number of threads.
    let two = bfs(&m, 2, Reduction::On);
    assert_eq!(two.stats.reduction, Some(r));
    assert_eq!(two.stats.states, reduced.stats.states);
    assert_eq!(two.stats.transitions, reduced.stats.transitions);
}

#[test]
fn depth_first_reduction_is_judged_by_stretches_of_states() {
    // 7^4 positions times five last writers: enough states for several stretches.
    let m = Phases {
        threads: 4,
        shared: 6,
        local: 0,
    };
    let full = check(&m, Engine::Dfs, 1, Reduction::Off);
    let reduced = check(&m, Engine::Dfs, 1, Reduction::On);
    let r = reduced.stats.reduction.expect("reduction asked for");
    assert!(r.periods >= 2, "{r:?}");
    assert_eq!(r.reduced_periods, 1, "{r:?}");
    assert_eq!(reduced.stats.states, full.stats.states);
    let m = Phases {
        threads: 4,
        shared: 0,
        local: 6,
    };
    let r = check(&m, Engine::Dfs, 1, Reduction::On).stats.reduction;
    assert!(r.is_some_and(|r| r.reduced_periods == r.periods && r.pruned > 0));
}
