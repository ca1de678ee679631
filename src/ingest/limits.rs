//! Input limits shared by every way data comes in (files, uploads, query parameters): how
//! long an id may be, which characters it may hold, and which years a date may name.
//!
//! They live here, once, because the same id or date reaches the store through the CLI
//! import, the API upload and the API filters, and a value one path accepts but the
//! database cannot hold (a 5 MB id, a NUL byte, year 0) must be refused the same way on all
//! of them — before any query runs.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Longest accepted id, in characters (report, site, area ids and area references).
pub const MAX_ID_CHARS: usize = 64;

/// Earliest year a report date or a date filter may name.
pub const MIN_YEAR: i32 = 1900;

/// Latest year a report date or a date filter may name.
pub const MAX_YEAR: i32 = 2100;

/// Why `id` is not acceptable, if it is not: empty, longer than [`MAX_ID_CHARS`]
/// characters, or holding a control character (NUL, tab, newline, DEL, C1 controls…).
///
/// ```
/// use hotspot::ingest::limits::check_id;
/// assert!(check_id("R-001").is_ok());
/// assert!(check_id("a\0b").is_err());
/// assert!(check_id(&"x".repeat(65)).is_err());
/// ```
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("empty id".into());
    }
    let chars = id.chars().count();
    if chars > MAX_ID_CHARS {
        return Err(format!(
            "id of {chars} characters is longer than {MAX_ID_CHARS}"
        ));
    }
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(format!("id holds the control character U+{:04X}", c as u32));
    }
    Ok(())
}

/// Why a date is not acceptable, if its year is outside [`MIN_YEAR`]`..=`[`MAX_YEAR`].
pub fn check_date(d: NaiveDate) -> Result<(), String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        Ok(())
    } else {
        Err(format!(
            "{} is outside the years {MIN_YEAR}..={MAX_YEAR}",
            d.format("%Y-%m-%d")
        ))
    }
}

/// [`check_date`] of a date and time.
pub fn check_datetime(t: NaiveDateTime) -> Result<(), String> {
    check_date(t.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bounded_and_printable() {
        assert!(
            check_id(&"é".repeat(64)).is_ok(),
            "64 characters, 128 bytes"
        );
        assert!(check_id(&"é".repeat(65)).is_err());
        for bad in ["", "a\0", "a\tb", "a\nb", "a\rb", "\u{7f}", "\u{85}"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert!(
            check_id("=HYPERLINK(\"x\")").is_ok(),
            "escaped on export instead"
        );
    }

    #[test]
    fn dates_outside_the_sane_years_are_refused() {
        let d = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(check_date(d(1900)).is_ok());
        assert!(check_date(d(2100)).is_ok());
        assert!(check_date(d(1899)).is_err());
        assert!(check_date(d(0)).is_err());
        assert!(check_date(d(-1)).is_err());
        assert!(check_date(d(2101)).is_err());
        assert_eq!(
            check_date(d(0)).unwrap_err(),
            "0000-01-01 is outside the years 1900..=2100"
        );
    }
}
