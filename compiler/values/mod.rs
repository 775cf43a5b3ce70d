//! Parsers of small things: quantities, durations, cron lines, names, image references, time
//! zones, percentages, secret-looking literals, and "did you mean" suggestions.
//!
//! Each returns a span-less `Result<_, String>` whose message names the value and says what was
//! expected; the caller attaches the span.

pub mod cron;
pub mod duration;
pub mod image;
pub mod names;
pub mod percent;
pub mod quantity;
pub mod secret;
pub mod suggest;
pub mod timezone;
