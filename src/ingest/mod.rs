//! Parsing and strict validation of input files (CSV and GeoJSON).
//!
//! Every problem is reported as `FILE:LINE: column: what is wrong`; callers print the first
//! 20 and a count of the rest, exit with code 2 and write nothing.

pub mod csv;
pub mod geojson;
pub mod limits;
pub mod programme;

use std::fmt;

/// How many problems are listed before the rest are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// One thing wrong with one input row or feature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based physical line (the CSV header is line 1).
    pub line: u64,
    /// Column or property name (`-` when the problem is not about one column).
    pub column: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Errors of the ingest layer.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input is invalid; `problems` holds the first [`MAX_LISTED_PROBLEMS`] of `total`.
    #[error("{}", format_problems(.problems, *.total))]
    Invalid {
        problems: Vec<Problem>,
        total: usize,
    },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// `FILE:LINE: column: message` lines, then `… and N more problems`.
pub fn format_problems(problems: &[Problem], total: usize) -> String {
    let mut s = problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    if total > problems.len() {
        s.push_str(&format!("\n… and {} more problems", total - problems.len()));
    }
    s
}

mod datetime;
mod source;

pub use datetime::{parse_observed_at, parse_tz};
pub use source::{SourceFormat, read_source, source_format};

use crate::model::{Area, LonLat, Report, Site};
use chrono::FixedOffset;

/// How to read an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    /// Zone that RFC 3339 timestamps with an offset are converted to (`--tz`, default +07:00).
    pub tz: FixedOffset,
    /// Keep the good rows and return the bad ones as [`Rejected`] instead of failing.
    pub skip_invalid: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            tz: FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset"),
            skip_invalid: false,
        }
    }
}

/// A row (or feature) dropped under `skip_invalid`, kept so it can be written to a rejects file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Physical line where the row (or feature) starts.
    pub line: u64,
    /// The original fields, parallel to [`Parsed::header`] (for GeoJSON: the feature's JSON).
    pub fields: Vec<String>,
    /// Every problem of the row, `column: message` joined by `; `.
    pub reason: String,
}

/// The accepted rows of a file, where they came from, and what was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    /// Source line of each accepted row, parallel to `rows` (to map store row errors back).
    pub lines: Vec<u64>,
    /// Column names of the original file (`["feature"]` for GeoJSON), for the rejects file.
    pub header: Vec<String>,
    /// Rows dropped under `skip_invalid` (always empty otherwise), in file order.
    pub rejected: Vec<Rejected>,
}

/// Reads reports from `path` (`-` = stdin), CSV or GeoJSON by extension or content.
pub fn read_reports(path: &str, opts: &IngestOptions) -> Result<Parsed<Report>, IngestError> {
    let bytes = read_source(path)?;
    let name = display_name(path);
    match source_format(path, &bytes) {
        SourceFormat::Csv => csv::read_reports(&bytes, &name, opts),
        SourceFormat::GeoJson => geojson::read_reports(&bytes, &name, opts),
    }
}

/// Reads sensitive sites from a GeoJSON file (`-` = stdin).
pub fn read_sites(path: &str, opts: &IngestOptions) -> Result<Parsed<Site>, IngestError> {
    let bytes = read_source(path)?;
    geojson::read_sites(&bytes, &display_name(path), opts)
}

/// Reads administrative areas from a GeoJSON file (`-` = stdin).
pub fn read_areas(path: &str, opts: &IngestOptions) -> Result<Parsed<Area>, IngestError> {
    let bytes = read_source(path)?;
    geojson::read_areas(&bytes, &display_name(path), opts)
}

/// The file name used in problem messages (`<stdin>` for `-`).
pub fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    }
}

/// Turns the problems of a parse into the final result: fatal unless `skip_invalid`, in which
/// case the rows they belong to have already been moved to `parsed.rejected`.
pub(crate) fn finish<T>(
    mut problems: Vec<Problem>,
    parsed: Parsed<T>,
    skip_invalid: bool,
) -> Result<Parsed<T>, IngestError> {
    if problems.is_empty() || skip_invalid {
        return Ok(parsed);
    }
    problems.sort_by_key(|p| p.line);
    Err(invalid(problems))
}

/// `IngestError::Invalid` keeping the first [`MAX_LISTED_PROBLEMS`].
pub(crate) fn invalid(mut problems: Vec<Problem>) -> IngestError {
    let total = problems.len();
    problems.truncate(MAX_LISTED_PROBLEMS);
    IngestError::Invalid { problems, total }
}

/// A problem that makes the whole file unusable (no header, bad JSON…), fatal even with
/// `skip_invalid`.
pub(crate) fn file_problem(file: &str, line: u64, column: &str, message: String) -> IngestError {
    invalid(vec![Problem {
        file: file.to_string(),
        line,
        column: column.to_string(),
        message,
    }])
}

/// Checks a WGS84 coordinate pair, returning `(column, message)` for each problem.
pub(crate) fn check_lon_lat(lon: f64, lat: f64) -> Vec<(&'static str, String)> {
    [check_lon(lon), check_lat(lat)]
        .into_iter()
        .flatten()
        .collect()
}

/// The range check of [`LonLat`] (the one place it lives), as `(column, message)`.
pub(crate) fn check_lon(lon: f64) -> Option<(&'static str, String)> {
    LonLat::check_lon(lon)
        .err()
        .map(|e| (e.field(), e.to_string()))
}

pub(crate) fn check_lat(lat: f64) -> Option<(&'static str, String)> {
    LonLat::check_lat(lat)
        .err()
        .map(|e| (e.field(), e.to_string()))
}
