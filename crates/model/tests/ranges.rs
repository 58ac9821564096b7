//! Every counter and index has a declared range: a scenario that could leave one is refused
//! when it loads, and nothing wraps silently.

use weft_explorer::{Checker, Verdict};
use weft_model::Scenario;

fn load(text: &str) -> Result<Scenario, String> {
    Scenario::parse("ranges", "ranges.toml", text).map_err(|e| e.to_string())
}

fn thp(subpages: usize, ops: &[&str]) -> String {
    let ops: Vec<String> = ops.iter().map(|o| format!("\"{o}\"")).collect();
    format!(
        "model = \"thp\"\nvariant = \"merged_fix\"\n[params]\nsubpages = {subpages}\n\
         [[thread]]\nname = \"P\"\nops = [{}]\n",
        ops.join(", ")
    )
}

fn repeat<'a>(first: &'a str, then: &'a [&'a str], times: usize) -> Vec<&'a str> {
    std::iter::once(first)
        .chain(std::iter::repeat_n(then, times).flatten().copied())
        .collect()
}

/// 127 pins used to wrap the THP's one-byte `_refcount` to -128 and report a false
/// `refcount_underflow`; now the scenario is refused, and the largest accepted one passes.
#[test]
fn a_refcount_that_could_wrap_is_refused_at_load() {
    let e = load(&thp(1, &repeat("thp_fault", &["gup_pin(0)"], 127))).unwrap_err();
    assert!(
        e.contains("_refcount to 129") && e.contains("past 127"),
        "{e}"
    );
    let most = load(&thp(1, &repeat("thp_fault", &["gup_pin(0)"], 125))).unwrap();
    let outcome = most.model().check(&Checker::new()).unwrap();
    assert!(
        matches!(outcome.verdict, Verdict::Pass),
        "{:?}",
        outcome.verdict
    );
}

/// 257 operations used to wrap a thread's one-byte operation index (a false
/// `counter_mismatch` in thp; operations past 255 never ran in pt_frag, and it passed).
#[test]
fn more_operations_than_an_index_holds_are_refused() {
    let e = load(&thp(
        1,
        &repeat("thp_fault", &["gup_pin(0)", "gup_unpin(0)"], 128),
    ))
    .unwrap_err();
    assert!(
        e.starts_with("ranges.toml:7:")
            && e.contains("calls 257 operations; a thread calls at most 255"),
        "{e}"
    );
    let walker: Vec<String> = vec!["\"speculative_get_put\"".to_string(); 300];
    let text = format!(
        "model = \"pt_frag\"\nvariant = \"pt_frag_refcount\"\n[[thread]]\nname = \"o\"\n\
         ops = [\"pte_fragment_alloc\", \"pte_fragment_free\"]\n[[thread]]\nname = \"w\"\n\
         ops = [{}]\n",
        walker.join(", ")
    );
    let e = load(&text).unwrap_err();
    assert!(e.contains("`w` calls 300 operations"), "{e}");
}

/// The thread count is refused before anything looks at each thread (a duplicate name past
/// the limit is not what is reported), pointing at the first thread too many.
#[test]
fn too_many_threads_are_refused_first() {
    let mut text = String::from("model = \"pt_frag\"\nvariant = \"set_page_count\"\n");
    for t in 0..40 {
        let name = if t == 39 { 0 } else { t };
        text += &format!("[[thread]]\nname = \"t{name}\"\nops = [\"speculative_get_put\"]\n");
    }
    let e = load(&text).unwrap_err();
    assert!(
        e.contains("at most 16 threads; this one has 40") && e.starts_with("ranges.toml:52:"),
        "{e}"
    );
}

/// A pathological name is echoed cut short, and the line it is on is not drawn.
#[test]
fn a_huge_name_is_echoed_cut_short() {
    let huge = "x".repeat(5_000_000);
    let text = format!(
        "model = \"pt_frag\"\nvariant = \"set_page_count\"\n[[thread]]\nname = \"o\"\nops = [\"{huge}\"]\n"
    );
    let err = Scenario::parse("ranges", "ranges.toml", &text).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("… (4999940 more characters)"), "{message}");
    // Drawn as the command line draws it (wrapped to some width), it stays short.
    let shown = format!("{:?}", miette::Report::new(err));
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
}
