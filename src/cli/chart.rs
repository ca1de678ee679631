//! `hotspot chart trend|targets|status|emerging --area ID --out F.png|F.svg [--lang vi|en]`.

use super::db_arg::DbArg;
use super::exit::BadInput;
use super::status::{Dataset, ParamArgs, parse_month, today};
use crate::analysis::emerging::{EmergingParams, emerging};
use crate::lifecycle::{StatusParams, StatusTable, assign_reports, descendants_at};
use crate::model::{Area, AreaLevel};
use crate::render::charts::{
    Chart, DEFAULT_SIZE, EmergingChart, EmergingRow, Lang, StatusChart, TargetChart, TrendChart,
    write_chart,
};
use crate::timestep::TimeStep;
use chrono::NaiveDate;
use geo::{Intersects, Point};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Monthly reports per kind of the area, status phases shaded.
    Trend,
    /// Share of child areas drug-free vs the area's targets.
    Targets,
    /// Number of child areas per status over time.
    Status,
    /// Emerging hot-spot categories per child area.
    Emerging,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    pub kind: Kind,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub area: String,
    /// Output file; .png or .svg.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value = "vi")]
    pub lang: Lang,
    /// Level of the child areas (default: the level just below the area's).
    #[arg(long)]
    pub level: Option<AreaLevel>,
    /// First month, YYYY-MM (default: the month of the earliest report).
    #[arg(long, value_parser = parse_month)]
    pub from: Option<NaiveDate>,
    /// Last month, YYYY-MM (default: the current month).
    #[arg(long, value_parser = parse_month)]
    pub to: Option<NaiveDate>,
    /// H3 resolution of the emerging hot-spot cube.
    #[arg(long, default_value_t = 9)]
    pub res: u8,
    #[command(flatten)]
    pub params: ParamArgs,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = Dataset::load(&args.db.url).await?;
    let chart = build(&data, &args)?;
    write_chart(&chart, args.lang, &args.out, DEFAULT_SIZE)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

fn child_level(l: AreaLevel) -> AreaLevel {
    match l {
        AreaLevel::Province => AreaLevel::District,
        AreaLevel::District => AreaLevel::Commune,
        AreaLevel::Commune | AreaLevel::ResidentialGroup => AreaLevel::ResidentialGroup,
    }
}

fn level_name(l: AreaLevel, lang: Lang) -> &'static str {
    match (l, lang) {
        (AreaLevel::Province, Lang::Vi) => "tỉnh, thành phố",
        (AreaLevel::District, Lang::Vi) => "quận, huyện",
        (AreaLevel::Commune, Lang::Vi) => "xã, phường",
        (AreaLevel::ResidentialGroup, Lang::Vi) => "tổ dân phố",
        (AreaLevel::Province, Lang::En) => "provinces",
        (AreaLevel::District, Lang::En) => "districts",
        (AreaLevel::Commune, Lang::En) => "communes",
        (AreaLevel::ResidentialGroup, Lang::En) => "residential groups",
    }
}

/// The chart `args` ask for, from loaded data (pure; used by [`run`]).
pub fn build(data: &Dataset, args: &Args) -> anyhow::Result<Chart> {
    let (ai, area) = data
        .areas
        .iter()
        .enumerate()
        .find(|(_, a)| a.id == args.area)
        .ok_or_else(|| BadInput(format!("area {:?} not found", args.area)))?;
    let last = args.to.unwrap_or_else(|| TimeStep::Month.floor(today()));
    let first = args.from.unwrap_or_else(|| {
        data.reports
            .iter()
            .map(|r| TimeStep::Month.floor(r.observed_at.date()))
            .min()
            .unwrap_or(last)
    });
    if first > last {
        return Err(BadInput(format!("--from {first} is after --to {last}")).into());
    }
    let level = args.level.unwrap_or_else(|| {
        data.targets
            .iter()
            .find(|t| t.area_id == area.id)
            .map_or(child_level(area.level), |t| t.level)
    });
    let params: StatusParams = args.params.into();
    let table = data.statuses(first, last, &params)?;
    // Declarations may have moved the table's first month earlier; charts show first..last.
    let table = clip(table, first);
    Ok(match args.kind {
        Kind::Trend => Chart::Trend(TrendChart::from_table(
            &area.name,
            &table,
            ai,
            &data.reports,
        )),
        Kind::Targets => Chart::Targets(TargetChart::from_table(
            area,
            level,
            &table,
            &data.areas,
            &data.targets,
        )),
        Kind::Status => {
            let children = descendants_at(&data.areas, &area.id, level);
            let mut counts = vec![[0u32; 5]; table.months.len()];
            for c in &children {
                if let Some(tl) = table.area(&c.id) {
                    for (i, s) in tl.months.iter().enumerate() {
                        counts[i][s.status.index()] += 1;
                    }
                }
            }
            Chart::Status(StatusChart {
                scope: format!("{} – {}", area.name, level_name(level, args.lang)),
                months: table.months.clone(),
                counts,
            })
        }
        Kind::Emerging => emerging_chart(data, area, level, args)?,
    })
}

fn clip(mut t: StatusTable, first: NaiveDate) -> StatusTable {
    let skip = t.months.iter().take_while(|m| **m < first).count();
    t.months.drain(..skip);
    for a in &mut t.areas {
        a.months.drain(..skip.min(a.months.len()));
    }
    t
}

fn emerging_chart(
    data: &Dataset,
    area: &Area,
    level: AreaLevel,
    args: &Args,
) -> anyhow::Result<Chart> {
    let resolution = h3o::Resolution::try_from(args.res)
        .map_err(|e| BadInput(format!("--res {}: {e}", args.res)))?;
    let assigned = assign_reports(std::slice::from_ref(area), &data.reports);
    let inside: Vec<_> = assigned[0]
        .iter()
        .map(|&i| &data.reports[i as usize])
        .filter(|r| {
            args.to
                .is_none_or(|to| r.observed_at.date() < TimeStep::Month.nth(to, 1))
                && args.from.is_none_or(|f| r.observed_at.date() >= f)
        })
        .collect();
    let points: Vec<geo::Coord<f64>> = inside.iter().map(|r| r.coord()).collect();
    let times: Vec<_> = inside.iter().map(|r| r.observed_at).collect();
    let result = emerging(
        &points,
        &times,
        &EmergingParams {
            resolution,
            step: TimeStep::Month,
            k: 1,
            time_k: 1,
            alpha: 0.05,
        },
    )?;
    let children = descendants_at(&data.areas, &area.id, level);
    let rows = children
        .iter()
        .map(|c| {
            let mut counts: Vec<(crate::analysis::emerging::Category, u32)> = Vec::new();
            for cell in &result.cells {
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
        scope: area.name.clone(),
        rows,
    }))
}
