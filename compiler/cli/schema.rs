//! `mlspec schema [--inventory]`: print the JSON Schema of the spec (or of the TOML node-pool
//! inventory) that the library generates from its types, for editors' completion and hover.

use mlspec::schema;

use super::args::SchemaArgs;
use super::help;
use super::report::Reporter;

pub fn run(a: &SchemaArgs, out: &Reporter) -> i32 {
    let catalog = match super::catalog::load(a.stdlib.as_deref(), &Default::default(), out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let generated = if a.inventory {
        schema::inventory(&catalog)
    } else {
        schema::spec(&catalog)
    };
    help::print(&schema::render(&generated))
}
