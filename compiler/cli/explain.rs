//! `mlspec explain CODE`: the long form of a diagnostic, or the list of every code.

use mlspec::diagnostics::codes;
use mlspec::values::suggest::suggest;

use super::args::ExplainArgs;
use super::{EXIT_USAGE, report};

pub fn run(a: &ExplainArgs) -> i32 {
    let text = match &a.code {
        None => codes::ALL
            .iter()
            .map(|c| format!("{}  {:<24} {}\n", c.id, c.name, c.summary))
            .collect::<String>(),
        Some(id) => match codes::find(id) {
            Some(c) => c.explanation.to_string(),
            None => {
                let hint = suggest(id, codes::ALL.iter().map(|c| c.id))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| "; `mlspec explain` lists every code".to_string());
                report::usage_error(&format!("no diagnostic code `{id}`{hint}"));
                return EXIT_USAGE;
            }
        },
    };
    super::help::print(&text)
}
