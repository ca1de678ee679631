//! The one check of a [`ReportFilter`] against the input limits, run by both backends before
//! any query of theirs (so a filter the database cannot represent never reaches it).
//!
//! A date of year 0 or −1, an offset past `i64::MAX` or a NUL in an area id used to fail
//! inside PostgreSQL — in the middle of a `COPY` — and leave a broken connection behind;
//! refusing them here makes them a 400 naming the parameter on every route, whatever the
//! backend. Field names are the API's parameter names.

use super::{ReportFilter, Result, StoreError};
use crate::ingest::limits::{check_datetime, check_id};

/// Largest accepted `offset` of a paged report read (far past any real dataset, far below
/// the `BIGINT` PostgreSQL parses `OFFSET` into).
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// Largest accepted `limit` of a store read (callers cap pages far lower; this only keeps
/// the value inside `BIGINT`).
pub const MAX_LIMIT: u64 = 1_000_000_000;

fn bad(name: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("parameter {name}: {message}"))
}

impl ReportFilter {
    /// Refuses a filter outside the input limits, naming the offending parameter: dates
    /// outside the years 1900..=2100 (`to` is exclusive, so `2101-01-01` is the last
    /// accepted), an area id that is not a valid id, non-finite bbox numbers, `limit` or
    /// `offset` beyond [`MAX_LIMIT`] / [`MAX_OFFSET`].
    pub fn validate(&self) -> Result<()> {
        if let Some(from) = self.from {
            check_datetime(from).map_err(|m| bad("from", m))?;
        }
        if let Some(to) = self.to {
            // Exclusive: the instant just before `to` is the last one selected.
            let last = to - chrono::Duration::microseconds(1);
            check_datetime(last).map_err(|m| bad("to", m))?;
        }
        if let Some(area) = &self.area {
            check_id(area).map_err(|m| bad("area", m))?;
        }
        if let Some(b) = self.bbox
            && b.iter().any(|x| !x.is_finite())
        {
            return Err(bad("bbox", "numbers must be finite"));
        }
        if let Some(limit) = self.limit
            && limit > MAX_LIMIT
        {
            return Err(bad("limit", format!("{limit} is larger than {MAX_LIMIT}")));
        }
        if let Some(offset) = self.offset
            && offset > MAX_OFFSET
        {
            return Err(bad(
                "offset",
                format!("{offset} is larger than {MAX_OFFSET}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn message(f: ReportFilter) -> String {
        match f.validate() {
            Err(StoreError::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let f = |from, to| ReportFilter {
            from,
            to,
            ..ReportFilter::default()
        };
        assert!(f(Some(day(1900)), Some(day(2101))).validate().is_ok());
        assert!(message(f(Some(day(0)), None)).starts_with("parameter from: 0000-01-01"));
        assert!(message(f(Some(day(-1)), None)).starts_with("parameter from:"));
        assert!(message(f(None, Some(day(2102)))).starts_with("parameter to:"));
        let area = ReportFilter {
            area: Some("a\0b".into()),
            ..ReportFilter::default()
        };
        assert!(message(area).starts_with("parameter area: "));
        let offset = ReportFilter {
            offset: Some(9_223_372_036_854_775_808),
            ..ReportFilter::default()
        };
        assert!(message(offset).starts_with("parameter offset: "));
        let limit = ReportFilter {
            limit: Some(u64::MAX),
            ..ReportFilter::default()
        };
        assert!(message(limit).starts_with("parameter limit: "));
        let bbox = ReportFilter {
            bbox: Some([0.0, f64::NAN, 1.0, 1.0]),
            ..ReportFilter::default()
        };
        assert!(message(bbox).starts_with("parameter bbox: "));
        assert!(ReportFilter::default().validate().is_ok());
    }
}
