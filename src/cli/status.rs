//! `hotspot status`: computed area statuses of one month, declared statuses beside them, and
//! the declared-clean areas the data contradicts.

use super::db_arg::DbArg;
use crate::lifecycle::discrepancy::check_declarations;
use crate::lifecycle::{Discrepancy, StatusInput, StatusParams, StatusTable, area_statuses};
use crate::model::{Area, AreaLevel, AreaStatus, Declaration, Report, Target};
use crate::store::{self, ReportFilter};
use crate::timestep::TimeStep;
use anyhow::Context;
use chrono::NaiveDate;
use serde_json::{Value, json};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Which areas to list.
    #[arg(long, default_value = "residential_group")]
    pub level: AreaLevel,
    /// Month to report, YYYY-MM (default: the current month).
    #[arg(long, value_parser = parse_month)]
    pub month: Option<NaiveDate>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamArgs,
}

/// The status thresholds as command-line options (defaults from [`StatusParams`]).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ParamArgs {
    /// Reports in the hotspot window that make a hotspot.
    #[arg(long, default_value_t = 3)]
    pub hotspot_threshold: u32,
    /// Months of the hotspot window.
    #[arg(long, default_value_t = 3)]
    pub hotspot_window: u32,
    /// Months without reports that make an area clean.
    #[arg(long, default_value_t = 6)]
    pub clean_window: u32,
    /// Consecutive clean months (after activity) that make an area kept clean.
    #[arg(long, default_value_t = 12)]
    pub kept_clean_months: u32,
}

impl From<ParamArgs> for StatusParams {
    fn from(a: ParamArgs) -> Self {
        StatusParams {
            hotspot_threshold: a.hotspot_threshold,
            hotspot_window: a.hotspot_window,
            clean_window: a.clean_window,
            kept_clean_months: a.kept_clean_months,
        }
    }
}

/// `YYYY-MM` (or a full date) → the first day of that month.
pub fn parse_month(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .map(|d| TimeStep::Month.floor(d))
        .map_err(|_| format!("{s:?} is not a month (YYYY-MM)"))
}

/// The current local date at +07:00.
pub fn today() -> NaiveDate {
    let tz = chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset");
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// What the lifecycle commands read from the store.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub areas: Vec<Area>,
    pub reports: Vec<Report>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
}

impl Dataset {
    pub async fn load(db: &str) -> anyhow::Result<Dataset> {
        let store = store::open(db)
            .await
            .with_context(|| format!("opening {db}"))?;
        Ok(Dataset {
            areas: store.areas(None).await?,
            reports: store.reports(&ReportFilter::default()).await?,
            declarations: store.declarations().await?,
            targets: store.targets().await?,
        })
    }

    /// Statuses of every area from the earliest of `first`, any declaration and any report
    /// to `last` (so `since` goes back to the start of the data, and every declaration's
    /// period is covered).
    pub fn statuses(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        params: &StatusParams,
    ) -> anyhow::Result<StatusTable> {
        let first = self
            .declarations
            .iter()
            .map(|d| TimeStep::Month.floor(d.declared_at))
            .chain(
                self.reports
                    .iter()
                    .map(|r| TimeStep::Month.floor(r.observed_at.date())),
            )
            .chain([first])
            .min()
            .unwrap_or(first)
            .min(last);
        let input = StatusInput {
            areas: &self.areas,
            reports: &self.reports,
            registrations: &[],
            significant: &[],
        };
        Ok(area_statuses(&input, first, last, params)?)
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = Dataset::load(&args.db.url).await?;
    print!("{}", render(&data, &args)?);
    Ok(())
}

/// The status report of `args.month` as text or JSON (pure; used by [`run`]).
pub fn render(data: &Dataset, args: &Args) -> anyhow::Result<String> {
    let month = args.month.unwrap_or_else(|| TimeStep::Month.floor(today()));
    let params: StatusParams = args.params.into();
    let table = data.statuses(month, month, &params)?;
    let checks = check_declarations(&table, &data.reports, &data.declarations);
    let rows: Vec<Row> = data
        .areas
        .iter()
        .zip(&table.areas)
        .filter(|(a, _)| a.level == args.level)
        .filter_map(|(a, tl)| {
            let s = tl.at(month)?;
            let declared = data
                .declarations
                .iter()
                .filter(|d| d.area_id == a.id && d.declared_at < TimeStep::Month.nth(month, 1))
                .max_by_key(|d| d.declared_at);
            Some(Row {
                area: a,
                status: s.status,
                since: s.since,
                window_reports: s.window_reports,
                deciding: s
                    .deciding
                    .iter()
                    .map(|&i| data.reports[i as usize].id.clone())
                    .collect(),
                declared,
            })
        })
        .collect();
    let level_ids: Vec<&str> = rows.iter().map(|r| r.area.id.as_str()).collect();
    let flagged: Vec<&Discrepancy> = checks
        .iter()
        .filter(|c| c.contradicted && level_ids.contains(&c.area_id.as_str()))
        .collect();
    if args.json {
        return Ok(serde_json::to_string_pretty(&json_report(
            data, month, args.level, &rows, &flagged,
        ))? + "\n");
    }
    Ok(text_report(data, month, args.level, &rows, &flagged))
}

struct Row<'a> {
    area: &'a Area,
    status: AreaStatus,
    since: NaiveDate,
    window_reports: u32,
    deciding: Vec<String>,
    declared: Option<&'a Declaration>,
}

fn ym(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn report_ids(data: &Dataset, idx: &[u32]) -> Vec<String> {
    idx.iter()
        .map(|&i| data.reports[i as usize].id.clone())
        .collect()
}

fn text_report(
    data: &Dataset,
    month: NaiveDate,
    level: AreaLevel,
    rows: &[Row<'_>],
    flagged: &[&Discrepancy],
) -> String {
    let mut s = format!(
        "Area status, {level} level, {} (computed from reports)\n",
        ym(month)
    );
    let wid = rows
        .iter()
        .map(|r| r.area.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let wname = rows
        .iter()
        .map(|r| r.area.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    s += &format!(
        "{}  {}  {}  {}  {}  declared\n",
        pad("area", wid),
        pad("name", wname),
        pad("status", 10),
        pad("since", 7),
        pad("reports", 7)
    );
    let mut totals = [0u32; 5];
    for r in rows {
        totals[r.status.index()] += 1;
        let declared = r
            .declared
            .map(|d| format!("{} ({})", d.status, d.declared_at))
            .unwrap_or_else(|| "-".into());
        s += &format!(
            "{}  {}  {}  {}  {}  {}\n",
            pad(&r.area.id, wid),
            pad(&r.area.name, wname),
            pad(r.status.as_str(), 10),
            pad(&ym(r.since), 7),
            pad(&r.window_reports.to_string(), 7),
            declared
        );
    }
    let totals: Vec<String> = AreaStatus::ALL
        .iter()
        .map(|st| format!("{st} {}", totals[st.index()]))
        .collect();
    s += &format!("total {}: {}\n", rows.len(), totals.join(", "));
    s += &format!(
        "\nDeclared clean but contradicted by the data: {}\n",
        flagged.len()
    );
    for f in flagged {
        s += &format!(
            "{} declared {} on {} by {}: {}; contradicting reports: {}\n",
            f.area_id,
            f.declared,
            f.declared_at,
            f.declared_by,
            match (f.first_contradicted, f.computed_latest) {
                (Some(m), Some(now)) => format!("not drug-free from {}, now {now}", ym(m)),
                (Some(m), None) => format!("not drug-free from {}", ym(m)),
                _ => "reports after the declaration".into(),
            },
            report_ids(data, &f.contradicting_reports).join(", ")
        );
    }
    s
}

fn json_report(
    data: &Dataset,
    month: NaiveDate,
    level: AreaLevel,
    rows: &[Row<'_>],
    flagged: &[&Discrepancy],
) -> Value {
    json!({
        "month": ym(month),
        "level": level,
        "areas": rows.iter().map(|r| json!({
            "id": r.area.id,
            "name": r.area.name,
            "status": r.status,
            "since": ym(r.since),
            "window_reports": r.window_reports,
            "deciding_reports": r.deciding,
            "declared": r.declared.map(|d| json!({
                "status": d.status, "declared_at": d.declared_at, "declared_by": d.declared_by,
            })),
        })).collect::<Vec<_>>(),
        "discrepancies": flagged.iter().map(|f| json!({
            "area_id": f.area_id,
            "declared": f.declared,
            "declared_at": f.declared_at,
            "declared_by": f.declared_by,
            "computed_at_declaration": f.computed_at_declaration,
            "computed_latest": f.computed_latest,
            "first_contradicted": f.first_contradicted.map(ym),
            "contradicting_reports": report_ids(data, &f.contradicting_reports),
        })).collect::<Vec<_>>(),
    })
}
