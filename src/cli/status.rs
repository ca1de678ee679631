//! `hotspot status`: computed area statuses of one month, declared statuses beside them, and
//! the declared-clean areas the data contradicts.

use super::clock_arg::ClockArgs;
use super::db_arg::DbArg;
use crate::lifecycle::{Discrepancy, StatusParams};
use crate::model::{AreaLevel, AreaStatus};
use crate::ops::programme::{Programme, StatusRow};
use crate::timestep::TimeStep;
use chrono::NaiveDate;
use serde_json::{Value, json};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Which areas to list.
    #[arg(long, default_value = "residential_group")]
    pub level: AreaLevel,
    /// Month to report, YYYY-MM (default: the month of --as-of, else of the last report).
    #[arg(long, value_parser = parse_month)]
    pub month: Option<NaiveDate>,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    #[command(flatten)]
    pub params: ParamArgs,
    #[command(flatten)]
    pub clock: ClockArgs,
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

pub use crate::ops::programme::Dataset;

/// Everything the programme commands read, from the store named by `--db`.
pub async fn load_dataset(db: &DbArg) -> anyhow::Result<Dataset> {
    let store = db.open().await?;
    Ok(Dataset::load(store.as_ref()).await?)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = load_dataset(&args.db).await?;
    print!("{}", render(&data, &args)?);
    Ok(())
}

/// The status report of `args.month` as text or JSON (pure; used by [`run`]).
pub fn render(data: &Dataset, args: &Args) -> anyhow::Result<String> {
    let clock = args.clock.clock();
    let month = args
        .month
        .unwrap_or_else(|| TimeStep::Month.floor(clock.data_as_of(data.last_report())));
    let params: StatusParams = args.params.into();
    let prog = Programme::build(data.clone(), month, &clock, &params)?;
    let rows = prog.status_rows(args.level, month);
    let flagged = prog.contradicted(&rows);
    if args.output.json {
        return Ok(serde_json::to_string_pretty(&json_report(
            &prog, month, args.level, &rows, &flagged,
        ))? + "\n");
    }
    Ok(text_report(&prog, month, args.level, &rows, &flagged))
}

fn ym(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn text_report(
    prog: &Programme,
    month: NaiveDate,
    level: AreaLevel,
    rows: &[StatusRow<'_>],
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
            prog.report_ids(&f.contradicting_reports).join(", ")
        );
    }
    s
}

fn json_report(
    prog: &Programme,
    month: NaiveDate,
    level: AreaLevel,
    rows: &[StatusRow<'_>],
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
            "contradicting_reports": prog.report_ids(&f.contradicting_reports),
        })).collect::<Vec<_>>(),
    })
}
