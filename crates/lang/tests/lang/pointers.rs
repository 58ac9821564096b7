//! Pointers between struct instances: a pointer published in a global, read with
//! READ_ONCE, followed to a field and passed to a function; NULL, and a NULL dereference a
//! violation; pointers shown by the instance they name; footprints through a pointer
//! honest; ill-typed pointers refused at load.

use crate::common::{explore, honest_footprints, instance, mistakes, Call, Thread};
use weft_explorer::{Model, Reduction, Verdict};
use weft_lang::LangModel;

/// Publishing a page: its `next` is set, then the page is published in `cached`. The
/// buggy order publishes first, so a lookup may follow a NULL `next`.
const PUBLISH: &str = "
struct page {
    atomic_t _refcount in 0..3 = 1;
    struct page *next;
}

struct page pages[2];
struct page *cached = NULL;

void get_page(struct page *page) {
    atomic_inc(&page->_refcount);
}

op publish(int i) {
    pages[i].next = &pages[1 - i];
    cached = &pages[i];
}

op lookup() {
    struct page *p = READ_ONCE(cached);
    if (p == NULL)
        return;
    get_page(p);
    struct page *q = p->next;
    get_page(q);
}

end_check both_or_none(pages[0]._refcount + pages[1]._refcount != 3,
    \"a lookup took one reference of the two\");
";

/// `text` for threads that each call one operation with its arguments.
fn build(text: &str, variant: &str, threads: &[(&str, &str, &[&str])]) -> LangModel {
    let ops: Vec<[Call<'_>; 1]> = threads.iter().map(|(_, op, args)| [(*op, *args)]).collect();
    let threads: Vec<Thread<'_>> = (threads.iter().zip(&ops))
        .map(|((name, ..), ops)| (*name, &ops[..]))
        .collect();
    instance(text, variant, &threads)
}

fn field(m: &LangModel, s: &<LangModel as Model>::State, name: &str) -> String {
    let fields = m.fields(s);
    let f = fields.iter().find(|f| f.name == name);
    f.unwrap_or_else(|| panic!("no {name}")).value.clone()
}

#[test]
fn a_published_pointer_is_followed_to_the_page_it_names() {
    let m = build(
        PUBLISH,
        "base",
        &[("publish", "publish", &["0"]), ("lookup", "lookup", &[])],
    );
    let mut s = m.initial_state();
    assert_eq!(field(&m, &s, "cached"), "NULL");
    m.step(&mut s, 0).unwrap();
    assert_eq!(field(&m, &s, "pages[0].next"), "&pages[1]");
    m.step(&mut s, 0).unwrap();
    assert_eq!(field(&m, &s, "cached"), "&pages[0]");
    for reduction in [Reduction::Off, Reduction::On] {
        let o = explore(&m, reduction);
        assert!(matches!(o.verdict, Verdict::Pass), "{:?}", o.verdict);
    }
}

/// Publishing the page before its `next`: a lookup in between follows NULL.
#[test]
fn following_null_is_a_violation() {
    let text = PUBLISH.replace(
        "    pages[i].next = &pages[1 - i];\n    cached = &pages[i];",
        "    cached = &pages[i];\n    pages[i].next = &pages[1 - i];",
    );
    let m = build(
        &text,
        "base",
        &[("publish", "publish", &["1"]), ("lookup", "lookup", &[])],
    );
    let o = explore(&m, Reduction::Off);
    let Verdict::Violation(c) = &o.verdict else {
        panic!("{:?}", o.verdict)
    };
    assert_eq!(c.violation.check, "null_deref");
    assert!(
        c.violation.message.contains("NULL"),
        "{}",
        c.violation.message
    );
    // Publish, then the lookup: its read of `cached`, its get, its read of `next`, and the
    // get through that NULL.
    assert_eq!(c.schedule, vec![0, 1, 1, 1, 1]);
}

#[test]
fn footprints_through_pointers_are_honest() {
    let m = build(
        PUBLISH,
        "base",
        &[
            ("a", "publish", &["0"]),
            ("b", "publish", &["1"]),
            ("c", "lookup", &[]),
        ],
    );
    let states = honest_footprints(&m);
    assert!(states > 20, "{states} states");
}

#[test]
fn ill_typed_pointers_are_refused() {
    let text = "
struct page { int c in 0..3; }
struct folio { int c in 0..3; }
struct page page;
struct folio folio;
struct page *p;
struct dentry *d;
int x in 0..3;
op a() {
    p = 1;
    p = &folio;
    x = p;
    struct page *q = &x;
    p = NULL;
}
";
    let found: Vec<String> = mistakes(text).into_iter().map(|m| m.1).collect();
    let all = found.join("\n");
    for words in [
        "no struct is named `dentry`",
        "expected a `struct page *` here, found an integer",
        "expected a `struct page *` here, found a `struct folio *`",
        "expected an integer here, found a `struct page *`",
        "`&` of a scalar is only an argument of a call",
    ] {
        assert!(all.contains(words), "no {words:?} in:\n{all}");
    }
    assert_eq!(found.len(), 5, "{all}");
}
