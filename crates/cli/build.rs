//! Links the functions a check runs next to each other (symbol-order.txt, made by
//! scripts/symbol-order.sh), so that the kernel maps fewer of the binary's pages.
//!
//! The kernel maps up to 64 KiB of code around each page the program first runs. Spread over
//! the whole text, the 600-odd functions a check runs touched about 60 such blocks, 3.8 MiB
//! of the peak memory of a 4x4 check with symmetry; kept together, about 0.8 MiB. Only
//! LLD reads this file, and rustc links with it by default on x86_64 Linux from 1.90 on;
//! elsewhere, or where the linker is chosen otherwise, nothing is asked of the linker. A
//! name the build no longer has (code changed, another rustc) is skipped, not an error: the
//! layout then only gets worse until the file is made again.

use std::path::Path;
use std::process::Command;

fn main() {
    let order = Path::new("symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    // Absent while scripts/symbol-order.sh makes it anew.
    let Ok(order) = order.canonicalize() else {
        return;
    };
    if links_with_lld() {
        println!(
            "cargo:rustc-link-arg-bin=weft=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bin=weft=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether rustc links with its own LLD: x86_64 Linux with glibc, rustc 1.90 or later, and no
/// flag that picks the linker.
fn links_with_lld() -> bool {
    let cfg = |key: &str| std::env::var(key).unwrap_or_default();
    let target = (
        cfg("CARGO_CFG_TARGET_ARCH"),
        cfg("CARGO_CFG_TARGET_OS"),
        cfg("CARGO_CFG_TARGET_ENV"),
    );
    if target != ("x86_64".into(), "linux".into(), "gnu".into()) {
        return false;
    }
    // A linker set in Cargo's configuration (RUSTC_LINKER) or in the flags may not be LLD.
    let flags = cfg("CARGO_ENCODED_RUSTFLAGS");
    let chosen = ["linker", "link-self-contained", "fuse-ld"]
        .iter()
        .any(|flag| flags.contains(flag));
    if chosen || std::env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc that builds this crate (`rustc 1.95.0 (...)`: 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = Command::new(rustc).arg("-V").output().ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    let mut numbers = version.split_whitespace().nth(1)?.split('.');
    (numbers.next()? == "1").then_some(())?;
    numbers.next()?.parse().ok()
}
