//! shuttle's schedule strings, read and replayed strictly.
//!
//! A schedule string comes from a trace file, which may have been edited or cut short. shuttle's
//! own parser indexes past the end of a short string, and its `ReplayScheduler` panics on a
//! schedule that does not fit the execution; a panic message on stderr is not an answer. So
//! the string is parsed here, every length checked, and replayed by [`Strict`], which ends
//! the execution and says why at the first decision the schedule cannot make.
//!
//! The format (shuttle-engine's `serialization` module, version 2) is hexadecimal, whitespace
//! ignored: a magic byte `0x91`, three LEB128 varints (task id width in bits, number of steps,
//! seed), then the steps densely packed, least significant bit first: a step is a 0 bit and a
//! task id of that width, or a 1 bit for a random choice.

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::{Arc, Mutex};

/// shuttle's version 2 schedule strings start with this byte.
const MAGIC: u8 = 0x91;

/// The task ids of a schedule string, and its seed, or why it is not a schedule string weft
/// can replay.
pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let bytes = hex(text)?;
    let Some((&magic, mut rest)) = bytes.split_first() else {
        return Err("the shuttle schedule is empty".into());
    };
    if magic != MAGIC {
        return Err(format!(
            "the shuttle schedule starts with byte {magic:#04x}, not shuttle's {MAGIC:#04x}"
        ));
    }
    let width = varint(&mut rest, "task id width")?;
    let len = varint(&mut rest, "number of steps")?;
    let seed = varint(&mut rest, "seed")?;
    if !(1..=32).contains(&width) {
        return Err(format!(
            "the shuttle schedule's task ids are {width} bits wide (1 to 32 expected)"
        ));
    }
    let steps = steps(rest, width as usize, len)?;
    Ok(Parsed { seed, steps })
}

/// A schedule string's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The seed of shuttle's random values (weft's executions draw none).
    pub seed: u64,
    /// The task chosen at each scheduling decision.
    pub steps: Vec<usize>,
}

/// The bytes a hexadecimal string spells, whitespace ignored.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<(usize, char)> = text
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .collect();
    if digits.len() % 2 == 1 {
        return Err(format!(
            "the shuttle schedule has an odd number of hexadecimal digits ({})",
            digits.len()
        ));
    }
    let digit = |(at, c): (usize, char)| {
        c.to_digit(16).map(|d| d as u8).ok_or_else(|| {
            format!(
                "the shuttle schedule is not hexadecimal: `{c}` at character {}",
                at + 1
            )
        })
    };
    digits
        .chunks(2)
        .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// One LEB128 varint from the front of `bytes` (at most 64 bits).
fn varint(bytes: &mut &[u8], what: &str) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&b, rest)) = bytes.split_first() else {
            return Err(format!("the shuttle schedule ends inside its {what}"));
        };
        *bytes = rest;
        let bits = u64::from(b & 0x7f);
        if shift == 63 && bits > 1 {
            break;
        }
        value |= bits << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(format!(
        "the shuttle schedule's {what} is longer than 64 bits"
    ))
}

/// `len` steps of task ids `width` bits wide, packed in `bytes`; every bit of the last byte
/// past them must be 0, and no byte may follow.
fn steps(bytes: &[u8], width: usize, len: u64) -> Result<Vec<usize>, String> {
    let total = bytes.len() * 8;
    let bit = |at: usize| bytes[at / 8] >> (at % 8) & 1 == 1;
    // Each step takes at least one bit: a longer count cannot be in the string.
    if len > total as u64 {
        return Err(format!(
            "the shuttle schedule says {len} steps but holds at most {total} bits of them"
        ));
    }
    let mut steps = Vec::with_capacity(len as usize);
    let mut at = 0;
    for i in 0..len as usize {
        if at + 1 + width > total {
            return Err(format!(
                "the shuttle schedule is cut short in step {}",
                i + 1
            ));
        }
        if bit(at) {
            return Err(format!(
                "step {} of the shuttle schedule is a random choice; weft's executions make none",
                i + 1
            ));
        }
        steps.push((0..width).fold(0usize, |id, k| id | usize::from(bit(at + 1 + k)) << k));
        at += 1 + width;
    }
    if bytes.len() != at.div_ceil(8) || (at..total).any(bit) {
        return Err(format!(
            "the shuttle schedule goes on after its {len} steps (it has been edited)"
        ));
    }
    Ok(steps)
}

/// Replays a parsed schedule as shuttle's scheduler: at each decision the schedule's task must
/// be runnable. At the first that is not, it records why in its [`Fit`] and stops the
/// execution (shuttle ends it quietly), where shuttle's own replay scheduler would panic.
pub(crate) struct Strict {
    parsed: Parsed,
    started: bool,
    fit: Arc<Mutex<Fit>>,
}

/// How a replayed schedule fitted its execution.
#[derive(Default)]
pub(crate) struct Fit {
    /// Decisions taken from the schedule.
    used: usize,
    /// Why the schedule does not fit the execution, if it does not.
    error: Option<String>,
}

impl Strict {
    /// A scheduler that replays `parsed` once, and where it reports how the schedule fitted.
    pub fn new(parsed: Parsed) -> (Self, Arc<Mutex<Fit>>) {
        let fit = Arc::new(Mutex::new(Fit::default()));
        let strict = Strict {
            parsed,
            started: false,
            fit: fit.clone(),
        };
        (strict, fit)
    }

    fn fit(&self) -> std::sync::MutexGuard<'_, Fit> {
        self.fit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the first reason the schedule does not fit.
    fn refuse(&self, why: String) {
        self.fit().error.get_or_insert(why);
    }
}

impl Fit {
    /// After the execution: why the schedule of `len` decisions did not fit it, if it did not
    /// (a decision it could not take, or decisions left over).
    pub fn error(&self, len: usize) -> Option<String> {
        self.error.clone().or_else(|| {
            (self.used < len).then(|| {
                format!(
                    "the shuttle schedule has {len} decisions, but the execution ended after {}",
                    self.used
                )
            })
        })
    }
}

impl Scheduler for Strict {
    fn new_execution(&mut self) -> Option<Schedule> {
        if std::mem::replace(&mut self.started, true) {
            return None;
        }
        Some(Schedule::new(self.parsed.seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        _current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        let at = self.fit().used;
        let Some(&want) = self.parsed.steps.get(at) else {
            self.refuse(format!(
                "the shuttle schedule ends after {at} decisions, but the execution goes on"
            ));
            return None;
        };
        if let Some(t) = runnable.iter().find(|t| usize::from(t.id()) == want) {
            self.fit().used += 1;
            return Some(t.id());
        }
        let ids: Vec<String> = runnable
            .iter()
            .map(|t| usize::from(t.id()).to_string())
            .collect();
        self.refuse(format!(
            "decision {} of the shuttle schedule runs task {want}, which cannot run there \
             (runnable: {})",
            at + 1,
            ids.join(", ")
        ));
        None
    }

    fn next_u64(&mut self) -> u64 {
        self.refuse("the execution asked the shuttle schedule for a random value".into());
        0
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Parsed};
    use proptest::prelude::*;
    use shuttle::scheduler::{Schedule, TaskId};
    use shuttle_engine::scheduler::serialization::serialize_schedule;

    /// shuttle's own string for `steps` (task ids) and `seed`.
    fn shuttle_string(seed: u64, steps: &[usize]) -> String {
        let schedule = Schedule::new_from_task_ids(seed, steps.iter().map(|&t| TaskId::from(t)));
        serialize_schedule(&schedule)
    }

    proptest! {
        /// Every string shuttle writes reads back to its steps and seed; every proper prefix
        /// of it, and every extra byte after it, is an error.
        #[test]
        fn shuttle_strings_read_back_and_their_cuts_do_not(
            seed in any::<u64>(),
            steps in prop::collection::vec(0usize..300, 0..120),
        ) {
            let text = shuttle_string(seed, &steps);
            prop_assert_eq!(parse(&text), Ok(Parsed { seed, steps }));
            let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            for n in 0..digits.len() {
                prop_assert!(parse(&digits[..n]).is_err(), "prefix {}", n);
            }
            let longer = format!("{digits}00");
            prop_assert!(parse(&longer).is_err());
        }

        /// Any text at all is read or refused, never a panic.
        #[test]
        fn any_text_is_read_or_refused(text in "[0-9a-f \\n]{0,80}|\\PC{0,40}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cases = [
            ("", "empty"),
            ("9", "odd number"),
            ("9g", "not hexadecimal: `g` at character 2"),
            ("90", "not shuttle's"),
            ("91", "ends inside its task id width"),
            ("91000000", "1 to 32 expected"),
            ("910100ffffffffffffffffff7f", "seed is longer than 64 bits"),
            ("91010500", "says 5 steps but holds at most 0 bits"),
            (
                "9101010001",
                "step 1 of the shuttle schedule is a random choice",
            ),
            ("910102000202", "goes on after its 2 steps"),
        ];
        for (text, want) in cases {
            let e = parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
