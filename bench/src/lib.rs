//! weft-bench: benchmarks of weft, and the peers it is compared with (`weft-peers`).
//!
//! - [`promela`]: Promela for the scaled `pt_frag_refcount` scenarios, step for step like
//!   weft's model, for SPIN.
//! - [`stateright_peer`]: any weft model as a stateright model.
//! - [`scaled`]: the scaled `pt_frag_refcount` model (W walkers, O owners) built directly.
//! - [`WeftRun`]: one weft exploration, as both commands measure it.

pub mod promela;
pub mod stateright_peer;
mod weft_run;

pub use weft_run::WeftRun;

use weft_model::pt_frag::{Op, PtFrag, Table, Thread, Variant, Walker};

/// The `pt_frag_refcount_scaled_{W}x{O}` model: `owners` threads that allocate and free a
/// fragment, then `walkers` threads with a speculative reference, `frag_nr = owners`; the
/// same model the shipped scenario files build.
pub fn scaled(walkers: usize, owners: usize) -> PtFrag {
    let mut threads: Vec<Thread> = (1..=owners)
        .map(|i| Thread {
            name: format!("owner{i}"),
            ops: vec![
                Op::Alloc(Table::Pte),
                Op::Free {
                    from: None,
                    rcu: false,
                    table: Table::Pte,
                },
            ],
        })
        .collect();
    threads.extend((1..=walkers).map(|i| Thread {
        name: format!("walker{i}"),
        ops: vec![Op::GetPut(Walker::Pfn)],
    }));
    PtFrag::new(Variant::PtFragRefcount, owners as u8, threads).expect("a valid scaled model")
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_explorer::{AnyModel, Checker, Reduction, Verdict};

    fn weft_counts(m: &dyn AnyModel) -> (u64, u64) {
        let out = m
            .check(
                &Checker::new()
                    .threads(1)
                    .reduction(Reduction::Off)
                    .symmetry(false),
            )
            .unwrap();
        assert!(matches!(out.verdict, Verdict::Pass));
        (out.stats.states, out.stats.transitions)
    }

    /// The directly built model is the shipped scenario's model.
    #[test]
    fn scaled_matches_the_shipped_2x2_scenario() {
        let shipped = weft_model::Scenario::resolve("pt_frag/pt_frag_refcount_scaled_2x2")
            .expect("shipped scenario");
        let shipped = weft_counts(shipped.model());
        assert_eq!(weft_counts(&scaled(2, 2)), shipped);
    }

    /// stateright explores exactly weft's state graph.
    #[test]
    fn stateright_counts_equal_weft_on_2x2() {
        let (states, transitions) = weft_counts(&scaled(2, 2));
        let out = stateright_peer::check(scaled(2, 2), 1, None);
        assert!(!out.violation);
        assert_eq!(out.unique_states, states);
        assert_eq!(out.generated, transitions + 1);
    }

    /// The generated 4x4 scenario loads.
    #[test]
    fn scenario_4x4_loads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/pt_frag_refcount_scaled_4x4.toml");
        let s = weft_model::Scenario::from_file(&path).expect("valid scenario");
        assert_eq!(s.params.get("frag_nr"), Some(&4));
    }

    #[test]
    fn promela_has_the_processes_and_checks() {
        let pml = promela::pt_frag_refcount(3, 2);
        assert!(pml.contains("active [2] proctype owner()"));
        assert!(pml.contains("active [3] proctype walker()"));
        assert!(pml.contains("#define NT 5"));
        for check in [
            "refcount_underflow",
            "free_while_referenced",
            "double_free",
            "free_with_live_fragment",
            "dtor_missed",
            "dtor_twice",
            "page_leak",
        ] {
            assert!(pml.contains(check), "{check} missing");
        }
        // One d_step per weft step of the pt_frag_refcount variant (17 owner, 3 walker).
        assert_eq!(pml.matches("d_step {").count(), 20);
    }

    /// SPIN stores exactly weft's states on 2x2, so the Promela model takes the same steps.
    #[test]
    fn spin_counts_equal_weft_on_2x2() {
        let run =
            |cmd: &mut std::process::Command| cmd.output().ok().filter(|o| o.status.success());
        assert!(
            run(std::process::Command::new("spin").arg("-V")).is_some(),
            "SPIN is not installed: run scripts/test.sh as root (it installs the Debian \
             package `spin`), or apt-get install spin"
        );
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("m.pml"), promela::pt_frag_refcount(2, 2)).unwrap();
        run(std::process::Command::new("spin")
            .args(["-a", "m.pml"])
            .current_dir(dir))
        .expect("spin -a");
        run(std::process::Command::new("gcc")
            .args([
                "-O0",
                "-DSAFETY",
                "-DNOCLAIM",
                "-DNOREDUCE",
                "-o",
                "pan",
                "pan.c",
            ])
            .current_dir(dir))
        .expect("gcc pan.c");
        let out = run(std::process::Command::new(dir.join("pan"))
            .args(["-m10000", "-w16"])
            .current_dir(dir))
        .expect("pan");
        let text = String::from_utf8_lossy(&out.stdout);
        let (states, transitions) = weft_counts(&scaled(2, 2));
        assert!(text.contains("errors: 0"), "{text}");
        assert!(text.contains(&format!("{states} states, stored")), "{text}");
        assert!(
            text.contains(&format!("{} transitions", transitions + 1)),
            "{text}"
        );
    }
}
