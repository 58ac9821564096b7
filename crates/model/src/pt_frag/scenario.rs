//! Building a pt_frag model from a scenario's variant, parameters and threads.

use super::{Op, PtFrag, Table, Thread, Variant, Walker, OPERATIONS};
use crate::registry::{ModelKind, Spec};
use crate::scenario::{BuildError, Where};
use std::sync::Arc;

/// Parameters this model accepts, with their meaning.
pub const PARAMS: [(&str, &str); 5] = [
    ("frag_nr", "PTE_FRAG_NR, fragments per page (default 2)"),
    (
        "pmd_frag_nr",
        "PMD_FRAG_NR, fragments per PMD page (default: frag_nr)",
    ),
    (
        "debug_vm",
        "1 for CONFIG_DEBUG_VM: put_page_testzero's VM_BUG_ON_PAGE is a step of its own \
         (default 0)",
    ),
    (
        "invariants",
        "1 checks the counts at every quiet point (counter_mismatch): the fragment count \
         equals live plus cached fragments, _refcount the allocation reference plus walker \
         references (default 0)",
    ),
    (
        "preempt",
        "1 for CONFIG_PREEMPT: rcu_read_lock() no longer holds off the RCU-sched grace period \
         that pte_fragment_free_rcu waits for; interrupts off still do (default 0)",
    ),
];

/// The pt_frag model, as scenario files name it.
pub static MODEL: ModelKind = ModelKind {
    name: "pt_frag",
    summary: "powerpc page-table fragments vs speculative references (4231aba000f5)",
    variants: &Variant::NAMES,
    operations: &OPERATIONS,
    params: &PARAMS,
    max_threads: super::MAX_THREADS,
    max_ops: crate::scenario::MAX_OPS,
    build: &|spec| Ok(Arc::new(build(spec)?)),
};

/// Builds the model; errors point at the part of the scenario that is wrong.
pub fn build(spec: &Spec) -> Result<PtFrag, BuildError> {
    let Spec {
        variant,
        params,
        threads,
    } = *spec;
    let variant = Variant::from_name(variant)
        .ok_or_else(|| BuildError::unknown_variant("pt_frag", variant, &Variant::NAMES))?;
    let frag_nr = params.int("frag_nr", 2, 1, super::MAX_FRAG_NR as i64)? as u8;
    let pmd_frag_nr =
        params.int("pmd_frag_nr", frag_nr.into(), 1, super::MAX_FRAG_NR as i64)? as u8;
    let debug_vm = params.int("debug_vm", 0, 0, 1)? == 1;
    let preempt = params.int("preempt", 0, 0, 1)? == 1;
    let invariants = params.int("invariants", 0, 0, 1)? == 1;
    params.only(&PARAMS)?;
    let names = spec.names();
    let mut built = Vec::new();
    for (t, thread) in threads.iter().enumerate() {
        thread.refuse_process_keys(
            t,
            "pt_frag threads all run in one mm",
            "; it is for models of processes (thp)",
        )?;
        let mut ops = Vec::new();
        for (i, call) in thread.ops.iter().enumerate() {
            let at = Where::Op(t, i);
            let op = match (call.name.as_str(), call.args.as_slice()) {
                ("pte_fragment_alloc", []) => Op::Alloc(Table::Pte),
                ("pmd_fragment_alloc", []) => Op::Alloc(Table::Pmd),
                ("pte_frag_destroy", []) => Op::Destroy(Table::Pte),
                ("pmd_frag_destroy", []) => Op::Destroy(Table::Pmd),
                (name, args) if free_of(name).is_some() && args.len() <= 1 => {
                    let (table, rcu) = free_of(name).expect("just matched");
                    let from = match args.first() {
                        None => None,
                        Some(owner) => {
                            let from = names.iter().position(|n| n == owner).ok_or_else(|| {
                                BuildError {
                                    at,
                                    message: format!(
                                        "no thread is named `{}`",
                                        crate::scenario::echo(owner)
                                    ),
                                    help: Some(format!("threads: {}", names.join(", "))),
                                }
                            })?;
                            (from != t).then_some(from as u8)
                        }
                    };
                    Op::Free { from, rcu, table }
                }
                ("speculative_get_put", []) => Op::GetPut(Walker::Pfn),
                ("rcu_lookup_get_put", []) => Op::GetPut(Walker::RcuLookup),
                ("gup_fast_get_put", []) => Op::GetPut(Walker::GupFast),
                _ => {
                    return Err(BuildError::unknown_operation(
                        "pt_frag",
                        at,
                        call,
                        &OPERATIONS,
                    ))
                }
            };
            ops.push(op);
        }
        built.push(Thread {
            name: thread.name.clone(),
            ops,
        });
    }
    if let Some(e) = unfreeable(&built) {
        return Err(e);
    }
    if let Err((t, i, message)) = super::teardown_order(&built) {
        return Err(BuildError {
            at: Where::Op(t, i),
            message,
            help: Some("end one thread's operations with a single pte_frag_destroy".into()),
        });
    }
    let model = PtFrag::new(variant, frag_nr, built).map_err(|message| BuildError {
        at: Where::Threads,
        message,
        help: None,
    })?;
    let model = model
        .pmd_frag_nr(pmd_frag_nr)
        .map_err(|message| BuildError {
            at: Where::Threads,
            message,
            help: None,
        })?;
    Ok(model
        .debug_vm(debug_vm)
        .preempt(preempt)
        .invariants(invariants))
}

/// The level and deferral of a free operation's name (`pmd_fragment_free_rcu`: PMD,
/// deferred), or `None` if it names no free.
fn free_of(name: &str) -> Option<(Table, bool)> {
    [Table::Pte, Table::Pmd].into_iter().find_map(|table| {
        let base = format!("{}_fragment_free", table.prefix());
        let rest = name.strip_prefix(&base)?;
        match rest {
            "" => Some((table, false)),
            "_rcu" => Some((table, true)),
            _ => None,
        }
    })
}

/// The first `pte_fragment_free` that can never run: a thread's fragments are freed more
/// often (by itself and by others naming it) than it allocates one, so that free would wait
/// for ever and the search would report a deadlock the kernel does not have.
fn unfreeable(threads: &[Thread]) -> Option<BuildError> {
    // Per thread, per level (PTE, PMD): allocations, and frees of its fragments so far.
    let allocs: Vec<[usize; 2]> = threads
        .iter()
        .map(|t| {
            t.ops.iter().fold([0; 2], |mut n, op| {
                if let Op::Alloc(table) = op {
                    n[*table as usize] += 1;
                }
                n
            })
        })
        .collect();
    let mut frees = vec![[0usize; 2]; threads.len()];
    for (t, thread) in threads.iter().enumerate() {
        let (mut allocated, mut own) = ([0; 2], [0; 2]);
        for (i, op) in thread.ops.iter().enumerate() {
            let (of, table) = match *op {
                Op::Alloc(table) => {
                    allocated[table as usize] += 1;
                    continue;
                }
                Op::Free { from, table, .. } => (from.map_or(t, usize::from), table),
                _ => continue,
            };
            let (level, alloc) = (table as usize, format!("{}_fragment_alloc", table.prefix()));
            frees[of][level] += 1;
            own[level] += usize::from(of == t);
            if of == t && own[level] > allocated[level] {
                return Some(BuildError {
                    at: Where::Op(t, i),
                    message: format!(
                        "{} frees a {} fragment before it has allocated one",
                        thread.name,
                        table.prefix()
                    ),
                    help: Some(format!("call {alloc} first")),
                });
            }
            if frees[of][level] > allocs[of][level] {
                let name = &threads[of].name;
                return Some(BuildError {
                    at: Where::Op(t, i),
                    message: format!(
                        "this frees a fragment of {name} that is never allocated: {name} calls \
                         {alloc} {} time(s) and its fragments are freed {} times, so this free \
                         would wait for ever",
                        allocs[of][level], frees[of][level]
                    ),
                    help: Some(format!("give {name} another {alloc}, or remove this free")),
                });
            }
        }
    }
    None
}
