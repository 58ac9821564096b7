//! The thp model: every shipped scenario's explored verdict equals its `[expect]`,
//! `counter_mismatch` (R1) never fires on a shipped scenario even when exploration goes on past
//! other violations, and the counters along known traces are the ones kernel history's table
//! computes by hand.

use weft_explorer::{Checker, Field, Model, Status, Verdict, Violation};
use weft_model::thp::{Op, Thp, Thread, Variant};
use weft_model::Scenario;

fn thp_scenarios() -> Vec<Scenario> {
    let names: Vec<&str> = Scenario::shipped_names()
        .filter(|n| n.starts_with("thp/"))
        .collect();
    assert!(names.len() >= 20, "the thp scenarios are shipped");
    names
        .into_iter()
        .map(|n| Scenario::shipped(n).unwrap().unwrap())
        .collect()
}

fn failed_check(s: &Scenario) -> Option<String> {
    let outcome = s.model().check(&Checker::new().threads(1)).unwrap();
    match outcome.verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some(c.violation.check),
        Verdict::Stopped(r) => panic!("exploration stopped: {r}"),
    }
}

#[test]
fn shipped_verdicts_match_expect() {
    for s in thp_scenarios() {
        let failed = failed_check(&s);
        let expect = s.expect.as_ref().expect("every thp scenario has [expect]");
        assert!(
            expect.matches(failed.as_deref()),
            "{}: expected {expect}, explored {:?}",
            s.name,
            failed
        );
        assert_ne!(failed.as_deref(), Some("counter_mismatch"), "{}", s.name);
    }
}

/// A model that reports only `counter_mismatch` and keeps exploring past every other
/// violation (a failed step ends its branch).
#[derive(Clone)]
struct OnlyR1<M>(M);

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
struct Wrapped<S> {
    inner: S,
    dead: bool,
}

impl<M: Model> Model for OnlyR1<M> {
    type State = Wrapped<M::State>;
    fn initial_state(&self) -> Self::State {
        Wrapped {
            inner: self.0.initial_state(),
            dead: false,
        }
    }
    fn thread_count(&self) -> usize {
        self.0.thread_count()
    }
    fn thread_name(&self, t: usize) -> &str {
        self.0.thread_name(t)
    }
    fn status(&self, s: &Self::State, t: usize) -> Status {
        if s.dead {
            Status::Finished
        } else {
            self.0.status(&s.inner, t)
        }
    }
    fn step(&self, s: &mut Self::State, t: usize) -> Result<(), Violation> {
        match self.0.step(&mut s.inner, t) {
            Err(v) if v.check == "counter_mismatch" => Err(v),
            Err(_) => {
                s.dead = true;
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }
    fn step_info(&self, s: &Self::State, t: usize) -> weft_explorer::StepInfo {
        self.0.step_info(&s.inner, t)
    }
    fn invariant(&self, s: &Self::State) -> Result<(), Violation> {
        match self.0.invariant(&s.inner) {
            Err(v) if v.check == "counter_mismatch" => Err(v),
            _ => Ok(()),
        }
    }
    fn fields(&self, s: &Self::State) -> Vec<Field> {
        self.0.fields(&s.inner)
    }
}

/// The `counter_mismatch` violation of `model`, if it has one. For `Thp` alone: the wrapper
/// compiles the engines again for each model type it wraps.
fn r1_only(model: &Thp) -> Option<Violation> {
    let only = OnlyR1(model.clone());
    match Checker::new().threads(1).check(&only).unwrap().verdict {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some(c.violation),
        Verdict::Stopped(r) => panic!("exploration stopped: {r}"),
    }
}

#[test]
fn counter_mismatch_never_fires_on_shipped_scenarios() {
    for s in thp_scenarios() {
        let m = (s.model().as_any().downcast_ref::<Thp>()).expect("a thp scenario's model is Thp");
        assert_eq!(r1_only(m), None, "{}", s.name);
    }
}

// ---- hand-checked counters along known schedules

fn field(m: &Thp, s: &<Thp as Model>::State, name: &str) -> String {
    m.fields(s)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .value
}

/// Steps thread `t` until `done` holds (checking every invariant on the way).
fn run_until(
    m: &Thp,
    s: &mut <Thp as Model>::State,
    t: usize,
    done: impl Fn(&Thp, &<Thp as Model>::State) -> bool,
) {
    for _ in 0..200 {
        if done(m, s) {
            return;
        }
        assert_eq!(
            m.status(s, t),
            Status::Enabled,
            "{} cannot move",
            m.thread_name(t)
        );
        m.step(s, t).expect("no step assertion fails");
        m.invariant(s).expect("no invariant fails");
    }
    panic!("condition never reached");
}

fn finished(t: usize) -> impl Fn(&Thp, &<Thp as Model>::State) -> bool {
    move |m, s| m.status(s, t) == Status::Finished
}

/// Scenario K in the order of kernel history's table, merged fix: the counters after each
/// step of the table, and the final reuse without an anon_vma move.
#[test]
fn scenario_k_counters_by_hand() {
    let m = Thp::new(
        Variant::MergedFix,
        2,
        vec![
            Thread {
                name: "P".into(),
                ops: vec![
                    Op::ThpFault,
                    Op::SplitHugePmd,
                    Op::Fork { child: 1 },
                    Op::Munmap(1),
                ],
                child_of: None,
                thread_of: None,
            },
            Thread {
                name: "C".into(),
                ops: vec![Op::Munmap(0), Op::Write(1)],
                child_of: Some(0),
                thread_of: None,
            },
        ],
    )
    .unwrap();
    let mut s = m.initial_state();
    // 1-2. P: THP, split, fork.
    run_until(&m, &mut s, 0, |m, s| m.status(s, 1) == Status::Enabled);
    assert_eq!(field(&m, &s, "H._refcount"), "4");
    assert_eq!(field(&m, &s, "H[0]._mapcount"), "1");
    assert_eq!(field(&m, &s, "H[1]._mapcount"), "1");
    assert_eq!(field(&m, &s, "compound_mapcount"), "-1");
    assert_eq!(field(&m, &s, "PageDoubleMap"), "false");
    assert_eq!(field(&m, &s, "C.pte[0]"), "H[0] ro");
    assert_eq!(field(&m, &s, "P.pte[1]"), "H[1] ro");
    // 3. C unmaps subpage 0 (zap, then the deferred put_page).
    run_until(&m, &mut s, 1, |m, s| field(m, s, "H._refcount") == "3");
    assert_eq!(field(&m, &s, "H[0]._mapcount"), "0");
    assert_eq!(field(&m, &s, "C.pte[0]"), "none");
    // 4. P unmaps subpage 1.
    run_until(&m, &mut s, 0, finished(0));
    assert_eq!(field(&m, &s, "H._refcount"), "2");
    assert_eq!(field(&m, &s, "H[0]._mapcount"), "0");
    assert_eq!(field(&m, &s, "H[1]._mapcount"), "0");
    // 5. C writes subpage 1: page_trans_huge_mapcount = 1 -> reuse; total 2 -> no move.
    run_until(&m, &mut s, 1, finished(1));
    assert_eq!(field(&m, &s, "C.pte[1]"), "H[1] rw");
    assert_eq!(field(&m, &s, "H.mapping"), "anon_vma(P)");
    assert_eq!(field(&m, &s, "H._refcount"), "2");
    m.end_check(&s).unwrap();
}

/// Scenario M's split in the child: PageDoubleMap is set and the PMD's count moves to the
/// subpages (scenario M, step 2).
#[test]
fn double_map_split_by_hand() {
    let m = Thp::new(
        Variant::MergedFix,
        2,
        vec![
            Thread {
                name: "P".into(),
                ops: vec![Op::ThpFault, Op::Fork { child: 1 }],
                child_of: None,
                thread_of: None,
            },
            Thread {
                name: "C".into(),
                ops: vec![Op::Munmap(0)],
                child_of: Some(0),
                thread_of: None,
            },
        ],
    )
    .unwrap();
    let mut s = m.initial_state();
    run_until(&m, &mut s, 0, finished(0));
    assert_eq!(field(&m, &s, "H._refcount"), "2");
    assert_eq!(field(&m, &s, "compound_mapcount"), "1");
    // The split: up to the PTE table being installed in C.
    run_until(&m, &mut s, 1, |m, s| field(m, s, "C.pmd") == "PTE table");
    assert_eq!(field(&m, &s, "PageDoubleMap"), "true");
    assert_eq!(field(&m, &s, "H[0]._mapcount"), "1");
    assert_eq!(field(&m, &s, "H[1]._mapcount"), "1");
    assert_eq!(field(&m, &s, "compound_mapcount"), "0");
    assert_eq!(field(&m, &s, "H._refcount"), "3");
    // The zap of subpage 0.
    run_until(&m, &mut s, 1, finished(1));
    assert_eq!(field(&m, &s, "H[0]._mapcount"), "0");
    assert_eq!(field(&m, &s, "H._refcount"), "2");
    m.end_check(&s).unwrap();
}

/// Scenario M's processes on `variant`: P faults the THP, forks C and writes subpage 0; C
/// unmaps subpage 0.
fn scenario_m(variant: Variant) -> Thp {
    Thp::new(
        variant,
        2,
        vec![
            Thread {
                name: "P".into(),
                ops: vec![Op::ThpFault, Op::Fork { child: 1 }, Op::Write(0)],
                child_of: None,
                thread_of: None,
            },
            Thread {
                name: "C".into(),
                ops: vec![Op::Munmap(0)],
                child_of: Some(0),
                thread_of: None,
            },
        ],
    )
    .unwrap()
}

/// v5.9's huge write fault that cannot reuse (C still maps the PMD) copies no huge page: it
/// splits P's own PMD under the page lock and writes at PTE level, where `page_count != 1`
/// copies subpage 0 alone (3917c80280c9, 09854ba94c6a).
#[test]
fn v5_9_huge_write_fault_falls_back_to_the_pte_path() {
    let m = scenario_m(Variant::V59PageCount);
    let mut s = m.initial_state();
    run_until(&m, &mut s, 0, finished(0));
    assert_eq!(field(&m, &s, "P.pmd"), "PTE table");
    assert_eq!(field(&m, &s, "P.pte[0]"), "copy0 rw");
    assert_eq!(field(&m, &s, "P.pte[1]"), "H[1] ro");
    assert_eq!(field(&m, &s, "copy0._refcount"), "1");
    assert_eq!(field(&m, &s, "C.pmd"), "huge H ro");
    assert_eq!(field(&m, &s, "H.PG_locked"), "unlocked");
    run_until(&m, &mut s, 1, finished(1));
    m.end_check(&s).unwrap();
}

/// Whether thread `t` is inside a mapcount reader (its running `mapcount` is a local).
fn reading(m: &Thp, s: &<Thp as Model>::State, t: usize) -> bool {
    m.locals(s, t).iter().any(|l| l.name == "mapcount")
}

/// The page lock C's split takes (c444eb564fb1) holds P's huge write fault back only where
/// that fault takes it too: on huge_page_lock and v5.9 P sleeps in `lock_page` until C's split
/// is done; on split_page_lock P reads the counters in the middle of the split.
#[test]
fn the_split_page_lock_serializes_only_a_huge_reader_that_takes_it() {
    let in_split_s4 = |m: &Thp, s: &<Thp as Model>::State| field(m, s, "PageDoubleMap") == "true";
    for (variant, waits) in [
        (Variant::SplitPageLock, false),
        (Variant::HugePageLock, true),
        (Variant::V59PageCount, true),
    ] {
        let m = scenario_m(variant);
        let mut s = m.initial_state();
        // P faults and forks; C splits up to s4 (PageDoubleMap set), holding the page lock.
        run_until(&m, &mut s, 0, |m, s| m.status(s, 1) == Status::Enabled);
        run_until(&m, &mut s, 1, in_split_s4);
        assert_eq!(field(&m, &s, "H.PG_locked"), "held by C", "{variant:?}");
        // P's write fault runs as far as it can.
        let mut steps = 0;
        while m.status(&s, 0) == Status::Enabled && !reading(&m, &s, 0) && steps < 50 {
            m.step(&mut s, 0).unwrap();
            steps += 1;
        }
        assert_eq!(m.status(&s, 0) == Status::Blocked, waits, "{variant:?}");
        assert_eq!(reading(&m, &s, 0), !waits, "{variant:?}");
    }
}
