//! Parsing and strict validation of input files (CSV and GeoJSON).
//!
//! Every problem is reported as `FILE:LINE: column: what is wrong`; callers print the first
//! 20 and a count of the rest, exit with code 2 and write nothing.

pub mod csv;
pub mod geojson;
