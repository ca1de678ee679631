//! Charts a planner puts in a report (plotters; PNG or SVG chosen by the file extension).
//!
//! - [`TrendChart`]: monthly reports per kind for one area, its status phases shaded;
//! - [`TargetChart`]: share of child areas drug-free per month against the target steps;
//! - [`StatusChart`]: number of areas per status over time (stacked areas);
//! - [`EmergingChart`]: emerging hot-spot categories per area (horizontal stacked bars).
//!
//! Text is drawn with DejaVu Sans embedded from the `dejavu` crate (registered once; no
//! system fonts), which covers Vietnamese diacritics; in PNGs glyph by glyph where the font
//! puts them ([`super::text_raster`]: plotters' own placement split words, "syn thetic"). Labels come in Vietnamese or English
//! ([`Lang`]). Files are written atomically (temp file in the same directory, then rename).

mod emerging;
mod labels;
mod status;
mod targets;
mod trend;

pub use emerging::{EmergingChart, EmergingRow};
pub use labels::Lang;
pub use status::StatusChart;
pub use targets::TargetChart;
pub use trend::TrendChart;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

/// Errors of chart rendering.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("{0}: chart files must end in .png or .svg")]
    Format(String),
    #[error("nothing to draw: {0}")]
    Empty(&'static str),
    #[error("drawing failed: {0}")]
    Plot(String),
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// Output format, from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// `.png` or `.svg` (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, ChartError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(ChartError::Format(path.display().to_string())),
        }
    }
}

/// Default size of every chart, pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1280, 720);

/// One of the four charts with its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Trend(TrendChart),
    Targets(TargetChart),
    Status(StatusChart),
    Emerging(EmergingChart),
}

impl Chart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        lang: Lang,
    ) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(plot)?;
        match self {
            Chart::Trend(c) => c.draw(root, lang),
            Chart::Targets(c) => c.draw(root, lang),
            Chart::Status(c) => c.draw(root, lang),
            Chart::Emerging(c) => c.draw(root, lang),
        }
    }
}

static FONTS: Once = Once::new();

/// Registers DejaVu Sans (regular and bold) as plotters' `sans-serif`, once per process.
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The embedded fonts are valid TrueType files; failure here is a build defect.
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("embedded DejaVu Sans is not a valid font"));
        plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| panic!("embedded DejaVu Sans Bold is not a valid font"));
    });
}

/// The chart as an SVG document.
pub fn render_svg(chart: &Chart, lang: Lang, size: (u32, u32)) -> Result<String, ChartError> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        chart.draw(&root, lang)?;
        root.present().map_err(plot)?;
    }
    Ok(out)
}

/// The chart as raw RGB pixels (row-major, 3 bytes per pixel).
pub fn render_rgb(chart: &Chart, lang: Lang, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = super::text_raster::bitmap(&mut buf, size);
        chart.draw(&root, lang)?;
        root.present().map_err(plot)?;
    }
    Ok(buf)
}

/// The chart as a PNG file's bytes.
pub fn render_png(chart: &Chart, lang: Lang, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    use image::ImageEncoder;
    let rgb = render_rgb(chart, lang, size)?;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&rgb, size.0, size.1, image::ColorType::Rgb8)
        .map_err(plot)?;
    Ok(out)
}

/// The chart as PNG or SVG bytes.
pub fn render_bytes(
    chart: &Chart,
    lang: Lang,
    format: Format,
    size: (u32, u32),
) -> Result<Vec<u8>, ChartError> {
    match format {
        Format::Png => render_png(chart, lang, size),
        Format::Svg => Ok(render_svg(chart, lang, size)?.into_bytes()),
    }
}

/// Writes the chart to `path` as PNG or SVG (by extension), atomically.
pub fn write_chart(
    chart: &Chart,
    lang: Lang,
    path: &Path,
    size: (u32, u32),
) -> Result<(), ChartError> {
    use std::io::Write;
    let format = Format::from_path(path)?;
    let bytes = render_bytes(chart, lang, format, size)?;
    let io = |source| ChartError::Io {
        file: path.display().to_string(),
        source,
    };
    let mut out = super::atomic::AtomicOutput::create(&path.to_string_lossy()).map_err(io)?;
    out.write_all(&bytes).map_err(io)?;
    out.commit().map_err(io)
}

fn plot<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Plot(e.to_string())
}

/// Title font.
fn title_font() -> TextStyle<'static> {
    ("sans-serif", 26).into_font().style(FontStyle::Bold).into()
}

fn text_font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

/// Draws a legend (coloured squares and labels) into the right-hand panel.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[(String, RGBColor)],
    top: i32,
) -> Result<i32, ChartError> {
    let mut y = top;
    area.draw(&Text::new(
        heading.to_string(),
        (10, y),
        ("sans-serif", 17).into_font().style(FontStyle::Bold),
    ))
    .map_err(plot)?;
    y += 28;
    for (label, color) in entries {
        area.draw(&Rectangle::new([(10, y), (28, y + 16)], color.filled()))
            .map_err(plot)?;
        area.draw(&Text::new(label.clone(), (36, y + 1), text_font(15)))
            .map_err(plot)?;
        y += 24;
    }
    Ok(y + 12)
}

/// Month number (year × 12 + month0) of a date, and its fractional position in the month.
fn month_pos(d: chrono::NaiveDate) -> f64 {
    use chrono::Datelike;
    let days_in_month = {
        let next = crate::timestep::TimeStep::Month.nth(d, 1);
        (next - crate::timestep::TimeStep::Month.floor(d)).num_days() as f64
    };
    (d.year() as f64) * 12.0 + d.month0() as f64 + (d.day0() as f64) / days_in_month
}

/// Label of the month `m` months after `first`.
fn month_label(first: chrono::NaiveDate, x: f64, lang: Lang) -> String {
    let m = crate::timestep::TimeStep::Month.nth(first, x.floor() as i64);
    labels::month(m, lang)
}

/// Tick label of a monthly x axis (x = months after `first`): the month at whole steps,
/// nothing between them, so plotters' fractional ticks do not repeat a month.
fn month_tick(first: chrono::NaiveDate, x: f64, lang: Lang) -> String {
    if (x - x.round()).abs() < 1e-6 && x >= 0.0 {
        month_label(first, x, lang)
    } else {
        String::new()
    }
}
