//! CSV input of the drug-free programme: declarations, targets and "6 clears" plans.
//!
//! Formats (columns by name, any order, extra columns ignored, header on line 1):
//! - declarations: `area_id,status,declared_at,declared_by` — `status` one of the area
//!   statuses, `declared_at` `YYYY-MM-DD`;
//! - targets: `area_id,level,share,due` — `share` as a fraction (`0.3`) or a percentage
//!   (`30%`), in [0, 1] / [0 %, 100 %];
//! - plans: `subject_type,subject_id,responsible_person,task,responsible_unit,deadline,
//!   expected_result,approving_authority[,state]` — `subject_type` `hotspot` or `area`,
//!   `state` `open` (default when the column is absent or empty) or `done`.
//!
//! Every problem is collected (`FILE:LINE: column: message`); nothing is returned unless the
//! whole file is valid.

use super::{IngestError, MAX_LISTED_PROBLEMS, Problem};
use crate::lifecycle::validate_plan;
use crate::model::PlanInput;
use crate::model::{AreaLevel, AreaStatus, Declaration, PlanState, PlanSubject, Target};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// One CSV record with named access; problems are pushed to the shared list.
struct Row<'a> {
    file: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: self.line,
            column: column.to_string(),
            message: message.into(),
        });
    }

    fn raw(&self, column: &str) -> Option<&str> {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
    }

    /// A required, non-empty text value.
    fn text(&mut self, column: &str) -> Option<String> {
        match self.raw(column) {
            Some(v) if !v.is_empty() => Some(v.to_string()),
            _ => {
                self.problem(column, "must not be empty");
                None
            }
        }
    }

    fn parsed<T: std::str::FromStr>(&mut self, column: &str) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let v = self.text(column)?;
        match v.parse::<T>() {
            Ok(x) => Some(x),
            Err(e) => {
                self.problem(column, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let v = self.text(column)?;
        match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(column, format!("{v:?} is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }
}

/// Reads every record of `input`, checking `required` columns, and maps rows with `f`.
fn parse_csv<T>(
    file: &str,
    input: impl Read,
    required: &[&str],
    mut f: impl FnMut(&mut Row<'_>) -> Option<T>,
) -> Result<Vec<T>, IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(io_or_invalid(file, e)),
    };
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    for col in required {
        if !columns.contains_key(*col) {
            problems.push(Problem {
                file: file.into(),
                line: 1,
                column: (*col).into(),
                message: "missing column".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                let mut row = Row {
                    file,
                    line,
                    record: &record,
                    columns: &columns,
                    problems: &mut problems,
                };
                if let Some(v) = f(&mut row) {
                    out.push(v);
                }
            }
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(io_or_invalid(file, e));
                }
                problems.push(Problem {
                    file: file.into(),
                    line: e.position().map_or(0, |p| p.line()),
                    column: "-".into(),
                    message: e.to_string(),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(invalid(problems))
    }
}

fn invalid(mut problems: Vec<Problem>) -> IngestError {
    let total = problems.len();
    problems.truncate(MAX_LISTED_PROBLEMS);
    IngestError::Invalid { problems, total }
}

fn io_or_invalid(file: &str, e: csv::Error) -> IngestError {
    let line = e.position().map_or(1, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => IngestError::Io {
            file: file.into(),
            source,
        },
        other => invalid(vec![Problem {
            file: file.into(),
            line,
            column: "-".into(),
            message: format!("{other:?}"),
        }]),
    }
}

/// `declarations.csv`: `area_id,status,declared_at,declared_by`.
pub fn parse_declarations(file: &str, input: impl Read) -> Result<Vec<Declaration>, IngestError> {
    parse_csv(
        file,
        input,
        &["area_id", "status", "declared_at", "declared_by"],
        |row| {
            let area_id = row.text("area_id");
            let status = row.parsed::<AreaStatus>("status");
            let declared_at = row.date("declared_at");
            let declared_by = row.text("declared_by");
            Some(Declaration {
                area_id: area_id?,
                status: status?,
                declared_at: declared_at?,
                declared_by: declared_by?,
            })
        },
    )
}

/// A share written `0.3`, `30%` or `30 %`, as a fraction in [0, 1].
///
/// ```
/// use hotspot::ingest::programme::parse_share;
/// assert_eq!(parse_share("30%"), Ok(0.3));
/// assert_eq!(parse_share("0.7"), Ok(0.7));
/// assert!(parse_share("130%").is_err());
/// ```
pub fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a share (0.3 or 30%)"))?;
    let share = v / scale;
    if !(0.0..=1.0).contains(&share) || !share.is_finite() {
        return Err(format!("{s:?} is outside 0–100 %"));
    }
    Ok(share)
}

/// `targets.csv`: `area_id,level,share,due`.
pub fn parse_targets(file: &str, input: impl Read) -> Result<Vec<Target>, IngestError> {
    parse_csv(file, input, &["area_id", "level", "share", "due"], |row| {
        let area_id = row.text("area_id");
        let level = row.parsed::<AreaLevel>("level");
        let share = row.text("share").and_then(|s| match parse_share(&s) {
            Ok(v) => Some(v),
            Err(m) => {
                row.problem("share", m);
                None
            }
        });
        let due = row.date("due");
        Some(Target {
            area_id: area_id?,
            level: level?,
            share: share?,
            due: due?,
        })
    })
}

/// `plans.csv`: the six clears plus `subject_type,subject_id[,state]`.
pub fn parse_plans(file: &str, input: impl Read) -> Result<Vec<PlanInput>, IngestError> {
    parse_csv(
        file,
        input,
        &[
            "subject_type",
            "subject_id",
            "responsible_person",
            "task",
            "responsible_unit",
            "deadline",
            "expected_result",
            "approving_authority",
        ],
        |row| {
            let subject_type = row.text("subject_type");
            let subject_id = row.text("subject_id");
            let subject = match (subject_type.as_deref(), subject_id) {
                (Some(t), Some(id)) if t.eq_ignore_ascii_case("hotspot") => {
                    Some(PlanSubject::Hotspot(id))
                }
                (Some(t), Some(id)) if t.eq_ignore_ascii_case("area") => {
                    Some(PlanSubject::Area(id))
                }
                (Some(t), _)
                    if !t.eq_ignore_ascii_case("hotspot") && !t.eq_ignore_ascii_case("area") =>
                {
                    row.problem(
                        "subject_type",
                        format!("unknown value {t:?}, expected one of: hotspot, area"),
                    );
                    None
                }
                _ => None,
            };
            let responsible_person = row.text("responsible_person");
            let task = row.text("task");
            let responsible_unit = row.text("responsible_unit");
            let deadline = row.date("deadline");
            let expected_result = row.text("expected_result");
            let approving_authority = row.text("approving_authority");
            let state = match row.raw("state") {
                None | Some("") => Some(PlanState::Open),
                Some(_) => row.parsed::<PlanState>("state"),
            };
            let plan = PlanInput {
                subject: subject?,
                responsible_person: responsible_person?,
                task: task?,
                responsible_unit: responsible_unit?,
                deadline: deadline?,
                expected_result: expected_result?,
                approving_authority: approving_authority?,
                state: state?,
            };
            if let Err(problems) = validate_plan(&plan, None) {
                for p in problems {
                    row.problem(p.field, p.message);
                }
                return None;
            }
            Some(plan)
        },
    )
}

fn open(path: &Path) -> Result<(String, std::fs::File), IngestError> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| IngestError::Io {
        file: name.clone(),
        source,
    })?;
    Ok((name, f))
}

/// [`parse_declarations`] of a file.
pub fn read_declarations(path: &Path) -> Result<Vec<Declaration>, IngestError> {
    let (name, f) = open(path)?;
    parse_declarations(&name, f)
}

/// [`parse_targets`] of a file.
pub fn read_targets(path: &Path) -> Result<Vec<Target>, IngestError> {
    let (name, f) = open(path)?;
    parse_targets(&name, f)
}

/// [`parse_plans`] of a file.
pub fn read_plans(path: &Path) -> Result<Vec<PlanInput>, IngestError> {
    let (name, f) = open(path)?;
    parse_plans(&name, f)
}
