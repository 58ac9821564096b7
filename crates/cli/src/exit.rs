//! The exit codes of the command-line contract, and the one rule that makes them.

use weft_explorer::Verdict;

/// What `weft` exits with: 0 explored fully with no violation, 1 a violation was found, 2 bad
/// input or usage, 3 stopped by a limit (states, depth, time, memory, Ctrl-C, SIGTERM) before a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Explored fully, no violation.
    Pass = 0,
    /// A violation was found.
    Violation = 1,
    /// Bad input or usage.
    BadInput = 2,
    /// Stopped by a limit before a verdict.
    Stopped = 3,
}

impl Exit {
    /// The exit code of one search's verdict.
    pub fn of(verdict: &Verdict) -> Exit {
        match verdict {
            Verdict::Pass => Exit::Pass,
            Verdict::Violation(_) => Exit::Violation,
            Verdict::Stopped(_) => Exit::Stopped,
        }
    }

    /// The exit code of one search graded against its `[expect]` (`--as-expected`): the
    /// judgement `Expect::judge` gave, `None` when there was none to give.
    pub fn graded(judgement: Option<bool>, verdict: &Verdict) -> Exit {
        match (judgement, verdict) {
            (Some(true), _) => Exit::Pass,
            (None, Verdict::Stopped(_)) => Exit::Stopped,
            (Some(false) | None, _) => Exit::Violation,
        }
    }

    /// Several results as one: the most serious wins, bad input first, then a violation, then
    /// a search stopped before its verdict, then a pass.
    pub fn combine(self, other: Exit) -> Exit {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    fn severity(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::Stopped => 1,
            Exit::Violation => 2,
            Exit::BadInput => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn the_most_serious_result_wins_in_any_order() {
        let all = [Exit::Pass, Exit::Stopped, Exit::Violation, Exit::BadInput];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(a.combine(*b), all[i.max(j)]);
            }
        }
    }
}
