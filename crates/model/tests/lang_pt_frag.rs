//! The pt_frag model written in the language (`models/lang/pt_frag.weft`) against the
//! built-in one: every shipped pt_frag scenario, run once as shipped and once with
//! `model = "lang/pt_frag.weft"`, without reduction or symmetry, gives the same verdict,
//! failed check, counterexample length, and state and transition counts; and so does each
//! with the quiet-point invariants on (`invariants = 1`). Both sides are explored here;
//! nothing is recorded.

use std::path::{Path, PathBuf};
use weft_explorer::{Checker, Outcome, Reduction, Verdict};
use weft_model::Scenario;

/// pt_frag's five variants.
const VARIANTS: [&str; 5] = [
    "set_page_count",
    "page_ref_add",
    "pt_frag_refcount",
    "top_bits",
    "top_bits_bad",
];

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// Every shipped pt_frag scenario, in name order.
fn shipped() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(models().join("pt_frag"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    all.sort();
    all
}

/// The scenario at `path`, and the same with the language model: its `model` line replaced,
/// read as if it sat where it does (the model file is found in the folder above).
fn both(path: &Path) -> (Scenario, Scenario) {
    both_of(path, &std::fs::read_to_string(path).unwrap())
}

/// `both` for the scenario `text`, read as if it sat at `path`.
fn both_of(path: &Path, text: &str) -> (Scenario, Scenario) {
    let line = "model = \"pt_frag\"\n";
    assert_eq!(text.matches(line).count(), 1, "{}", path.display());
    let lang = text.replace(line, "model = \"lang/pt_frag.weft\"\n");
    let at = path.to_str().unwrap();
    let rust = Scenario::parse("rust", at, text).unwrap_or_else(|e| panic!("{e:?}"));
    let lang = Scenario::parse("lang", at, &lang).unwrap_or_else(|e| panic!("{e:?}"));
    (rust, lang)
}

/// The scenario at `path` with its counts checked at every quiet point (`invariants = 1`),
/// unless it checks them already.
fn with_invariants(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    if text.contains("invariants = 1") {
        return None;
    }
    Some(match text.contains("[params]\n") {
        true => text.replace("[params]\n", "[params]\ninvariants = 1\n"),
        false => format!("{text}\n[params]\ninvariants = 1\n"),
    })
}

/// Every state, without partial-order reduction or symmetry; looking only for `only`'s
/// violations, if it names checks.
fn explore(s: &Scenario, only: &[&str]) -> Outcome {
    let mut checker = Checker::new()
        .threads(2)
        .reduction(Reduction::Off)
        .symmetry(false);
    if !only.is_empty() {
        checker = checker.only_checks(only.iter().map(|c| c.to_string()).collect());
    }
    s.model().check(&checker).unwrap()
}

/// What must agree: verdict, failed check, counterexample length, states, transitions.
fn summary(o: &Outcome) -> String {
    let verdict = match &o.verdict {
        Verdict::Violation(c) => format!(
            "violation of {} in {} steps",
            c.violation.check,
            c.schedule.len()
        ),
        other => format!("{other:?}"),
    };
    format!(
        "{verdict}, {} states, {} transitions",
        o.stats.states, o.stats.transitions
    )
}

fn side_by_side(path: &Path) {
    compare(path, &both(path), &[]);
}

/// Explores both (for `only`'s checks, if it names some) and asserts that they agree; the
/// outcome, to say what was compared.
fn compare(path: &Path, (rust, lang): &(Scenario, Scenario), only: &[&str]) -> String {
    let (r, l) = (explore(rust, only), explore(lang, only));
    assert!(r.stats.states > 0, "{}", path.display());
    assert_eq!(
        summary(&l),
        summary(&r),
        "{}: the language model (left) differs from the built-in one (right)",
        path.display()
    );
    summary(&r)
}

/// Every shipped scenario but the largest, which has a test of its own.
#[test]
fn the_language_pt_frag_model_matches_the_built_in_one_on_every_scenario() {
    let mut covered = Vec::new();
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("scaled_3x3") {
            side_by_side(&path);
            covered.push(name);
        }
    }
    // The core of the issue: scenarios L, D and C of all five variants, and the scaled 2x2;
    // teardown racing another thread's free of the owner's fragment (E), in every variant.
    let mut want: Vec<String> = VARIANTS
        .iter()
        .flat_map(|v| ["L", "D", "C", "E"].map(|s| format!("{v}_{s}")))
        .collect();
    want.extend(
        [
            "pt_frag_refcount_scaled_2x2",
            // RCU: deferred frees past a grace period, against each kind of walker and kernel.
            "page_ref_add_E_pfn",
            "page_ref_add_E_rcu_lookup",
            "page_ref_add_E_rcu_lookup_preempt",
            "page_ref_add_E_gup_fast",
            "set_page_count_E_rcu_lookup",
            "pt_frag_refcount_E_rcu_lookup_preempt",
            // PMD fragments: their own cache, ctor and dtor.
            "page_ref_add_L_pmd",
            "page_ref_add_D_pmd",
            "pt_frag_refcount_L_pmd",
            "pt_frag_refcount_D_pmd",
            "set_page_count_D_pmd",
        ]
        .map(String::from),
    );
    for name in want {
        assert!(
            covered.contains(&name),
            "{name} is not covered: {covered:?}"
        );
    }
    // The quiet-point invariants as shipped: the lost update caught as it happens, the
    // merged fix, PTE and PMD fragments side by side.
    for name in [
        "set_page_count_L_invariants",
        "pt_frag_refcount_L_invariants",
        "pt_frag_refcount_mixed",
    ] {
        assert!(covered.contains(&name.to_string()), "{name} is not covered");
    }
    assert_eq!(covered.len(), shipped().len() - 1, "{covered:?}");
}

/// Every shipped scenario but the largest again, with `invariants = 1`: the language's
/// `counter_mismatch` and `dtor_with_live_fragment` fail in the same states as the built-in
/// model's, on every variant. The dtor check comes after a lost count, which
/// `counter_mismatch` catches first at a quiet point; looking for it alone reaches it.
#[test]
fn the_quiet_point_invariants_agree_on_every_scenario() {
    let mut mismatches = 0;
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(text) = with_invariants(&path).filter(|_| !name.ends_with("scaled_3x3")) else {
            continue;
        };
        let both = both_of(&path, &text);
        let all = compare(&path, &both, &[]);
        mismatches += usize::from(all.contains("counter_mismatch"));
        let dtor = compare(&path, &both, &["dtor_with_live_fragment"]);
        assert!(!dtor.contains("dtor_with_live_fragment"), "{name}: {dtor}");
    }
    // The check must fail somewhere, or the comparison proves nothing about it.
    assert!(
        mismatches >= 3,
        "counter_mismatch failed in {mismatches} scenario(s)"
    );
}

/// The dtor under a live fragment: a second allocator keeps the mm busy from the lost count
/// until the dtor runs under the owner's live fragment, so no quiet point comes between. Both
/// models find it in the same number of steps, and no variant but the lost update has it.
#[test]
fn the_dtor_under_a_live_fragment_agrees() {
    let path = models().join("pt_frag/busy_allocator.toml");
    for variant in VARIANTS {
        let text = format!(
            "model = \"pt_frag\"\nvariant = \"{variant}\"\n[params]\nfrag_nr = 2\n\
             invariants = 1\n[[thread]]\nname = \"owner\"\nops = [\"pte_fragment_alloc\", \
             \"pte_fragment_alloc\", \"pte_fragment_free\", \"pte_fragment_free\"]\n\
             [[thread]]\nname = \"other\"\nops = [\"pte_fragment_alloc\", \
             \"pte_fragment_free\"]\n[[thread]]\nname = \"walker\"\n\
             ops = [\"speculative_get_put\"]\n"
        );
        let dtor = compare(&path, &both_of(&path, &text), &["dtor_with_live_fragment"]);
        assert_eq!(
            dtor.contains("violation of dtor_with_live_fragment"),
            variant == "set_page_count",
            "{variant}: {dtor}"
        );
    }
}

/// The scaled 3x3, three owners and three walkers: 733,678 states on either side.
#[test]
fn the_language_pt_frag_model_matches_the_built_in_one_on_scaled_3x3() {
    side_by_side(&models().join("pt_frag/pt_frag_refcount_scaled_3x3.toml"));
}
