//! The HTML report in a real browser: headless Chromium opens `weft show --format html`,
//! presses the step keys (the page's `?keys=` replays them as KeyboardEvents) or opens a
//! `#step=N` fragment, and the DOM it dumps must highlight exactly the fields that step
//! changed.

use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> PathBuf {
    let path = std::env::var_os("WEFT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    assert!(
        path.exists(),
        "headless Chromium is needed for this test but {} does not exist: run scripts/test.sh \
         (it installs the `chromium` and `chromium-driver` Debian packages), or \
         apt-get install chromium chromium-driver",
        path.display()
    );
    path
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The trace and HTML report of a shipped scenario.
fn report(scenario: &str) -> (serde_json::Value, PathBuf) {
    let dir = temp_dir();
    let stem = format!("{}-{}", scenario.replace('/', "_"), unique());
    let trace = dir.join(format!("{stem}.json"));
    let html = dir.join(format!("{stem}.html"));
    let weft = env!("CARGO_BIN_EXE_weft");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = Command::new(weft)
        .args(["check", scenario, "--trace-out", trace.to_str().unwrap()])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{scenario} has a counterexample");
    let o = Command::new(weft)
        .args(["show", trace.to_str().unwrap(), "--format", "html", "--out"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    (t, html)
}

/// The DOM after the page's scripts ran, for `file://<html><suffix>`.
fn dump_dom(html: &Path, suffix: &str) -> String {
    dump_dom_sized(html, suffix, 800)
}

/// [`dump_dom`] in a window `width` pixels wide.
fn dump_dom_sized(html: &Path, suffix: &str, width: u32) -> String {
    let profile = temp_dir().join(format!("profile-{}", unique()));
    let url = format!("file://{}{suffix}", html.display());
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--window-size={width},800"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        dom.contains("<body"),
        "chromium dumped no DOM for {url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    dom
}

/// A number no other call in this process gets.
fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the start tag `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')? + at;
    Some(unescape(&tag[at..end]))
}

/// The step the page shows and the state rows it highlights.
fn shown(dom: &str) -> (usize, Vec<String>) {
    let body = dom.find("<body").unwrap();
    let body_tag = &dom[body..body + dom[body..].find('>').unwrap()];
    let step = attr(body_tag, "data-step").unwrap().parse().unwrap();
    let mut fields = Vec::new();
    for piece in dom.split("<tr").skip(1) {
        let tag = &piece[..piece.find('>').unwrap()];
        if let (Some(field), Some(class)) = (attr(tag, "data-field"), attr(tag, "class")) {
            if class.split(' ').any(|c| c == "changed") {
                fields.push(field);
            }
        }
    }
    fields.sort();
    (step, fields)
}

fn changes(t: &serde_json::Value, step: usize) -> Vec<String> {
    if step == 0 {
        return Vec::new();
    }
    let mut f: Vec<String> = t["steps"][step - 1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

/// The check statuses the page shows, as (check, fails).
fn checks(dom: &str) -> Vec<(String, bool)> {
    dom.split("<li")
        .skip(1)
        .filter_map(|piece| {
            let tag = &piece[..piece.find('>')?];
            Some((attr(tag, "data-check")?, attr(tag, "class")? == "fails"))
        })
        .collect()
}

#[test]
fn arrow_keys_step_through_and_highlight_each_steps_changes() {
    let (t, html) = report("pt_frag/set_page_count_L");
    let n = t["steps"].as_array().unwrap().len();
    // Right x8 reaches step 8 (the walker's get_page_unless_zero); Right, Left comes back.
    let (step, fields) = shown(&dump_dom(&html, "?keys=RRRRRRRRRL#step=0"));
    assert_eq!(step, 8);
    assert_eq!(fields, changes(&t, 8));
    assert!(
        fields.contains(&"page0._refcount".to_string()),
        "{fields:?}"
    );
    // Left at the start stays at 0, with nothing highlighted.
    let (step, fields) = shown(&dump_dom(&html, "?keys=LL"));
    assert_eq!((step, fields.len()), (0, 0));
    // End, then Left, Right: the last step.
    let dom = dump_dom(&html, "?keys=ELR");
    let (step, fields) = shown(&dom);
    assert_eq!(step, n);
    assert_eq!(fields, changes(&t, n));
    let failing: Vec<_> = checks(&dom).into_iter().filter(|c| c.1).collect();
    assert_eq!(
        failing,
        [(t["violation"]["check"].as_str().unwrap().to_string(), true)]
    );
}

#[test]
fn step_fragment_opens_that_step_with_its_changes_and_checks() {
    for scenario in ["pt_frag/set_page_count_L", "thp/andrea_v1_head_K"] {
        let (t, html) = report(scenario);
        let n = t["steps"].as_array().unwrap().len();
        for step in [1, 5, n - 1, n] {
            let dom = dump_dom(&html, &format!("#step={step}"));
            let (shown_step, fields) = shown(&dom);
            assert_eq!(shown_step, step, "{scenario}");
            assert_eq!(fields, changes(&t, step), "{scenario} step {step}");
            let statuses = checks(&dom);
            assert!(statuses.len() > 1, "{scenario}: checks listed");
            let failing: Vec<&str> = statuses
                .iter()
                .filter(|c| c.1)
                .map(|c| c.0.as_str())
                .collect();
            if step < n {
                assert!(failing.is_empty(), "{scenario} step {step}: {failing:?}");
            } else {
                assert_eq!(failing, [t["violation"]["check"].as_str().unwrap()]);
            }
        }
    }
}

#[test]
fn report_is_self_contained() {
    let (_, html) = report("pt_frag/set_page_count_L");
    let text = std::fs::read_to_string(html).unwrap();
    for needle in ["http://", "https://", "<link", "src=", "@import", "url("] {
        assert!(!text.contains(needle), "the report references `{needle}`");
    }
    assert!(text.contains("pt_frag/set_page_count_L"));
    assert!(text.contains("set_page_count"));
}

/// `weft show TRACE --format html` with `extra` arguments into a new file beside the trace.
fn show_html(trace: &Path, extra: &[&str]) -> PathBuf {
    let html = trace.with_file_name(format!("page-{}.html", unique()));
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("show")
        .arg(trace)
        .args(["--format", "html"])
        .args(extra)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    html
}

/// The trace file of a shipped scenario's counterexample and its parsed JSON.
fn trace_of(scenario: &str) -> (serde_json::Value, PathBuf) {
    let trace = temp_dir().join(format!("{}-{}.json", scenario.replace('/', "_"), unique()));
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["check", scenario, "--trace-out", trace.to_str().unwrap()])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{scenario} has a counterexample");
    let t = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    (t, trace)
}

/// The DOM of `html` (opened with `suffix`) after a probe script appended to a copy of the
/// page has stored `expr`, evaluated once the page's own script ran, in `data-probe`.
fn probe(html: &Path, suffix: &str, expr: &str, width: u32) -> String {
    let page = std::fs::read_to_string(html).unwrap();
    let script = format!(
        "<script>document.body.setAttribute('data-probe', String({expr}));</script></body>"
    );
    let copy = temp_dir().join(format!("probe-{}.html", unique()));
    std::fs::write(&copy, page.replacen("</body>", &script, 1)).unwrap();
    let dom = dump_dom_sized(&copy, suffix, width);
    let body = &dom[dom.find("<body").unwrap()..];
    attr(&body[..body.find('>').unwrap()], "data-probe").expect("the probe ran")
}

/// The text a reader sees: the DOM without scripts, styles and tags.
fn visible_text(dom: &str) -> String {
    let mut text = dom.to_string();
    for tag in ["script", "style"] {
        while let Some(a) = text.find(&format!("<{tag}")) {
            let end = format!("</{tag}>");
            let b = text[a..]
                .find(&end)
                .map_or(text.len(), |b| a + b + end.len());
            text.replace_range(a..b, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

#[test]
fn threads_panel_shows_each_threads_next_step_and_locals() {
    let (t, trace) = trace_of("thp/merged_fix_M");
    let html = show_html(&trace, &[]);
    let n = t["steps"].as_array().unwrap().len();
    for step in [0, 15, n] {
        let o = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("show")
            .arg(&trace)
            .args(["--format", "json", "--state", &step.to_string()])
            .output()
            .unwrap();
        let state: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let dom = dump_dom(&html, &format!("#step={step}"));
        for th in state["threads"].as_array().unwrap() {
            let name = th["name"].as_str().unwrap();
            let at = dom
                .find(&format!("<tr data-thread=\"{name}\""))
                .unwrap_or_else(|| panic!("step {step}: no row for thread {name}"));
            let row = visible_text(&dom[at..at + dom[at..].find("</tr>").unwrap()]);
            let next = th["next"].as_str().unwrap_or("finished");
            assert!(
                row.contains(next),
                "step {step}, {name}: {row:?} lacks {next:?}"
            );
            for l in th["locals"].as_array().unwrap() {
                let local = format!(
                    "{} = {}",
                    l["name"].as_str().unwrap(),
                    l["value"].as_str().unwrap()
                );
                assert!(
                    row.contains(&local),
                    "step {step}, {name}: {row:?} lacks {local:?}"
                );
            }
        }
    }
}

#[test]
fn legend_explains_only_the_raw_values_of_the_traces_model() {
    let (_, thp) = trace_of("thp/merged_fix_M");
    let (_, frag) = trace_of("pt_frag/set_page_count_L");
    let thp = std::fs::read_to_string(show_html(&thp, &[])).unwrap();
    let frag = std::fs::read_to_string(show_html(&frag, &[])).unwrap();
    let legend = |page: &str| {
        let a = page.find("<details id=\"legend\"").expect("a legend");
        visible_text(&page[a..a + page[a..].find("</details>").unwrap()])
    };
    let (thp, frag) = (legend(&thp), legend(&frag));
    for term in [
        "_mapcount = -1",
        "compound_mapcount",
        "PageDoubleMap",
        "(ghost)",
    ] {
        assert!(thp.contains(term), "THP legend lacks {term}: {thp}");
        assert!(
            !frag.contains(term) || term == "(ghost)",
            "pt_frag legend has {term}: {frag}"
        );
    }
    for term in ["PageTable", "pte_frag", "_refcount"] {
        assert!(frag.contains(term), "pt_frag legend lacks {term}: {frag}");
    }
    assert!(!thp.contains("pte_frag"), "THP legend has pte_frag: {thp}");
}

#[test]
fn the_current_row_is_scrolled_into_view_at_the_last_step() {
    let (t, trace) = trace_of("thp/v4_5_B");
    let html = show_html(&trace, &[]);
    let n = t["steps"].as_array().unwrap().len();
    assert!(n > 30, "a trace longer than the lanes box is tall");
    // Whether the current row lies inside the lanes box and the window.
    let seen = "(function () { var r = document.getElementById('row-' + document.body.dataset.step)\
                .getBoundingClientRect(), b = document.getElementById('lanes').getBoundingClientRect();\
                return r.top >= b.top - 1 && r.bottom <= b.bottom + 1 && r.bottom <= innerHeight + 1; })()";
    for suffix in [
        format!("#step={n}"),
        "?keys=E".to_string(),
        "?keys=ELR".to_string(),
    ] {
        assert_eq!(probe(&html, &suffix, seen, 1000), "true", "{suffix}");
    }
}

#[test]
fn a_wide_state_graph_scrolls_in_its_box_not_the_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let html = root.join("reports/pt_frag/set_page_count_L.html");
    let fits = "document.documentElement.scrollWidth <= innerWidth";
    let wide = "(function () { var g = document.querySelector('#graph .graph-scroll'); \
                return g.scrollWidth > g.clientWidth; })()";
    assert_eq!(
        probe(&html, "", wide, 900),
        "true",
        "the graph is wider than the window"
    );
    assert_eq!(
        probe(&html, "", fits, 900),
        "true",
        "the page itself does not scroll sideways"
    );
}

/// The options of each open quiz question, in order.
fn quiz_options(dom: &str) -> Vec<Vec<String>> {
    dom.split("<div class=\"q")
        .skip(1)
        .map(|q| {
            q.split("data-option=\"")
                .skip(1)
                .map(|o| unescape(&o[..o.find('"').unwrap()]))
                .collect()
        })
        .collect()
}

/// The body's `data-…` attribute `name`.
fn body_attr(dom: &str, name: &str) -> String {
    let body = &dom[dom.find("<body").unwrap()..];
    attr(&body[..body.find('>').unwrap()], name).unwrap()
}

#[test]
fn quiz_hides_the_verdict_and_the_future_until_revealed() {
    let (t, trace) = trace_of("pt_frag/set_page_count_L");
    let html = show_html(&trace, &["--quiz"]);
    let check = t["violation"]["check"].as_str().unwrap();
    let message = t["violation"]["message"].as_str().unwrap();
    let dom = dump_dom(&html, "");
    let seen = visible_text(&dom);
    assert_eq!(
        (
            body_attr(&dom, "data-step").as_str(),
            body_attr(&dom, "data-phase").as_str()
        ),
        ("0", "ask")
    );
    let text = t["scenario"]["text"].as_str().unwrap();
    let summary = text
        .split("summary = \"")
        .nth(1)
        .and_then(|s| s.split('"').next());
    for secret in [check, message, "VIOLATION", summary.expect("a summary")] {
        assert!(!seen.contains(secret), "step 0 shows {secret:?}");
    }
    assert!(
        !dom.contains("id=\"row-1\""),
        "step 1's row is in the page before it is revealed"
    );
    assert!(
        !std::fs::read_to_string(&html).unwrap().contains(check),
        "the check's name is in the source as plain text"
    );
    assert!(quiz_options(&dom).len() >= 2, "questions are asked");
}

#[test]
fn quiz_marks_answers_and_reveals_one_step_at_a_time() {
    let (t, trace) = trace_of("pt_frag/set_page_count_L");
    let html = show_html(&trace, &["--quiz"]);
    let step1 = &t["steps"][0];
    let changed: Vec<&str> = step1["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    // Pick the right answer to every question about step 1, by its place among the options.
    let mut right = String::new();
    let mut wrong = String::new();
    for opts in quiz_options(&dump_dom(&html, "")) {
        let good = opts
            .iter()
            .position(|o| {
                o == step1["thread_name"].as_str().unwrap()
                    || changed.contains(&o.as_str())
                    || o == "no"
            })
            .expect("a right option");
        right += &(good + 1).to_string();
        wrong += &(if good == 0 { 2 } else { 1 }).to_string();
    }
    let asked = right.len();
    let dom = dump_dom(&html, &format!("?keys={right}R"));
    assert_eq!(body_attr(&dom, "data-score"), format!("{asked}/{asked}"));
    assert_eq!(
        (
            body_attr(&dom, "data-step").as_str(),
            body_attr(&dom, "data-phase").as_str()
        ),
        ("1", "shown")
    );
    assert!(
        dom.contains("id=\"row-1\"") && !dom.contains("id=\"row-2\""),
        "exactly step 1 is revealed"
    );
    let dom = dump_dom(&html, &format!("?keys={wrong}R"));
    assert_eq!(body_attr(&dom, "data-score"), format!("0/{asked}"));
    assert_eq!(
        dom.matches("class=\"q wrong\"").count(),
        asked,
        "each wrong answer is marked"
    );
    // Right again: the next question, for step 2.
    let dom = dump_dom(&html, &format!("?keys={right}RR"));
    assert_eq!(
        (
            body_attr(&dom, "data-step").as_str(),
            body_attr(&dom, "data-phase").as_str()
        ),
        ("1", "ask")
    );
    assert!(visible_text(&dom).contains("Predict step 2"));
}

#[test]
fn quiz_ends_with_the_violation_its_message_and_the_score() {
    let (t, trace) = trace_of("pt_frag/set_page_count_D");
    let html = show_html(&trace, &["--quiz"]);
    let n = t["steps"].as_array().unwrap().len();
    let check = t["violation"]["check"].as_str().unwrap();
    // Right (reveal) then Right (next) for every step but the last, then reveal the last.
    let before = dump_dom(&html, &format!("?keys={}", "R".repeat(2 * n - 2)));
    assert_eq!(body_attr(&before, "data-step"), (n - 1).to_string());
    assert!(
        !visible_text(&before).contains(check),
        "the check shows before the last step"
    );
    let dom = dump_dom(&html, &format!("?keys={}", "R".repeat(2 * n - 1)));
    assert_eq!(
        (body_attr(&dom, "data-step"), body_attr(&dom, "data-phase")),
        (n.to_string(), "done".to_string())
    );
    let seen = visible_text(&dom);
    assert!(
        seen.contains(check) && seen.contains(t["violation"]["message"].as_str().unwrap()),
        "{seen}"
    );
    let failing: Vec<_> = checks(&dom).into_iter().filter(|c| c.1).collect();
    assert_eq!(failing, [(check.to_string(), true)]);
    let score = body_attr(&dom, "data-score");
    assert!(
        score.starts_with("0/") && score != "0/0",
        "nothing answered: {score}"
    );
    assert!(
        seen.contains(&format!("You predicted 0 of {} right", &score[2..])),
        "{seen}"
    );
}

#[test]
fn quiz_with_a_format_other_than_html_is_a_usage_error() {
    let (_, trace) = trace_of("pt_frag/set_page_count_D");
    for format in [
        &["--quiz"][..],
        &["--quiz", "--format", "text"],
        &["--quiz", "--format", "json"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("show")
            .arg(&trace)
            .args(format)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{format:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--format"),
            "{format:?}"
        );
    }
}
