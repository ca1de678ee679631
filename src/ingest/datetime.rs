//! `observed_at` parsing: hand-rolled for the two common local forms (this is the hot path of
//! a million-row import), chrono for RFC 3339 with an offset.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

/// Parses `YYYY-MM-DD` (midnight), `YYYY-MM-DDTHH:MM:SS` (local civil time, `T` or space,
/// optional fraction) or RFC 3339 with an offset (converted to `tz`) into local time.
///
/// ```
/// use chrono::FixedOffset;
/// use hotspot::ingest::parse_observed_at;
/// let tz = FixedOffset::east_opt(7 * 3600).unwrap();
/// let t = parse_observed_at("2025-03-01T01:30:00Z", tz).unwrap();
/// assert_eq!(t.to_string(), "2025-03-01 08:30:00");
/// assert_eq!(parse_observed_at("2025-03-01", tz).unwrap().to_string(), "2025-03-01 00:00:00");
/// assert!(parse_observed_at("2025-02-30", tz).is_err());
/// assert!(parse_observed_at("0000-01-01", tz).is_err(), "years 1900..=2100 only");
/// ```
pub fn parse_observed_at(s: &str, tz: FixedOffset) -> Result<NaiveDateTime, String> {
    let t = parse_any_year(s, tz)?;
    super::limits::check_datetime(t)?;
    Ok(t)
}

/// [`parse_observed_at`] without the year range check.
fn parse_any_year(s: &str, tz: FixedOffset) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    let b = s.as_bytes();
    let bad = || {
        format!(
            "{s:?} is not a date (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or RFC 3339 with offset)"
        )
    };
    if b.len() < 10 {
        return Err(bad());
    }
    let date = parse_date(&b[..10]).ok_or_else(bad)?;
    if b.len() == 10 {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return Err(bad());
    }
    if b.len() == 19 {
        let time = parse_time(&b[11..19]).ok_or_else(bad)?;
        return Ok(date.and_time(time));
    }
    let last = b[b.len() - 1];
    let has_offset = last == b'Z'
        || last == b'z'
        || (b.len() >= 25 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':');
    if has_offset {
        let mut owned = s.to_string();
        if b[10] == b' ' {
            owned.replace_range(10..11, "T");
        }
        let t = DateTime::parse_from_rfc3339(&owned).map_err(|_| bad())?;
        return Ok(t.with_timezone(&tz).naive_local());
    }
    NaiveDateTime::parse_from_str(&s.replacen(' ', "T", 1), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| bad())
}

fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in &b[..N] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits::<4>(&b[0..4])? as i32,
        digits::<2>(&b[5..7])?,
        digits::<2>(&b[8..10])?,
    )
}

fn parse_time(b: &[u8]) -> Option<NaiveTime> {
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    NaiveTime::from_hms_opt(
        digits::<2>(&b[0..2])?,
        digits::<2>(&b[3..5])?,
        digits::<2>(&b[6..8])?,
    )
}

/// Parses `--tz`: `+07:00`, `-05:30`, `+0700`, `Z` or `UTC`.
pub fn parse_tz(s: &str) -> Result<FixedOffset, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return Ok(FixedOffset::east_opt(0).unwrap());
    }
    let bad = || format!("{s:?} is not a UTC offset like +07:00");
    let b = t.as_bytes();
    let sign = match b.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let (h, m) = match b.len() {
        6 if b[3] == b':' => (digits::<2>(&b[1..3]), digits::<2>(&b[4..6])),
        5 => (digits::<2>(&b[1..3]), digits::<2>(&b[3..5])),
        3 => (digits::<2>(&b[1..3]), Some(0)),
        _ => return Err(bad()),
    };
    let (h, m) = (h.ok_or_else(bad)?, m.ok_or_else(bad)?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz7() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    #[test]
    fn local_forms_are_taken_as_is() {
        let t = parse_observed_at("2024-12-31T23:59:59", tz7()).unwrap();
        assert_eq!(t.to_string(), "2024-12-31 23:59:59");
        let t = parse_observed_at(" 2024-02-29 ", tz7()).unwrap();
        assert_eq!(t.to_string(), "2024-02-29 00:00:00");
        let t = parse_observed_at("2024-02-29 10:00:00.250", tz7()).unwrap();
        assert_eq!(t.to_string(), "2024-02-29 10:00:00.250");
    }

    #[test]
    fn offsets_are_converted_to_the_zone() {
        // 20:00 at -05:00 is 01:00 UTC next day, 08:00 at +07:00.
        let t = parse_observed_at("2025-01-31T20:00:00-05:00", tz7()).unwrap();
        assert_eq!(t.to_string(), "2025-02-01 08:00:00");
        let utc = parse_tz("UTC").unwrap();
        let t = parse_observed_at("2025-01-31T20:00:00.5+07:00", utc).unwrap();
        assert_eq!(t.to_string(), "2025-01-31 13:00:00.500");
    }

    #[test]
    fn garbage_is_rejected() {
        for s in [
            "",
            "2025-13-01",
            "2025-02-29",
            "2025/01/01",
            "2025-01-01T25:00:00",
            "yesterday",
            "2025-01-01T10:00",
            "2025-01-01T10:00:00+25:00",
        ] {
            assert!(parse_observed_at(s, tz7()).is_err(), "{s}");
        }
    }

    #[test]
    fn tz_forms() {
        assert_eq!(parse_tz("+07:00").unwrap().local_minus_utc(), 25200);
        assert_eq!(parse_tz("-0530").unwrap().local_minus_utc(), -19800);
        assert_eq!(parse_tz("Z").unwrap().local_minus_utc(), 0);
        assert!(parse_tz("07:00").is_err());
        assert!(parse_tz("+24:00").is_err());
    }
}
