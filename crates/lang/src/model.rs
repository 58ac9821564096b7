//! A lowered program as a [`Model`] every engine explores, with footprints for reduction.

use crate::interp::{Packing, State};
use crate::ir::*;
use crate::lower::{Lowered, OpCall, ThreadCode};
use crate::symmetry::Layout;
use std::sync::Arc;
use weft_explorer::{
    fingerprint_bytes, Field, Footprint, Local, Model, Reduce, Reducer, Status, StepInfo, Symmetry,
    Violation,
};

/// A model written in the language, built for one scenario's threads.
#[derive(Clone)]
pub struct LangModel(pub(crate) Arc<Inner>);

/// Everything a [`LangModel`] runs on.
pub(crate) struct Inner {
    pub names: Vec<String>,
    pub slots: Vec<Slot>,
    /// Each struct's instances, in pointer order: what a pointer shows.
    pub instances: std::collections::HashMap<String, Vec<String>>,
    pub globals: u32,
    pub packing: Packing,
    pub threads: Vec<ThreadCode>,
    /// Per thread and position: what the step from there touches, and everything after.
    step_fp: Vec<Vec<Footprint>>,
    /// Per thread and position: what the step from there may wait for first.
    pub gates: Vec<Vec<Gate>>,
    future_fp: Vec<Vec<Footprint>>,
    invariants: Vec<(&'static str, Val, String)>,
    end_checks: Vec<(&'static str, Val, String)>,
    invariant_reads: u64,
    checks: Vec<&'static str>,
    init: State,
    /// Thread groups and where each thread's part of a state is (thread symmetry).
    pub layout: Layout,
}

impl LangModel {
    /// The model for `lowered`, its threads named `names`, which made `calls`.
    pub(crate) fn new(lowered: Lowered, names: Vec<String>, calls: &[Vec<OpCall>]) -> LangModel {
        let owned: Vec<std::ops::Range<u32>> = (lowered.thread_arrays.iter())
            .map(|a| a.base..a.base + a.stride * names.len() as u32)
            .collect();
        let packing = Packing::new(&lowered.slots, names.len(), Some(&owned));
        let mut lowered = lowered;
        for ins in lowered.threads.iter_mut().flat_map(|t| t.code.iter_mut()) {
            if let Op::Reset(from, to, bytes) = &mut ins.op {
                *bytes = packing.runs(*from, *to);
            }
        }
        let thread_arrays = lowered.thread_arrays;
        let step_fp = lowered
            .threads
            .iter()
            .map(|t| step_footprints(&t.code))
            .collect();
        let gates = lowered.threads.iter().map(|t| gates(&t.code)).collect();
        let future_fp = lowered
            .threads
            .iter()
            .map(|t| future_footprints(&t.code))
            .collect();
        let mut inner = Inner {
            names,
            init: State(vec![0; packing.size].into_boxed_slice()),
            slots: lowered.slots,
            globals: lowered.globals,
            packing,
            threads: lowered.threads,
            step_fp,
            gates,
            future_fp,
            invariants: lowered.invariants,
            end_checks: lowered.end_checks,
            invariant_reads: lowered.invariant_reads,
            checks: lowered.checks,
            instances: lowered.instances,
            layout: Layout::default(),
        };
        inner.layout = Layout::new(&inner, calls, &thread_arrays);
        let mut init = inner.init.clone();
        for (i, s) in inner.slots.iter().enumerate() {
            inner.put(&mut init, i as u32, s.init);
        }
        inner.init = init;
        LangModel(Arc::new(inner))
    }
}

/// Successors of instruction `pc`.
fn successors(code: &[Instr], pc: usize) -> impl Iterator<Item = usize> {
    let (a, b) = match code[pc].op {
        Op::Jump(t) => (t as usize, None),
        Op::BranchIfNot(_, t) => (pc + 1, Some(t as usize)),
        _ => (pc + 1, None),
    };
    std::iter::once(a).chain(b)
}

/// What a step starting at each position may touch: the instructions it can run, up to the
/// next shared access after one, an atomic block whole.
fn step_footprints(code: &[Instr]) -> Vec<Footprint> {
    (0..code.len())
        .map(|start| {
            let mut fp = Footprint::default();
            let mut seen = std::collections::HashSet::new();
            let mut todo = vec![(start, false, 0u32)];
            while let Some((pc, shared, depth)) = todo.pop() {
                let Some(ins) = code.get(pc) else { continue };
                if (depth == 0 && ins.starts_step() && shared) || !seen.insert((pc, shared, depth))
                {
                    continue;
                }
                fp = fp.union(ins.fp);
                let depth = match ins.op {
                    Op::AtomicBegin => depth + 1,
                    Op::AtomicEnd => depth.saturating_sub(1),
                    _ => depth,
                };
                for next in successors(code, pc) {
                    todo.push((next, shared || ins.shared, depth));
                }
            }
            fp
        })
        .collect()
}

/// What a thread's status at a position depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Nothing: the step from here runs.
    Open,
    /// The lock in this slot: the step does only local work before it takes it, on every
    /// path, so it runs unless the lock is held.
    Lock(u32),
    /// A `wait_until`, or a lock that local work may choose: a trial run of the step says.
    Trial,
}

/// What the step from each position may wait for before it touches shared memory: a
/// `wait_until` or a `spin_lock` reached through local work only. A thread whose step would
/// start with local work and then wait is blocked, not moved halfway.
fn gates(code: &[Instr]) -> Vec<Gate> {
    (0..code.len())
        .map(|start| {
            let mut seen = std::collections::HashSet::new();
            let mut todo = vec![start];
            let (mut gate, mut open) = (Gate::Open, false);
            while let Some(pc) = todo.pop() {
                let Some(ins) = code.get(pc) else {
                    open = true;
                    continue;
                };
                let found = match &ins.op {
                    Op::Await(_) => Gate::Trial,
                    Op::Lock(p) if p.index.is_none() && p.via.is_none() => Gate::Lock(p.base),
                    Op::Lock(_) => Gate::Trial,
                    _ if !ins.shared => {
                        if seen.insert(pc) {
                            todo.extend(successors(code, pc));
                        }
                        continue;
                    }
                    _ => {
                        open = true;
                        continue;
                    }
                };
                gate = match (gate, found) {
                    (Gate::Open, found) => found,
                    (a, b) if a == b => a,
                    _ => Gate::Trial,
                };
            }
            // Some paths wait and others do not: which one runs depends on the locals.
            match gate {
                Gate::Lock(_) if open => Gate::Trial,
                gate => gate,
            }
        })
        .collect()
}

/// Everything a thread may still touch from each position: a fixpoint over its jumps.
fn future_footprints(code: &[Instr]) -> Vec<Footprint> {
    let mut fut: Vec<Footprint> = code.iter().map(|i| i.fp).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..code.len()).rev() {
            let mut f = fut[pc];
            for n in successors(code, pc) {
                if let Some(g) = fut.get(n) {
                    f = f.union(*g);
                }
            }
            if f != fut[pc] {
                fut[pc] = f;
                changed = true;
            }
        }
    }
    fut
}

fn check_all(
    inner: &Inner,
    s: &State,
    checks: &[(&'static str, Val, String)],
) -> Result<(), Violation> {
    for (name, cond, message) in checks {
        if inner.eval(s, cond).map_err(|f| *f)? == 0 {
            return Err(Violation::new(*name, message.clone()));
        }
    }
    Ok(())
}

impl Model for LangModel {
    type State = State;

    fn initial_state(&self) -> State {
        self.0.init.clone()
    }

    fn thread_count(&self) -> usize {
        self.0.names.len()
    }

    fn thread_name(&self, thread: usize) -> &str {
        &self.0.names[thread]
    }

    fn status(&self, s: &State, thread: usize) -> Status {
        self.0.status(s, thread)
    }

    fn step(&self, s: &mut State, thread: usize) -> Result<(), Violation> {
        self.0.step(s, thread)
    }

    fn step_info(&self, s: &State, thread: usize) -> StepInfo {
        let th = &self.0.threads[thread];
        let pc = self.0.pc(s, thread);
        let label = th.code.get(pc).map_or(0, |i| i.label) as usize;
        match th.labels.get(label) {
            Some(l) => StepInfo {
                label: l.text.clone(),
                note: None,
                source: l.source.clone(),
            },
            None => StepInfo::default(),
        }
    }

    fn invariant(&self, s: &State) -> Result<(), Violation> {
        check_all(&self.0, s, &self.0.invariants)
    }

    fn end_check(&self, s: &State) -> Result<(), Violation> {
        check_all(&self.0, s, &self.0.end_checks)
    }

    fn fields(&self, s: &State) -> Vec<Field> {
        (0..self.0.globals)
            .map(|i| {
                let slot = &self.0.slots[i as usize];
                let value = self.0.show(s, i);
                if slot.ghost {
                    Field::ghost(&slot.name, value)
                } else {
                    Field::memory(&slot.name, value)
                }
            })
            .collect()
    }

    fn locals(&self, s: &State, thread: usize) -> Vec<Local> {
        let th = &self.0.threads[thread];
        let pc = self.0.pc(s, thread) as u32;
        let Some(op) = th
            .ops
            .iter()
            .rev()
            .find(|o| o.0 <= pc && pc < th.code.len() as u32)
        else {
            return Vec::new();
        };
        let live = |s: &Slot| s.live.is_none_or(|(from, to)| from <= pc && pc < to);
        (op.2..op.3)
            .filter(|i| !self.0.slots[*i as usize].hidden && live(&self.0.slots[*i as usize]))
            .map(|i| Local::new(&self.0.slots[i as usize].name, self.0.show(s, i)))
            .collect()
    }

    fn reduction(&self) -> Option<Reducer<Self>> {
        Some(Reducer::by_footprints())
    }

    /// Threads that call the same operations with the same arguments are interchangeable
    /// (the `symmetry` module).
    fn symmetry(&self) -> Option<Symmetry<Self>> {
        Symmetry::by_sorting(self)
    }

    fn encode(&self, s: &State, out: &mut Vec<u8>) {
        out.extend_from_slice(&s.0);
    }

    fn encode_fingerprinted(&self, s: &State, out: &mut Vec<u8>) -> u64 {
        out.extend_from_slice(&s.0);
        fingerprint_bytes(&s.0)
    }

    fn decode(&self, bytes: &[u8]) -> State {
        State(bytes.into())
    }

    fn fingerprint(&self, s: &State) -> u64 {
        fingerprint_bytes(&s.0)
    }

    fn checks(&self) -> Vec<&'static str> {
        self.0.checks.clone()
    }

    fn coverage_points(&self, thread: usize) -> Vec<String> {
        let th = &self.0.threads[thread];
        th.labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let op = th
                    .code
                    .iter()
                    .position(|c| c.label == i as u32)
                    .and_then(|pc| th.ops.iter().rposition(|o| o.0 as usize <= pc))
                    .unwrap_or(0);
                let name = th.ops.get(op).map_or("", |o| o.1.as_str());
                format!("op {op} {name}: {}", l.text)
            })
            .collect()
    }

    fn coverage_is_program(&self) -> bool {
        false
    }

    fn coverage_point(&self, s: &State, thread: usize) -> usize {
        let th = &self.0.threads[thread];
        th.code
            .get(self.0.pc(s, thread))
            .map_or(0, |i| i.label as usize)
    }
}

impl Reduce for LangModel {
    fn footprint(&self, s: &State, thread: usize) -> Footprint {
        let pc = self.0.pc(s, thread);
        self.0.step_fp[thread].get(pc).copied().unwrap_or_default()
    }

    fn future_footprint(&self, s: &State, thread: usize) -> Footprint {
        let pc = self.0.pc(s, thread);
        self.0.future_fp[thread]
            .get(pc)
            .copied()
            .unwrap_or_default()
    }

    fn invariant_reads(&self) -> u64 {
        self.0.invariant_reads
    }
}
