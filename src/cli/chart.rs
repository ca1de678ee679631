//! `hotspot chart trend|targets|status|emerging --area ID --out F.png|F.svg [--lang vi|en]`.

use super::clock_arg::ClockArgs;
use super::db_arg::DbArg;
use super::exit::BadInput;
use super::status::{Dataset, ParamArgs, parse_month};
use crate::lifecycle::StatusParams;
use crate::model::AreaLevel;
use crate::ops::charts;
use crate::ops::charts::{ChartKind, ChartRequest};
use crate::ops::programme::Programme;
use crate::render::charts::{Chart, DEFAULT_SIZE, Lang, write_chart};
use crate::timestep::TimeStep;
use chrono::NaiveDate;
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
    /// Emerging chart: leave out cells with fewer reports (the server uses its viewer
    /// threshold, as on the map's emerging layer).
    #[arg(long, default_value_t = 0)]
    pub min_count: u32,
    #[command(flatten)]
    pub params: ParamArgs,
    #[command(flatten)]
    pub clock: ClockArgs,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut rep = super::output::Reporter::new("chart", args.output);
    let data = super::status::load_dataset(&args.db).await?;
    let chart = rep.time("chart", |_| build(&data, &args))?;
    write_chart(&chart, args.lang, &args.out, DEFAULT_SIZE)?;
    let out = args.out.display().to_string();
    rep.say(format!("wrote {out}"));
    rep.output("out", &out);
    rep.finish();
    Ok(())
}

impl From<Kind> for ChartKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Trend => ChartKind::Trend,
            Kind::Targets => ChartKind::Targets,
            Kind::Status => ChartKind::Status,
            Kind::Emerging => ChartKind::Emerging,
        }
    }
}

/// The chart's data (pure; used by [`run`]).
pub fn build(data: &Dataset, args: &Args) -> anyhow::Result<Chart> {
    let clock = args.clock.clock();
    let last = args
        .to
        .unwrap_or_else(|| TimeStep::Month.floor(clock.data_as_of(data.last_report())));
    let res = h3o::Resolution::try_from(args.res)
        .map_err(|e| BadInput(format!("--res {}: {e}", args.res)))?;
    let params: StatusParams = args.params.into();
    let prog = Programme::build(data.clone(), last, &clock, &params)?;
    let req = ChartRequest {
        kind: args.kind.into(),
        area: Some(args.area.clone()),
        level: args.level,
        from: args.from,
        to: Some(last),
        res,
        lang: args.lang,
        min_count: args.min_count,
    };
    charts::build(&prog, &req).map_err(|e| match e {
        e if e.is_bad_input() => BadInput(e.to_string()).into(),
        e => anyhow::Error::from(e),
    })
}
