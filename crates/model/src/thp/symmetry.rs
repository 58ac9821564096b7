//! Thread symmetry for THP: processes that run the same operations under the same parent
//! are interchangeable (the children a process forks that then each write, pin or exit
//! alike; or unrelated processes that each fault their own THP).
//!
//! A thread's identity shows in the state in these places, each renamed by [`permute`]: its
//! process's page tables (`mms[t]`), the anon_vma it created (numbered by it: a process's
//! `anon_vma`, every process's chain links, the THP's `mapping`), the holder of the page
//! lock, and the process a pin was taken through.
//!
//! Children are named by their parent's `fork` operations, so a child not yet forked is not
//! interchangeable with anything: the parent will fork that one next. A child that has
//! started is: the parent's remaining operations name none of the started ones, so renaming
//! them is a symmetry of everything that can still happen. The parent forks a group's
//! children in index order (the scenario builder hands them out so; [`groups`] offers no
//! group for which it would not), so the started ones are the group's first: they are
//! sorted among themselves, and the others keep their places.
//!
//! [`permute`]: Symmetric::permute

use super::codec::{pack_mm, pack_thread};
use super::{Mm, Op, State, Thp, Thread, NONE};
use smallvec::SmallVec;
use weft_explorer::symmetry::Symmetric;

/// Marks a process's own anon_vma in its sort key (a thread index is below 6).
const OWN: u8 = NONE - 1;
/// Marks a process's link to its own anon_vma in its sort key (bit 7 of the links names no
/// thread).
const OWN_LINK: u8 = 1 << 7;

/// The groups of interchangeable processes among `threads`: the same operations, the same
/// parent, which forks them in index order. A process that forks names its child, so two such
/// never share operations.
pub(super) fn groups(threads: &[Thread]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (t, thread) in threads.iter().enumerate() {
        // A process with another thread, and that thread, stay in place.
        let shared = |u: usize| {
            threads[u].thread_of.is_some() || threads.iter().any(|o| o.thread_of == Some(u as u8))
        };
        if shared(t) {
            continue;
        }
        let same = |g: &&mut Vec<usize>| {
            let first = &threads[g[0]];
            first.ops == thread.ops && first.child_of == thread.child_of
        };
        match groups.iter_mut().find(same) {
            Some(group) => group.push(t),
            None => groups.push(vec![t]),
        }
    }
    groups.retain(|g| g.len() > 1 && forked_in_order(threads, g));
    groups
}

/// Whether the parent of `group`'s threads (if any) forks them in index order.
fn forked_in_order(threads: &[Thread], group: &[usize]) -> bool {
    let Some(parent) = threads[group[0]].child_of else {
        return true;
    };
    let forked: Vec<usize> = threads[usize::from(parent)]
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Fork { child } => Some(usize::from(*child)),
            _ => None,
        })
        .filter(|c| group.contains(c))
        .collect();
    forked.windows(2).all(|w| w[0] < w[1])
}

impl Thp {
    /// Whether process `t` exists yet in `s`: a child is created when its parent's `fork`
    /// finishes.
    pub fn started(&self, s: &State, t: usize) -> bool {
        s.threads[t].started
    }
}

impl Symmetric for Thp {
    /// Whether the process may be moved yet (0: it has started) or must stay in place (1 +
    /// the thread), then
    /// everything the state says about the process, its own anon_vma and lock marked as its
    /// own rather than by number.
    type Key = (u8, SmallVec<[u8; 64]>);

    fn thread_groups(&self) -> Vec<Vec<usize>> {
        self.groups.clone()
    }

    fn thread_key(&self, s: &State, t: usize) -> Self::Key {
        let place = if self.started(s, t) { 0 } else { 1 + t as u8 };
        let me = t as u8;
        let n = self.n as usize;
        let mut key = SmallVec::new();
        pack_thread(&s.threads[t], n, &mut key);
        let mm = s.mms[t];
        let own = Mm {
            anon_vma: if mm.anon_vma == me { OWN } else { mm.anon_vma },
            links: if mm.links & 1 << t != 0 {
                mm.links & !(1 << t) | OWN_LINK
            } else {
                mm.links
            },
            ..mm
        };
        pack_mm(&own, n, &mut key);
        key.extend([(s.thp.mapping == me) as u8, (s.page_lock == me) as u8]);
        // Its pins, with where each stands in the list: the list's order is part of the
        // state, and two processes pinning alike differ by it.
        for (at, pin) in s.pins.iter().enumerate().filter(|(_, p)| p.mm == me) {
            key.extend([at as u8, pin.page, pin.packed_subpage()]);
        }
        (place, key)
    }

    fn permute(&self, s: &mut State, to: &[u8]) {
        let rename = |t: u8| if t == NONE { NONE } else { to[usize::from(t)] };
        let (threads, mms) = (s.threads.clone(), s.mms.clone());
        for (t, (th, mut mm)) in threads.into_iter().zip(mms).enumerate() {
            mm.anon_vma = rename(mm.anon_vma);
            mm.links = (0..to.len())
                .filter(|&a| mm.links & 1 << a != 0)
                .fold(0, |links, a| links | 1 << to[a]);
            s.threads[usize::from(to[t])] = th;
            s.mms[usize::from(to[t])] = mm;
        }
        s.thp.mapping = rename(s.thp.mapping);
        s.page_lock = rename(s.page_lock);
        for pin in &mut s.pins {
            pin.mm = to[usize::from(pin.mm)];
        }
    }
}
