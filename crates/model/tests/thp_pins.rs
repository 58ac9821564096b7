//! Read-only GUP pins (`gup_pin_read`, as vmsplice takes) and `pin_isolation`: a page pinned
//! read-only by one process must not be written in place through another's mapping.

mod common;

use weft_explorer::{Checker, Verdict};
use weft_model::Scenario;

/// The check violated when the parent of `variant` writes subpage 0 after its child pinned it
/// read-only and exited; `split` first maps the THP by PTEs.
fn vmsplice(variant: &str, split: bool) -> Option<String> {
    let parent = if split {
        r#"["thp_fault", "split_huge_pmd", "fork", "write(0)"]"#
    } else {
        r#"["thp_fault", "fork", "write(0)"]"#
    };
    let text = format!(
        "model = \"thp\"\nvariant = \"{variant}\"\n[[thread]]\nname = \"P\"\nops = {parent}\n\
         [[thread]]\nname = \"C\"\nchild_of = \"P\"\nops = [\"gup_pin_read(0)\", \"exit\"]\n"
    );
    common::failed_check(&Scenario::parse("vmsplice", "vmsplice.toml", &text).unwrap())
}

#[test]
fn a_mapcount_reuse_test_leaks_a_read_pinned_page() {
    for variant in ["merged_fix", "huge_page_lock"] {
        for split in [false, true] {
            assert_eq!(
                vmsplice(variant, split).as_deref(),
                Some("pin_isolation"),
                "{variant} split {split}"
            );
        }
    }
}

#[test]
fn page_count_closes_the_leak_where_it_decides() {
    // v5.9 decides by page_count() on the PTE path only; v4.5's huge reuse test wanted
    // page_count() == 1 too, and its PTE path never reused a THP subpage.
    assert_eq!(vmsplice("v5_9_page_count", true), None);
    assert_eq!(
        vmsplice("v5_9_page_count", false).as_deref(),
        Some("pin_isolation")
    );
    assert_eq!(vmsplice("v4_5", false), None);
    assert_eq!(vmsplice("v4_5", true), None);
}

#[test]
fn a_read_pin_is_not_a_write_pin() {
    // A read-only pin never write-faults, and a copy of a page only read-pinned is no false
    // COW: the parent pinning read-only and writing breaks nothing on any variant.
    let text = "model = \"thp\"\nvariant = \"v5_9_page_count\"\n[[thread]]\nname = \"P\"\n\
                ops = [\"thp_fault\", \"gup_pin_read(0)\", \"fork\", \"write(0)\"]\n\
                [[thread]]\nname = \"C\"\nchild_of = \"P\"\nops = [\"exit\"]\n";
    let s = Scenario::parse("read", "read.toml", text).unwrap();
    let out = s.model().check(&Checker::new().threads(2)).unwrap();
    assert!(matches!(out.verdict, Verdict::Pass), "{:?}", out.verdict);
    let write_pin = text.replace("gup_pin_read(0)", "gup_pin(0)");
    let s = Scenario::parse("write", "write.toml", &write_pin).unwrap();
    match s.model().check(&Checker::new().threads(2)).unwrap().verdict {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "false_cow"),
        v => panic!("the write pin is copied away in v5.9 (scenario A): {v:?}"),
    }
}
