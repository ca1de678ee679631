//! How the briefing writes months, dates and shares, and (from the one glossary) its words for
//! statuses, site kinds, levels, targets and plans and the colours of statuses and site kinds.

use crate::model::{AreaStatus, SiteKind};
use crate::render::charts::Lang;
use crate::render::glossary;
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

/// The words the briefing shares with the map and the charts come from the one glossary
/// (`src/glossary.json`, [`crate::render::glossary`]): nothing here is kept in step by hand.
pub use crate::render::glossary::{level, level_plural, plan_state, site, status, target_state};

/// Fill colour of a status on the map and in the tables (the glossary's, as on the web map).
pub fn status_rgb(s: AreaStatus) -> (u8, u8, u8) {
    glossary::rgb("status", s.as_str())
}

/// Colour of a site kind's symbol (the glossary's, as on the web map).
pub fn site_rgb(k: SiteKind) -> (u8, u8, u8) {
    glossary::rgb("site", k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::TargetState;
    use crate::model::{AreaLevel, PlanState};

    /// The glossary file itself, read independently of [`crate::render::glossary`].
    fn file() -> serde_json::Value {
        serde_json::from_str(include_str!("../../glossary.json")).unwrap()
    }

    fn hex((r, g, b): (u8, u8, u8)) -> String {
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Every word and colour the briefing prints for a status, a site kind, a level, a target
    /// or a plan state is the glossary's entry, in both languages.
    #[test]
    fn briefing_words_come_from_the_glossary() {
        let g = file();
        for (lang, key) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            for s in AreaStatus::ALL {
                assert_eq!(status(*s, lang), g["status"][s.as_str()][key], "{s}");
                assert_eq!(hex(status_rgb(*s)), g["status"][s.as_str()]["color"]);
            }
            for k in SiteKind::ALL {
                assert_eq!(site(*k, lang), g["site"][k.as_str()][key], "{k}");
                assert_eq!(hex(site_rgb(*k)), g["site"][k.as_str()]["color"]);
            }
            for l in AreaLevel::ALL {
                assert_eq!(level(*l, lang), g["level"][l.as_str()][key]);
                assert_eq!(level_plural(*l, lang), g["level_plural"][l.as_str()][key]);
            }
            let ts = &g["target_state"];
            assert_eq!(
                target_state(true, false, TargetState::Behind, lang),
                ts["met"][key]
            );
            assert_eq!(
                target_state(false, true, TargetState::OnTrack, lang),
                ts["missed"][key]
            );
            assert_eq!(
                target_state(false, false, TargetState::OnTrack, lang),
                ts["on_track"][key]
            );
            assert_eq!(
                target_state(false, false, TargetState::Behind, lang),
                ts["behind"][key]
            );
            let ps = &g["plan_state"];
            assert_eq!(plan_state(PlanState::Open, false, lang), ps["open"][key]);
            assert_eq!(plan_state(PlanState::Open, true, lang), ps["overdue"][key]);
            assert_eq!(plan_state(PlanState::Done, false, lang), ps["done"][key]);
        }
    }
}
