//! The explorer's tests, one module per subject, in one test binary: each binary of its own
//! would compile the engines again for the same toy models (50 to 120 s each on 2 cores).
//! A new subject is a file here and a `mod` line below.

mod programs;
mod toy;

mod architecture;
mod bfs;
mod example;
mod only;
mod por;
mod por_pays;
mod shuttle;
mod state_space;
mod symmetry;
