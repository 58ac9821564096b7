//! Bad input is refused when the model is loaded, every mistake at once with its line: syntax
//! and type mistakes together, names declared twice, values that cannot fit, functions that
//! can end without their value, states that would not fit their layout.

use crate::common::mistakes;
use weft_lang::{At, Program};

fn lines(found: &[(usize, String)]) -> Vec<usize> {
    found.iter().map(|m| m.0).collect()
}

fn says(found: &[(usize, String)], line: usize, words: &str) {
    assert!(
        found.iter().any(|m| m.0 == line && m.1.contains(words)),
        "no mistake on line {line} saying {words:?}: {found:?}"
    );
}

/// A syntax mistake does not hide the type mistakes, the unbounded loop or the recursion
/// elsewhere in the file.
#[test]
fn syntax_and_type_mistakes_are_reported_together() {
    let text = "int x in 0..3;\nvoid f() { g(); }\nvoid g() { f(); }\nop a() {\n    x = = 1;\n    y = 2;\n    while (x < 3) { x = 1; }\n    x = true;\n    f();\n}\n";
    let found = mistakes(text);
    says(&found, 5, "expected an expression");
    says(&found, 6, "unknown name `y`");
    says(&found, 7, "a loop with no bound");
    says(&found, 8, "expected an integer");
    assert!(found.iter().any(|m| m.1.contains("recursion")), "{found:?}");
}

/// A name whose declaration did not parse is not reported again where it is used.
#[test]
fn a_broken_declaration_is_reported_once_not_at_every_use() {
    let text = "int x in 0..3 = = 1;\nop a() {\n    int r = = 1;\n    x = 1;\n    r = 2;\n}\n";
    assert_eq!(lines(&mistakes(text)), vec![1, 3]);
    let text = "bool f( { return true; }\nop a() {\n    if (f())\n        return;\n}\n";
    assert_eq!(lines(&mistakes(text)), vec![1]);
}

#[test]
fn names_declared_twice_are_refused() {
    let text = "\
int x in 0..3;
struct s { int a; int a; }
void f() { }
void f() { }
op a() { int l = 1; int l = 2; f(); }
op a() { }
param P = 1 in 0..2;
param P = 1 in 0..2;
variant v;
variant v;
invariant i(x == 1, \"m\");
end_check i(x == 2, \"m\");
param x = 1 in 0..2;
void h(int p, int p) { }
op f() { }
";
    let found = mistakes(text);
    says(&found, 2, "two fields of `struct s` are named `a`");
    says(&found, 4, "two functions are named `f`");
    says(&found, 5, "`l` is declared twice in this block");
    says(&found, 6, "two operations named `a` take 0 argument(s)");
    says(&found, 8, "two parameters are named `P`");
    says(&found, 10, "two variants are named `v`");
    says(&found, 12, "two checks are named `i`");
    says(&found, 13, "a parameter and a global are both named `x`");
    says(&found, 14, "two parameters of `h` are named `p`");
    says(&found, 15, "an operation and a function are both named `f`");
}

/// A constant stored where its range does not reach is refused at load; one computed at run
/// time is a violation then (`overflow`), never a wrap.
#[test]
fn a_constant_outside_the_range_it_is_stored_in_is_refused() {
    let text = "int x in 0..3;\nbool b;\nu8 f(u8 v) { return 300; }\nop a() {\n    x = 7;\n    x = 2 + 2;\n    int l in 0..1 = -1;\n    f(256);\n    x = 3;\n}\nop b() { f(1); }\n";
    let found = mistakes(text);
    assert_eq!(lines(&found), vec![3, 5, 6, 7, 8], "{found:?}");
    says(&found, 5, "7 is outside the range 0..3");
    says(&found, 6, "4 is outside the range 0..3");
    says(&found, 8, "256 is outside the range 0..255");
}

#[test]
fn a_function_that_can_end_without_its_value_is_refused() {
    let text = "int x in 0..3;\nint f() {\n    if (x == 1)\n        return 1;\n}\nint g() {\n    if (x == 1)\n        return 1;\n    else\n        return 2;\n}\nop a() { x = f() + g(); }\n";
    let found = mistakes(text);
    assert_eq!(lines(&found), vec![2], "{found:?}");
    says(
        &found,
        2,
        "`f` returns a value, but can reach its end without `return`",
    );
}

#[test]
fn a_file_without_operations_and_numbers_too_large_are_refused() {
    says(&mistakes("int x in 0..3;\n"), 1, "declares no operation");
    let found = mistakes("int x in 0..3;\nop a() { x = 99999999999999999999999; }\n");
    assert_eq!(found.len(), 1, "{found:?}");
    says(&found, 2, "does not fit 64 bits");
}

/// A state that would not fit its layout is refused at load, with the parameters at their
/// defaults and at their greatest; a scenario's parameters that make it too large are named.
#[test]
fn a_state_that_would_not_fit_its_layout_is_refused() {
    let wide = "struct page { u32 a; u32 b; u32 c; u32 d; }\nstruct page pages[200];\nstruct page more[200];\nop a() { }\n";
    says(&mistakes(wide), 3, "would not fit its layout");
    let big = "param NR = 2 in 1..300 \"pages\";\nstruct page { int c in 0..3; }\nstruct page pages[NR];\nop a(int i) { pages[i].c = 1; }\n";
    let found = mistakes(big);
    assert_eq!(found.len(), 1, "{found:?}");
    says(&found, 3, "an array has 1 to 256 elements, not 300");
    says(
        &found,
        3,
        "with the parameters at their greatest (NR = 300)",
    );
    let fits = "param NR = 2 in 1..300 \"pages\";\nstruct page { int c in 0..3; }\nstruct page pages[NR < 256];\nop a() { }\n";
    assert!(
        Program::load(fits).is_err(),
        "a condition is no array length"
    );
    // The layout shrinks as NR grows: NR = 1 is the scenario's mistake, named as such.
    let ok = "param NR = 200 in 1..250 \"pages\";\nstruct page { int c in 0..3; }\nstruct page pages[300 - NR];\nop a() { }\n";
    let program = Program::load(ok).unwrap_or_else(|d| panic!("{d:?}"));
    let small = [("NR".to_string(), 100)].into();
    assert!(program.instantiate("base", &small, &[]).is_ok());
    let large = [("NR".to_string(), 1)].into();
    let Err(e) = program.instantiate("base", &large, &[]) else {
        panic!("NR = 1 makes 299 pages")
    };
    assert_eq!(e.at, At::Param("NR".into()), "{e:?}");
    assert!(e.message.contains("not 299"), "{e:?}");
}

/// An empty range is a mistake, not a crash, and a cycle of calls is reported once.
#[test]
fn an_empty_range_and_a_cycle_are_each_one_mistake() {
    let found = mistakes("int x in 3..1;\nu8 a[0];\nparam P = 1 in 2..0;\nop b() { x = 3; }\n");
    assert_eq!(lines(&found), vec![1, 2, 3], "{found:?}");
    let found = mistakes("void f() { g(); }\nvoid g() { f(); }\nop a() { f(); }\n");
    assert_eq!(found.len(), 1, "{found:?}");
    says(&found, 2, "recursion: f -> g -> f");
}
