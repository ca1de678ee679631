//! Parsing and strict validation of input files (CSV and GeoJSON).
//!
//! Every problem is reported as `FILE:LINE: column: what is wrong`; callers print the first
//! 20 and a count of the rest, exit with code 2 and write nothing.

pub mod csv;
pub mod geojson;
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
