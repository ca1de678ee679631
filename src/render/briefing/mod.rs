//! The monthly briefing of one area: one A4 document, as PDF (krilla, DejaVu embedded) or
//! as a self-contained HTML page.
//!
//! Pure: [`BriefingData`] in, bytes out. [`content`] decides what the document says, once,
//! as a list of [`Block`]s (headings, facts, tables, figures); [`pdf`] lays the blocks out on
//! A4 pages and [`html`] writes them as HTML, so both formats say the same thing. The map is
//! drawn by [`map`] with plotters (PNG in the PDF, SVG in the HTML); the trend and target
//! charts are [`crate::render::charts`]' own.
//!
//! What a briefing may show is what a viewer may see: counts, months, stable ids and
//! polygons of areas and hotspots — never report ids, positions or observation times.

pub mod content;
pub mod html;
pub mod map;
pub mod pdf;
pub mod text;
pub mod words;

use crate::lifecycle::dashboard::Dashboard;
use crate::model::{AreaStatus, SiteKind};
use crate::render::charts::{Chart, Lang};
use chrono::NaiveDate;

/// Errors of briefing rendering.
#[derive(Debug, thiserror::Error)]
pub enum BriefingError {
    #[error("chart: {0}")]
    Chart(#[from] crate::render::charts::ChartError),
    #[error("map: {0}")]
    Map(String),
    #[error("PDF: {0}")]
    Pdf(String),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdf" => Ok(Format::Pdf),
            "html" => Ok(Format::Html),
            _ => Err(format!("unknown format {s:?}, expected pdf or html")),
        }
    }
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
        }
    }
}

/// One child area on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapArea {
    /// Short label drawn inside the polygon (e.g. the group number).
    pub label: String,
    pub status: AreaStatus,
    pub geometry: geo::MultiPolygon<f64>,
}

/// One sensitive site on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSite {
    pub kind: SiteKind,
    pub geometry: geo::Geometry<f64>,
}

/// One hotspot on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapHotspot {
    /// Drawn beside it; empty for hotspots not worth a label (dormant, no plan).
    pub label: String,
    pub active: bool,
    pub polygon: geo::Polygon<f64>,
}

/// What the static map shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MapData {
    pub outline: geo::MultiPolygon<f64>,
    pub children: Vec<MapArea>,
    pub hotspots: Vec<MapHotspot>,
    pub sites: Vec<MapSite>,
}

/// Everything one briefing shows.
#[derive(Debug, Clone)]
pub struct BriefingData {
    pub dashboard: Dashboard,
    /// The last day with a report on or before the as-of date.
    pub data_as_of: Option<NaiveDate>,
    /// Print `data_as_of` as its month (a viewer's briefing).
    pub data_as_of_month: bool,
    /// Show the "synthetic data" notice.
    pub synthetic: bool,
    pub map: MapData,
    /// The area's trend and target charts, in that order (either may be missing).
    pub charts: Vec<Chart>,
}

/// The briefing as a PDF file.
pub fn render_pdf(data: &BriefingData, lang: Lang) -> Result<Vec<u8>, BriefingError> {
    let blocks = content::blocks(data, lang, Format::Pdf)?;
    pdf::write(
        &blocks,
        &content::footer(data, lang),
        &content::title(data, lang),
        lang,
    )
}

/// The briefing as one self-contained HTML page (SVG map and charts inline).
pub fn render_html(data: &BriefingData, lang: Lang) -> Result<String, BriefingError> {
    let blocks = content::blocks(data, lang, Format::Html)?;
    Ok(html::write(&blocks, &content::title(data, lang), lang))
}

/// The briefing in `format`.
pub fn render(data: &BriefingData, lang: Lang, format: Format) -> Result<Vec<u8>, BriefingError> {
    match format {
        Format::Pdf => render_pdf(data, lang),
        Format::Html => render_html(data, lang).map(String::into_bytes),
    }
}

/// Text emphasis of a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Strong,
    /// Good news (met, drug-free).
    Good,
    /// Needs action (behind, overdue, relapsed, contradicted).
    Bad,
    Muted,
}

/// One table cell: text, emphasis and an optional colour swatch before it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
    pub swatch: Option<(u8, u8, u8)>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }

    pub fn swatch(mut self, rgb: (u8, u8, u8)) -> Cell {
        self.swatch = Some(rgb);
        self
    }
}

/// A figure's picture.
#[derive(Debug, Clone, PartialEq)]
pub enum Picture {
    /// PNG bytes and their pixel size.
    Png {
        bytes: Vec<u8>,
        width: u32,
        height: u32,
    },
    Svg(String),
}

/// A piece of the document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document heading: title lines and the facts under it.
    Header {
        kicker: String,
        title: String,
        lines: Vec<String>,
    },
    /// A framed warning (the synthetic-data notice).
    Notice(String),
    /// Key numbers shown as tiles: (value, label, tone).
    Tiles(Vec<(String, String, Tone)>),
    Heading(String),
    Paragraph(String),
    /// `widths` are relative column widths.
    Table {
        header: Vec<String>,
        widths: Vec<f32>,
        rows: Vec<Vec<Cell>>,
    },
    /// A picture at the full text width; `aspect` = height / width.
    Figure {
        picture: Picture,
        aspect: f32,
        caption: String,
    },
    /// Start a new page here unless the page is still empty.
    PageBreak,
}
