//! A short legend for the raw values an HTML page shows: only the entries whose fields the
//! trace's states have, so a pt_frag page does not explain `_mapcount` and a THP page does not
//! explain fragments.

use super::html::esc;
use super::Replayed;
use std::fmt::Write;

/// One legend entry: when it applies (a test on a field name), the term, and what it means.
struct Entry {
    applies: fn(&str) -> bool,
    term: &'static str,
    text: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry {
        applies: |f| f.ends_with("._refcount"),
        term: "_refcount",
        text: "references to the page (page tables, pins, lookups); 0 means free. In the buggy \
               pt_frag variants it also carries the fragment count.",
    },
    Entry {
        applies: |f| f.ends_with(".pt_frag_refcount"),
        term: "pt_frag_refcount",
        text: "the fixed kernel's own count of a page's live fragments, apart from _refcount.",
    },
    Entry {
        applies: |f| f.ends_with(".PageTable"),
        term: "PageTable",
        text: "the page-table page type: set by pgtable_page_ctor, cleared by the destructor \
               pgtable_page_dtor. Freed while still set: \"Bad page state\".",
    },
    Entry {
        applies: |f| f == "mm.pte_frag",
        term: "pte_frag",
        text: "the mm's cache of the next unused page-table fragment (a page split into \
               PTE_FRAG_NR page tables); NULL when there is none.",
    },
    Entry {
        applies: |f| f.ends_with("._mapcount"),
        term: "_mapcount = -1",
        text: "mapped by no page-table entry: the kernel stores the count minus one, so 0 \
               means one mapping.",
    },
    Entry {
        applies: |f| f == "compound_mapcount",
        term: "compound_mapcount",
        text: "how many PMDs map the whole huge page, also stored minus one (-1: none).",
    },
    Entry {
        applies: |f| f == "PageDoubleMap",
        term: "PageDoubleMap",
        text: "the huge page is mapped by a PMD and by PTEs at once; every subpage's _mapcount \
               then holds one extra, which readers subtract.",
    },
    Entry {
        applies: |f| f.ends_with(".pmd"),
        term: "huge H rw / H[0] ro",
        text: "a PMD maps the whole huge page H, a PTE maps subpage H[0]; rw writable, ro \
               read-only (a write faults).",
    },
    Entry {
        applies: |f| f == "pins",
        term: "pins",
        text: "get_user_pages references held for DMA: they raise _refcount, never a mapcount.",
    },
];

/// The legend's HTML for the fields the replayed states have: a `<dl>`, then the ghost note,
/// then a link to the glossary when `glossary` (its href) is given.
pub fn html(r: &Replayed, glossary: Option<&str>) -> String {
    let names: Vec<&str> = r
        .states
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.name.as_str()))
        .collect();
    let mut h =
        String::from("<details id=\"legend\" open><summary>What the values mean</summary>\n<dl>\n");
    for e in ENTRIES
        .iter()
        .filter(|e| names.iter().any(|f| (e.applies)(f)))
    {
        writeln!(
            h,
            "<dt><code>{}</code></dt><dd>{}</dd>",
            esc(e.term),
            esc(e.text)
        )
        .unwrap();
    }
    if r.states
        .iter()
        .any(|s| s.fields.iter().any(|f| f.is_ghost()))
    {
        h += "<dt><i>(ghost)</i></dt><dd>bookkeeping the model keeps to state its checks (who \
              holds what); not kernel memory.</dd>\n";
    }
    h += "</dl>\n";
    if let Some(href) = glossary {
        writeln!(
            h,
            "<p>Every term: <a href=\"{}\">the glossary</a>.</p>",
            esc(href)
        )
        .unwrap();
    }
    h += "</details>\n";
    h
}
