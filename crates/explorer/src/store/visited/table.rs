//! The visited set's tables: arrays of atomics, empty when all bits are zero, taken zeroed
//! from the system. A table of [`MAPPED`] bytes or more is a mapping of its own rather than a
//! piece of the heap. The sets grow by replacing their tables, and a replaced table freed
//! inside the heap stayed in the process, reused only in part by the queue's smaller buffers;
//! an unmapped one goes back to the system at once. On pt_frag 3x3 (733,678 states) the
//! whole process peaked at 18.7 B per state on one thread and 19.9 on two, against 19.3 and
//! 20.5 with every table on the heap; with the queue on disk, 15.0 and 16.6 against 15.8 and
//! 17.3.
//!
//! A mapping under 2 MiB is filled when made (`MAP_POPULATE`), not page by page as it is first
//! written: a grown table is filled by moving the old one's fingerprints, which land on every
//! page. (A larger one is marked for huge pages instead; see [`map`].) On
//! pt_frag 3x3 the process took 1,710 page faults in all, against 2,800 with every table on
//! the heap and 6,240 with mappings faulted in page by page.

use std::alloc::Layout;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64};

/// Types whose all-zero bytes are a value (a table's empty slot) and that need no drop.
///
/// # Safety
/// All-zero bytes must be a valid `Self`, and dropping a `Self` must do nothing.
pub(crate) unsafe trait Zeroed {}

// SAFETY: an atomic integer is its integer, and zero is one; atomics have no drop glue.
unsafe impl Zeroed for AtomicU16 {}
// SAFETY: as above.
unsafe impl Zeroed for AtomicU32 {}
// SAFETY: as above.
unsafe impl Zeroed for AtomicU64 {}

/// Tables of this many bytes or more are mappings of their own (on Linux). Below it, a compact
/// table's 2-byte halves (32 KiB at 2^14 slots) stay on the heap, in the holes that the
/// exact tables of the size before (also 32 KiB) leave when they are replaced: pt_frag 3x3
/// with the queue on disk peaked at 15.0 B per state on one thread with 64 KiB here, 16.4 with
/// 32 KiB and 15.8 with every table on the heap.
const MAPPED: usize = 64 << 10;

/// Size of a huge page (x86-64, arm64 with 4 KiB pages).
const HUGE_PAGE: usize = 2 << 20;

/// A fixed-size array of `T`, all zero when made; see the module documentation.
pub(crate) struct Table<T: Zeroed> {
    ptr: NonNull<T>,
    len: usize,
}

// SAFETY: a table owns its elements as a `Box<[T]>` would.
unsafe impl<T: Zeroed + Send> Send for Table<T> {}
// SAFETY: as above.
unsafe impl<T: Zeroed + Sync> Sync for Table<T> {}

impl<T: Zeroed> Table<T> {
    /// `len` zeroed elements: a mapping of its own from [`MAPPED`] bytes, else the heap's.
    pub(crate) fn zeroed(len: usize) -> Table<T> {
        match Self::try_zeroed(len) {
            Some(table) => table,
            None => std::alloc::handle_alloc_error(
                Layout::array::<T>(len).unwrap_or(Layout::new::<T>()),
            ),
        }
    }

    /// [`zeroed`](Self::zeroed), or `None` when the memory cannot be had: a set that cannot
    /// grow stops the search ([`crate::memory`]) rather than the process.
    pub(crate) fn try_zeroed(len: usize) -> Option<Table<T>> {
        let layout = Layout::array::<T>(len).ok()?;
        if layout.size() == 0 {
            return Some(Table {
                ptr: NonNull::dangling(),
                len,
            });
        }
        let ptr = if mapped(layout.size()) {
            map(layout.size())
        } else {
            // SAFETY: the layout's size is not zero.
            unsafe { std::alloc::alloc_zeroed(layout) }
        };
        NonNull::new(ptr.cast::<T>()).map(|ptr| Table { ptr, len })
    }
}

impl<T: Zeroed> Deref for Table<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialised elements (zero is a value of `T`), owned by
        // the table.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Zeroed> DerefMut for Table<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`, and `&mut self` is the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Zeroed> Drop for Table<T> {
    fn drop(&mut self) {
        let layout = Layout::array::<T>(self.len).expect("the table's own layout");
        if layout.size() == 0 {
            return;
        }
        // `T` needs no drop (`Zeroed`): only the memory goes.
        if mapped(layout.size()) {
            unmap(self.ptr.as_ptr().cast(), layout.size());
        } else {
            // SAFETY: allocated by `alloc_zeroed` with this layout, in `zeroed`.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), layout) }
        }
    }
}

impl<T: Zeroed> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("len", &self.len).finish()
    }
}

/// Whether a table of `bytes` is a mapping of its own.
fn mapped(bytes: usize) -> bool {
    cfg!(target_os = "linux") && bytes >= MAPPED
}

/// A fresh private mapping of `bytes`, zeroed, null if the system refuses.
///
/// Below [`HUGE_PAGE`] it is filled at once (`MAP_POPULATE`). From [`HUGE_PAGE`] on it is
/// marked for huge pages instead, before anything fills it: filled first, it would be backed
/// by 4 KiB pages, and lookups land anywhere in a table, so with 4 KiB pages nearly every
/// lookup in a large one also missed the TLB. (Its faults are then one per 2 MiB where the
/// system grants huge pages.) A shard's table reaches 2 MiB at about 13 M states in all;
/// pt_frag 4x4 (165 M states, 1.5 GiB of tables) took 204 s instead of 213 with the mark.
#[cfg(target_os = "linux")]
fn map(bytes: usize) -> *mut u8 {
    let huge = bytes >= HUGE_PAGE;
    let populate = if huge { 0 } else { libc::MAP_POPULATE };
    // SAFETY: a new anonymous mapping, at an address of the system's choosing.
    let at = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate,
            -1,
            0,
        )
    };
    if at == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    if huge {
        // SAFETY: the range is the mapping just made; MADV_HUGEPAGE changes how its pages are
        // backed, never their contents. A hint: nothing depends on it being taken.
        unsafe {
            libc::madvise(at, bytes, libc::MADV_HUGEPAGE);
        }
    }
    at.cast()
}

#[cfg(not(target_os = "linux"))]
fn map(_bytes: usize) -> *mut u8 {
    unreachable!("tables are mapped only on Linux")
}

/// Unmaps a table that [`map`] made.
#[cfg(target_os = "linux")]
fn unmap(at: *mut u8, bytes: usize) {
    // SAFETY: `at` and `bytes` are a whole mapping made by `map`, dropped with its table.
    let unmapped = unsafe { libc::munmap(at.cast(), bytes) };
    debug_assert_eq!(unmapped, 0, "a table's own mapping unmaps");
}

#[cfg(not(target_os = "linux"))]
fn unmap(_at: *mut u8, _bytes: usize) {
    unreachable!("tables are mapped only on Linux")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// Every size class: empty, on the heap, mapped, and mapped and marked for huge pages
    /// (4 MiB and an odd length).
    #[test]
    fn tables_of_every_size_are_zeroed_and_writable() {
        for len in [0, 1, 100, MAPPED / 4, MAPPED / 4 + 1, (1 << 20) + 3] {
            let mut table = Table::<AtomicU32>::zeroed(len);
            assert_eq!(table.len(), len);
            assert!(table.iter().all(|s| s.load(Ordering::Relaxed) == 0));
            if len > 0 {
                table[len - 1].store(7, Ordering::Relaxed);
                assert_eq!(table[len - 1].load(Ordering::Relaxed), 7);
                *table[0].get_mut() = 3;
                assert_eq!(table[0].load(Ordering::Relaxed), 3);
            }
        }
    }
}
