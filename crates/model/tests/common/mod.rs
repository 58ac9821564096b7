//! Helpers shared by the model's integration tests.

use weft_explorer::Outcome;

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
