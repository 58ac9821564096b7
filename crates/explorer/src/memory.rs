//! Running out of memory as a limit, not a crash: when a table the search needs cannot be
//! allocated (an address-space limit such as `ulimit -v`, or the system's memory), the
//! search stops with [`StopReason::OutOfMemory`](crate::StopReason::OutOfMemory) and reports
//! what it explored, instead of the process aborting.
//!
//! The flag is process-wide, as memory is: a program may also raise it from its own
//! allocator ([`set_exhausted`]). Each search clears it when it starts.

use std::sync::atomic::{AtomicBool, Ordering};

static EXHAUSTED: AtomicBool = AtomicBool::new(false);

/// Whether an allocation failed since the current search started.
#[inline]
pub fn exhausted() -> bool {
    EXHAUSTED.load(Ordering::Relaxed)
}

/// Records that an allocation failed: the running search stops at its next check.
pub fn set_exhausted() {
    EXHAUSTED.store(true, Ordering::Relaxed);
}

/// Clears the flag: a new search starts with the memory the last one gave back.
pub(crate) fn reset() {
    EXHAUSTED.store(false, Ordering::Relaxed);
}
