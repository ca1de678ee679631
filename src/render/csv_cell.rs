//! Spreadsheet-safe CSV cells (OWASP "CSV injection"): a cell that a spreadsheet would run
//! as a formula — starting with `=`, `+`, `-`, `@`, tab or carriage return — is written with
//! a leading `'`, which spreadsheets show as text. Plain numbers (`-16.25`, `+7`) stay as
//! they are: coordinates must remain numbers.
//!
//! The escape is reversible so that an exported file imports again unchanged: a cell that
//! already starts with `'` followed by one of those characters (or another `'`) gets one
//! more `'`, and [`unescape`] removes exactly one. The CSV readers of `hotspot import` and
//! the upload call [`unescape`] on text cells.

/// Characters that make a spreadsheet treat a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn is_plain_number(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
}

fn needs_quote(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if TRIGGERS.contains(&c) => !is_plain_number(s),
        // An escaped-looking cell is escaped once more, so that unescape is exact.
        Some('\'') => chars
            .next()
            .is_some_and(|c| c == '\'' || TRIGGERS.contains(&c)),
        _ => false,
    }
}

/// `s` as a cell that a spreadsheet shows as text, never evaluates.
///
/// ```
/// use hotspot::render::csv_cell::escape;
/// assert_eq!(escape("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(escape("-16.25"), "-16.25");
/// assert_eq!(escape("R-001"), "R-001");
/// ```
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The inverse of [`escape`]: drops the `'` that `escape` added, and nothing else.
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_quoted_and_numbers_are_not() {
        for (raw, want) in [
            ("=1+1", "'=1+1"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''", "'''"),
            ("-16.25", "-16.25"),
            ("+7", "+7"),
            ("1e5", "1e5"),
            ("R-001", "R-001"),
            ("'quoted", "'quoted"),
            ("", ""),
        ] {
            assert_eq!(escape(raw), want, "{raw:?}");
            assert_eq!(unescape(&escape(raw)), raw, "{raw:?}");
        }
    }

    proptest! {
        #[test]
        fn unescape_inverts_escape(s in "['=+@\\-\\t\\rA-Za-z0-9 .]{0,8}") {
            let e = escape(&s);
            prop_assert_eq!(unescape(&e), s.as_str());
            let first = e.chars().next();
            prop_assert!(
                !first.is_some_and(|c| TRIGGERS.contains(&c)) || is_plain_number(&e),
                "a spreadsheet would evaluate {:?}", e
            );
        }
    }
}
