//! The one glossary of the planner's words and colours: `src/glossary.json`, read here for
//! the plotters charts and the monthly briefing, and imported by the web map
//! (`web/src/glossary.ts`). Report kinds, area statuses, site kinds, emerging patterns,
//! administrative levels (singular and plural), target states and plan states are written
//! once, so the map, the charts and the briefing cannot drift apart (issue 10, defect 8).
//!
//! A code missing from the file reads as the code itself (the test `glossary_is_complete`
//! and `briefing::words` tests make sure none is missing).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::lifecycle::TargetState;
use crate::model::{AreaLevel, AreaStatus, PlanState, ReportKind, SiteKind};
use crate::render::charts::Lang;

/// One entry: the word in each language and, for what is drawn, its colour.
#[derive(Debug, serde::Deserialize)]
pub struct Entry {
    pub vi: String,
    pub en: String,
    #[serde(default)]
    pub color: Option<String>,
}

/// Group name → code → entry (keys starting with `_` are comments).
type Glossary = HashMap<String, HashMap<String, Entry>>;

/// The text of `src/glossary.json`, compiled into the binary.
pub const JSON: &str = include_str!("../glossary.json");

fn glossary() -> &'static Glossary {
    static G: OnceLock<Glossary> = OnceLock::new();
    G.get_or_init(|| {
        let raw: HashMap<String, serde_json::Value> =
            serde_json::from_str(JSON).expect("src/glossary.json is valid JSON (tested)");
        raw.into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| {
                let group = serde_json::from_value(v)
                    .unwrap_or_else(|e| panic!("src/glossary.json group {k:?}: {e}"));
                (k, group)
            })
            .collect()
    })
}

/// The entry of `code` in `group`.
pub fn entry(group: &str, code: &str) -> Option<&'static Entry> {
    glossary().get(group)?.get(code)
}

/// The word for `code` in `group` (the code itself when the glossary lacks it).
pub fn word(group: &str, code: &'static str, lang: Lang) -> &'static str {
    match (entry(group, code), lang) {
        (Some(e), Lang::Vi) => &e.vi,
        (Some(e), Lang::En) => &e.en,
        (None, _) => code,
    }
}

/// The colour of `code` in `group` as RGB (grey when it has none).
pub fn rgb(group: &str, code: &str) -> (u8, u8, u8) {
    let hex = entry(group, code)
        .and_then(|e| e.color.as_deref())
        .unwrap_or("#808080");
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x80_80_80);
    ((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

pub fn kind(k: ReportKind, lang: Lang) -> &'static str {
    word("kind", k.as_str(), lang)
}

pub fn status(s: AreaStatus, lang: Lang) -> &'static str {
    word("status", s.as_str(), lang)
}

pub fn site(k: SiteKind, lang: Lang) -> &'static str {
    word("site", k.as_str(), lang)
}

/// "Xã/phường", "Commune/ward": the level of one area.
pub fn level(l: AreaLevel, lang: Lang) -> &'static str {
    word("level", l.as_str(), lang)
}

/// "xã, phường", "communes and wards": areas of a level counted.
pub fn level_plural(l: AreaLevel, lang: Lang) -> &'static str {
    word("level_plural", l.as_str(), lang)
}

/// Where a target stands as the planner reads it: met, on track, behind, or missed once
/// its due date passed unmet (the web map's target table says the same).
pub fn target_state(met: bool, due_passed: bool, state: TargetState, lang: Lang) -> &'static str {
    let code = if met {
        "met"
    } else if due_passed {
        "missed"
    } else {
        state.as_str()
    };
    word("target_state", code, lang)
}

/// An action plan's state; an open plan past its deadline is "overdue".
pub fn plan_state(s: PlanState, overdue: bool, lang: Lang) -> &'static str {
    let code = match (s, overdue) {
        (PlanState::Open, true) => "overdue",
        (s, _) => s.as_str(),
    };
    word("plan_state", code, lang)
}

/// A general term (`reports`, `report_kind`, …).
pub fn term(key: &'static str, lang: Lang) -> &'static str {
    word("term", key, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the closed vocabularies has both words; what is drawn has a colour.
    #[test]
    fn every_code_has_its_words_and_colour() {
        let has = |g: &str, code: &str, colour: bool| {
            let e = entry(g, code).unwrap_or_else(|| panic!("{g}.{code} missing"));
            assert!(!e.vi.is_empty() && !e.en.is_empty(), "{g}.{code}");
            assert_eq!(e.color.is_some(), colour, "{g}.{code} colour");
        };
        for k in ReportKind::ALL {
            has("kind", k.as_str(), true);
        }
        for s in AreaStatus::ALL {
            has("status", s.as_str(), true);
        }
        for k in SiteKind::ALL {
            has("site", k.as_str(), true);
        }
        for l in AreaLevel::ALL {
            has("level", l.as_str(), false);
            has("level_plural", l.as_str(), false);
        }
        for s in ["met", "on_track", "behind", "missed"] {
            has("target_state", s, false);
        }
        for s in PlanState::ALL.iter().map(|s| s.as_str()).chain(["overdue"]) {
            has("plan_state", s, false);
        }
    }

    #[test]
    fn states_read_as_the_planner_says_them() {
        use TargetState::*;
        assert_eq!(target_state(true, true, Behind, Lang::Vi), "Đạt");
        assert_eq!(target_state(false, true, OnTrack, Lang::En), "Missed");
        assert_eq!(
            target_state(false, false, OnTrack, Lang::Vi),
            "Đúng tiến độ"
        );
        assert_eq!(target_state(false, false, Behind, Lang::En), "Behind");
        assert_eq!(plan_state(PlanState::Open, true, Lang::Vi), "Quá hạn");
        assert_eq!(plan_state(PlanState::Open, false, Lang::En), "In progress");
        assert_eq!(plan_state(PlanState::Done, true, Lang::Vi), "Đã hoàn thành");
        assert_eq!(rgb("status", "relapsed"), (0x8e, 0x24, 0xaa));
    }
}
