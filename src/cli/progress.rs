//! `hotspot progress --area ID`: each target of an area, actual share vs target, on track
//! or behind, and the child areas still not clean.

use super::clock_arg::ClockArgs;
use super::db_arg::DbArg;
use super::exit::BadInput;
use super::status::{Dataset, ParamArgs};
use crate::lifecycle::{StatusParams, TargetProgress};
use crate::ops::programme::Programme;
use serde_json::json;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Area whose targets to report (e.g. P-ANCUU).
    #[arg(long)]
    pub area: String,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    #[command(flatten)]
    pub params: ParamArgs,
    /// `--as-of` (alias `--today`): evaluate as of this date (default: the last report's day).
    #[command(flatten)]
    pub clock: ClockArgs,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let data = super::status::load_dataset(&args.db).await?;
    print!("{}", render(&data, &args)?);
    Ok(())
}

/// The progress report (pure; used by [`run`]). The linear pace starts from the month of
/// the earliest report.
pub fn render(data: &Dataset, args: &Args) -> anyhow::Result<String> {
    let area = data
        .areas
        .iter()
        .find(|a| a.id == args.area)
        .ok_or_else(|| BadInput(format!("area {:?} not found", args.area)))?;
    let clock = args.clock.clock();
    let today = clock.data_as_of(data.last_report());
    let params: StatusParams = args.params.into();
    let prog = Programme::build(data.clone(), today, &clock, &params)?;
    let progress = prog.progress(&area.id, today)?;
    if args.output.json {
        let v = json!({"area_id": area.id, "name": area.name, "as_of": today, "targets": progress});
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    let mut s = format!("Targets of {} [{}], as of {today}\n", area.name, area.id);
    if progress.is_empty() {
        s += "no targets\n";
    }
    for p in &progress {
        s += &line(p);
    }
    Ok(s)
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn line(p: &TargetProgress) -> String {
    let t = &p.target;
    let mut s = format!(
        "\n{} ≥ {} by {}: {} ({}/{}) in {} — {}{}\n",
        t.level,
        pct(t.share),
        t.due,
        pct(p.actual_share),
        p.drug_free,
        p.children,
        p.evaluated_month.format("%Y-%m"),
        if p.met { "met, " } else { "" },
        p.state.as_str().replace('_', " ")
    );
    if !p.due_passed && !p.met {
        s += &format!("  linear pace asks for {} now\n", pct(p.expected_share));
    }
    if !p.not_clean.is_empty() {
        let list: Vec<String> = p
            .not_clean
            .iter()
            .map(|(id, st)| format!("{id} ({st})"))
            .collect();
        s += &format!("  not clean: {}\n", list.join(", "));
    }
    s
}
