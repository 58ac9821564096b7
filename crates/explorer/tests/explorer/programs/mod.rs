//! Random small programs over shared variables and locks, for the tests that compare a
//! reduced search (partial-order reduction, thread symmetry) with the full one.

use proptest::prelude::*;
use weft_explorer::{
    Field, Footprint, Model, Reduce, Reducer, Source, Status, StepInfo, Symmetric, Symmetry,
    Violation,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read(u8),
    Write(u8, u8),
    WriteRead(u8),
    Inc(u8),
    Lock(u8),
    Unlock(u8),
    AssertNot(u8, u8),
}

/// Variables are objects 0..4, locks objects 8..10. Invariant: var 1 stays below 3. End
/// check: var 0 is not 2.
#[derive(Clone, Debug)]
pub struct Program {
    pub threads: Vec<Vec<Op>>,
    /// Whether threads with the same operations are offered as interchangeable.
    pub symmetric: bool,
    /// Whether the model says its keys are local (they are: a step changes its own thread's
    /// position and register, and only the locks it takes or drops itself).
    pub local_keys: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct S {
    pub vars: [u8; 4],
    pub locks: [u8; 2],
    pub pc: Vec<u8>,
    pub reg: Vec<u8>,
}

pub const NO_ONE: u8 = u8::MAX;

fn fp(op: Op) -> Footprint {
    let bit = |o: u8| 1u64 << o;
    match op {
        Op::Read(v) | Op::AssertNot(v, _) => Footprint {
            reads: bit(v),
            writes: 0,
        },
        Op::Write(v, _) | Op::WriteRead(v) => Footprint {
            reads: 0,
            writes: bit(v),
        },
        Op::Inc(v) => Footprint {
            reads: bit(v),
            writes: bit(v),
        },
        Op::Lock(l) | Op::Unlock(l) => Footprint {
            reads: bit(8 + l),
            writes: bit(8 + l),
        },
    }
}

impl Model for Program {
    type State = S;
    fn initial_state(&self) -> S {
        S {
            vars: [0; 4],
            locks: [NO_ONE; 2],
            pc: vec![0; self.threads.len()],
            reg: vec![0; self.threads.len()],
        }
    }
    fn thread_count(&self) -> usize {
        self.threads.len()
    }
    fn thread_name(&self, t: usize) -> &str {
        ["a", "b", "c", "d", "e", "f"][t]
    }
    fn status(&self, s: &S, t: usize) -> Status {
        match self.threads[t].get(s.pc[t] as usize) {
            None => Status::Finished,
            Some(Op::Lock(l)) if s.locks[*l as usize] != NO_ONE => Status::Blocked,
            Some(_) => Status::Enabled,
        }
    }
    fn step(&self, s: &mut S, t: usize) -> Result<(), Violation> {
        let op = self.threads[t][s.pc[t] as usize];
        s.pc[t] += 1;
        match op {
            Op::Read(v) => s.reg[t] = s.vars[v as usize],
            Op::Write(v, k) => s.vars[v as usize] = k,
            Op::WriteRead(v) => s.vars[v as usize] = s.reg[t],
            Op::Inc(v) => s.vars[v as usize] = s.vars[v as usize].wrapping_add(1) % 4,
            Op::Lock(l) => s.locks[l as usize] = t as u8,
            Op::Unlock(l) => {
                if s.locks[l as usize] == t as u8 {
                    s.locks[l as usize] = NO_ONE
                }
            }
            Op::AssertNot(v, k) if s.vars[v as usize] == k => {
                return Err(Violation::new("assert", format!("var{v} is {k}")))
            }
            Op::AssertNot(..) => {}
        }
        Ok(())
    }
    fn step_info(&self, s: &S, t: usize) -> StepInfo {
        let op = self.threads[t][s.pc[t] as usize];
        StepInfo {
            label: format!("{op:?}"),
            note: None,
            source: Source::new("-", "-", "-"),
        }
    }
    fn reduction(&self) -> Option<Reducer<Self>> {
        Some(Reducer::by_footprints())
    }
    fn symmetry(&self) -> Option<Symmetry<Self>> {
        self.symmetric.then(|| Symmetry::by_sorting(self)).flatten()
    }
    fn invariant(&self, s: &S) -> Result<(), Violation> {
        if s.vars[1] >= 3 {
            return Err(Violation::new("invariant", "var1 >= 3"));
        }
        Ok(())
    }
    fn end_check(&self, s: &S) -> Result<(), Violation> {
        if s.vars[0] == 2 {
            return Err(Violation::new("end", "var0 == 2"));
        }
        Ok(())
    }
    fn fields(&self, s: &S) -> Vec<Field> {
        vec![Field::memory("vars", format!("{:?}", s.vars))]
    }
}

impl Reduce for Program {
    fn footprint(&self, s: &S, t: usize) -> Footprint {
        fp(self.threads[t][s.pc[t] as usize])
    }
    fn future_footprint(&self, s: &S, t: usize) -> Footprint {
        self.threads[t][s.pc[t] as usize..]
            .iter()
            .fold(Footprint::default(), |acc, op| acc.union(fp(*op)))
    }
    fn invariant_reads(&self) -> u64 {
        1 << 1
    }
}

/// Threads with the same operations; a thread's key is its register, its position and the
/// locks it holds; renaming moves those and renames the lock holders. The register first: it
/// goes down as well as up, so a thread that steps moves both ways among its group.
impl Symmetric for Program {
    type Key = (u8, u8, [bool; 2]);
    fn thread_groups(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (t, ops) in self.threads.iter().enumerate() {
            match groups.iter_mut().find(|g| self.threads[g[0]] == *ops) {
                Some(group) => group.push(t),
                None => groups.push(vec![t]),
            }
        }
        groups.retain(|g| g.len() > 1);
        groups
    }
    fn thread_key(&self, s: &S, t: usize) -> Self::Key {
        let holds = |l: usize| s.locks[l] == t as u8;
        (s.reg[t], s.pc[t], [holds(0), holds(1)])
    }
    fn keys_are_local(&self) -> bool {
        self.local_keys
    }
    fn permute(&self, s: &mut S, to: &[u8]) {
        let (pc, reg) = (s.pc.clone(), s.reg.clone());
        for (t, &new) in to.iter().enumerate() {
            s.pc[new as usize] = pc[t];
            s.reg[new as usize] = reg[t];
        }
        for holder in &mut s.locks {
            if *holder != NO_ONE {
                *holder = to[*holder as usize];
            }
        }
    }
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4u8).prop_map(Op::Read),
        (0..4u8, 0..4u8).prop_map(|(v, k)| Op::Write(v, k)),
        (0..4u8).prop_map(Op::WriteRead),
        (0..4u8).prop_map(Op::Inc),
        (0..2u8).prop_map(Op::Lock),
        (0..2u8).prop_map(Op::Unlock),
        (0..4u8, 1..4u8).prop_map(|(v, k)| Op::AssertNot(v, k)),
    ]
}

pub fn program() -> impl Strategy<Value = Program> {
    proptest::collection::vec(proptest::collection::vec(op(), 1..5), 2..4).prop_map(|threads| {
        Program {
            threads,
            symmetric: false,
            local_keys: false,
        }
    })
}

/// Programs whose threads come in groups running the same operations: one to three kinds
/// of thread, each run by one to three threads, five threads at most.
pub fn symmetric_program() -> impl Strategy<Value = Program> {
    proptest::collection::vec((proptest::collection::vec(op(), 1..4), 1..4usize), 1..4).prop_map(
        |kinds| {
            let threads: Vec<Vec<Op>> = (kinds.iter())
                .flat_map(|(ops, n)| std::iter::repeat_n(ops.clone(), *n))
                .take(5)
                .collect();
            Program {
                threads,
                symmetric: true,
                local_keys: true,
            }
        },
    )
}
