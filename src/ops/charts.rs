//! The planner's charts from the programme: what each chart shows for an area, a level and
//! a period. `hotspot chart` and `/api/charts/*` both call [`build`]; drawing is
//! [`crate::render::charts`].

use chrono::NaiveDate;
use geo::{Intersects, Point};

use super::emerging::emerging_hotspots;
use super::error::{OpsError, OpsResult};
use super::programme::Programme;
use crate::analysis::emerging::{Category, EmergingParams};
use crate::lifecycle::{StatusTable, descendants_at};
use crate::model::{Area, AreaLevel, Report};
use crate::render::charts::{
    Chart, EmergingChart, EmergingRow, Lang, StatusChart, TargetChart, TrendChart,
};
use crate::timestep::TimeStep;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Monthly reports per kind of one area, status phases shaded.
    Trend,
    /// Share of child areas drug-free against the target steps.
    Targets,
    /// Child areas per status, stacked per month.
    Status,
    /// Emerging hot spot categories per child area.
    Emerging,
}

impl ChartKind {
    pub const ALL: [ChartKind; 4] = [
        ChartKind::Trend,
        ChartKind::Targets,
        ChartKind::Status,
        ChartKind::Emerging,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChartKind::Trend => "trend",
            ChartKind::Targets => "targets",
            ChartKind::Status => "status",
            ChartKind::Emerging => "emerging",
        }
    }

    /// `trend`, `targets`, `status` or `emerging`.
    pub fn parse(s: &str) -> Option<ChartKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a chart is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRequest {
    pub kind: ChartKind,
    /// The area the chart is about; required for trend and targets. Without it, status and
    /// emerging charts cover every area (of `level`).
    pub area: Option<String>,
    /// Child level counted (default: the level of the area's targets, else the next level
    /// down).
    pub level: Option<AreaLevel>,
    /// First month shown (default: the month of the first report).
    pub from: Option<NaiveDate>,
    /// Last month shown (default: the programme's last month).
    pub to: Option<NaiveDate>,
    /// H3 resolution of the emerging chart.
    pub res: h3o::Resolution,
    /// Language of the scope text (the chart's own labels are chosen when drawing).
    pub lang: Lang,
    /// Emerging chart: cells with fewer reports are not counted, by the rule of the emerging
    /// layer ([`super::emerging::cell_shown`]; the server's viewer threshold, 0 = all).
    pub min_count: u32,
}

/// The chart's data. The programme must cover `to` (see [`Programme::build`]).
pub fn build(prog: &Programme, req: &ChartRequest) -> OpsResult<Chart> {
    let area = match &req.area {
        Some(id) => Some(prog.area(id)?),
        None if matches!(req.kind, ChartKind::Trend | ChartKind::Targets) => {
            return Err(OpsError::param("area", "required for this chart"));
        }
        None => None,
    };
    let last = req
        .to
        .or_else(|| prog.table.months.last().copied())
        .map(|d| TimeStep::Month.floor(d));
    let first = req.from.map(|d| TimeStep::Month.floor(d)).or_else(|| {
        prog.reports
            .iter()
            .map(|r| TimeStep::Month.floor(r.observed_at.date()))
            .min()
    });
    if let (Some(f), Some(l)) = (first, last)
        && f > l
    {
        return Err(OpsError::param("from", format!("{f} is after to ({l})")));
    }
    let level = req.level.or_else(|| {
        area.and_then(|(_, a)| {
            prog.targets
                .iter()
                .find(|t| t.area_id == a.id)
                .map(|t| t.level)
                .or(Some(child_level(a.level)))
        })
    });
    let table = clip(&prog.table, first, last);
    Ok(match req.kind {
        ChartKind::Trend => {
            let (i, a) = area.expect("checked above");
            Chart::Trend(TrendChart::from_table(&a.name, &table, i, &prog.reports))
        }
        ChartKind::Targets => {
            let (_, a) = area.expect("checked above");
            let targets: Vec<_> = prog
                .targets
                .iter()
                .filter(|t| t.area_id == a.id)
                .cloned()
                .collect();
            let level = req
                .level
                .or_else(|| targets.first().map(|t| t.level))
                .ok_or_else(|| OpsError::param("level", "required: the area has no targets"))?;
            Chart::Targets(TargetChart::from_table(
                a,
                level,
                &table,
                &prog.areas,
                &targets,
            ))
        }
        ChartKind::Status => match area {
            Some((_, a)) => {
                let level = level.expect("an area gives a level");
                let children = descendants_at(&prog.areas, &a.id, level);
                // A residential group has no children: its chart is its own status over time.
                let (ids, scope): (Vec<&str>, String) = if children.is_empty() {
                    (vec![a.id.as_str()], a.name.clone())
                } else {
                    (
                        children.iter().map(|c| c.id.as_str()).collect(),
                        format!("{} – {}", a.name, level_name(level, req.lang)),
                    )
                };
                Chart::Status(StatusChart::for_areas(&scope, &table, &ids))
            }
            None => Chart::Status(StatusChart::from_table(all_areas(req.lang), &table, level)),
        },
        ChartKind::Emerging => {
            let level = level.unwrap_or(AreaLevel::Commune);
            emerging_chart(prog, area.map(|(_, a)| a), level, first, last, req)?
        }
    })
}

fn all_areas(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "mọi địa bàn",
        Lang::En => "all areas",
    }
}

/// The administrative level directly below `l` (residential groups have none below).
pub fn child_level(l: AreaLevel) -> AreaLevel {
    match l {
        AreaLevel::Province => AreaLevel::District,
        AreaLevel::District => AreaLevel::Commune,
        AreaLevel::Commune | AreaLevel::ResidentialGroup => AreaLevel::ResidentialGroup,
    }
}

fn level_name(l: AreaLevel, lang: Lang) -> &'static str {
    crate::render::glossary::level_plural(l, lang)
}

/// The months `first..=last` of a status table.
fn clip(t: &StatusTable, first: Option<NaiveDate>, last: Option<NaiveDate>) -> StatusTable {
    let keep = |m: &NaiveDate| first.is_none_or(|f| *m >= f) && last.is_none_or(|l| *m <= l);
    let skip = t.months.iter().take_while(|m| !keep(m)).count();
    let take = t.months[skip..].iter().take_while(|m| keep(m)).count();
    let mut out = t.clone();
    out.months = t.months[skip..skip + take].to_vec();
    for a in &mut out.areas {
        let end = (skip + take).min(a.months.len());
        a.months = a.months[skip.min(end)..end].to_vec();
    }
    out
}

/// Emerging categories per child area: the analysis runs on every report in the period, as
/// the map's emerging layer does (so a cell has the pattern the map shows it with, whatever
/// area's chart counts it), and each cell is counted in the child area that holds its centre
/// (in the area itself when it has no children).
fn emerging_chart(
    prog: &Programme,
    root: Option<&Area>,
    level: AreaLevel,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    req: &ChartRequest,
) -> OpsResult<Chart> {
    let in_period = |r: &&Report| {
        let d = r.observed_at.date();
        first.is_none_or(|f| d >= f) && last.is_none_or(|l| d < TimeStep::Month.nth(l, 1))
    };
    let reports: Vec<Report> = prog.reports.iter().filter(in_period).cloned().collect();
    let result = emerging_hotspots(
        &reports,
        &EmergingParams {
            resolution: req.res,
            step: TimeStep::Month,
            k: 1,
            time_k: 1,
            alpha: 0.05,
        },
    )?;
    let children: Vec<&Area> = match root {
        Some(a) => {
            let children = descendants_at(&prog.areas, &a.id, level);
            // A residential group has no children: its chart is its own row (as the status
            // chart of a group is its own timeline).
            if children.is_empty() {
                vec![a]
            } else {
                children
            }
        }
        None => prog.areas.iter().filter(|a| a.level == level).collect(),
    };
    let rows = children
        .iter()
        .map(|c| {
            let mut counts: Vec<(Category, u32)> = Vec::new();
            for cell in result
                .cells
                .iter()
                .filter(|c| super::emerging::cell_shown(c, req.min_count))
            {
                let ll = h3o::LatLng::from(cell.cell);
                if c.geometry.intersects(&Point::new(ll.lng(), ll.lat())) {
                    match counts.iter_mut().find(|(k, _)| *k == cell.category) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((cell.category, 1)),
                    }
                }
            }
            EmergingRow {
                area_name: c.name.clone(),
                counts,
            }
        })
        .collect();
    Ok(Chart::Emerging(EmergingChart {
        scope: root.map_or_else(|| all_areas(req.lang).to_string(), |a| a.name.clone()),
        rows,
    }))
}
