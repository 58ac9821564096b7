//! Out of memory as a limit: weft's allocator keeps a reserve of address space, and when an
//! allocation fails it gives the reserve back, tells the search to stop
//! ([`weft_explorer::memory`]) and tries again. The search then ends like any limit: exit 3,
//! the summary of what it explored, and a hint. Without the reserve the process would abort
//! with no summary at the first failed allocation outside the visited set.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Bytes held back for the search to stop in and the summary to be printed: untouched, so
/// they cost address space but no memory.
const RESERVE_BYTES: usize = 64 << 20;

/// The reserve, or null when it has been given back (or could not be had).
static RESERVE: AtomicPtr<u8> = AtomicPtr::new(null_mut());

fn reserve_layout() -> Layout {
    Layout::from_size_align(RESERVE_BYTES, 4096).expect("a valid layout")
}

/// The system allocator, with the reserve described in the [module documentation](self).
pub struct Allocator;

// SAFETY: every request is passed to `System` unchanged; the reserve is a block of `System`'s
// own, freed with the layout it was allocated with, at most once (the swap takes it).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        retry(|| unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        retry(|| unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above; a failed realloc leaves `ptr` as it was, so it may be retried.
        retry(|| unsafe { System.realloc(ptr, layout, new_size) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// `allocate`, and once more after giving the reserve back if it failed.
#[inline]
fn retry(allocate: impl Fn() -> *mut u8) -> *mut u8 {
    let ptr = allocate();
    if !ptr.is_null() {
        return ptr;
    }
    weft_explorer::memory::set_exhausted();
    let reserve = RESERVE.swap(null_mut(), Ordering::SeqCst);
    if reserve.is_null() {
        return ptr;
    }
    // SAFETY: the reserve was allocated by `System` with this layout, and the swap gave it to
    // this thread alone.
    unsafe { System.dealloc(reserve, reserve_layout()) };
    allocate()
}

/// Takes the reserve (again), before a search: the last one may have used it.
pub fn arm() {
    if !RESERVE.load(Ordering::SeqCst).is_null() {
        return;
    }
    // SAFETY: the layout's size is not zero.
    let reserve = unsafe { System.alloc(reserve_layout()) };
    if !reserve.is_null() {
        let armed =
            RESERVE.compare_exchange(null_mut(), reserve, Ordering::SeqCst, Ordering::SeqCst);
        if armed.is_err() {
            // Another thread armed it first. SAFETY: allocated just above with this layout,
            // and not published.
            unsafe { System.dealloc(reserve, reserve_layout()) };
        }
    }
}
