//! The text PostGIS receives outside bound parameters, escaped by rules that hold whatever
//! the server's settings: fields of `COPY … FROM STDIN (FORMAT text)` and string literals
//! inlined into `COPY (query) TO STDOUT` (which takes no parameters).
//!
//! COPY text escaping does not depend on `standard_conforming_strings`; string literals do,
//! so [`sql_literal`] always writes the escape-string form `E'…'`, whose meaning is fixed.
//! Neither can carry a NUL byte (PostgreSQL text cannot hold one), so both refuse it.

use crate::filter::sql::SqlValue;

/// A text value that cannot be sent to PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("text holds a NUL character, which PostgreSQL cannot store")]
pub struct NulInText;

/// Appends `s` as one field of `COPY … (FORMAT text)`: backslash, tab, newline and
/// carriage return are written as `\\`, `\t`, `\n`, `\r`; everything else (quotes, other
/// control characters, any Unicode) goes as its UTF-8 bytes, which COPY takes literally.
pub fn escape_field(buf: &mut Vec<u8>, s: &str) -> Result<(), NulInText> {
    for b in s.bytes() {
        match b {
            0 => return Err(NulInText),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
    Ok(())
}

/// Decodes one COPY text field as PostgreSQL does (`\N` is NULL; `\b \f \n \r \t \v`,
/// octal `\ooo` and hex `\xhh` escapes; any other escaped character stands for itself).
/// Used by the tests to check [`escape_field`] against the format's definition.
pub fn unescape_field(field: &[u8]) -> Option<Vec<u8>> {
    if field == b"\\N" {
        return None;
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = field[i + 1];
        i += 2;
        match e {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                    v = v * 8 + u32::from(field[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' if i < field.len() && field[i].is_ascii_hexdigit() => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < field.len() && field[i].is_ascii_hexdigit() {
                    v = v * 16 + (field[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// `s` as an SQL escape-string literal `E'…'` (backslashes and quotes doubled), read the
/// same by PostgreSQL whether `standard_conforming_strings` is on or off.
pub fn sql_literal(s: &str) -> Result<String, NulInText> {
    if s.contains('\0') {
        return Err(NulInText);
    }
    Ok(format!(
        "E'{}'",
        s.replace('\\', "\\\\").replace('\'', "''")
    ))
}

/// A parameter that cannot be written as a literal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InlineError {
    #[error(transparent)]
    Nul(#[from] NulInText),
    #[error("parameter ${0} is not a finite number")]
    NotFinite(usize),
    #[error("the query names parameter ${0}, which was not given")]
    Missing(usize),
}

/// `sql` with every placeholder `$n` replaced by parameter `n` written as a literal, for the
/// one statement that takes no parameters (`COPY (query) TO STDOUT`): text as [`sql_literal`],
/// numbers in Rust's shortest round-trip form, times as `'…'::timestamp` to the microsecond.
/// `sql` is the caller's own text (placeholders come from [`crate::filter::sql::placeholder`]),
/// never user input; only the values are user input, and each becomes one literal.
pub fn inline_params(sql: &str, params: &[SqlValue]) -> Result<String, InlineError> {
    let mut out = String::with_capacity(sql.len() + 16 * params.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - at - 1, |n| n);
        if digits == 0 {
            out.push('$');
            rest = &rest[at + 1..];
            continue;
        }
        let n: usize = rest[at + 1..at + 1 + digits]
            .parse()
            .map_err(|_| InlineError::Missing(usize::MAX))?;
        let value = n
            .checked_sub(1)
            .and_then(|i| params.get(i))
            .ok_or(InlineError::Missing(n))?;
        match value {
            SqlValue::Text(s) => out.push_str(&sql_literal(s)?),
            SqlValue::I64(x) => out.push_str(&x.to_string()),
            SqlValue::F64(x) if x.is_finite() => out.push_str(&format!("({x:?})")),
            SqlValue::F64(_) => return Err(InlineError::NotFinite(n)),
            SqlValue::Timestamp(t) => out.push_str(&format!(
                "'{}'::timestamp",
                t.format("%Y-%m-%d %H:%M:%S%.6f")
            )),
        }
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn placeholders_become_literals_by_number_not_by_prefix() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_micro_opt(7, 0, 0, 5)
            .unwrap();
        let mut params: Vec<SqlValue> = (1..=9).map(SqlValue::I64).collect();
        params.push(SqlValue::Text("O'Neil\\".into()));
        params.push(SqlValue::F64(-16.25));
        params.push(SqlValue::Timestamp(t));
        let sql = inline_params(
            "a = $1 AND b = $10 AND c < $11 AND d >= $12 AND e = $9",
            &params,
        )
        .unwrap();
        assert_eq!(
            sql,
            "a = 1 AND b = E'O''Neil\\\\' AND c < (-16.25) AND \
             d >= '2026-03-01 07:00:00.000005'::timestamp AND e = 9"
        );
        assert_eq!(
            inline_params("x = $2", &params[..1]),
            Err(InlineError::Missing(2))
        );
        assert_eq!(
            inline_params("x = $1", &[SqlValue::F64(f64::NAN)]),
            Err(InlineError::NotFinite(1))
        );
        assert_eq!(
            inline_params("x = $1", &[SqlValue::Text("a\0".into())]),
            Err(InlineError::Nul(NulInText))
        );
        assert_eq!(inline_params("no params", &[]).unwrap(), "no params");
    }

    fn escaped(s: &str) -> Vec<u8> {
        let mut b = Vec::new();
        escape_field(&mut b, s).unwrap();
        b
    }

    #[test]
    fn delimiters_and_backslashes_are_escaped() {
        assert_eq!(escaped("a\tb\nc\rd\\e"), b"a\\tb\\nc\\rd\\\\e");
        assert_eq!(escaped("\\N"), b"\\\\N", "never the NULL marker");
        assert_eq!(escaped("\\."), b"\\\\.", "never the end-of-data marker");
        assert_eq!(escaped("O'Neil \"x\" Huế"), "O'Neil \"x\" Huế".as_bytes());
        assert_eq!(escape_field(&mut Vec::new(), "a\0b"), Err(NulInText));
    }

    #[test]
    fn literals_do_not_depend_on_standard_conforming_strings() {
        assert_eq!(sql_literal("O'Neil").unwrap(), "E'O''Neil'");
        assert_eq!(sql_literal("a\\'b").unwrap(), "E'a\\\\''b'");
        assert_eq!(sql_literal("x\0"), Err(NulInText));
    }

    proptest! {
        /// What PostgreSQL decodes is what was escaped, and a field never contains a raw
        /// delimiter or line end.
        #[test]
        fn escape_then_unescape_is_identity(s in "[^\\x00]{0,40}") {
            let e = escaped(&s);
            prop_assert!(!e.contains(&b'\t') && !e.contains(&b'\n') && !e.contains(&b'\r'));
            prop_assert_eq!(unescape_field(&e), Some(s.into_bytes()));
        }
    }
}
