//! A half-open period of local dates, `[start, end)`, as the measures of issue 12 take them
//! (`--before 2025-01-01/2025-07-01`).
//!
//! A report belongs to a period when its local `observed_at` is on or after `start` at
//! midnight and before `end` at midnight; a date-only `observed_at` is local midnight, so a
//! report dated `end` is in the next period, never in both.

use super::AnalysisError;
use chrono::{NaiveDate, NaiveDateTime};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: NaiveDate,
    /// Exclusive.
    pub end: NaiveDate,
}

impl Period {
    /// A period with `start < end`; `name` is the parameter reported on error.
    pub fn new(
        name: &'static str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Self, AnalysisError> {
        if start >= end {
            return Err(AnalysisError::Parameter {
                name,
                expected: "START/END with START before END",
                value: format!("{start}/{end}"),
            });
        }
        Ok(Period { start, end })
    }

    /// Parses `START/END` (ISO dates); `name` is the parameter reported on error.
    pub fn parse(name: &'static str, s: &str) -> Result<Self, AnalysisError> {
        let bad = || AnalysisError::Parameter {
            name,
            expected: "START/END as two ISO dates (YYYY-MM-DD/YYYY-MM-DD), START before END",
            value: s.to_string(),
        };
        let (a, b) = s.trim().split_once('/').ok_or_else(bad)?;
        let a = NaiveDate::from_str(a.trim()).map_err(|_| bad())?;
        let b = NaiveDate::from_str(b.trim()).map_err(|_| bad())?;
        Period::new(name, a, b)
    }

    /// Is the local time `t` inside `[start, end)`?
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        let d = t.date();
        d >= self.start && d < self.end
    }

    /// Do two half-open periods share a day?
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.start, self.end)
    }
}

/// Errors when `later` overlaps `earlier` (named as `later_name`).
pub fn disjoint(
    earlier: &Period,
    later: &Period,
    later_name: &'static str,
) -> Result<(), AnalysisError> {
    if earlier.overlaps(later) {
        return Err(AnalysisError::Parameter {
            name: later_name,
            expected: "a period that does not overlap the other one",
            value: format!("{later} overlaps {earlier}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_contains_half_open() {
        let p = Period::parse("before", "2025-01-01/2025-07-01").unwrap();
        assert_eq!(p.days(), 181);
        assert!(p.contains(d("2025-01-01").and_hms_opt(0, 0, 0).unwrap()));
        assert!(p.contains(d("2025-06-30").and_hms_opt(23, 59, 59).unwrap()));
        assert!(!p.contains(d("2025-07-01").and_hms_opt(0, 0, 0).unwrap()));
        assert_eq!(p.to_string(), "2025-01-01/2025-07-01");
    }

    #[test]
    fn rejects_empty_reversed_and_malformed_periods() {
        for s in [
            "2025-07-01/2025-07-01",
            "2025-07-02/2025-07-01",
            "2025-01-01",
            "x/y",
        ] {
            match Period::parse("after", s).unwrap_err() {
                AnalysisError::Parameter { name, .. } => assert_eq!(name, "after"),
                e => panic!("{e:?}"),
            }
        }
    }

    #[test]
    fn overlap_is_about_shared_days() {
        let a = Period::parse("a", "2025-01-01/2025-07-01").unwrap();
        let b = Period::parse("b", "2025-07-01/2026-01-01").unwrap();
        let c = Period::parse("c", "2025-06-30/2025-08-01").unwrap();
        assert!(disjoint(&a, &b, "after").is_ok());
        assert!(!a.overlaps(&b) && a.overlaps(&c) && c.overlaps(&b));
        assert!(disjoint(&a, &c, "after").is_err());
    }
}
