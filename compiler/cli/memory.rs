//! `mlspec memory`: compile specs and print each LLM server's memory account — the model, its
//! weights per GPU, the runtime's overhead, the KV cache per token and in all, the tokens and the
//! sequences of the maximum context that fit — as text or JSON on stdout. Diagnostics (E0220 and
//! the other memory errors among them) go to stderr; exit 1 when there is an error.

use super::args::{Format, MemoryArgs};
use super::check::{Want, compile_all};
use super::report::{self, Reporter};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, io};

pub fn run(a: &MemoryArgs, out: &Reporter) -> i32 {
    let options = a.compile.options();
    let want = Want {
        rendered: false,
        objects: false,
        annotate: false,
    };
    let catalog = match super::catalog::load(a.compile.stdlib.as_deref(), &options.lint, out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let outcome = match compile_all(&a.specs, &catalog, &options, want, out) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let text = match a.format {
        Format::Json => {
            let all: Vec<serde_json::Value> = outcome
                .memory
                .iter()
                .flat_map(|(file, items)| {
                    items.iter().map(|i| mlspec::memory::report::json(file, i))
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&all).unwrap_or_default();
            text.push('\n');
            text
        }
        _ => {
            let blocks: Vec<String> = outcome
                .memory
                .iter()
                .map(|(file, items)| mlspec::memory::report::text(file, items))
                .collect();
            if blocks.is_empty() {
                "no LLM server with a model mlspec knows: nothing to account for\n".to_string()
            } else {
                blocks.join("\n")
            }
        }
    };
    if let Err(e) = io::print_stdout(&text) {
        report::usage_error(&e);
        return EXIT_USAGE;
    }
    if outcome.errors > 0 {
        out.summary(&format!(
            "error: {}\n",
            report::summary(outcome.errors, outcome.warnings)
        ));
        return EXIT_INPUT;
    }
    EXIT_OK
}
