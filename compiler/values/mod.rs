//! TEMPORARY stand-in for the `values` branch (another helper owns `compiler/values/`): only the
//! agreed `Quantity` API, so that `place` builds and tests before that branch lands. When merging,
//! take the `values` branch's version of this folder.

pub mod quantity;
