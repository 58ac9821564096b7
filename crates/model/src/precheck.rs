//! What every model's scenario can be checked for before the model is built, so that a
//! scenario's mistakes are reported together: its variant, its parameters' names and types,
//! and each operation's name and number of arguments. (A model's builder still checks what
//! only it knows: parameter ranges, which thread an argument names.)

use crate::registry::{ModelKind, Spec};
use crate::scenario::{echo, BuildError, Where};

/// Every mistake of these kinds in `spec`, in the order the scenario writes them.
pub(crate) fn precheck(kind: &ModelKind, spec: &Spec) -> Vec<BuildError> {
    let mut problems = Vec::new();
    if !kind.variants.contains(&spec.variant) {
        problems.push(BuildError::unknown_variant(
            kind.name,
            spec.variant,
            kind.variants,
        ));
    }
    problems.extend(spec.params.problems(kind.params));
    for (t, thread) in spec.threads.iter().enumerate() {
        for (i, call) in thread.ops.iter().enumerate() {
            let known = kind
                .operations
                .iter()
                .any(|form| name_of(form) == call.name && arity(form) == call.args.len());
            if !known {
                problems.push(BuildError::unknown_operation(
                    kind.name,
                    Where::Op(t, i),
                    call,
                    kind.operations,
                ));
            }
        }
    }
    problems
}

/// `write` of `write(i)`.
fn name_of(form: &str) -> &str {
    form.split('(').next().unwrap_or(form)
}

/// How many arguments an operation's written form takes: `write(i)` one, `fork` none.
fn arity(form: &str) -> usize {
    match form.split_once('(') {
        Some((_, args)) => args.trim_end_matches(')').split(',').count(),
        None => 0,
    }
}

/// A parameter's problems: an unknown name, or a value that is not an integer.
pub(crate) fn param_problems<'a>(
    values: impl Iterator<Item = (&'a String, &'a toml::Value)>,
    known: &[(&str, &str)],
) -> Vec<BuildError> {
    let mut problems = Vec::new();
    for (name, value) in values {
        let at = Where::Param(name.clone());
        if !known.iter().any(|(n, _)| n == name) {
            let list: Vec<String> = known.iter().map(|(n, d)| format!("{n} ({d})")).collect();
            problems.push(BuildError {
                at,
                message: format!("unknown parameter `{}`", echo(name)),
                help: Some(format!("parameters: {}", list.join(", "))),
            });
        } else if value.as_integer().is_none() {
            problems.push(BuildError {
                at,
                message: format!("`{name}` must be an integer, not {}", value.type_str()),
                help: None,
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::arity;

    #[test]
    fn an_operations_written_form_says_how_many_arguments_it_takes() {
        assert_eq!(arity("fork"), 0);
        assert_eq!(arity("write(i)"), 1);
        assert_eq!(arity("pte_fragment_free(thread)"), 1);
        assert_eq!(arity("f(a, b)"), 2);
    }
}
