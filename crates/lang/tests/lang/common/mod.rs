//! What the language's tests share: a file's mistakes by line, a model built for threads,
//! an exhaustive search, and a check of the footprints in every state it reaches.

use weft_explorer::reduce::independence_everywhere;
use weft_explorer::{Checker, Outcome, Reduction};
use weft_lang::{Diag, LangModel, Program, ThreadCalls};

/// Each mistake's 1-based line and message, in file order.
pub fn mistakes(text: &str) -> Vec<(usize, String)> {
    let diags: Vec<Diag> = Program::load(text).expect_err("a program with mistakes");
    diags
        .iter()
        .map(|d| {
            (
                text[..d.span.start].matches('\n').count() + 1,
                d.message.clone(),
            )
        })
        .collect()
}

/// An operation called: its name and arguments.
pub type Call<'a> = (&'a str, &'a [&'a str]);

/// A thread: its name and the operations it calls.
pub type Thread<'a> = (&'a str, &'a [Call<'a>]);

/// `text` built in `variant` with default parameters, for `threads`.
pub fn instance(text: &str, variant: &str, threads: &[Thread<'_>]) -> LangModel {
    let program = Program::load(text).unwrap_or_else(|d| panic!("{d:?}"));
    let threads: Vec<ThreadCalls> = threads
        .iter()
        .map(|(name, ops)| ThreadCalls {
            name: name.to_string(),
            ops: (ops.iter())
                .map(|(op, args)| (op.to_string(), args.iter().map(|a| a.to_string()).collect()))
                .collect(),
        })
        .collect();
    program
        .instantiate(variant, &Default::default(), &threads)
        .unwrap_or_else(|p| panic!("{p:?}"))
}

/// Every state, on one thread, without symmetry.
pub fn explore(m: &LangModel, reduction: Reduction) -> Outcome {
    Checker::new()
        .threads(1)
        .reduction(reduction)
        .symmetry(false)
        .check(m)
        .unwrap()
}

/// Explores every state of `m` checking its footprints; how many there are.
pub fn honest_footprints(m: &LangModel) -> usize {
    let checker = Checker::new().keep_going(true).symmetry(false);
    independence_everywhere(m, &checker).unwrap_or_else(|e| panic!("{e}"))
}
