//! What the views show of a thp state: its fields, a thread's locals, and the one-line label
//! of the graphs.

use super::flow::Read;
use super::{Op, Pmd, State, Thp, Variant, H, NONE};
use weft_explorer::{Field, Local, Model};

impl Thp {
    /// What the views show of a state: the THP's counters and flags, each process's page
    /// tables and locks, and the ghost mappers and pins.
    pub(super) fn fields_of(&self, s: &State) -> Vec<Field> {
        let mut out = Vec::new();
        let p = &s.thp;
        out.push(Field::memory("H._refcount", p.refcount));
        for i in 0..self.n as usize {
            out.push(Field::memory(format!("H[{i}]._mapcount"), p.mapcount[i]));
        }
        if self.variant != Variant::V44 {
            out.push(Field::memory("compound_mapcount", p.compound_mapcount));
            out.push(Field::memory("PageDoubleMap", p.double_map));
        }
        if self.shows_pins {
            out.push(Field::memory("compound_pincount", p.pincount));
        }
        if self.variant.anon_exclusive() {
            for i in 0..self.n {
                let exclusive = p.exclusive(i);
                out.push(Field::memory(
                    format!("H[{i}].PageAnonExclusive"),
                    exclusive,
                ));
            }
        }
        out.push(Field::memory("H.mapping", self.anon_vma_name(p.mapping)));
        out.push(Field::memory(
            "H.PG_locked",
            if s.page_lock == NONE {
                "unlocked".into()
            } else {
                format!("held by {}", self.name(s.page_lock as usize))
            },
        ));
        for (k, c) in s.copies.iter().enumerate() {
            out.push(Field::memory(
                format!("copy{k}._refcount"),
                format!("{}{}", c.refcount, if c.huge { " (huge)" } else { "" }),
            ));
        }
        for (m, mm) in s.mms.iter().enumerate() {
            let name = self.name(m);
            out.push(
                Field::memory(
                    format!("{name}.pmd"),
                    match mm.pmd {
                        Pmd::None => "none".into(),
                        Pmd::Huge(e) => format!("huge {}", self.show_entry(e, None)),
                        Pmd::Invalid(e) => {
                            format!("invalid (splitting) {}", self.show_entry(e, None))
                        }
                        Pmd::Table => "PTE table".into(),
                    },
                )
                .of(m),
            );
            if !matches!(mm.pmd, Pmd::None) || mm.pte.iter().any(|e| e.present()) {
                for i in 0..self.n {
                    out.push(
                        Field::memory(
                            format!("{name}.pte[{i}]"),
                            self.show_entry(mm.pte[i as usize], Some(i)),
                        )
                        .of(m),
                    );
                }
            }
            out.push(
                Field::memory(format!("{name}.anon_vma"), self.anon_vma_name(mm.anon_vma)).of(m),
            );
            let links: Vec<String> = (0..8)
                .filter(|a| mm.links & (1 << a) != 0)
                .map(|a| self.anon_vma_name(a))
                .collect();
            out.push(Field::memory(format!("{name}.anon_vma_chain"), links.join(", ")).of(m));
            out.push(Field::memory(format!("{name}.pmd_lock"), mm.pmd_lock).of(m));
            out.push(Field::memory(format!("{name}.pte_lock"), mm.pte_lock).of(m));
            if self.shows_pins {
                out.push(Field::memory(format!("{name}.MMF_HAS_PINNED"), mm.has_pinned).of(m));
            }
        }
        for i in 0..self.n {
            out.push(Field::ghost(
                format!("H[{i}] mapped by"),
                self.mappers(s, H, i).join(", "),
            ));
        }
        let pins: Vec<String> = s
            .pins
            .iter()
            .map(|p| {
                format!(
                    "{} on {}[{}]{}",
                    self.name(p.mm as usize),
                    self.page_name(p.page),
                    p.subpage,
                    match (p.foll_pin, p.read) {
                        (false, _) => "",
                        (true, false) => " (FOLL_PIN)",
                        (true, true) => " (FOLL_PIN, read-only)",
                    }
                )
            })
            .collect();
        out.push(Field::ghost("pins", pins.join(", ")));
        out
    }

    /// The thread's kernel locals: the subpage its operation is about, the pages in hand,
    /// a mapcount reader's running result, the reuse decision.
    pub(super) fn locals_of(&self, s: &State, t: usize) -> Vec<Local> {
        let th = &s.threads[t];
        let mut out = Vec::new();
        let names_subpage =
            |op: Op| op.pins() || matches!(op, Op::GupUnpin(_) | Op::Munmap(_) | Op::Write(_));
        if self.op(s, t).is_some_and(names_subpage) {
            out.push(Local::new("subpage", th.subpage));
        }
        if th.page != NONE {
            out.push(Local::new("page", self.page_name(th.page)));
        }
        if th.new_page != NONE {
            out.push(Local::new("new_page", self.page_name(th.new_page)));
        }
        if Self::reading(th) {
            out.push(Local::new("mapcount", th.mapcount));
            if th.read == Read::PageTransHugeMapcount {
                out.push(Local::new("total_mapcount", th.total_mapcount));
            }
        }
        if th.reuse {
            out.push(Local::new("reuse", true));
        }
        out
    }

    /// Every field as `name=value` (ghost ones marked), as the default label has it, then
    /// each reading thread's running mapcount as the graphs recorded before it became a local
    /// showed it (`P.mapcount read so far=1 (total 2)`).
    pub(super) fn label_of(&self, s: &State) -> String {
        let mut parts: Vec<String> = self
            .fields(s)
            .iter()
            .map(|f| {
                if f.is_ghost() {
                    format!("{} (ghost)={}", f.name, f.value)
                } else {
                    format!("{}={}", f.name, f.value)
                }
            })
            .collect();
        for (t, th) in s.threads.iter().enumerate() {
            if Self::reading(th) {
                parts.push(format!(
                    "{}.mapcount read so far={} (total {})",
                    self.name(t),
                    th.mapcount,
                    th.total_mapcount
                ));
            }
        }
        parts.join(" ")
    }
}
