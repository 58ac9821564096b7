//! `weft show`: swimlanes, `--explain`, `--state N` and colour, through the `weft` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use weft_model::Scenario;

fn weft(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weft"));
    c.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("weft runs")
}

fn stdout(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Saves the counterexample of a shipped scenario once per test process.
fn trace_of(scenario: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-show-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.json", scenario.replace('/', "_")));
    if !path.exists() {
        let o = weft(
            &["check", scenario, "--trace-out", path.to_str().unwrap()],
            &[],
        );
        assert_eq!(o.status.code(), Some(1), "{scenario} has a counterexample");
    }
    path
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const SCENARIOS: [&str; 2] = ["pt_frag/set_page_count_L", "thp/andrea_v1_head_K"];

#[test]
fn swimlanes_fit_100_columns_and_show_every_step() {
    for scenario in SCENARIOS {
        let path = trace_of(scenario);
        let out = stdout(&weft(&["show", path.to_str().unwrap()], &[]));
        for line in out.lines() {
            assert!(line.chars().count() <= 100, "too wide: {line:?}");
        }
        assert!(!out.contains('\x1b'), "no colour when piped:\n{out}");
        // Every step's label appears in its thread's column once lines are unwrapped.
        let t = json(&path);
        for s in t["steps"].as_array().unwrap() {
            let label: String = s["label"].as_str().unwrap().split_whitespace().collect();
            assert!(out_contains_unwrapped(&out, &label), "{label} in\n{out}");
        }
        let v = &t["violation"]["check"];
        assert!(out.contains(&format!("=> violation of {}", v.as_str().unwrap())));
    }
}

#[test]
fn swimlanes_cut_no_word_and_take_the_width_columns_gives() {
    for scenario in SCENARIOS {
        let path = trace_of(scenario);
        let out = stdout(&weft(&["show", path.to_str().unwrap()], &[]));
        let cells: Vec<&str> = out
            .lines()
            .flat_map(|l| l.split('│'))
            .flat_map(str::split_whitespace)
            .collect();
        // Every word of a note is whole in some cell (the lanes are sized to fit them).
        let t = json(&path);
        for s in t["steps"].as_array().unwrap() {
            let Some(note) = s["note"].as_str() else {
                continue;
            };
            let note = format!("[{note}]");
            for word in note.split_whitespace() {
                assert!(cells.contains(&word), "`{word}` is cut in\n{out}");
            }
        }
        let wide = stdout(&weft(
            &["show", path.to_str().unwrap()],
            &[("COLUMNS", "140")],
        ));
        let longest = wide.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            longest > 100 && longest <= 140,
            "{longest} columns:\n{wide}"
        );
    }
}

/// Whether `label` (spaces removed) is in the output's cells read column by column.
fn out_contains_unwrapped(out: &str, label: &str) -> bool {
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('│').collect()).collect();
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    (1..cols).any(|c| {
        let text: String = rows
            .iter()
            .map(|r| r.get(c).copied().unwrap_or(""))
            .collect::<String>()
            .split_whitespace()
            .collect();
        text.contains(label)
    })
}

#[test]
fn explain_tells_the_story_and_ends_with_the_violated_check() {
    let path = trace_of("pt_frag/set_page_count_L");
    let out = stdout(&weft(&["show", path.to_str().unwrap(), "--explain"], &[]));
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line:?}");
    }
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Step 18:"), "{out}");
    assert!(flat.contains("plain store"), "{out}");
    assert!(flat.contains("no longer counted"), "{out}");
    let last = out.trim_end().rsplit("\n\n").next().unwrap();
    assert!(
        last.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("the check refcount_underflow fails at step 18"),
        "{last}"
    );

    let path = trace_of("thp/andrea_v1_head_K");
    let out = stdout(&weft(&["show", path.to_str().unwrap(), "--explain"], &[]));
    let last = out.trim_end().rsplit("\n\n").next().unwrap();
    assert!(last.contains("rmap_unreachable"), "{last}");
}

/// The fields after step `n` of `schedule` (thread names), as `weft show --state` names them.
fn state_after(s: &Scenario, schedule: &[String], n: usize) -> Vec<(String, String)> {
    let names = s.model().thread_names();
    let schedule: Vec<usize> = schedule
        .iter()
        .map(|t| names.iter().position(|n| n == t).unwrap())
        .collect();
    let states = s.model().describe_along(&schedule[..n]).unwrap();
    states
        .last()
        .unwrap()
        .fields
        .iter()
        .map(|f| {
            let name = if f.is_ghost() {
                format!("{} (ghost)", f.name)
            } else {
                f.name.clone()
            };
            (name, f.value.clone())
        })
        .collect()
}

#[test]
fn state_n_matches_state_after() {
    for scenario in SCENARIOS {
        let path = trace_of(scenario);
        let t = json(&path);
        let s = Scenario::parse(
            t["scenario"]["name"].as_str().unwrap(),
            t["scenario"]["path"].as_str().unwrap(),
            t["scenario"]["text"].as_str().unwrap(),
        )
        .unwrap();
        let schedule: Vec<String> = t["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        for n in [0, 1, schedule.len() / 2, schedule.len()] {
            let want = state_after(&s, &schedule, n);
            let out = stdout(&weft(
                &["show", path.to_str().unwrap(), "--state", &n.to_string()],
                &[],
            ));
            let got: Vec<(String, String)> = out
                .lines()
                .skip(1)
                .take_while(|l| *l != "threads:")
                .map(|l| {
                    let (f, v) = l[2..].split_once(" = ").expect("field = value");
                    (f.trim_end().to_string(), v.to_string())
                })
                .collect();
            assert_eq!(got, want, "{scenario} --state {n}");
            // The fields step n changed are marked.
            if n > 0 {
                for c in t["steps"][n - 1]["changes"].as_array().unwrap() {
                    let f = c["field"].as_str().unwrap();
                    if want
                        .iter()
                        .any(|(g, _)| g.split(" (ghost)").next() == Some(f))
                    {
                        assert!(
                            out.lines()
                                .any(|l| l.starts_with("* ") && l[2..].starts_with(f)),
                            "{f} marked at {n}:\n{out}"
                        );
                    }
                }
            }
        }
        let o = weft(&["show", path.to_str().unwrap(), "--state", "999"], &[]);
        assert_eq!(o.status.code(), Some(2));
    }
}

#[test]
fn colour_is_forced_by_clicolor_force_and_no_color_wins() {
    let path = trace_of("pt_frag/set_page_count_L");
    let p = path.to_str().unwrap();
    let forced = stdout(&weft(&["show", p], &[("CLICOLOR_FORCE", "1")]));
    assert!(forced.contains("\x1b["), "CLICOLOR_FORCE colours");
    let none = stdout(&weft(
        &["show", p],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    ));
    assert!(!none.contains('\x1b'), "NO_COLOR wins");
    let always = stdout(&weft(
        &["show", p, "--color", "always"],
        &[("NO_COLOR", "1")],
    ));
    assert!(always.contains("\x1b["), "an explicit --color always wins");
    // Colour codes aside, the coloured text is the plain text.
    let plain = stdout(&weft(&["show", p], &[]));
    assert_eq!(strip_ansi(&forced), plain);
}

/// The same through a terminal (`script` gives weft a pty): coloured unless NO_COLOR.
#[test]
fn colour_on_a_terminal_respects_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to run weft on a pty");
        return;
    }
    let path = trace_of("pt_frag/set_page_count_L");
    let cmd = format!("{} show {}", env!("CARGO_BIN_EXE_weft"), path.display());
    let run = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .env_remove("CLICOLOR_FORCE")
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    assert!(run(false).contains("\x1b["), "a terminal gets colour");
    assert!(!run(true).contains("\x1b["), "NO_COLOR is respected");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn explain_names_the_torn_read_behind_the_split_race() {
    let path = trace_of("thp/merged_fix_M");
    let out = stdout(&weft(&["show", path.to_str().unwrap(), "--explain"], &[]));
    let text: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    // P sums the mapcounts over steps 15-25 while C splits the PMD (steps 17-23): it read
    // the subpages' _mapcount before C's PTEs raised them, and PageDoubleMap after C set it.
    assert!(
        text.contains(
            "The root of the failure is a torn read: thread P computed one answer from reads at \
             steps 15 to 25, but read H[0]._mapcount at step 15 and H[1]._mapcount at step 16 \
             before thread C changed them (steps 20 and 21), and PageDoubleMap at step 24 after \
             it changed it (step 23)"
        ),
        "{out}"
    );
    assert!(
        text.contains("returns 1"),
        "the value that decides is shown: {out}"
    );
}
