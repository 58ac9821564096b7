//! The `struct page` fields both bugs touch, and the ghost truth kept beside them.
//!
//! Kernel fields are the raw counters as the kernel stores them; ghost fields record what
//! really happened (allocation generation, fragments handed out, destructor runs) so that
//! checks can compare the counters with the truth. Ghost fields are never read by a step's
//! kernel logic, only by checks.

use serde::{Deserialize, Serialize};

/// One physical page, as the fragment allocator and the page allocator see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// `page->_refcount` (include/linux/mm_types.h): the page allocator's reference count.
    pub refcount: i32,
    /// `page->pt_frag_refcount`: fragments of this page-table page still in use (added by
    /// 4231aba000f5; only the `pt_frag_refcount` variant uses it).
    pub frag_refcount: i32,
    /// `PageTable(page)`: the page type set by `pgtable_page_ctor`, cleared by the dtor
    /// (1d40a5ea01d5, v4.18-rc1). A page freed with it set is a "Bad page state".
    pub page_table: bool,
    /// Ghost: the page is handed out by the page allocator (not on a free list).
    pub allocated: bool,
    /// Ghost: how many times the page has been allocated (its allocation generation).
    pub generation: u8,
    /// Ghost: fragments of this page handed out as page tables and not yet freed.
    pub live_fragments: u8,
    /// Ghost: `pgtable_page_dtor` runs in this generation.
    pub dtor_runs: u8,
}

impl Page {
    /// Every field, little-endian, in declaration order: the page packed (a state's
    /// fingerprint hashes its packed bytes).
    #[inline]
    pub(crate) fn to_bytes(self) -> [u8; 13] {
        let mut bytes = [0u8; 13];
        bytes[..4].copy_from_slice(&self.refcount.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.frag_refcount.to_le_bytes());
        bytes[8..].copy_from_slice(&[
            self.page_table as u8,
            self.allocated as u8,
            self.generation,
            self.live_fragments,
            self.dtor_runs,
        ]);
        bytes
    }

    /// The page [`to_bytes`](Page::to_bytes) wrote.
    #[inline]
    pub(crate) fn from_bytes(b: &[u8; 13]) -> Page {
        Page {
            refcount: i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            frag_refcount: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            page_table: b[8] != 0,
            allocated: b[9] != 0,
            generation: b[10],
            live_fragments: b[11],
            dtor_runs: b[12],
        }
    }

    /// `page->_refcount` as the kernel would print it; for the top-bits encodings the
    /// fragment count in bits 16 and up is shown apart from the ordinary references.
    pub fn show_refcount(&self, top_bits: bool) -> String {
        if top_bits && self.refcount >= 1 << TOP_SHIFT {
            format!(
                "{} ({}<<16 | {})",
                self.refcount,
                self.refcount >> TOP_SHIFT,
                self.refcount & ((1 << TOP_SHIFT) - 1)
            )
        } else {
            self.refcount.to_string()
        }
    }
}

/// Bit position of the fragment count in the top-bits encodings (`B = 1 << 16`).
pub const TOP_SHIFT: u32 = 16;
