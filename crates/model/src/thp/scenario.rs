//! Building a thp model from a scenario's variant, parameters and threads, with a check that
//! every operation applies to what its process maps at that point (each process's page-table
//! shape depends only on its own operations and, for a child, on its parent's at the fork).

use super::{Op, Thp, Thread, Variant, COUNTER_MAX, MAX_THREADS, OPERATIONS};
use crate::registry::{ModelKind, Spec};
use crate::scenario::{echo, BuildError, Where};
use std::sync::Arc;

/// Parameters this model accepts, with their meaning.
pub const PARAMS: [(&str, &str); 1] = [(
    "subpages",
    "subpages per THP (HPAGE_PMD_NR, 512 in the kernel; default 2, 1 to 8)",
)];

/// What a process maps, as far as the builder's check is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    None,
    Huge,
    Table(u8),
}

impl Shape {
    fn maps(self, i: u8) -> bool {
        match self {
            Shape::None => false,
            Shape::Huge => true,
            Shape::Table(m) => m & (1 << i) != 0,
        }
    }
}

/// The thp model, as scenario files name it.
pub static MODEL: ModelKind = ModelKind {
    name: "thp",
    summary: "THP write-fault reuse vs GUP pins and the THP mapcount (6d0a07edd17c)",
    variants: &Variant::NAMES,
    operations: &OPERATIONS,
    params: &PARAMS,
    max_threads: MAX_THREADS,
    max_ops: crate::scenario::MAX_OPS,
    build: &|spec| Ok(Arc::new(build(spec)?)),
};

/// Builds the model; errors point at the part of the scenario that is wrong.
pub fn build(spec: &Spec) -> Result<Thp, BuildError> {
    let Spec {
        variant,
        params,
        threads,
    } = *spec;
    let variant = Variant::from_name(variant)
        .ok_or_else(|| BuildError::unknown_variant("thp", variant, &Variant::NAMES))?;
    let n = params.int("subpages", 2, 1, super::MAX_SUBPAGES as i64)? as u8;
    params.only(&PARAMS)?;
    let names = spec.names();
    let mut parents = Vec::new();
    for (t, thread) in threads.iter().enumerate() {
        parents.push(match &thread.child_of {
            None => None,
            Some(p) => {
                let idx = names
                    .iter()
                    .position(|n| n == p)
                    .ok_or_else(|| BuildError {
                        at: Where::ChildOf(t),
                        message: format!(
                            "thread `{}` is child_of `{}`, but no thread is named so",
                            names[t],
                            echo(p)
                        ),
                        help: Some(format!("threads: {}", names.join(", "))),
                    })?;
                if idx == t {
                    return Err(BuildError {
                        at: Where::ChildOf(t),
                        message: format!("thread `{}` cannot be its own child", echo(p)),
                        help: None,
                    });
                }
                Some(idx as u8)
            }
        });
    }
    let owners = owners(spec, &parents)?;
    // Parse the operations.
    let mut built: Vec<Thread> = Vec::new();
    for (t, thread) in threads.iter().enumerate() {
        let (name, calls) = (&thread.name, &thread.ops);
        let mut ops = Vec::new();
        let mut children = (0..threads.len()).filter(|&c| parents[c] == Some(t as u8));
        for (i, call) in calls.iter().enumerate() {
            let at = Where::Op(t, i);
            let index = |a: &str| -> Result<u8, BuildError> {
                a.parse::<u8>()
                    .ok()
                    .filter(|&x| x < n)
                    .ok_or_else(|| BuildError {
                        at: Where::Op(t, i),
                        message: format!(
                            "`{}` is not a subpage index: expected 0 to {}",
                            echo(a),
                            n - 1
                        ),
                        help: None,
                    })
            };
            let op = match (call.name.as_str(), call.args.as_slice()) {
                ("thp_fault", []) => Op::ThpFault,
                ("gup_pin", [a]) => Op::GupPin(index(a)?),
                ("gup_pin_read", [a]) => Op::GupPinRead(index(a)?),
                ("pin_user_pages", [a]) => Op::PinUserPages(index(a)?),
                ("pin_user_pages_read", [a]) => Op::PinUserPagesRead(index(a)?),
                ("pin_user_pages_fast_only", [a]) if owners[t].is_some() => {
                    Op::PinUserPagesFastOnly(index(a)?)
                }
                ("gup_fast_pin", [a]) if owners[t].is_some() => Op::GupFastPin(index(a)?),
                ("pin_user_pages_fast_only" | "gup_fast_pin", _) => {
                    return Err(BuildError {
                        at,
                        message: format!(
                            "{} runs in another thread of a process, racing with what that \
                             process does",
                            call.name
                        ),
                        help: Some("give this thread `thread_of = \"<process>\"`".into()),
                    })
                }
                (_, _) if owners[t].is_some() => {
                    return Err(BuildError {
                        at,
                        message: "a thread that shares a process's mm (`thread_of`) only takes \
                                  GUP-fast pins: gup_fast_pin(i), pin_user_pages_fast_only(i)"
                            .into(),
                        help: None,
                    })
                }
                ("gup_unpin", [a]) => Op::GupUnpin(index(a)?),
                ("fork", []) => Op::Fork {
                    child: children.next().ok_or_else(|| BuildError {
                        at: at.clone(),
                        message: format!(
                            "`{name}` forks, but no (further) thread has child_of = \"{name}\""
                        ),
                        help: Some("add a [[thread]] with `child_of` naming this thread".into()),
                    })? as u8,
                },
                ("split_huge_pmd", []) => Op::SplitHugePmd,
                ("munmap", [a]) => Op::Munmap(index(a)?),
                ("write", [a]) => Op::Write(index(a)?),
                ("exit", []) => Op::Exit,
                _ => return Err(BuildError::unknown_operation("thp", at, call, &OPERATIONS)),
            };
            ops.push(op);
        }
        if let Some(c) = children.next() {
            return Err(BuildError {
                at: Where::ChildOf(c),
                message: format!(
                    "thread `{}` is child_of `{name}`, but `{name}` has no fork for it",
                    names[c]
                ),
                help: Some("each child needs its own `fork` in the parent's ops".into()),
            });
        }
        built.push(Thread {
            name: name.clone(),
            ops,
            child_of: parents[t],
            thread_of: owners[t],
        });
    }
    check_shapes(variant, n, &built)?;
    check_refcount_range(n, &built)?;
    Thp::new(variant, n, built).map_err(|message| BuildError {
        at: Where::Threads,
        message,
        help: None,
    })
}

/// The process each thread is another thread of (`thread_of`), checked: it names another
/// thread, one that runs as a process of its own (no `thread_of`), and a thread that shares a
/// process's mm is not also a child.
fn owners(spec: &Spec, parents: &[Option<u8>]) -> Result<Vec<Option<u8>>, BuildError> {
    let names = spec.names();
    let mut owners = Vec::new();
    for (t, thread) in spec.threads.iter().enumerate() {
        let Some(owner) = &thread.thread_of else {
            owners.push(None);
            continue;
        };
        let err = |message: String| BuildError {
            at: Where::ThreadOf(t),
            message,
            help: Some(format!("threads: {}", names.join(", "))),
        };
        let o = names.iter().position(|n| n == owner).ok_or_else(|| {
            err(format!(
                "thread `{}` is thread_of `{}`, but no thread is named so",
                names[t],
                echo(owner)
            ))
        })?;
        if o == t {
            return Err(err(format!(
                "thread `{}` cannot be a thread of itself",
                names[t]
            )));
        }
        if spec.threads[o].thread_of.is_some() {
            return Err(err(format!(
                "`{}` is itself another process's thread: name that process",
                names[o]
            )));
        }
        if parents[t].is_some() {
            return Err(err(format!(
                "thread `{}` cannot be both a child (child_of) and a thread of `{}`",
                names[t], names[o]
            )));
        }
        owners.push(Some(o as u8));
    }
    Ok(owners)
}

/// Refuses a scenario that could raise a `_refcount` past [`COUNTER_MAX`], the largest value
/// the model keeps (a step that would is the `model_range` violation, but a scenario that
/// can only end there is better refused). A page's references are at most: one per subpage
/// each process maps (a PMD mapping holds one; its split makes one per PTE), what a zap has
/// gathered from those same mappings, one page in hand per process, and the pins.
fn check_refcount_range(n: u8, threads: &[Thread]) -> Result<(), BuildError> {
    let pins = threads
        .iter()
        .flat_map(|t| &t.ops)
        .filter(|op| op.pins())
        .count();
    let bound = threads.len() * (n as usize + 1) + pins;
    if bound > COUNTER_MAX as usize {
        return Err(BuildError {
            at: Where::Threads,
            message: format!(
                "this scenario could raise the THP's _refcount to {bound} ({} processes \
                 mapping {n} subpages, {pins} gup_pin), past {COUNTER_MAX}, the largest \
                 count the model keeps",
                threads.len()
            ),
            help: Some("use fewer gup_pin operations, processes or subpages".into()),
        });
    }
    Ok(())
}

/// Simulates each process's page-table shape (parents before children) and refuses
/// operations that do not apply.
fn check_shapes(variant: Variant, n: u8, threads: &[Thread]) -> Result<(), BuildError> {
    let all = ((1u16 << n) - 1) as u8;
    let mut start: Vec<Option<Shape>> = threads
        .iter()
        .map(|t| t.child_of.is_none().then_some(Shape::None))
        .collect();
    // FOLL_PIN, in any thread, needs a variant that has it.
    let foll_pin = threads.iter().enumerate().find_map(|(t, thread)| {
        thread
            .ops
            .iter()
            .position(|op| op.foll_pin())
            .map(|k| (t, k))
    });
    if let (Some((t, k)), false) = (foll_pin, variant.since_v5_9()) {
        return Err(BuildError {
            at: Where::Op(t, k),
            message: format!(
                "{} has no FOLL_PIN: pin_user_pages came in v5.6 (eddb1c228f79); gup_pin and \
                 gup_pin_read take FOLL_GET pins",
                variant.name()
            ),
            help: None,
        });
    }
    // A process's other threads pin through its mapping as it is when they run: their shapes
    // are not simulated.
    let mut done: Vec<bool> = threads.iter().map(|t| t.thread_of.is_some()).collect();
    let mut faults = 0;
    while let Some(t) = (0..threads.len()).find(|&t| !done[t] && start[t].is_some()) {
        done[t] = true;
        let mut shape = start[t].unwrap();
        let mut pins = [0usize; super::MAX_SUBPAGES];
        for (k, op) in threads[t].ops.iter().enumerate() {
            let err = |message: String| BuildError {
                at: Where::Op(t, k),
                message,
                help: None,
            };
            let name = &threads[t].name;
            match *op {
                Op::ThpFault => {
                    if shape != Shape::None {
                        return Err(err(format!("`{name}` already has the range mapped")));
                    }
                    faults += 1;
                    if faults > 1 {
                        return Err(err(
                            "the model has one THP: one thp_fault per scenario".into()
                        ));
                    }
                    shape = Shape::Huge;
                }
                Op::PinUserPagesFastOnly(_) | Op::GupFastPin(_) => {
                    unreachable!("other threads are not simulated")
                }
                Op::Write(i) if !shape.maps(i) => {
                    return Err(err(format!("`{name}` does not map subpage {i} here")));
                }
                Op::GupPin(i)
                | Op::GupPinRead(i)
                | Op::PinUserPages(i)
                | Op::PinUserPagesRead(i) => {
                    if !shape.maps(i) {
                        return Err(err(format!("`{name}` does not map subpage {i} here")));
                    }
                    pins[i as usize] += 1
                }
                Op::GupUnpin(i) => {
                    if pins[i as usize] == 0 {
                        return Err(err(format!("`{name}` holds no pin on subpage {i} here")));
                    }
                    pins[i as usize] -= 1;
                }
                Op::Write(_) => {}
                Op::Fork { child } => start[child as usize] = Some(shape),
                Op::SplitHugePmd | Op::Munmap(_) if variant == Variant::V44 && n > 1 => {
                    return Err(err(
                        "v4_4 cannot map a THP with PTEs (old refcounting: a split splits the \
                         compound page in every process); not modelled"
                            .into(),
                    ));
                }
                Op::SplitHugePmd => {
                    if variant == Variant::V44 {
                        return Err(err("v4_4 has no PMD-only split (not modelled)".into()));
                    }
                    if shape != Shape::Huge {
                        return Err(err(format!("`{name}` has no huge PMD to split here")));
                    }
                    shape = Shape::Table(all);
                }
                Op::Munmap(i) => {
                    if !shape.maps(i) {
                        return Err(err(format!("`{name}` does not map subpage {i} here")));
                    }
                    shape = match shape {
                        Shape::Huge if n == 1 => Shape::None,
                        Shape::Huge => Shape::Table(all & !(1 << i)),
                        Shape::Table(m) => Shape::Table(m & !(1 << i)),
                        Shape::None => unreachable!(),
                    };
                }
                Op::Exit => {
                    shape = match shape {
                        Shape::None | Shape::Table(0) => {
                            return Err(err(format!("`{name}` maps nothing to unmap here")))
                        }
                        Shape::Huge => Shape::None,
                        Shape::Table(_) => Shape::Table(0),
                    };
                }
            }
        }
    }
    if let Some(t) = (0..threads.len()).find(|&t| !done[t]) {
        return Err(BuildError {
            at: Where::ChildOf(t),
            message: format!(
                "thread `{}` is never created: its child_of chain does not reach a thread \
                 that runs from the start",
                threads[t].name
            ),
            help: None,
        });
    }
    Ok(())
}
