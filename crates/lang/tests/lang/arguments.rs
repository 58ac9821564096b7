//! Constant arguments: a value parameter whose argument is a constant, and which the function
//! never assigns, is folded into the function's code; one the function assigns stays a local.

use crate::common::{explore, instance, Call};
use weft_explorer::{Reduction, Verdict};

const PROGRAM: &str = "int slots[2];
int out in 0..9;
end_check stored(out == 3, \"out is not 3\");
// Folded: `i` is a constant at each call, so slots[i] is one element.
void store(int i, int v) {
    slots[i] = v;
}
// Not folded: the function counts its argument down.
int count_down(int n) {
    int steps = 0;
    while (n > 0) bound(4) {
        n -= 1;
        steps += 1;
    }
    return steps;
}
// `taken - 1` is out of range when `taken` is 0, in code that then never runs.
int minus_one(int taken) {
    if (taken != 0)
        return taken - 1;
    return 0;
}
op go() {
    store(1, 2);
    int s = slots[1];
    out = s + 1;
}
op count() {
    int steps = count_down(3);
    out = steps;
}
op zero() {
    int z = minus_one(0);
    out = z + 3;
}
";

fn run(op: &str) -> Verdict {
    let ops: &[Call<'_>] = &[(op, &[])];
    let m = instance(PROGRAM, "base", &[("t", ops)]);
    explore(&m, Reduction::Off).verdict
}

#[test]
fn a_constant_argument_is_folded_and_an_assigned_one_counts() {
    assert!(matches!(run("go"), Verdict::Pass));
    assert!(matches!(run("count"), Verdict::Pass));
    assert!(matches!(run("zero"), Verdict::Pass));
}
