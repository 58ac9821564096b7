//! The deterministic driver: inputs made by mutating the seed corpus from a fixed seed, each
//! fed to a target under `catch_unwind`. Most mutations work on the structure inside
//! (a JSON trace's or a TOML scenario's values, a hostfile's lines), the rest on raw bytes.

use crate::Target;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A small deterministic generator (splitmix64): the same seed, the same inputs everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.bits() % n as u64) as usize
        }
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// An input that made a target panic.
#[derive(Debug)]
pub struct Crash {
    /// The target.
    pub target: Target,
    /// The input.
    pub input: Vec<u8>,
    /// The panic's message.
    pub message: String,
}

/// Feeds `target` every seed, then `iterations` mutations of them made from `seed`; the first
/// input that panics, if any. Returns how many inputs ran.
pub fn run(
    target: Target,
    seeds: &[Vec<u8>],
    iterations: usize,
    seed: u64,
) -> Result<usize, Crash> {
    run_on(target, seeds, iterations, seed, |input| target.run(input))
}

/// [`run`] with `check` in place of the target's code (inputs are still made for `target`).
pub fn run_on(
    target: Target,
    seeds: &[Vec<u8>],
    iterations: usize,
    seed: u64,
    check: impl Fn(&[u8]),
) -> Result<usize, Crash> {
    let mut rng = Rng::new(seed);
    let mut ran = 0;
    let generated = (0..iterations).map(|_| {
        let base = rng.pick(seeds).clone();
        let rounds = 1 + rng.below(3);
        (0..rounds).fold(base, |input, _| mutate(&mut rng, target, &input, seeds))
    });
    for input in seeds.iter().cloned().chain(generated) {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(&input))) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            return Err(Crash {
                target,
                input,
                message,
            });
        }
        ran += 1;
    }
    Ok(ran)
}

/// One mutation of `input`: inside its structure three times in four (when it has one), else
/// on its bytes.
pub fn mutate(rng: &mut Rng, target: Target, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    // A byte edit mostly breaks the syntax: structured edits reach the checks behind it.
    if rng.below(4) != 0 {
        let structured = match target {
            Target::Trace => json(rng, input),
            Target::Scenario => toml(rng, input),
            Target::Hostfile => Some(lines(rng, input)),
        };
        if let Some(out) = structured {
            return out;
        }
    }
    bytes(rng, input, seeds)
}

/// Byte-level edits: flip, replace, insert, delete, duplicate, truncate, or splice with
/// another seed.
fn bytes(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    const INTERESTING: [&[u8]; 10] = [
        b"\xef\xbb\xbf",
        b"\"",
        b"\\",
        b"0",
        b"-1",
        b"18446744073709551615",
        b"9223372036854775808",
        b"\n",
        b":",
        b"\xff",
    ];
    let mut out = input.to_vec();
    let at = rng.below(out.len() + 1);
    let last = out.len().saturating_sub(1);
    match rng.below(7) {
        0 if !out.is_empty() => out[at.min(last)] ^= 1 << rng.below(8),
        1 if !out.is_empty() => out[at.min(last)] = rng.bits() as u8,
        2 => {
            let piece = rng.pick(&INTERESTING);
            out.splice(at..at, piece.iter().copied());
        }
        3 => {
            let end = (at + 1 + rng.below(16)).min(out.len());
            out.drain(at.min(end)..end);
        }
        4 => {
            let end = (at + 1 + rng.below(32)).min(out.len());
            let piece = out[at.min(end)..end].to_vec();
            out.splice(at..at, piece);
        }
        5 => out.truncate(at),
        _ => {
            let other = rng.pick(seeds);
            let from = rng.below(other.len() + 1);
            out.truncate(at);
            out.extend_from_slice(&other[from..]);
        }
    }
    out
}

/// A JSON document with one value changed, or `None` if `input` is not JSON.
fn json(rng: &mut Rng, input: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(input).ok()?;
    let mut doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    match doc.get_mut("shuttle_schedule") {
        // Most edits elsewhere are refused before the schedule is read: aim at it too.
        Some(Value::String(s)) if rng.below(3) == 0 => *s = hex_edit(rng, s),
        _ => edit_tree(rng, &mut doc),
    }
    serde_json::to_vec_pretty(&doc).ok()
}

/// A hexadecimal string with a digit changed, a pair inserted or removed, or cut.
fn hex_edit(rng: &mut Rng, s: &str) -> String {
    const DIGITS: &[u8] = b"0123456789abcdef";
    let mut b = s.as_bytes().to_vec();
    let at = rng.below(b.len() + 1);
    match rng.below(4) {
        0 if at < b.len() => b[at] = *rng.pick(DIGITS),
        1 => {
            let pair = [*rng.pick(DIGITS), *rng.pick(DIGITS)];
            b.splice(at..at, pair);
        }
        2 => {
            let end = (at + 2).min(b.len());
            b.drain(at.min(end)..end);
        }
        _ => b.truncate(at),
    }
    String::from_utf8(b).unwrap_or_default()
}

/// A TOML document with one value changed (through its JSON image), or `None`.
fn toml(rng: &mut Rng, input: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(input).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let mut doc = serde_json::to_value(table).ok()?;
    edit_tree(rng, &mut doc);
    let back: toml::Table = serde_json::from_value(doc).ok()?;
    toml::to_string(&back).ok().map(String::into_bytes)
}

/// Every value of `doc`, by JSON pointer.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Changes one value of `doc`: a number to a boundary, a string cut or swapped for another
/// of the document's strings, an array element dropped or repeated, a key dropped, a value
/// replaced by another of the document.
fn edit_tree(rng: &mut Rng, doc: &mut Value) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let strings: Vec<String> = all
        .iter()
        .filter_map(|p| doc.pointer(p)?.as_str().map(String::from))
        .collect();
    let donor = doc
        .pointer(rng.pick(&all).as_str())
        .cloned()
        .unwrap_or(Value::Null);
    let target = rng.pick(&all).clone();
    let Some(v) = doc.pointer_mut(&target) else {
        return;
    };
    let choice = rng.below(4);
    match v {
        _ if choice == 0 => *v = donor,
        Value::Number(_) | Value::Bool(_) | Value::Null => *v = number(rng),
        Value::String(s) => *s = string(rng, s, &strings),
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match rng.below(3) {
                0 => drop(items.remove(i)),
                1 => {
                    let copy = items[i].clone();
                    items.insert(i, copy);
                }
                _ => {
                    let j = rng.below(items.len());
                    items.swap(i, j);
                }
            }
        }
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned();
            if let Some(key) = key {
                map.remove(&key);
            }
        }
        _ => *v = number(rng),
    }
}

/// A boundary number.
fn number(rng: &mut Rng) -> Value {
    let n: i64 = *rng.pick(&[0, 1, -1, 2, 3, 7, 8, 9, 255, 256, 65535, i64::MAX, i64::MIN]);
    match rng.below(8) {
        0 => Value::from(u64::MAX),
        1 => Value::from(0.5),
        _ => Value::from(n),
    }
}

/// `s` cut, lengthened, emptied, or swapped for another string of the document.
fn string(rng: &mut Rng, s: &str, others: &[String]) -> String {
    let chars: Vec<char> = s.chars().collect();
    match rng.below(5) {
        0 => chars[..rng.below(chars.len() + 1)].iter().collect(),
        1 => format!(
            "{s}{}",
            rng.pick(&["x", "0", "(", ")", " ", "\u{feff}", "é"])
        ),
        2 => String::new(),
        3 if !others.is_empty() => rng.pick(others).clone(),
        _ => {
            let mut c = chars;
            if !c.is_empty() {
                let i = rng.below(c.len());
                c[i] = *rng.pick(&['0', 'f', 'z', ':', '1']);
            }
            c.into_iter().collect()
        }
    }
}

/// A hostfile with one line dropped, repeated, swapped, or its port or host changed.
fn lines(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(input);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    match rng.below(5) {
        0 => drop(lines.remove(i)),
        1 => lines.insert(i, lines[i].clone()),
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        3 => {
            let host = lines[i].rsplit_once(':').map_or("", |(h, _)| h).to_string();
            let port = rng.pick(&[
                "0",
                "1",
                "65535",
                "65536",
                "-1",
                "",
                "http",
                "2101 ",
                "99999999999999999999",
            ]);
            lines[i] = format!("{host}:{port}");
        }
        _ => {
            let host = rng.pick(&["", "[::1]", "::1", "[", "a b", "#x", "\u{feff}n", "node0"]);
            let port = lines[i].rsplit_once(':').map_or("", |(_, p)| p).to_string();
            lines[i] = format!("{host}:{port}");
        }
    }
    let mut out = lines.join("\n");
    if rng.below(2) == 0 {
        out.push('\n');
    }
    out.into_bytes()
}
