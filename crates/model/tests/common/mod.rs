//! Helpers shared by the model's integration tests.
#![allow(dead_code, unused_macros)]

use weft_explorer::{Checker, Model, Outcome, Verdict, Violation};
use weft_model::Scenario;

/// The check that fails when `scenario` is explored on two workers (`None`: every schedule
/// passes). No limits are set, so a stopped search is a test failure.
pub fn failed_check(scenario: &Scenario) -> Option<String> {
    match scenario
        .model()
        .check(&Checker::new().threads(2))
        .unwrap()
        .verdict
    {
        Verdict::Pass => None,
        Verdict::Violation(c) => Some(c.violation.check),
        Verdict::Stopped(r) => panic!("no limits were set, yet it stopped: {r}"),
    }
}

/// Everything a search reports that must not depend on how it ran (threads, where its queue
/// lives), as text, so two searches compare in one assertion: the verdict with its trace,
/// the counts, the steps per thread and the coverage.
pub fn report(o: &Outcome) -> String {
    let s = &o.stats;
    format!(
        "{:?} states {} transitions {} depth {} terminal {} schedules {:?} steps {:?} coverage {:?}",
        o.verdict,
        s.states,
        s.transitions,
        s.depth,
        s.terminal_states,
        s.schedules,
        s.thread_steps,
        s.coverage
    )
}

/// Runs `$body` with `$m` bound to the scenario's model as its own type, for tests that look
/// at its states.
macro_rules! typed {
    ($scenario:expr, |$m:ident| $body:expr) => {{
        let any = $scenario.model().as_any();
        if let Some($m) = any.downcast_ref::<weft_model::pt_frag::PtFrag>() {
            $body
        } else if let Some($m) = any.downcast_ref::<weft_model::thp::Thp>() {
            $body
        } else if let Some($m) = any.downcast_ref::<weft_lang::LangModel>() {
            $body
        } else {
            panic!("a model the tests do not know")
        }
    }};
}
#[allow(unused_imports)]
pub(crate) use typed;

/// Runs `schedule` from `state`: each entry is a thread and the label its next step must
/// start with. Returns the violation of the last step, if it has one; an earlier step that
/// fails panics.
pub fn follow<M: Model>(
    m: &M,
    state: &mut M::State,
    schedule: &[(usize, &str)],
) -> Result<(), Violation> {
    for (i, &(t, label)) in schedule.iter().enumerate() {
        let info = m.step_info(state, t);
        assert!(
            info.label.starts_with(label),
            "{} is not {label}",
            info.label
        );
        match m.step(state, t) {
            Err(v) if i + 1 == schedule.len() => return Err(v),
            Err(v) => panic!("step {} ({label}) fails: {v:?}", i + 1),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// A pt_frag scenario file of `variant` with these `[params]` lines, whose threads run these
/// operations.
pub fn pt_frag_scenario(variant: &str, params: &str, threads: &[(&str, &[&str])]) -> String {
    let mut text = format!("model = \"pt_frag\"\nvariant = \"{variant}\"\n");
    if !params.is_empty() {
        text += &format!("[params]\n{params}\n");
    }
    for (name, ops) in threads {
        let ops: Vec<String> = ops.iter().map(|op| format!("\"{op}\"")).collect();
        text += &format!(
            "[[thread]]\nname = \"{name}\"\nops = [{}]\n",
            ops.join(", ")
        );
    }
    text
}
