//! `weft show --format html --quiz`: a self-contained page that hides the verdict, the broken
//! check, the scenario's summary and every step not yet revealed. Before each step the student
//! predicts (which thread moves, which field changes, whether a check breaks), then reveals it
//! and sees whether they were right; the last reveal shows the violation and the score.
//!
//! The whole trace is in the page's script data, base64-encoded so that viewing the source
//! does not spoil it at a glance; nothing of the future is in the visible DOM until revealed.
//! `?keys=` replays key presses as on the stepper (`1`-`9` choose an answer, `R` is Right:
//! reveal, then next), which is how the browser test drives it.

use super::html::{self, esc};
use super::Replayed;
use crate::trace_file::TraceFile;
use serde_json::json;
use std::fmt::Write;

/// The quiz's script.
const JS: &str = include_str!("quiz.js");

/// Style for the question panel and the end card, after the stepper's.
const CSS: &str = r##"
#quiz { margin: 10px 0; padding: 10px 12px; background: white; border: 1px solid var(--line);
        border-left: 5px solid #7c3aed; border-radius: 6px; }
#quiz h2 { font-size: 15px; margin: 0 0 6px; }
.q { margin: 8px 0; }
.q .text { font-weight: 600; margin-bottom: 4px; }
.q .opts { display: flex; flex-wrap: wrap; gap: 4px; }
.q button { font: inherit; font-size: 12.5px; padding: 2px 8px; border: 1px solid var(--line);
            border-radius: 10px; background: #f8f8fb; cursor: pointer; }
.q button.chosen { background: #ede9fe; border-color: #7c3aed; font-weight: 600; }
.q button.right { background: #eef7f0; border-color: var(--ok); }
.q.wrong button.chosen { background: #fde8e8; border-color: var(--bad); }
.q .mark { margin-left: 6px; font-weight: 700; }
.q.right .mark { color: var(--ok); }
.q.wrong .mark { color: var(--bad); }
#score { font-weight: 600; margin-left: 8px; }
#end { margin: 10px 0; padding: 10px 12px; background: #fde8e8; border: 1px solid #f5b5b5;
       border-radius: 6px; }
"##;

/// The quiz page for `t`; `explain` holds one paragraph per step and a conclusion, shown as
/// each step is revealed and at the end.
pub fn render(t: &TraceFile, r: &Replayed, explain: &[String]) -> String {
    let threads: Vec<&str> = r.states[0]
        .threads
        .iter()
        .map(|th| th.name.as_str())
        .collect();
    let mut h = html::head(t, threads.len(), CSS);
    h += "<body data-step=\"0\" data-phase=\"ask\" data-score=\"0/0\" class=\"quiz\">\n<header>\n";
    writeln!(
        h,
        "<h1>{} <small>(quiz)</small></h1>",
        esc(&t.scenario.name)
    )
    .unwrap();
    writeln!(
        h,
        "<p class=\"meta\">model <b>{}</b> · variant <b>{}</b> · threads {}</p>\n\
         <p class=\"summary\">weft found a schedule of these threads that breaks one of the \
         model's checks. Step through it: before each step, predict what it will do, then \
         reveal it. The verdict and your score come at the end.</p>\n</header>",
        esc(&t.model),
        esc(&t.variant),
        esc(&threads.join(", "))
    )
    .unwrap();
    h += "<nav id=\"controls\">\n<button id=\"go\">Reveal step ▶</button>\n\
          <span id=\"pos\">step 0</span><span id=\"score\"></span>\
          <span class=\"hint\">keys: 1-9 choose · → reveal, then next</span>\n</nav>\n\
          <section id=\"quiz\"></section>\n<section id=\"end\" hidden></section>\n\
          <section id=\"current\"><div id=\"step-title\"></div><div id=\"step-source\"></div>\
          <p id=\"step-explain\"></p></section>\n<main>\n<section id=\"lanes\">\n\
          <table class=\"swim\">\n<thead><tr><th class=\"num\">#</th>";
    for (i, name) in threads.iter().enumerate() {
        write!(h, "<th class=\"lane{i} lanehead\">{}</th>", esc(name)).unwrap();
    }
    writeln!(
        h,
        "<th class=\"chg\">changed (before → after)</th></tr></thead>\n<tbody>\n\
         <tr id=\"row-0\" data-step=\"0\" class=\"init cur\"><td class=\"num\">0</td>\
         <td colspan=\"{}\" class=\"initlabel\">initial state</td><td></td></tr>\n\
         </tbody>\n</table>\n</section>",
        threads.len()
    )
    .unwrap();
    html::aside(&mut h, r, None, false);
    h += "</main>\n";
    let mut data = html::data(t, r);
    data["lanes"] = json!(threads);
    data["explain"] = json!(explain);
    let packed = json!({ "base64": base64(data.to_string().as_bytes()) });
    html::script(&mut h, &packed, JS);
    h
}

/// Standard base64 with padding: the quiz's data, unreadable at a glance.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64("→".as_bytes()), "4oaS");
    }
}
