//! Each fuzz target on its seed corpus and a fixed number of deterministic mutations of it
//! (what CI runs). `WEFT_FUZZ_ITERATIONS=N` runs N mutations a target instead, and
//! `WEFT_FUZZ_SEED=S` starts elsewhere; a crashing input is written to `fuzz/crashes/`.

use weft_fuzz::{corpus, mutate, Target};

/// Mutations per target in CI: a few seconds each in a debug build.
fn iterations(target: Target) -> usize {
    if let Some(n) = std::env::var("WEFT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    match target {
        Target::Scenario => 10_000,
        Target::Trace => 10_000,
        Target::Hostfile => 50_000,
    }
}

fn seed() -> u64 {
    std::env::var("WEFT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

fn fuzz(target: Target) {
    let seeds = corpus::seeds(target);
    assert!(!seeds.is_empty(), "no seeds for {}", target.name());
    match mutate::run(target, &seeds, iterations(target), seed()) {
        Ok(ran) => eprintln!("{}: {ran} inputs, no crash", target.name()),
        Err(crash) => {
            let dir = corpus::root().join("fuzz/crashes");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{}-seed{}", target.name(), seed()));
            std::fs::write(&path, &crash.input).unwrap();
            panic!(
                "{} crashed ({}), input saved to {}:\n{}",
                target.name(),
                crash.message,
                path.display(),
                String::from_utf8_lossy(&crash.input)
            );
        }
    }
}

#[test]
fn scenario_loader() {
    fuzz(Target::Scenario);
}

#[test]
fn trace_loader_and_replay_checks() {
    fuzz(Target::Trace);
}

#[test]
fn hostfile_parser() {
    fuzz(Target::Hostfile);
}

/// The driver reports an input that panics, with the input: a check that panics on any
/// hostfile naming port 0 is caught within the CI budget.
#[test]
fn a_panicking_input_is_reported() {
    let seeds = corpus::seeds(Target::Hostfile);
    let result = mutate::run_on(Target::Hostfile, &seeds, 20_000, 1, |input| {
        assert!(
            !input.ends_with(b":0\n") && !input.ends_with(b":0"),
            "port 0"
        );
    });
    let crash = result.expect_err("some mutation names port 0 last");
    assert_eq!(crash.message, "port 0");
    assert!(crash.input.ends_with(b":0") || crash.input.ends_with(b":0\n"));
}
