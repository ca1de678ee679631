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

/// One entry of the shared glossary: the word in each language and the colour.
#[derive(serde::Deserialize)]
struct Entry {
    vi: String,
    en: String,
    #[serde(default)]
    color: Option<String>,
}

/// `src/glossary.json`, the single source of words and colours that the web map imports too
/// (so a report kind is the same colour and the same word on the map and in every chart).
#[derive(serde::Deserialize)]
struct Glossary {
    kind: std::collections::HashMap<String, Entry>,
    status: std::collections::HashMap<String, Entry>,
    cat: std::collections::HashMap<String, Entry>,
    term: std::collections::HashMap<String, Entry>,
}

fn glossary() -> &'static Glossary {
    static G: std::sync::OnceLock<Glossary> = std::sync::OnceLock::new();
    G.get_or_init(|| {
        serde_json::from_str(include_str!("../../glossary.json"))
            .expect("src/glossary.json is valid (checked by the glossary_is_complete test)")
    })
}

fn entry<'a>(table: &'a std::collections::HashMap<String, Entry>, code: &str) -> Option<&'a Entry> {
    table.get(code)
}

fn word(e: Option<&'static Entry>, lang: Lang, code: &'static str) -> &'static str {
    match (e, lang) {
        (Some(e), Lang::Vi) => &e.vi,
        (Some(e), Lang::En) => &e.en,
        (None, _) => code,
    }
}

fn color(e: Option<&Entry>) -> RGBColor {
    let hex = e.and_then(|e| e.color.as_deref()).unwrap_or("#808080");
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x80_80_80);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// A general term of the glossary (`reports`, `report_kind`, …).
pub(super) fn term(key: &'static str, lang: Lang) -> &'static str {
    word(entry(&glossary().term, key), lang, key)
}

pub(super) fn kind(k: ReportKind, lang: Lang) -> &'static str {
    word(entry(&glossary().kind, k.as_str()), lang, k.as_str())
}

pub(super) fn kind_color(k: ReportKind) -> RGBColor {
    color(entry(&glossary().kind, k.as_str()))
}

pub(super) fn status(s: AreaStatus, lang: Lang) -> &'static str {
    word(entry(&glossary().status, s.as_str()), lang, s.as_str())
}

pub(super) fn status_color(s: AreaStatus) -> RGBColor {
    color(entry(&glossary().status, s.as_str()))
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
    word(
        entry(&glossary().cat, category_code(c)),
        lang,
        category_code(c),
    )
}

pub(super) fn category_color(c: Category) -> RGBColor {
    color(entry(&glossary().cat, category_code(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the charts draw has a word in both languages and a colour in the glossary,
    /// and the category codes are the ones the API sends (`category_name`).
    #[test]
    fn glossary_is_complete() {
        let g = glossary();
        for k in ReportKind::ALL {
            let e = g.kind.get(k.as_str()).expect("kind in glossary");
            assert!(!e.vi.is_empty() && !e.en.is_empty() && e.color.is_some());
        }
        for s in [
            AreaStatus::Hotspot,
            AreaStatus::Cleaning,
            AreaStatus::Clean,
            AreaStatus::KeptClean,
            AreaStatus::Relapsed,
        ] {
            assert!(
                g.status
                    .get(s.as_str())
                    .and_then(|e| e.color.as_ref())
                    .is_some()
            );
        }
        for c in CATEGORIES.iter().copied().chain([Category::NoPattern]) {
            assert_eq!(category_code(c), crate::render::geojson::category_name(c));
            assert!(
                g.cat
                    .get(category_code(c))
                    .and_then(|e| e.color.as_ref())
                    .is_some()
            );
        }
        assert_eq!(kind(ReportKind::Sale, Lang::En), "Retail sale point");
        assert_eq!(term("reports", Lang::Vi), "tin báo");
        assert_eq!(kind_color(ReportKind::Use), RGBColor(0x6a, 0x3d, 0x9a));
    }
}
