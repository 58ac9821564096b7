//! Small models used to test the engines, written with the public Model trait only.

use weft_explorer::{Field, Model, Source, Status, StepInfo, Violation};

/// `k` threads each do `tmp = counter; counter = tmp + 1` (`rounds` times); the end check
/// wants `counter == k * rounds`. The classic lost update.
#[derive(Clone, Debug)]
pub struct LostUpdate {
    pub threads: usize,
    pub rounds: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Counter {
    pub counter: u8,
    pub pc: Vec<u8>,
    pub tmp: Vec<u8>,
}

fn source() -> Source {
    Source::new("toy", "toy.rs", "-")
}

impl Model for LostUpdate {
    type State = Counter;
    fn initial_state(&self) -> Counter {
        Counter {
            counter: 0,
            pc: vec![0; self.threads],
            tmp: vec![0; self.threads],
        }
    }
    fn thread_count(&self) -> usize {
        self.threads
    }
    fn thread_name(&self, t: usize) -> &str {
        ["t0", "t1", "t2", "t3", "t4", "t5"][t]
    }
    fn status(&self, s: &Counter, t: usize) -> Status {
        if s.pc[t] >= 2 * self.rounds {
            Status::Finished
        } else {
            Status::Enabled
        }
    }
    fn step(&self, s: &mut Counter, t: usize) -> Result<(), Violation> {
        if s.pc[t] % 2 == 0 {
            s.tmp[t] = s.counter;
        } else {
            s.counter = s.tmp[t] + 1;
        }
        s.pc[t] += 1;
        Ok(())
    }
    fn step_info(&self, s: &Counter, t: usize) -> StepInfo {
        StepInfo {
            label: if s.pc[t] % 2 == 0 {
                "tmp = counter"
            } else {
                "counter = tmp + 1"
            }
            .into(),
            note: None,
            source: source(),
        }
    }
    fn end_check(&self, s: &Counter) -> Result<(), Violation> {
        let want = self.threads as u8 * self.rounds;
        if s.counter == want {
            Ok(())
        } else {
            Err(Violation::new(
                "lost_update",
                format!("counter is {} not {want}", s.counter),
            ))
        }
    }
    fn fields(&self, s: &Counter) -> Vec<Field> {
        let mut f = vec![Field::memory("counter", s.counter)];
        for t in 0..self.threads {
            f.push(Field::memory(format!("t{t}.tmp"), s.tmp[t]).of(t));
        }
        f
    }
}

/// Two locks taken in opposite orders by two threads (or the same order if `ordered`), then
/// released. Deadlocks unless ordered.
pub type Locks = LocksModel;
#[derive(Clone, Debug)]
pub struct LocksModel {
    pub ordered: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LockState {
    pub held: [Option<u8>; 2],
    pub pc: [u8; 2],
}

impl LocksModel {
    fn lock_of(&self, t: usize, pc: u8) -> usize {
        let first = if self.ordered || t == 0 { 0 } else { 1 };
        match pc {
            0 | 3 => first,
            _ => 1 - first,
        }
    }
}

impl Model for LocksModel {
    type State = LockState;
    fn initial_state(&self) -> LockState {
        LockState {
            held: [None; 2],
            pc: [0; 2],
        }
    }
    fn thread_count(&self) -> usize {
        2
    }
    fn thread_name(&self, t: usize) -> &str {
        ["a", "b"][t]
    }
    fn status(&self, s: &LockState, t: usize) -> Status {
        let pc = s.pc[t];
        if pc >= 4 {
            Status::Finished
        } else if pc < 2 && s.held[self.lock_of(t, pc)].is_some() {
            Status::Blocked
        } else {
            Status::Enabled
        }
    }
    fn step(&self, s: &mut LockState, t: usize) -> Result<(), Violation> {
        let pc = s.pc[t];
        let l = self.lock_of(t, pc);
        s.held[l] = if pc < 2 { Some(t as u8) } else { None };
        s.pc[t] += 1;
        Ok(())
    }
    fn step_info(&self, s: &LockState, t: usize) -> StepInfo {
        let pc = s.pc[t];
        StepInfo {
            label: format!(
                "{}(L{})",
                if pc < 2 { "lock" } else { "unlock" },
                self.lock_of(t, pc)
            ),
            note: None,
            source: source(),
        }
    }
    fn fields(&self, s: &LockState) -> Vec<Field> {
        (0..2)
            .map(|l| Field::memory(format!("L{l}"), format!("{:?}", s.held[l])))
            .collect()
    }
}
