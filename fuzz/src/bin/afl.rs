//! The fuzz targets under AFL++ (afl.rs): `WEFT_FUZZ_TARGET=scenario|trace|hostfile`.
//! Built and run by `fuzz/afl.sh`.

fn main() {
    let name = std::env::var("WEFT_FUZZ_TARGET").unwrap_or_default();
    let Some(target) = weft_fuzz::Target::from_name(&name) else {
        eprintln!("WEFT_FUZZ_TARGET must be scenario, trace or hostfile");
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| target.run(data));
}
