//! The text PostGIS receives outside bound parameters, escaped by rules that hold whatever
//! the server's settings: fields of `COPY … FROM STDIN (FORMAT text)` and string literals
//! inlined into `COPY (query) TO STDOUT` (which takes no parameters).
//!
//! COPY text escaping does not depend on `standard_conforming_strings`; string literals do,
//! so [`sql_literal`] always writes the escape-string form `E'…'`, whose meaning is fixed.
//! Neither can carry a NUL byte (PostgreSQL text cannot hold one), so both refuse it.

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
