//! Text on plotters' bitmap backend, placed where the font puts it.
//!
//! plotters 0.3.7 (feature `ab_glyph`) draws each glyph of a string from its pen position
//! truncated to a whole pixel and *without the glyph's left side bearing*: it rasterises the
//! outline at the origin and copies the outline's pixel box to the pen, so every glyph's ink
//! starts exactly at the pen. Glyphs with wide bearings (n, m, h, i, l, u) then sit too far
//! left and the gap after them grows by the difference of the two bearings: chart PNGs read
//! "syn thetic", "residen tial" (the gap after "n" before the thin-sided "t" grew by 0.06 em,
//! the one before it shrank). SVG output is not affected (the viewer lays `<text>` out).
//!
//! [`CrispText`] wraps a backend and draws text itself: the same box plotters measures
//! (advances plus `kern` pairs, so anchors and label areas do not move), but every glyph is
//! rasterised with ab_glyph at its *fractional* pen position with its bearing, and its
//! coverage blended through the inner backend. All other drawing goes to the inner backend.
//! [`bitmap`] is how every PNG of the crate (charts, the briefing map, the near-repeat chart)
//! gets its drawing area, so they all draw text this way.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, IntoDrawingArea};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// A backend whose text is laid out glyph by glyph at sub-pixel positions (see the module
/// documentation); everything else is the inner backend's.
pub struct CrispText<B>(pub B);

/// The drawing area of an RGB buffer (`size.0 × size.1 × 3` bytes) with correct text.
pub fn bitmap(
    buf: &mut [u8],
    size: (u32, u32),
) -> DrawingArea<CrispText<BitMapBackend<'_>>, Shift> {
    CrispText(BitMapBackend::with_buffer(buf, size)).into_drawing_area()
}

/// The fonts registered as plotters' `sans-serif` ([`crate::render::charts::register_fonts`]):
/// DejaVu Sans and DejaVu Sans Bold. Other families fall through to plotters.
fn font(family: &str, style: FontStyle) -> Option<&'static FontRef<'static>> {
    static FONTS: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    if family != "sans-serif" {
        return None;
    }
    let (regular, bold) = FONTS
        .get_or_init(|| {
            Some((
                FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            ))
        })
        .as_ref()?;
    Some(match style {
        FontStyle::Bold => bold,
        _ => regular,
    })
}

/// Each glyph of `text` with its pen position in pixels from the start of the line, and the
/// advance of the whole line (the width plotters measures: advances plus kerning pairs).
pub fn layout(font: &FontRef<'_>, size: f32, text: &str) -> (Vec<(GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(size);
    let mut x = 0f32;
    let mut prev: Option<GlyphId> = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        glyphs.push((id, x));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, x)
}

impl<B: DrawingBackend> DrawingBackend for CrispText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.0.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// plotters' own `draw_text` with one change: where the glyphs go. The anchor, the box
    /// (plotters' `layout_box`), the baseline (half the size below the box top) and the
    /// rotation are plotters', so nothing else on the chart moves.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = font(style.family().as_str(), style.style()) else {
            return self.0.draw_text(text, style, pos);
        };
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.0.get_size();
        let size = style.size() as f32;
        let baseline = size / 2.0;
        let (glyphs, _) = layout(font, size, text);
        for (id, x) in glyphs {
            let Some(outline) =
                font.outline_glyph(id.with_scale_and_position(size, point(x, baseline)))
            else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
            let mut result = Ok(());
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (tx, ty) =
                    trans.transform(left + gx as i32 + dx - min_x, top + gy as i32 + dy - min_y);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && px < w as i32 && py < h as i32 {
                    result = self.0.draw_pixel(
                        (px, py),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    );
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::Pos;

    const W: u32 = 900;
    const H: u32 = 120;

    /// Draws `text` black on white at `size` px through [`bitmap`] (the charts' drawing area).
    fn draw(text: &str, size: u32) -> Vec<u8> {
        crate::render::charts::register_fonts();
        let mut buf = vec![0u8; (W * H * 3) as usize];
        {
            let root = bitmap(&mut buf, (W, H));
            root.fill(&WHITE).unwrap();
            root.draw(&Text::new(
                text.to_string(),
                (20, 20),
                TextStyle::from(("sans-serif", size).into_font())
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .unwrap();
            root.present().unwrap();
        }
        buf
    }

    /// Column ranges `[start, end)` holding ink (a pixel at least half covered).
    fn ink_runs(buf: &[u8]) -> Vec<(usize, usize)> {
        let inked = |x: usize| (0..H as usize).any(|y| buf[(y * W as usize + x) * 3] < 128);
        let mut runs = Vec::new();
        let mut start = None;
        for x in 0..W as usize {
            match (inked(x), start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// The designed ink extent of every glyph (its outline box), pixels from the line start.
    fn designed(text: &str, size: f32) -> Vec<(f32, f32)> {
        let f = font("sans-serif", FontStyle::Normal).unwrap();
        let scale = f.as_scaled(size).h_scale_factor();
        let (glyphs, _) = layout(f, size, text);
        glyphs
            .into_iter()
            .filter_map(|(id, x)| {
                let b = f.outline(id)?.bounds;
                Some((x + b.min.x * scale, x + b.max.x * scale))
            })
            .collect()
    }

    /// The white space between letters of a word is the font's, within a pixel and a half.
    /// Through plotters' own placement this fails: at this size letters of "synthetic" ran
    /// together (7 separate letters of 9) while the gap after "n" widened (the left bearings
    /// dropped), which read as "syn thetic".
    #[test]
    fn gaps_between_letters_are_the_fonts() {
        for word in ["synthetic", "residential", "minimum"] {
            let size = 40.0;
            let buf = draw(word, size as u32);
            let runs = ink_runs(&buf);
            let glyphs = designed(word, size);
            assert_eq!(
                runs.len(),
                glyphs.len(),
                "{word}: {} separate letters drawn, the word has {} (letters ran together)",
                runs.len(),
                glyphs.len()
            );
            let origin = runs[0].0 as f32 - glyphs[0].0;
            for (i, pair) in runs.windows(2).enumerate() {
                let measured = (pair[1].0 - pair[0].1) as f32;
                let want = glyphs[i + 1].0 - glyphs[i].1;
                assert!(
                    (measured - want).abs() <= 1.5,
                    "{word}: gap {} after letter {} is {measured} px, the font's is {want:.1} px",
                    i + 1,
                    word.chars().nth(i).unwrap_or('?'),
                );
                // And every letter starts where the font puts it (not where plotters drifted).
                let start = pair[1].0 as f32 - origin;
                assert!(
                    (start - glyphs[i + 1].0).abs() <= 1.5,
                    "{word}: letter {} starts at {start} px, the font's is {:.1} px",
                    i + 2,
                    glyphs[i + 1].0
                );
            }
        }
    }
}
