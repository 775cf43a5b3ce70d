//! `mlspec schema [--inventory]`: print the JSON Schema of the spec (or of the TOML node-pool
//! inventory) that the library generates from its types, for editors' completion and hover.

use mlspec::schema;
use mlspec::stdlib::Catalog;

use super::args::SchemaArgs;
use super::{EXIT_USAGE, help, report};

pub fn run(a: &SchemaArgs) -> i32 {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            report::usage_error(&format!("internal error: the catalog is broken: {e}"));
            return EXIT_USAGE;
        }
    };
    let generated = if a.inventory {
        schema::inventory(&catalog)
    } else {
        schema::spec(&catalog)
    };
    help::print(schema::render(&generated).as_bytes())
}
