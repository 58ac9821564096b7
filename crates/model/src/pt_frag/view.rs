//! What the views show of a pt_frag state: a one-line label and every field, kernel memory
//! apart from ghost truth.

use super::{PtFrag, State, Table, Variant};
use weft_explorer::Field;

impl PtFrag {
    /// Whether some operation of the scenario works on `table`'s fragments.
    pub(super) fn uses(&self, table: Table) -> bool {
        self.threads
            .iter()
            .flat_map(|t| &t.ops)
            .any(|op| op.table() == Some(table))
    }

    /// Pages as `pN:rc=R[/fr=F][,PT|,PMD][,free]`, the caches, the lock holder; then each
    /// thread's next step.
    pub(super) fn label_of(&self, s: &State, shared_only: bool) -> String {
        let mut parts = Vec::new();
        for (i, p) in s.pages.iter().enumerate() {
            if !p.allocated && p.generation == 0 && p.refcount == 0 {
                continue; // never allocated: nothing to show
            }
            let mut page = format!("p{i}:rc={}", p.show_refcount(self.variant.top_bits()));
            if self.variant == Variant::PtFragRefcount {
                page += &format!("/fr={}", p.frag_refcount);
            }
            if p.page_table {
                page += if p.pmd { ",PMD" } else { ",PT" };
            }
            if !p.allocated {
                page += ",free";
            }
            parts.push(page);
        }
        if let Some((p, i)) = s.pte_frag {
            parts.push(format!("cache=p{p}#{i}"));
        }
        if let Some((p, i)) = s.pmd_frag {
            parts.push(format!("pmd_cache=p{p}#{i}"));
        }
        if let Some(t) = s.lock {
            parts.push(format!("lock={}", self.threads[t as usize].name));
        }
        if !shared_only {
            for (t, th) in s.threads.iter().enumerate() {
                parts.push(format!("{}@{:?}", self.threads[t].name, th.pc));
            }
        }
        parts.join(" ")
    }

    /// Every field of the state, kernel memory and ghost, for the views.
    pub(super) fn fields_of(&self, s: &State) -> Vec<Field> {
        let mut out = Vec::new();
        for (i, p) in s.pages.iter().enumerate() {
            let name = Self::page_name(i as u8);
            out.push(Field::memory(
                format!("{name}._refcount"),
                p.show_refcount(self.variant.top_bits()),
            ));
            if self.variant == Variant::PtFragRefcount {
                out.push(Field::memory(
                    format!("{name}.pt_frag_refcount"),
                    p.frag_refcount,
                ));
            }
            if self.uses(Table::Pmd) {
                // v4.18's pgtable_pmd_page_ctor sets up the split PMD lock and no page type
                // (b2b29d6d0119, v5.10, gave PMD tables the PageTable type).
                let table = match (p.page_table, p.pmd) {
                    (false, _) => "none",
                    (true, false) => "PTE table (PageTable set)",
                    (true, true) => "PMD table (split PMD lock set up)",
                };
                out.push(Field::memory(format!("{name}.table"), table));
            } else {
                out.push(Field::memory(format!("{name}.PageTable"), p.page_table));
            }
            out.push(Field::ghost(
                format!("{name}.state"),
                if p.allocated {
                    format!("allocated (generation {})", p.generation)
                } else if p.generation == 0 {
                    "free".into()
                } else {
                    format!("free (after generation {})", p.generation)
                },
            ));
            out.push(Field::ghost(
                format!("{name}.live_fragments"),
                p.live_fragments,
            ));
            out.push(Field::ghost(format!("{name}.dtor_runs"), p.dtor_runs));
        }
        out.push(Field::memory(
            "mm.pte_frag",
            match s.pte_frag {
                None => "NULL".into(),
                Some((p, i)) => format!("page{p} fragment {i}"),
            },
        ));
        if self.uses(Table::Pmd) {
            out.push(Field::memory(
                "mm.pmd_frag",
                match s.pmd_frag {
                    None => "NULL".into(),
                    Some((p, i)) => format!("page{p} fragment {i}"),
                },
            ));
        }
        out.push(Field::memory(
            "mm.page_table_lock",
            match s.lock {
                None => "unlocked".into(),
                Some(t) => format!("held by {}", self.threads[t as usize].name),
            },
        ));
        for (t, th) in s.threads.iter().enumerate() {
            let name = &self.threads[t].name;
            if th.holds_reference {
                out.push(Field::ghost(format!("{name}.reference"), Self::page_name(th.page)).of(t));
            }
            out.extend(self.rcu_fields(s, t).into_iter().map(|f| f.of(t)));
            if th.held > 0 {
                let held: Vec<String> = th
                    .fragments()
                    .iter()
                    .map(|f| match f.table {
                        Table::Pte => format!("page{} fragment {}", f.page, f.index),
                        Table::Pmd => format!("page{} PMD fragment {}", f.page, f.index),
                    })
                    .collect();
                out.push(Field::ghost(format!("{name}.fragments"), held.join(", ")).of(t));
            }
        }
        out
    }
}
