//! Functions in checks: an invariant or end check may call a function that only computes a
//! value (`if (c) return a;` lines, then `return b;`), with constant arguments, and a
//! variant's body replaces the file's, so that a fix can say what its counts mean.

use crate::common::{explore, instance, mistakes, Call};
use weft_explorer::{Reduction, Verdict};
use weft_lang::{Program, ThreadCalls};

/// Two counters: the file adds one to each per step; `doubled_untold` adds two to the second
/// but leaves the check expecting one; `doubled` adds two and says so in the check's function.
const COUNTS: &str = "int counts[2] in 0..9;
int steps in 0..9;
invariant counts_exact(exact(0) && exact(1), \"a count is not what the steps make it\");
int per_step(u8 i) {
    return 1;
}
bool exact(u8 i) {
    if (steps == 0)
        return counts[i] == 0;
    return counts[i] == steps * per_step(i);
}
int second_step() {
    return 1;
}
op bump() {
    atomic {
        counts[0] += 1;
        counts[1] += second_step();
        steps += 1;
    }
}
variant base;
variant doubled_untold {
    int second_step() {
        return 2;
    }
}
variant doubled {
    int second_step() {
        return 2;
    }
    int per_step(u8 i) {
        if (i == 0)
            return 1;
        return 2;
    }
}
";

const BUMP: &[Call<'_>] = &[("bump", &[])];

#[test]
fn an_invariant_calls_functions_and_a_variant_replaces_them() {
    let threads = [("a", BUMP), ("b", BUMP)];
    for (variant, holds) in [("base", true), ("doubled_untold", false), ("doubled", true)] {
        let m = instance(COUNTS, variant, &threads);
        let outcome = explore(&m, Reduction::Off);
        match outcome.verdict {
            Verdict::Pass => assert!(holds, "{variant} passes"),
            Verdict::Violation(c) => {
                assert!(!holds, "{variant}: {:?}", c.violation);
                assert_eq!(c.violation.check, "counts_exact");
                assert_eq!(c.schedule.len(), 1, "the first step breaks it");
            }
            other => panic!("{variant}: {other:?}"),
        }
        assert!(outcome.stats.states >= 2, "{variant}");
    }
}

#[test]
fn a_check_calls_only_functions_that_compute_a_value_from_constants() {
    let text = "int count in 0..9;
int limit in 0..9;
invariant a(small(count), \"m\");
invariant b(changes() == 0, \"m\");
invariant c(nothing(), \"m\");
invariant d(pointer(&count), \"m\");
bool small(int v) {
    return v < 3;
}
int changes() {
    count = 1;
    return 0;
}
void nothing() {
}
bool pointer(int *p) {
    return *p == 0;
}
op bump() {
    count += 1;
}
";
    let found = mistakes(text);
    let said = |words: &str| found.iter().any(|(_, m)| m.contains(words));
    assert!(said("constant arguments"), "{found:?}");
    assert!(said("computes a value and changes nothing"), "{found:?}");
    assert!(said("`nothing` returns nothing"), "{found:?}");
    assert!(said("values, not pointers"), "{found:?}");
    let lines: Vec<usize> = found.iter().map(|(l, _)| *l).collect();
    for line in [3, 11, 5, 6] {
        assert!(lines.contains(&line), "line {line}: {found:?}");
    }
}

/// A condition that parameters decide is decided at load: the branch it rules out costs
/// nothing at run time, yet a mistake in it is still reported, and each value of the
/// parameter runs its own branch.
#[test]
fn conditions_on_parameters_are_decided_at_load_and_still_checked() {
    let text = "param debug = 0 in 0..1 \"count the steps\";
int count in 0..9;
ghost int steps in 0..1;
invariant counted(debug == 0 || steps == count, \"a step was not counted\");
op bump() {
    atomic {
        count += 1;
    }
    if (debug == 1)
        steps += 1;
}
";
    let threads = [ThreadCalls {
        name: "a".into(),
        ops: vec![("bump".into(), vec![]), ("bump".into(), vec![])],
    }];
    let program = Program::load(text).unwrap();
    let run = |debug: i64| {
        let params = [("debug".to_string(), debug)].into_iter().collect();
        let m = program.instantiate("base", &params, &threads).unwrap();
        explore(&m, Reduction::Off).verdict
    };
    // Off, the counter is never touched and the invariant never read; on, the second step
    // takes the ghost past its range.
    assert!(matches!(run(0), Verdict::Pass));
    match run(1) {
        Verdict::Violation(c) => assert_eq!(c.violation.check, "overflow"),
        other => panic!("{other:?}"),
    }
    let found = mistakes(&text.replace("steps += 1;", "steps += true;"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 10, "{found:?}");
}

/// What a check reads keeps reduction from reordering the steps that write it; a check that
/// parameters switch off reads nothing, so it costs reduction nothing.
#[test]
fn a_check_switched_off_by_a_parameter_does_not_limit_reduction() {
    let text = "param debug = 0 in 0..1 \"check the sum\";
int a in 0..9;
int b in 0..9;
invariant small(debug == 0 || a + b < 9, \"the sum is too large\");
op left() {
    a = 1;
    a = 2;
}
op right() {
    b = 1;
    b = 2;
}
";
    let threads = [
        ThreadCalls {
            name: "l".into(),
            ops: vec![("left".into(), vec![])],
        },
        ThreadCalls {
            name: "r".into(),
            ops: vec![("right".into(), vec![])],
        },
    ];
    let states = |text: &str, debug: i64| {
        let program = Program::load(text).unwrap();
        let params = [("debug".to_string(), debug)].into_iter().collect();
        let m = program.instantiate("base", &params, &threads).unwrap();
        let outcome = explore(&m, Reduction::On);
        assert!(matches!(outcome.verdict, Verdict::Pass));
        outcome.stats.states
    };
    let without = text.replace(
        "invariant small(debug == 0 || a + b < 9, \"the sum is too large\");\n",
        "",
    );
    assert_eq!(states(text, 0), states(&without, 0));
    assert!(states(text, 1) > states(&without, 0));
}
