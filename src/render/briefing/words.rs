//! The briefing's words in Vietnamese and English, and the colours of statuses and site
//! kinds on its map.

use crate::lifecycle::TargetState;
use crate::model::{AreaLevel, AreaStatus, PlanState, SiteKind};
use crate::render::charts::Lang;
use chrono::{Datelike, NaiveDate};

/// Picks the Vietnamese or English text.
pub fn t(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// `10/2026` or `October 2026`.
pub fn month(m: NaiveDate, lang: Lang) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match lang {
        Lang::Vi => format!("{:02}/{}", m.month(), m.year()),
        Lang::En => format!("{} {}", EN[m.month0() as usize], m.year()),
    }
}

/// `19/10/2026` or `19 Oct 2026`.
pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

/// `75 %` (Vietnamese and SI style: a space before the sign).
pub fn pct(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

pub fn status(s: AreaStatus, lang: Lang) -> &'static str {
    match s {
        AreaStatus::Hotspot => t(lang, "Điểm nóng", "Hotspot"),
        AreaStatus::Cleaning => t(lang, "Đang làm sạch", "Being cleaned"),
        AreaStatus::Clean => t(lang, "Sạch ma túy", "Clean"),
        AreaStatus::KeptClean => t(lang, "Giữ sạch", "Kept clean"),
        AreaStatus::Relapsed => t(lang, "Tái phát", "Relapsed"),
    }
}

/// Fill colour of a status on the map and in the tables (the web map's palette).
pub fn status_rgb(s: AreaStatus) -> (u8, u8, u8) {
    match s {
        AreaStatus::Hotspot => (215, 48, 31),
        AreaStatus::Cleaning => (243, 156, 18),
        AreaStatus::Clean => (127, 191, 63),
        AreaStatus::KeptClean => (27, 120, 55),
        AreaStatus::Relapsed => (142, 36, 170),
    }
}

pub fn site(k: SiteKind, lang: Lang) -> &'static str {
    match k {
        SiteKind::School => t(lang, "Trường học", "School"),
        SiteKind::IndustrialZone => t(lang, "Khu công nghiệp", "Industrial zone"),
        SiteKind::BoardingHouse => t(lang, "Nhà trọ", "Boarding house"),
        SiteKind::Karaoke => t(lang, "Karaoke", "Karaoke"),
        SiteKind::Lodging => t(lang, "Nhà nghỉ", "Lodging house"),
        SiteKind::Entertainment => t(lang, "Cơ sở giải trí", "Entertainment venue"),
        SiteKind::Other => t(lang, "Khác", "Other"),
    }
}

pub fn site_rgb(k: SiteKind) -> (u8, u8, u8) {
    match k {
        SiteKind::School => (31, 78, 156),
        SiteKind::IndustrialZone => (77, 77, 77),
        SiteKind::BoardingHouse => (140, 81, 10),
        SiteKind::Karaoke => (194, 24, 91),
        SiteKind::Lodging => (0, 121, 107),
        SiteKind::Entertainment => (106, 27, 154),
        SiteKind::Other => (117, 117, 117),
    }
}

/// The level's plural noun: "tổ dân phố" / "residential groups".
pub fn level_plural(l: AreaLevel, lang: Lang) -> &'static str {
    match l {
        AreaLevel::ResidentialGroup => t(lang, "tổ dân phố", "residential groups"),
        AreaLevel::Commune => t(lang, "xã, phường", "communes and wards"),
        AreaLevel::District => t(lang, "quận, huyện", "districts"),
        AreaLevel::Province => t(lang, "tỉnh, thành phố", "provinces"),
    }
}

/// Met / on track / behind, as the planner reads it.
pub fn target_state(met: bool, state: TargetState, lang: Lang) -> &'static str {
    if met {
        t(lang, "Đạt", "Met")
    } else {
        match state {
            TargetState::OnTrack => t(lang, "Đúng tiến độ", "On track"),
            TargetState::Behind => t(lang, "Chậm tiến độ", "Behind"),
        }
    }
}

pub fn plan_state(s: PlanState, overdue: bool, lang: Lang) -> &'static str {
    match (s, overdue) {
        (PlanState::Done, _) => t(lang, "Đã hoàn thành", "Done"),
        (PlanState::Open, true) => t(lang, "QUÁ HẠN", "OVERDUE"),
        (PlanState::Open, false) => t(lang, "Đang thực hiện", "In progress"),
    }
}
