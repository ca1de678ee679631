//! Chart vocabulary in Vietnamese and English, and the colour of each category, from the one
//! glossary ([`crate::render::glossary`], `src/glossary.json`).

use crate::analysis::emerging::Category;
use crate::model::{AreaStatus, ReportKind};
use crate::render::glossary;
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

fn color((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

/// A general term of the glossary (`reports`, `report_kind`, …).
pub(super) fn term(key: &'static str, lang: Lang) -> &'static str {
    glossary::term(key, lang)
}

pub(super) fn kind(k: ReportKind, lang: Lang) -> &'static str {
    glossary::kind(k, lang)
}

pub(super) fn kind_color(k: ReportKind) -> RGBColor {
    color(glossary::rgb("kind", k.as_str()))
}

pub(super) fn status(s: AreaStatus, lang: Lang) -> &'static str {
    glossary::status(s, lang)
}

pub(super) fn status_color(s: AreaStatus) -> RGBColor {
    color(glossary::rgb("status", s.as_str()))
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

fn category_code(c: Category) -> &'static str {
    use Category::*;
    match c {
        NewHotSpot => "new_hot_spot",
        ConsecutiveHotSpot => "consecutive_hot_spot",
        IntensifyingHotSpot => "intensifying_hot_spot",
        PersistentHotSpot => "persistent_hot_spot",
        DiminishingHotSpot => "diminishing_hot_spot",
        SporadicHotSpot => "sporadic_hot_spot",
        OscillatingHotSpot => "oscillating_hot_spot",
        HistoricalHotSpot => "historical_hot_spot",
        NewColdSpot => "new_cold_spot",
        ConsecutiveColdSpot => "consecutive_cold_spot",
        IntensifyingColdSpot => "intensifying_cold_spot",
        PersistentColdSpot => "persistent_cold_spot",
        DiminishingColdSpot => "diminishing_cold_spot",
        SporadicColdSpot => "sporadic_cold_spot",
        OscillatingColdSpot => "oscillating_cold_spot",
        HistoricalColdSpot => "historical_cold_spot",
        NoPattern => "no_pattern",
    }
}

pub(super) fn category(c: Category, lang: Lang) -> &'static str {
    glossary::word("cat", category_code(c), lang)
}

pub(super) fn category_color(c: Category) -> RGBColor {
    color(glossary::rgb("cat", category_code(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the charts draw has a word in both languages and a colour in the glossary,
    /// and the category codes are the ones the API sends (`category_name`).
    #[test]
    fn glossary_is_complete() {
        for c in CATEGORIES.iter().copied().chain([Category::NoPattern]) {
            assert_eq!(category_code(c), crate::render::geojson::category_name(c));
            assert!(
                glossary::entry("cat", category_code(c))
                    .and_then(|e| e.color.as_ref())
                    .is_some()
            );
        }
        assert_eq!(kind(ReportKind::Sale, Lang::En), "Retail sale point");
        assert_eq!(term("reports", Lang::Vi), "tin báo");
        assert_eq!(kind_color(ReportKind::Use), RGBColor(0x6a, 0x3d, 0x9a));
    }
}
