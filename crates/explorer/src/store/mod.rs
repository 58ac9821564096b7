//! Where a search keeps what it has seen and what is left to do: state fingerprints
//! ([`fingerprint`]), the visited set (`visited`: exact 64-bit fingerprints, or SPIN's
//! bitstate), the parent links that rebuild a counterexample (`parents`), and the
//! breadth-first level queue (`level`), which goes to a temporary file (`spool`) past its
//! memory budget.

pub mod fingerprint;
pub(crate) mod level;
pub(crate) mod parents;
pub(crate) mod spool;
pub(crate) mod visited;
