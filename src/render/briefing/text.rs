//! Text measurement and line breaking with the embedded DejaVu Sans metrics, so the PDF's
//! columns and wrapped lines fit what is drawn.

use ab_glyph::{Font, FontRef};
use std::sync::OnceLock;

/// DejaVu Sans, regular and bold, as embedded by the `dejavu` crate.
pub fn regular_bytes() -> &'static [u8] {
    dejavu::sans::regular()
}

pub fn bold_bytes() -> &'static [u8] {
    dejavu::sans::bold()
}

fn metrics(bold: bool) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, bold_bytes())
    } else {
        (&REGULAR, regular_bytes())
    };
    // The embedded fonts are valid TrueType files; failure here is a build defect.
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("embedded DejaVu Sans parses"))
}

/// Advance width of `s` at `size` points (no kerning: a slight overestimate, which is the
/// safe side for fitting).
pub fn width(s: &str, size: f32, bold: bool) -> f32 {
    let f = metrics(bold);
    let upm = f.units_per_em().unwrap_or(2048.0);
    s.chars()
        .map(|c| f.h_advance_unscaled(f.glyph_id(c)))
        .sum::<f32>()
        * size
        / upm
}

/// Greedy line breaking at spaces; a word longer than `max` is cut by characters.
pub fn wrap(s: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if width(word, size, bold) <= max {
                line = word.to_string();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if width(&next, size, bold) > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let s = "Tổ dân phố 7 tái phát từ tháng 03/2026 sau khi được công nhận giữ sạch";
        let lines = wrap(s, 10.0, false, 120.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(l, 10.0, false) <= 120.0, "{l:?}");
        }
        assert_eq!(lines.join(" "), s);
        assert!(
            width("ự", 10.0, false) > 0.0,
            "DejaVu has the Vietnamese glyphs"
        );
        assert!(width("abc", 10.0, true) > width("abc", 10.0, false));
    }
}
