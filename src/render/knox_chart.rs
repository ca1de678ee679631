//! The near-repeat chart: the Knox band table as a heat grid of observed / expected pairs,
//! distance bands down, time bands across; cells with p < 0.05 are outlined and starred.
//!
//! Red means more pairs close in space and time than chance gives (a near-repeat pattern),
//! blue fewer, white as expected; grey cells have no expectation (E = 0).
use super::charts::{ChartError, Format, register_fonts};
use crate::analysis::near_repeat::NearRepeat;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;

/// Significance level marked on the chart.
pub const MARK_P: f64 = 0.05;

/// Chart size, pixels.
pub const SIZE: (u32, u32) = (1100, 720);

/// Colour of a ratio: log₂ scale clamped to ¼…4, blue (fewer) – white – red (more).
pub fn ratio_colour(ratio: Option<f64>) -> RGBColor {
    let Some(r) = ratio else {
        return RGBColor(200, 200, 200);
    };
    let x = if r > 0.0 {
        (r.log2() / 2.0).clamp(-1.0, 1.0)
    } else {
        -1.0
    };
    let mix = |a: u8, b: u8, t: f64| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    if x >= 0.0 {
        RGBColor(mix(255, 200, x), mix(255, 30, x), mix(255, 30, x))
    } else {
        RGBColor(mix(255, 30, -x), mix(255, 90, -x), mix(255, 200, -x))
    }
}

fn plot<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Plot(e.to_string())
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Draws the heat grid.
pub fn draw<DB: DrawingBackend>(
    nr: &NearRepeat,
    permutations: u32,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    if nr.cells.is_empty() {
        return Err(ChartError::Empty("no bands"));
    }
    root.fill(&WHITE).map_err(plot)?;
    let mut distances: Vec<(f64, f64)> = nr
        .cells
        .iter()
        .map(|c| (c.distance_lo, c.distance_hi))
        .collect();
    distances.dedup();
    let times = nr.cells.len() / distances.len();
    let (w, h) = root.dim_in_pixel();
    let title = format!(
        "Near repeat: observed / expected pairs ({permutations} permutations; * p < {MARK_P})"
    );
    root.draw(&Text::new(
        title,
        (30, 20),
        ("sans-serif", 24).into_font().style(FontStyle::Bold),
    ))
    .map_err(plot)?;
    let knox = &nr.knox;
    root.draw(&Text::new(
        format!(
            "Knox (first bands): {} pairs close in space and time, {:.1} expected, Poisson p = {:.3e}",
            knox.x, knox.expected, knox.poisson_p
        ),
        (30, 54),
        ("sans-serif", 16).into_font(),
    ))
    .map_err(plot)?;
    let (left, top, right, bottom) = (170i32, 110i32, w as i32 - 40, h as i32 - 90);
    let cw = (right - left) / times as i32;
    let ch = (bottom - top) / distances.len() as i32;
    let label = ("sans-serif", 17).into_font();
    for (d, &(lo, hi)) in distances.iter().enumerate() {
        let y = top + d as i32 * ch;
        root.draw(&Text::new(
            format!("{}–{} m", fmt_num(lo), fmt_num(hi)),
            (20, y + ch / 2 - 8),
            label.clone(),
        ))
        .map_err(plot)?;
        for t in 0..times {
            let c = &nr.cells[d * times + t];
            let x = left + t as i32 * cw;
            root.draw(&Rectangle::new(
                [(x, y), (x + cw, y + ch)],
                ratio_colour(c.ratio).filled(),
            ))
            .map_err(plot)?;
            let significant = c.p < MARK_P;
            let border = if significant {
                BLACK.stroke_width(4)
            } else {
                RGBColor(150, 150, 150).stroke_width(1)
            };
            root.draw(&Rectangle::new(
                [(x + 2, y + 2), (x + cw - 2, y + ch - 2)],
                border,
            ))
            .map_err(plot)?;
            let text = match c.ratio {
                Some(r) => format!("{r:.2}{}", if significant { " *" } else { "" }),
                None => "—".to_string(),
            };
            root.draw(&Text::new(
                text,
                (x + cw / 2 - 30, y + ch / 2 - 20),
                ("sans-serif", 26).into_font().style(FontStyle::Bold),
            ))
            .map_err(plot)?;
            root.draw(&Text::new(
                format!("O {} / E {:.1}, p {:.3}", c.observed, c.expected, c.p),
                (x + 10, y + ch / 2 + 14),
                ("sans-serif", 14).into_font(),
            ))
            .map_err(plot)?;
            if d == 0 {
                root.draw(&Text::new(
                    format!("{}–{} days", fmt_num(c.time_lo), fmt_num(c.time_hi)),
                    (x + cw / 2 - 40, top - 26),
                    label.clone(),
                ))
                .map_err(plot)?;
            }
        }
    }
    root.draw(&Text::new(
        "time between the two reports →   ·   distance between them ↓".to_string(),
        (left, bottom + 24),
        ("sans-serif", 16).into_font(),
    ))
    .map_err(plot)?;
    Ok(())
}

/// Writes the chart as PNG or SVG (by extension), atomically.
pub fn write(nr: &NearRepeat, permutations: u32, path: &Path) -> Result<(), ChartError> {
    let format = Format::from_path(path)?;
    register_fonts();
    let io = |source| ChartError::Io {
        file: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".chart-")
        .suffix(if format == Format::Png {
            ".png"
        } else {
            ".svg"
        })
        .tempfile_in(dir)
        .map_err(io)?;
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                draw(nr, permutations, &root)?;
                root.present().map_err(plot)?;
            }
            std::fs::write(tmp.path(), svg).map_err(io)?;
        }
        Format::Png => {
            // Text glyph by glyph where the font puts it (see text_raster).
            let root = super::text_raster::CrispText(BitMapBackend::new(tmp.path(), SIZE))
                .into_drawing_area();
            draw(nr, permutations, &root)?;
            root.present().map_err(plot)?;
        }
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_blue_white_red() {
        assert_eq!(ratio_colour(Some(1.0)), RGBColor(255, 255, 255));
        assert_eq!(ratio_colour(Some(4.0)), RGBColor(200, 30, 30));
        assert_eq!(ratio_colour(Some(100.0)), RGBColor(200, 30, 30));
        assert_eq!(ratio_colour(Some(0.25)), RGBColor(30, 90, 200));
        assert_eq!(ratio_colour(Some(0.0)), RGBColor(30, 90, 200));
        assert_eq!(ratio_colour(None), RGBColor(200, 200, 200));
        let RGBColor(r, g, b) = ratio_colour(Some(2.0));
        assert!(r > g && g == b && g < 255);
    }
}
