//! Chart vocabulary in Vietnamese and English, and the colour of each category.

use crate::analysis::emerging::Category;
use crate::model::{AreaStatus, ReportKind};
use chrono::{Datelike, NaiveDate};
use plotters::style::RGBColor;
use std::str::FromStr;

/// Language of titles, axis labels and legends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(format!("unknown language {s:?}, expected vi or en")),
        }
    }
}

/// Picks the Vietnamese or English text.
pub(super) fn t(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

pub(super) fn month(m: NaiveDate, lang: Lang) -> String {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match lang {
        Lang::Vi => format!("{:02}/{}", m.month(), m.year()),
        Lang::En => format!("{} {}", EN[m.month0() as usize], m.year()),
    }
}

pub(super) fn kind(k: ReportKind, lang: Lang) -> &'static str {
    match k {
        ReportKind::Use => t(lang, "Sử dụng", "Use"),
        ReportKind::Storage => t(lang, "Tàng trữ", "Storage"),
        ReportKind::Trafficking => t(lang, "Mua bán, vận chuyển", "Trafficking"),
        ReportKind::Sale => t(lang, "Điểm bán lẻ", "Retail sale"),
        ReportKind::Cultivation => t(lang, "Trồng cây chứa chất ma túy", "Cultivation"),
    }
}

pub(super) fn kind_color(k: ReportKind) -> RGBColor {
    match k {
        ReportKind::Use => RGBColor(31, 119, 180),
        ReportKind::Storage => RGBColor(255, 127, 14),
        ReportKind::Trafficking => RGBColor(148, 103, 189),
        ReportKind::Sale => RGBColor(214, 39, 40),
        ReportKind::Cultivation => RGBColor(44, 160, 44),
    }
}

pub(super) fn status(s: AreaStatus, lang: Lang) -> &'static str {
    match s {
        AreaStatus::Hotspot => t(lang, "Điểm nóng", "Hotspot"),
        AreaStatus::Cleaning => t(lang, "Đang làm sạch", "Being cleaned"),
        AreaStatus::Clean => t(lang, "Sạch", "Clean"),
        AreaStatus::KeptClean => t(lang, "Giữ sạch", "Kept clean"),
        AreaStatus::Relapsed => t(lang, "Tái phát", "Relapsed"),
    }
}

pub(super) fn status_color(s: AreaStatus) -> RGBColor {
    match s {
        AreaStatus::Hotspot => RGBColor(215, 48, 39),
        AreaStatus::Cleaning => RGBColor(253, 174, 97),
        AreaStatus::Clean => RGBColor(166, 217, 106),
        AreaStatus::KeptClean => RGBColor(26, 152, 80),
        AreaStatus::Relapsed => RGBColor(123, 50, 148),
    }
}

/// The 16 patterns drawn (no-pattern cells are left out: they would swamp the bars).
pub(super) const CATEGORIES: [Category; 16] = [
    Category::NewHotSpot,
    Category::ConsecutiveHotSpot,
    Category::IntensifyingHotSpot,
    Category::PersistentHotSpot,
    Category::DiminishingHotSpot,
    Category::SporadicHotSpot,
    Category::OscillatingHotSpot,
    Category::HistoricalHotSpot,
    Category::NewColdSpot,
    Category::ConsecutiveColdSpot,
    Category::IntensifyingColdSpot,
    Category::PersistentColdSpot,
    Category::DiminishingColdSpot,
    Category::SporadicColdSpot,
    Category::OscillatingColdSpot,
    Category::HistoricalColdSpot,
];

pub(super) fn category(c: Category, lang: Lang) -> &'static str {
    use Category::*;
    match c {
        NewHotSpot => t(lang, "Điểm nóng mới", "New hot spot"),
        ConsecutiveHotSpot => t(lang, "Điểm nóng liên tiếp", "Consecutive hot spot"),
        IntensifyingHotSpot => t(lang, "Điểm nóng gia tăng", "Intensifying hot spot"),
        PersistentHotSpot => t(lang, "Điểm nóng dai dẳng", "Persistent hot spot"),
        DiminishingHotSpot => t(lang, "Điểm nóng giảm dần", "Diminishing hot spot"),
        SporadicHotSpot => t(lang, "Điểm nóng rải rác", "Sporadic hot spot"),
        OscillatingHotSpot => t(lang, "Điểm nóng dao động", "Oscillating hot spot"),
        HistoricalHotSpot => t(lang, "Điểm nóng trước đây", "Historical hot spot"),
        NewColdSpot => t(lang, "Điểm lạnh mới", "New cold spot"),
        ConsecutiveColdSpot => t(lang, "Điểm lạnh liên tiếp", "Consecutive cold spot"),
        IntensifyingColdSpot => t(lang, "Điểm lạnh gia tăng", "Intensifying cold spot"),
        PersistentColdSpot => t(lang, "Điểm lạnh dai dẳng", "Persistent cold spot"),
        DiminishingColdSpot => t(lang, "Điểm lạnh giảm dần", "Diminishing cold spot"),
        SporadicColdSpot => t(lang, "Điểm lạnh rải rác", "Sporadic cold spot"),
        OscillatingColdSpot => t(lang, "Điểm lạnh dao động", "Oscillating cold spot"),
        HistoricalColdSpot => t(lang, "Điểm lạnh trước đây", "Historical cold spot"),
        NoPattern => t(lang, "Không có xu hướng", "No pattern"),
    }
}

pub(super) fn category_color(c: Category) -> RGBColor {
    use Category::*;
    match c {
        NewHotSpot => RGBColor(255, 192, 203),
        ConsecutiveHotSpot => RGBColor(252, 146, 114),
        IntensifyingHotSpot => RGBColor(203, 24, 29),
        PersistentHotSpot => RGBColor(165, 15, 21),
        DiminishingHotSpot => RGBColor(251, 106, 74),
        SporadicHotSpot => RGBColor(254, 178, 76),
        OscillatingHotSpot => RGBColor(217, 95, 14),
        HistoricalHotSpot => RGBColor(140, 81, 10),
        NewColdSpot => RGBColor(198, 219, 239),
        ConsecutiveColdSpot => RGBColor(158, 202, 225),
        IntensifyingColdSpot => RGBColor(33, 113, 181),
        PersistentColdSpot => RGBColor(8, 48, 107),
        DiminishingColdSpot => RGBColor(107, 174, 214),
        SporadicColdSpot => RGBColor(116, 196, 118),
        OscillatingColdSpot => RGBColor(49, 163, 84),
        HistoricalColdSpot => RGBColor(1, 102, 94),
        NoPattern => RGBColor(189, 189, 189),
    }
}
