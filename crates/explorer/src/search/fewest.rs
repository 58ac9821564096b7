//! Among the shortest counterexamples of a check, one with the fewest preemptions: found by
//! breadth-first searches bounded to 0, 1, ... preemptions below the first one's own count.

use super::error::SearchError;
use super::limits::Limits;
use super::outcome::{Fewer, Outcome, Preemptions, Verdict};
use crate::model::Model;
use crate::preemption::count;
use crate::trace::Counterexample;

/// Among the counterexamples of `shortest`'s check and length, one with the fewest
/// preemptions, and what the bounded searches met on the way. `search(bound, limits)` runs a
/// search bounded to `bound` preemptions; the searches all run within `limits` (one stopped by
/// a limit proves nothing and is skipped).
pub(crate) fn fewest<M: Model>(
    model: &M,
    limits: &Limits,
    shortest: &Counterexample,
    search: impl Fn(u32, Limits) -> Result<Outcome, SearchError>,
) -> Result<(Counterexample, Preemptions), SearchError> {
    let own = count(model, &shortest.schedule).unwrap_or(0);
    let len = shortest.schedule.len();
    let mut fewer = None;
    let start = std::time::Instant::now();
    for bound in 0..own.min(crate::preemption::MAX_BOUND + 1) {
        if let Verdict::Violation(c) = search(bound, limits.remaining_since(start))?.verdict {
            let preemptions = count(model, &c.schedule).unwrap_or(bound);
            if c.violation.check == shortest.violation.check && c.schedule.len() == len {
                let found = Preemptions {
                    count: preemptions,
                    fewest: true,
                    fewer,
                };
                return Ok((c, found));
            }
            fewer.get_or_insert(Fewer {
                length: c.schedule.len(),
                preemptions,
                check: c.violation.check,
            });
        }
    }
    let found = Preemptions {
        count: own,
        fewest: true,
        fewer,
    };
    Ok((shortest.clone(), found))
}
