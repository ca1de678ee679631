//! The programme dashboard of one area in one month: its child areas per status, the share
//! drug-free against each target, relapsed children, declarations the data contradict,
//! hotspots without a plan and overdue plans.
//!
//! Nothing is computed twice: statuses come from [`super::status`], targets from
//! [`super::targets::target_progress`], contradicted declarations from
//! [`super::discrepancy::check_declarations`], overdue plans and hotspots without a plan from
//! [`super::plans`]. This module only picks the rows that belong to the area and month, so
//! the dashboard's numbers are by construction those of `hotspot status` and
//! `hotspot progress` for the same area and "as of" date (a test compares them).
//!
//! # Disclosure
//! A dashboard is shown to viewers and printed in the monthly briefing: it holds counts,
//! months and stable ids only — never report ids, positions or observation times.

use super::LifecycleError;
use super::discrepancy::Discrepancy;
use super::plans::{hotspots_without_plan, overdue};
use super::status::StatusTable;
use super::targets::{TargetProgress, target_progress};
use crate::model::{ActionPlan, Area, AreaLevel, AreaStatus, Declaration, PlanSubject, Target};
use crate::timestep::TimeStep;
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A hotspot detected by clustering, as the dashboard needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedHotspot {
    /// Stable id (`H-000017`) when the hotspot is in the tracked registry.
    pub id: Option<String>,
    pub polygon: geo::Polygon<f64>,
    /// Ascending indices of its reports into the reports the status table was built from.
    pub members: Vec<u32>,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
}

/// Everything the dashboard reads; `table` and `checks` are computed up to the as-of month.
#[derive(Debug, Clone, Copy)]
pub struct DashboardInput<'a> {
    pub areas: &'a [Area],
    pub table: &'a StatusTable,
    /// [`super::discrepancy::check_declarations`] over `table`.
    pub checks: &'a [Discrepancy],
    pub declarations: &'a [Declaration],
    pub targets: &'a [Target],
    pub plans: &'a [ActionPlan],
    pub hotspots: &'a [DetectedHotspot],
    /// A hotspot with a report in this many months up to the as-of month is active.
    pub active_months: u32,
}

fn ym<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m").to_string())
}

fn ym_opt<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ym(d, s),
        None => s.serialize_none(),
    }
}

/// The area a dashboard is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaRef {
    pub id: String,
    pub name: String,
    pub level: AreaLevel,
}

/// The latest declaration of a child made before the end of the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Declared {
    pub status: AreaStatus,
    pub declared_at: NaiveDate,
    pub declared_by: String,
}

/// One child area in the as-of month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildRow {
    pub id: String,
    pub name: String,
    pub status: AreaStatus,
    /// First month of the current run of `status`.
    #[serde(serialize_with = "ym")]
    pub since: NaiveDate,
    /// Reports in the trailing clean window (a count, never the reports).
    pub window_reports: u32,
    pub declared: Option<Declared>,
    /// The latest declaration says drug-free and the data contradict it.
    pub contradicted: bool,
}

/// A contradicted declaration of the area or one of its descendants, without report ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscrepancyRow {
    pub area_id: String,
    pub area_name: String,
    pub declared: AreaStatus,
    pub declared_at: NaiveDate,
    pub declared_by: String,
    pub computed_at_declaration: Option<AreaStatus>,
    pub computed_latest: Option<AreaStatus>,
    #[serde(serialize_with = "ym_opt")]
    pub first_contradicted: Option<NaiveDate>,
    /// How many reports contradict it.
    pub contradicting_reports: usize,
}

/// A hotspot inside the area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotRow {
    pub id: Option<String>,
    pub reports: usize,
    #[serde(serialize_with = "ym")]
    pub first_month: NaiveDate,
    #[serde(serialize_with = "ym")]
    pub last_month: NaiveDate,
    /// A report in the last `active_months` months.
    pub active: bool,
    /// Ids of the plans attached to it.
    pub plans: Vec<i64>,
    /// Its polygon (for the briefing's map; the hotspots layer shows it to viewers too).
    #[serde(skip)]
    pub polygon: geo::Polygon<f64>,
}

/// The dashboard of one area in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub area: AreaRef,
    #[serde(serialize_with = "ym")]
    pub month: NaiveDate,
    /// The date targets and deadlines are evaluated at.
    pub as_of: NaiveDate,
    /// Level of the direct children (none for an area without children).
    pub child_level: Option<AreaLevel>,
    pub children: Vec<ChildRow>,
    /// Children per status (every status present, zeros included).
    pub per_status: BTreeMap<AreaStatus, usize>,
    pub drug_free: usize,
    /// `drug_free / children` (0 without children).
    pub drug_free_share: f64,
    /// The area's targets, exactly as `hotspot progress` reports them.
    pub targets: Vec<TargetProgress>,
    /// Ids of the children relapsed in the month.
    pub relapsed: Vec<String>,
    pub discrepancies: Vec<DiscrepancyRow>,
    /// Hotspots with a report inside the area, most reports first.
    pub hotspots: Vec<HotspotRow>,
    /// Ids of the area's tracked hotspots no plan is attached to.
    pub hotspots_without_plan: Vec<String>,
    /// Plans of the area, its descendants and its hotspots, by deadline.
    pub plans: Vec<ActionPlan>,
    /// Ids of the open plans whose deadline is before `as_of`.
    pub overdue_plans: Vec<i64>,
}

/// The dashboard of `area_id` in the month of `as_of` (see the module documentation).
pub fn dashboard(
    input: &DashboardInput<'_>,
    area_id: &str,
    as_of: NaiveDate,
) -> Result<Dashboard, LifecycleError> {
    let month = TimeStep::Month.floor(as_of);
    let ai = input
        .areas
        .iter()
        .position(|a| a.id == area_id)
        .ok_or_else(|| LifecycleError::UnknownArea(area_id.to_string()))?;
    let area = &input.areas[ai];
    let names: HashMap<&str, &str> = input
        .areas
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let subtree = subtree_ids(input.areas, area_id);
    let next_month = TimeStep::Month.nth(month, 1);

    let mut children = Vec::new();
    for a in input
        .areas
        .iter()
        .filter(|a| a.parent_id.as_deref() == Some(area_id))
    {
        let Some(s) = input.table.area(&a.id).and_then(|tl| tl.at(month)) else {
            continue;
        };
        let declared = input
            .declarations
            .iter()
            .filter(|d| d.area_id == a.id && d.declared_at < next_month)
            .max_by_key(|d| d.declared_at);
        let contradicted = declared.is_some_and(|d| {
            input
                .checks
                .iter()
                .any(|c| c.area_id == d.area_id && c.declared_at == d.declared_at && c.contradicted)
        });
        children.push(ChildRow {
            id: a.id.clone(),
            name: a.name.clone(),
            status: s.status,
            since: s.since,
            window_reports: s.window_reports,
            declared: declared.map(|d| Declared {
                status: d.status,
                declared_at: d.declared_at,
                declared_by: d.declared_by.clone(),
            }),
            contradicted,
        });
    }
    children.sort_by_key(|a| natural_key(&a.id));
    let child_level = children
        .first()
        .and_then(|c| input.areas.iter().find(|a| a.id == c.id))
        .map(|a| a.level);
    let mut per_status: BTreeMap<AreaStatus, usize> =
        AreaStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for c in &children {
        *per_status.entry(c.status).or_default() += 1;
    }
    let drug_free = children.iter().filter(|c| c.status.is_drug_free()).count();

    let targets: Vec<Target> = input
        .targets
        .iter()
        .filter(|t| t.area_id == area_id)
        .cloned()
        .collect();
    let targets = target_progress(input.table, input.areas, &targets, as_of);

    let discrepancies = input
        .checks
        .iter()
        .filter(|c| c.contradicted && subtree.contains(c.area_id.as_str()))
        .map(|c| DiscrepancyRow {
            area_id: c.area_id.clone(),
            area_name: names
                .get(c.area_id.as_str())
                .map_or_else(|| c.area_id.clone(), |n| n.to_string()),
            declared: c.declared,
            declared_at: c.declared_at,
            declared_by: c.declared_by.clone(),
            computed_at_declaration: c.computed_at_declaration,
            computed_latest: c.computed_latest,
            first_contradicted: c.first_contradicted,
            contradicting_reports: c.contradicting_reports.len(),
        })
        .collect();

    let assigned = input.table.assigned.get(ai).map_or(&[][..], Vec::as_slice);
    let active_from = TimeStep::Month.nth(month, 1 - i64::from(input.active_months.max(1)));
    let mut hotspots: Vec<HotspotRow> = input
        .hotspots
        .iter()
        .filter(|h| h.members.iter().any(|m| assigned.binary_search(m).is_ok()))
        .map(|h| HotspotRow {
            id: h.id.clone(),
            reports: h.members.len(),
            first_month: TimeStep::Month.floor(h.first_seen),
            last_month: TimeStep::Month.floor(h.last_seen),
            active: h.last_seen >= active_from,
            plans: h.id.as_ref().map_or_else(Vec::new, |id| {
                input
                    .plans
                    .iter()
                    .filter(|p| p.input.subject == PlanSubject::Hotspot(id.clone()))
                    .map(|p| p.id)
                    .collect()
            }),
            polygon: h.polygon.clone(),
        })
        .collect();
    hotspots.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.id.cmp(&b.id)));
    let hotspot_ids: Vec<String> = hotspots.iter().filter_map(|h| h.id.clone()).collect();
    let hotspots_without_plan = hotspots_without_plan(&hotspot_ids, input.plans)
        .into_iter()
        .map(str::to_string)
        .collect();

    let mut plans: Vec<ActionPlan> = input
        .plans
        .iter()
        .filter(|p| match &p.input.subject {
            PlanSubject::Area(id) => subtree.contains(id.as_str()),
            PlanSubject::Hotspot(id) => hotspot_ids.contains(id),
        })
        .cloned()
        .collect();
    plans.sort_by_key(|p| (p.input.deadline, p.id));
    let overdue_plans = overdue(&plans, as_of).iter().map(|p| p.id).collect();

    Ok(Dashboard {
        area: AreaRef {
            id: area.id.clone(),
            name: area.name.clone(),
            level: area.level,
        },
        month,
        as_of,
        child_level,
        relapsed: children
            .iter()
            .filter(|c| c.status == AreaStatus::Relapsed)
            .map(|c| c.id.clone())
            .collect(),
        drug_free_share: if children.is_empty() {
            0.0
        } else {
            drug_free as f64 / children.len() as f64
        },
        children,
        per_status,
        drug_free,
        targets,
        discrepancies,
        hotspots,
        hotspots_without_plan,
        plans,
        overdue_plans,
    })
}

/// `root` and every area whose parent chain reaches it.
pub fn subtree_ids<'a>(areas: &'a [Area], root: &str) -> HashSet<&'a str> {
    let parent: HashMap<&str, Option<&str>> = areas
        .iter()
        .map(|a| (a.id.as_str(), a.parent_id.as_deref()))
        .collect();
    areas
        .iter()
        .map(|a| a.id.as_str())
        .filter(|id| {
            let mut at = Some(*id);
            for _ in 0..=areas.len() {
                match at {
                    Some(x) if x == root => return true,
                    Some(x) => at = parent.get(x).copied().flatten(),
                    None => return false,
                }
            }
            false
        })
        .collect()
}

/// Sort key that puts "TDP2" before "TDP10": digit runs compare as numbers.
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = c.to_digit(10).unwrap_or(0) as u64;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d as u64);
                chars.next();
            }
            out.push((std::mem::take(&mut text), n));
        } else {
            text.push(c);
        }
    }
    out.push((text, u64::MAX));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::discrepancy::check_declarations;
    use crate::lifecycle::{StatusInput, StatusParams, area_statuses};
    use crate::model::{PlanState, Report, ReportKind};
    use geo::{MultiPolygon, polygon};

    fn sq(x0: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: x0, y: 0.0), (x: x0 + 1.0, y: 0.0),
            (x: x0 + 1.0, y: 1.0), (x: x0, y: 1.0)]])
    }

    fn area(id: &str, level: AreaLevel, parent: Option<&str>, x0: f64) -> Area {
        Area {
            id: id.into(),
            name: format!("{id} name"),
            level,
            parent_id: parent.map(Into::into),
            geometry: sq(x0),
        }
    }

    fn report(id: &str, lon: f64, at: &str) -> Report {
        Report {
            id: id.into(),
            lon,
            lat: 0.5,
            kind: ReportKind::Use,
            observed_at: format!("{at}T10:00:00").parse().unwrap(),
        }
    }

    fn plan(id: i64, subject: PlanSubject, deadline: &str, state: PlanState) -> ActionPlan {
        let t: chrono::NaiveDateTime = "2026-01-01T00:00:00".parse().unwrap();
        ActionPlan {
            id,
            input: crate::model::PlanInput {
                subject,
                responsible_person: "A".into(),
                task: "T".into(),
                responsible_unit: "U".into(),
                deadline: deadline.parse().unwrap(),
                expected_result: "R".into(),
                approving_authority: "C".into(),
                state,
            },
            created_by: "x".into(),
            created_at: t,
            updated_by: "x".into(),
            updated_at: t,
        }
    }

    #[test]
    fn picks_the_rows_of_the_area_and_month() {
        let areas = vec![
            Area {
                geometry: MultiPolygon(vec![]),
                ..area("W", AreaLevel::Commune, None, 0.0)
            },
            area("G1", AreaLevel::ResidentialGroup, Some("W"), 0.0),
            area("G2", AreaLevel::ResidentialGroup, Some("W"), 1.0),
            area("G10", AreaLevel::ResidentialGroup, Some("W"), 5.0),
            area("OTHER", AreaLevel::ResidentialGroup, None, 3.0),
        ];
        // G1: three reports in 2026-01 (hotspot), G2: one report in 2025-01 then quiet, G10 none.
        let reports = vec![
            report("r0", 0.5, "2026-01-03"),
            report("r1", 0.5, "2026-01-04"),
            report("r2", 0.5, "2026-01-05"),
            report("r3", 1.5, "2025-01-05"),
            report("r4", 3.5, "2026-01-05"),
        ];
        let declarations = vec![Declaration {
            area_id: "G1".into(),
            status: AreaStatus::Clean,
            declared_at: "2025-12-01".parse().unwrap(),
            declared_by: "committee".into(),
        }];
        let targets = vec![Target {
            area_id: "W".into(),
            level: AreaLevel::ResidentialGroup,
            share: 0.5,
            due: "2026-12-31".parse().unwrap(),
        }];
        let table = area_statuses(
            &StatusInput {
                areas: &areas,
                reports: &reports,
                registrations: &[],
                significant: &[],
            },
            "2025-01-01".parse().unwrap(),
            "2026-02-01".parse().unwrap(),
            &StatusParams::default(),
        )
        .unwrap();
        let checks = check_declarations(&table, &reports, &declarations);
        let hs = DetectedHotspot {
            id: Some("H-000001".into()),
            polygon: sq(0.0).0[0].clone(),
            members: vec![0, 1, 2],
            first_seen: "2026-01-03".parse().unwrap(),
            last_seen: "2026-01-05".parse().unwrap(),
        };
        let outside = DetectedHotspot {
            id: Some("H-000002".into()),
            members: vec![4],
            ..hs.clone()
        };
        let plans = vec![
            plan(
                1,
                PlanSubject::Area("G1".into()),
                "2026-01-31",
                PlanState::Open,
            ),
            plan(
                2,
                PlanSubject::Area("OTHER".into()),
                "2026-01-31",
                PlanState::Open,
            ),
            plan(
                3,
                PlanSubject::Area("W".into()),
                "2026-12-31",
                PlanState::Open,
            ),
        ];
        let input = DashboardInput {
            areas: &areas,
            table: &table,
            checks: &checks,
            declarations: &declarations,
            targets: &targets,
            plans: &plans,
            hotspots: &[hs, outside],
            active_months: 6,
        };
        let as_of = "2026-02-15".parse().unwrap();
        let d = dashboard(&input, "W", as_of).unwrap();
        let ids: Vec<&str> = d.children.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["G1", "G2", "G10"], "children only, natural order");
        assert_eq!(d.per_status[&AreaStatus::Hotspot], 1);
        assert_eq!(
            d.per_status[&AreaStatus::Clean],
            2,
            "G2 quiet 8 months, G10 never active"
        );
        assert_eq!(d.per_status[&AreaStatus::KeptClean], 0);
        assert_eq!(d.drug_free, 2);
        assert!(d.children[0].contradicted);
        assert_eq!(d.discrepancies.len(), 1);
        assert_eq!(d.discrepancies[0].contradicting_reports, 3);
        assert_eq!(
            d.targets,
            target_progress(&table, &areas, &targets, as_of),
            "targets are target_progress's"
        );
        assert_eq!(d.hotspots.len(), 1, "the hotspot outside W is left out");
        assert_eq!(d.hotspots_without_plan, ["H-000001"]);
        assert_eq!(
            d.plans.iter().map(|p| p.id).collect::<Vec<_>>(),
            [1, 3],
            "plans of W's subtree only"
        );
        assert_eq!(d.overdue_plans, [1]);
        assert!(matches!(
            dashboard(&input, "NOPE", as_of),
            Err(LifecycleError::UnknownArea(_))
        ));
    }
}
