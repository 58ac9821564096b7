//! The model's checks on a state: the range every counter stays in (`model_range`), the
//! counters against the page tables at quiescent points (R1, `counter_mismatch`), COW
//! isolation (R3) and rmap reachability (R4).

use super::{Pmd, State, Thp, COUNTER_MAX, COUNTER_MIN, H, NONE};
use weft_explorer::Violation;

/// The largest `write_protect_seq` the packed state keeps (five bits): two a fork.
const MAX_WP_SEQ: u8 = 31;

impl Thp {
    /// `model_range`: every counter within [`COUNTER_MIN`]`..=`[`COUNTER_MAX`], and no more
    /// COW copies or pins than a page number or a count byte can name. Not a kernel check:
    /// the model cannot represent the state the step leads to.
    pub(super) fn range_check(s: &State) -> Result<(), Violation> {
        let out = |what: String, value: i16| {
            Violation::new(
                "model_range",
                format!(
                    "{what} would be {value}, outside {COUNTER_MIN}..={COUNTER_MAX}, the range \
                     the model keeps counters in"
                ),
            )
        };
        let in_range = |v: i16| (COUNTER_MIN..=COUNTER_MAX).contains(&v);
        let p = &s.thp;
        if !in_range(p.refcount) {
            return Err(out("H._refcount".into(), p.refcount));
        }
        if !in_range(p.compound_mapcount) {
            return Err(out("compound_mapcount".into(), p.compound_mapcount));
        }
        if !in_range(p.pincount) {
            return Err(out("compound_pincount".into(), p.pincount));
        }
        if let Some(mm) = s.mms.iter().find(|mm| mm.wp_seq > MAX_WP_SEQ) {
            return Err(Violation::new(
                "model_range",
                format!(
                    "write_protect_seq would be {}, past {MAX_WP_SEQ}, the largest the model \
                     keeps (two a fork)",
                    mm.wp_seq
                ),
            ));
        }
        if let Some((i, &m)) = p.mapcount.iter().enumerate().find(|(_, &m)| !in_range(m)) {
            return Err(out(format!("H[{i}]._mapcount"), m));
        }
        if let Some((k, c)) = s
            .copies
            .iter()
            .enumerate()
            .find(|(_, c)| !in_range(c.refcount))
        {
            return Err(out(format!("copy{k}._refcount"), c.refcount));
        }
        for th in &s.threads {
            for v in [th.mapcount, th.total_mapcount] {
                if !in_range(v) {
                    return Err(out("a mapcount reader's sum".into(), v));
                }
            }
        }
        if s.copies.len() >= NONE as usize - 1 || s.pins.len() > u8::MAX as usize {
            return Err(Violation::new(
                "model_range",
                format!(
                    "{} COW copies and {} pins: more than the model can number",
                    s.copies.len(),
                    s.pins.len()
                ),
            ));
        }
        Ok(())
    }

    /// R1 at a quiescent point: logical mapcounts and `_refcount` equal the page tables' truth.
    pub(super) fn counters_check(&self, s: &State) -> Result<(), Violation> {
        let p = &s.thp;
        for i in 0..self.n {
            let l = self.logical(p, i as usize);
            let truth = self.maps(s, H, i) as i32;
            if l != truth {
                return Err(Violation::new(
                    "counter_mismatch",
                    format!(
                        "page_mapcount(H[{i}]) = {l} but {truth} entries map it (_mapcount {}, \
                         compound_mapcount {}, PageDoubleMap {})",
                        p.mapcount[i as usize], p.compound_mapcount, p.double_map
                    ),
                ));
            }
        }
        if p.double_map && p.compound_mapcount < 0 {
            return Err(Violation::new(
                "counter_mismatch",
                "PageDoubleMap is set with no PMD mapping (compound_mapcount -1)",
            ));
        }
        let want = self.expected_refs(s, H);
        if p.refcount as i32 != want {
            return Err(Violation::new(
                "counter_mismatch",
                format!(
                    "H._refcount is {} but the mappings and pins account for {want}",
                    p.refcount
                ),
            ));
        }
        let pins = s.pins.iter().filter(|p| p.foll_pin && p.page == H).count() as i32;
        if p.pincount as i32 != pins {
            return Err(Violation::new(
                "counter_mismatch",
                format!(
                    "compound_pincount is {} but {pins} FOLL_PIN pins hold H",
                    p.pincount
                ),
            ));
        }
        // PageAnonExclusive: a subpage marked exclusive is mapped by one process at most.
        for i in 0..self.n {
            if p.exclusive(i) && self.maps(s, H, i) > 1 {
                return Err(Violation::new(
                    "counter_mismatch",
                    format!(
                        "H[{i}] is PageAnonExclusive but {} map it",
                        self.mappers(s, H, i).join(", ")
                    ),
                ));
            }
        }
        for (k, c) in s.copies.iter().enumerate() {
            let want = self.expected_refs(s, k as u8 + 1);
            if c.refcount as i32 != want {
                return Err(Violation::new(
                    "counter_mismatch",
                    format!(
                        "copy{k}._refcount is {} but the mappings and pins account for {want}",
                        c.refcount
                    ),
                ));
            }
        }
        Ok(())
    }

    /// R3, `cow_isolation`: a writable entry maps a page nobody else maps.
    pub(super) fn isolation_check(&self, s: &State) -> Result<(), Violation> {
        for (m, mm) in s.mms.iter().enumerate() {
            for (i, e) in self.visible(mm) {
                if e.write && self.maps(s, e.page, i) > 1 {
                    let others: Vec<&str> = self
                        .mappers(s, e.page, i)
                        .into_iter()
                        .filter(|n| *n != self.name(m))
                        .collect();
                    return Err(Violation::new(
                        "cow_isolation",
                        format!(
                            "{} has a writable {} to {}[{i}], which {} still map{}: its writes \
                             are visible to another process",
                            self.name(m),
                            if matches!(mm.pmd, Pmd::Table) {
                                "PTE"
                            } else {
                                "PMD"
                            },
                            self.page_name(e.page),
                            others.join(", "),
                            if others.len() == 1 { "s" } else { "" }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// R4, `rmap_unreachable`: every mapping of the THP is reachable from `head->mapping`.
    pub(super) fn rmap_check(&self, s: &State) -> Result<(), Violation> {
        for (m, mm) in s.mms.iter().enumerate() {
            if self.visible(mm).iter().any(|(_, e)| e.page == H)
                && (s.thp.mapping == NONE || mm.links & (1 << s.thp.mapping) == 0)
            {
                return Err(Violation::new(
                    "rmap_unreachable",
                    format!(
                        "{} maps H but its vma is not linked into {} (head->mapping): rmap \
                         walks (reclaim, migration, split_huge_page) cannot find the mapping",
                        self.name(m),
                        self.anon_vma_name(s.thp.mapping)
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Op, Thread, Variant};
    use super::*;
    use weft_explorer::Model;

    /// A step that takes a counter past the byte the state is packed in is the `model_range`
    /// violation, not a wrap to the other end of the range.
    #[test]
    fn a_counter_leaving_its_range_is_a_violation() {
        let thread = Thread {
            name: "P".into(),
            ops: vec![Op::ThpFault],
            child_of: None,
            thread_of: None,
        };
        let thp = Thp::new(Variant::MergedFix, 1, vec![thread]).unwrap();
        let mut s = thp.initial_state();
        s.thp.refcount = COUNTER_MAX;
        assert!(Thp::range_check(&s).is_ok());
        *Thp::refcount_of(&mut s, H) += 1;
        let v = Thp::range_check(&s).unwrap_err();
        assert_eq!(v.check, "model_range");
        assert!(
            v.message.contains("H._refcount would be 128"),
            "{}",
            v.message
        );
        s.thp.refcount = 1;
        s.thp.mapcount[0] = COUNTER_MIN - 1;
        assert_eq!(Thp::range_check(&s).unwrap_err().check, "model_range");
    }

    /// At a quiescent point `compound_pincount` counts the FOLL_PIN pins on the THP, and a
    /// subpage marked `PageAnonExclusive` is mapped by one process at most.
    #[test]
    fn the_pin_count_and_the_exclusive_bit_are_checked_against_the_truth() {
        let threads = ["P", "C"]
            .map(|name| Thread {
                name: name.into(),
                ops: vec![Op::Exit],
                child_of: None,
                thread_of: None,
            })
            .to_vec();
        let thp = Thp::new(Variant::V519AnonExclusive, 1, threads).unwrap();
        let mut s = thp.initial_state();
        for mm in &mut s.mms {
            mm.pmd = super::super::Pmd::huge(H, false);
        }
        s.thp.refcount = 3;
        s.thp.compound_mapcount = 1;
        s.pins.push(super::super::Pin {
            mm: 0,
            page: H,
            subpage: 0,
            read: true,
            foll_pin: true,
        });
        let mismatch = |s: &State| thp.counters_check(s).map_err(|v| v.message);
        assert!(mismatch(&s).unwrap_err().contains("compound_pincount is 0"));
        s.thp.pincount = 1;
        assert_eq!(mismatch(&s), Ok(()));
        s.thp.anon_exclusive = 1;
        assert!(mismatch(&s).unwrap_err().contains("PageAnonExclusive"));
    }
}
