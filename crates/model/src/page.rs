//! The `struct page` fields both bugs touch, and the ghost truth kept beside them.
//!
//! Kernel fields are the raw counters as the kernel stores them; ghost fields record what
//! really happened (allocation generation, fragments handed out, destructor runs) so that
//! checks can compare the counters with the truth. Ghost fields are never read by a step's
//! kernel logic, only by checks.

use serde::{Deserialize, Serialize};

/// The flag of a packed page whose counters take four bytes each.
const WIDE: u8 = 4;

/// The flag of a packed page allocated as a PMD table.
const PMD: u8 = 8;

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
    /// Ghost: allocated as a PMD table in this generation (`pgtable_pmd_page_ctor`, which in
    /// v4.18 sets up the split PMD lock but no page type: `page_table` then stands for that
    /// lock).
    pub pmd: bool,
}

impl Page {
    /// Most bytes [`pack`](Page::pack) writes.
    pub(crate) const MAX_PACKED: usize = 12;

    /// Packs the page at the start of `b`; returns how many bytes it took. The flags, then
    /// the two counters as one byte each when both fit (they are small in every scenario,
    /// except the top-bits encodings of a fragment count) or four bytes each when not, then
    /// the ghost counts. A state's fingerprint hashes its packed bytes.
    #[inline]
    pub(crate) fn pack(self, b: &mut [u8; Self::MAX_PACKED]) -> usize {
        let (r, f) = (self.refcount, self.frag_refcount);
        let flags = self.page_table as u8 | (self.allocated as u8) << 1 | (self.pmd as u8 * PMD);
        let ghosts = [self.generation, self.live_fragments, self.dtor_runs];
        if r as i8 as i32 == r && f as i8 as i32 == f {
            b[..6].copy_from_slice(&[flags, r as u8, f as u8, ghosts[0], ghosts[1], ghosts[2]]);
            return 6;
        }
        b[0] = flags | WIDE;
        b[1..5].copy_from_slice(&r.to_le_bytes());
        b[5..9].copy_from_slice(&f.to_le_bytes());
        b[9..12].copy_from_slice(&ghosts);
        12
    }

    /// The page [`pack`](Page::pack) wrote at the start of `b`, and its length.
    #[inline]
    pub(crate) fn unpack(b: &[u8]) -> (Page, usize) {
        let flags = b[0];
        let (refcount, frag_refcount, at) = if flags & WIDE == 0 {
            (b[1] as i8 as i32, b[2] as i8 as i32, 3)
        } else {
            let word = |at: usize| i32::from_le_bytes(b[at..at + 4].try_into().unwrap());
            (word(1), word(5), 9)
        };
        let page = Page {
            refcount,
            frag_refcount,
            page_table: flags & 1 != 0,
            allocated: flags & 2 != 0,
            generation: b[at],
            live_fragments: b[at + 1],
            dtor_runs: b[at + 2],
            pmd: flags & PMD != 0,
        };
        (page, at + 3)
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

#[cfg(test)]
mod tests {
    use super::Page;

    /// Every counter value at the edges of one byte, and the top-bits encodings' values,
    /// comes back from [`Page::pack`] as it went in, in the bytes the length says.
    #[test]
    fn a_packed_page_unpacks_to_itself() {
        let values = [
            0,
            1,
            -1,
            127,
            -128,
            128,
            -129,
            3 << super::TOP_SHIFT,
            i32::MIN,
            i32::MAX,
        ];
        for refcount in values {
            for frag_refcount in values {
                let page = Page {
                    refcount,
                    frag_refcount,
                    page_table: refcount % 2 == 0,
                    allocated: frag_refcount % 3 == 0,
                    generation: 7,
                    live_fragments: 2,
                    dtor_runs: 1,
                    pmd: refcount % 5 == 0,
                };
                let mut b = [0xEE; Page::MAX_PACKED];
                let len = page.pack(&mut b);
                let narrow = i8::try_from(refcount).is_ok() && i8::try_from(frag_refcount).is_ok();
                assert_eq!(len, if narrow { 6 } else { 12 });
                assert_eq!(Page::unpack(&b[..len]), (page, len));
            }
        }
    }
}
