//! Reading a scenario named on the command line: a file, or a shipped scenario's name.

use weft_model::Scenario;

/// The scenario `arg` names (a file or a shipped name), or `None` after drawing what is wrong
/// with it on stderr (file, line, column and what would be valid).
pub fn load_scenario(arg: &str) -> Option<Scenario> {
    match Scenario::resolve(arg) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            None
        }
    }
}
