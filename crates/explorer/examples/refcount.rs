//! A classic refcount race, with weft-explorer's public API alone. Two threads each drop a
//! reference to an object (`refcount` 2). A put that reads the count and writes it back is
//! two steps: both threads read 2, both write 1, and nobody frees the object. An atomic
//! `atomic_dec_and_test` is one step. Run: `cargo run -p weft-explorer --example refcount`.

use serde::{Deserialize, Serialize};
use weft_explorer::{
    trace, Checker, Field, Model, Outcome, Source, Status, StepInfo, Verdict, Violation,
};

/// Two threads dropping their references; the put is atomic if the flag is set.
#[derive(Clone)]
pub struct Puts(pub bool);

/// The count, whether the object was freed, and per thread its next step (0 read or atomic
/// put, 1 write back, 2 free, 3 done) and the count it read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    refcount: u8,
    freed: bool,
    pc: [u8; 2],
    read: [u8; 2],
}

impl Model for Puts {
    type State = State;
    fn initial_state(&self) -> State {
        State {
            refcount: 2,
            ..State::default()
        }
    }
    fn thread_count(&self) -> usize {
        2
    }
    fn thread_name(&self, t: usize) -> &str {
        ["a", "b"][t]
    }
    fn status(&self, s: &State, t: usize) -> Status {
        [Status::Enabled, Status::Finished][(s.pc[t] == 3) as usize]
    }
    fn step(&self, s: &mut State, t: usize) -> Result<(), Violation> {
        match s.pc[t] {
            0 if !self.0 => (s.read[t], s.pc[t]) = (s.refcount, 1),
            0 | 1 => {
                s.refcount = if self.0 { s.refcount } else { s.read[t] } - 1;
                s.pc[t] = if s.refcount == 0 { 2 } else { 3 };
            }
            _ => (s.freed, s.pc[t]) = (true, 3),
        }
        Ok(())
    }
    fn step_info(&self, s: &State, t: usize) -> StepInfo {
        let label = match (s.pc[t], self.0) {
            (0, true) => "if (atomic_dec_and_test(&obj->refcount))",
            (0, false) => "count = obj->refcount",
            (1, _) => "obj->refcount = count - 1",
            _ => "kfree(obj)",
        };
        let source = Source::new("put", "obj.c", "example");
        let note = None;
        StepInfo {
            label: label.into(),
            note,
            source,
        }
    }
    fn end_check(&self, s: &State) -> Result<(), Violation> {
        let leak = Violation::new("leak", format!("refcount is {}, obj not freed", s.refcount));
        s.freed.then_some(()).ok_or(leak)
    }
    fn fields(&self, s: &State) -> Vec<Field> {
        vec![Field::memory("obj.refcount", s.refcount)]
    }
}

/// Explores every schedule of the racy or the atomic puts.
pub fn check(atomic: bool) -> Outcome {
    Checker::new()
        .check(&Puts(atomic))
        .expect("a breadth-first search")
}

/// Prints what the search finds for each put.
pub fn main() {
    for atomic in [false, true] {
        let Verdict::Violation(cex) = check(atomic).verdict else {
            println!("atomic put: {atomic}: no schedule breaks a check");
            continue;
        };
        println!("atomic put: {atomic}: violation of {}", cex.violation.check);
        let steps = trace::execute(&Puts(atomic), &cex.schedule).expect("it re-executes");
        for (i, step) in steps.steps.iter().enumerate() {
            println!("  {}. {} {}", i + 1, step.thread_name, step.label);
        }
        println!("  => {}", cex.violation.message);
    }
}
