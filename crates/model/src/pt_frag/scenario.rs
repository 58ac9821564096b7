//! Building a pt_frag model from a scenario's variant, parameters and threads.

use super::{Op, PtFrag, Thread, Variant, OPERATIONS};
use crate::registry::{ModelKind, Spec};
use crate::scenario::{BuildError, Where};
use std::sync::Arc;

/// Parameters this model accepts, with their meaning.
pub const PARAMS: [(&str, &str); 1] = [("frag_nr", "PTE_FRAG_NR, fragments per page (default 2)")];

/// The pt_frag model, as scenario files name it.
pub static MODEL: ModelKind = ModelKind {
    name: "pt_frag",
    summary: "powerpc page-table fragments vs speculative references (4231aba000f5)",
    variants: &Variant::NAMES,
    operations: &OPERATIONS,
    params: &PARAMS,
    max_threads: super::MAX_THREADS,
    max_ops: crate::scenario::MAX_OPS,
    build: |spec| Ok(Arc::new(build(spec)?)),
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
    params.only(&PARAMS)?;
    let names = spec.names();
    let mut built = Vec::new();
    for (t, thread) in threads.iter().enumerate() {
        if thread.child_of.is_some() {
            return Err(BuildError {
                at: Where::ChildOf(t),
                message: "pt_frag threads all run in one mm: `child_of` does not apply".into(),
                help: Some("remove `child_of`; it is for models of processes (thp)".into()),
            });
        }
        let mut ops = Vec::new();
        for (i, call) in thread.ops.iter().enumerate() {
            let at = Where::Op(t, i);
            let op = match (call.name.as_str(), call.args.as_slice()) {
                ("pte_fragment_alloc", []) => Op::Alloc,
                ("pte_fragment_free", []) => Op::Free { from: None },
                ("pte_fragment_free", [owner]) => {
                    let from = names
                        .iter()
                        .position(|n| n == owner)
                        .ok_or_else(|| BuildError {
                            at,
                            message: format!(
                                "no thread is named `{}`",
                                crate::scenario::echo(owner)
                            ),
                            help: Some(format!("threads: {}", names.join(", "))),
                        })?;
                    Op::Free {
                        from: (from != t).then_some(from as u8),
                    }
                }
                ("pte_frag_destroy", []) => Op::Destroy,
                ("speculative_get_put", []) => Op::SpeculativeGetPut,
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
    PtFrag::new(variant, frag_nr, built).map_err(|message| BuildError {
        at: Where::Threads,
        message,
        help: None,
    })
}
