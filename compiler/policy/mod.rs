//! Security policy as data: what mlspec's secure defaults are, and the named warnings for each
//! way of weakening them ([`relaxations`]).

pub mod relaxations;
