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
