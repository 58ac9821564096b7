//! Teardown as the kernel runs it: `destroy_pagetable_cache` (arch_exit_mmap) calls
//! `pte_frag_destroy` and `pmd_frag_destroy` once each, from the exit of the mm's last
//! user, and nothing of the mm allocates after it.

use super::{Op, Thread};

/// Whether a thread tears a cache down; an error (at thread, operation) when the scenario
/// does it in a way the kernel cannot: two threads tear down, one cache is torn down twice,
/// or a fragment is allocated after teardown.
pub(crate) fn teardown_order(threads: &[Thread]) -> Result<bool, (usize, usize, String)> {
    const ONCE: &str = "the kernel runs it once, from arch_exit_mmap when the mm's last user exits";
    let mut destroyer: Option<&str> = None;
    for (t, thread) in threads.iter().enumerate() {
        let Some(at) = thread
            .ops
            .iter()
            .position(|op| matches!(op, Op::Destroy(_)))
        else {
            continue;
        };
        let first_op = thread.ops[at];
        if let Some(first) = destroyer.replace(&thread.name) {
            let message = format!(
                "{} is called by both `{first}` and `{}`: {ONCE}",
                first_op.name(),
                thread.name
            );
            return Err((t, at, message));
        }
        let mut destroyed = vec![first_op];
        for (i, op) in thread.ops.iter().enumerate().skip(at + 1) {
            let message = match op {
                Op::Destroy(_) if destroyed.contains(op) => {
                    format!("`{}` calls {} twice: {ONCE}", thread.name, op.name())
                }
                Op::Destroy(_) => {
                    destroyed.push(*op);
                    continue;
                }
                Op::Alloc(_) => format!(
                    "`{}` calls {} after {}: teardown runs at exit, and nothing of the mm \
                     allocates after it",
                    thread.name,
                    op.name(),
                    first_op.name()
                ),
                _ => continue,
            };
            return Err((t, i, message));
        }
    }
    Ok(destroyer.is_some())
}
