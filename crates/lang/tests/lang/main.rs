//! The language's tests, one module per subject, in one test binary: each binary of its own
//! would compile the explorer's engines for `LangModel` again (about 50 s each on 2 cores).
//! A new subject is a file here and a `mod` line below.

mod common;

mod arguments;
mod check_calls;
mod language;
mod mistakes;
mod pointers;
mod symmetry;
mod threads;
mod waiting;
