//! `hotspot briefing --area P-ANCUU --month 2026-10 [--lang vi|en] --out briefing.pdf`:
//! the monthly briefing of an area as an A4 PDF or an HTML page (by `--out`'s extension or
//! `--format`). The work is [`crate::ops::briefing`]'s; this file parses and writes.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;

use super::db_arg::DbArg;
use super::exit::BadInput;
use super::status::parse_month;
use crate::ops::briefing::{BriefingRequest, briefing_from_store};
use crate::render::atomic::AtomicOutput;
use crate::render::briefing::Format;
use crate::render::charts::Lang;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Area to brief on (ward, district or city id, e.g. P-ANCUU).
    #[arg(long)]
    pub area: String,
    /// Month, YYYY-MM (default: the month of the last report).
    #[arg(long, value_parser = parse_month)]
    pub month: Option<NaiveDate>,
    /// Language of the document: vi or en.
    #[arg(long, default_value = "vi")]
    pub lang: Lang,
    /// Output file: .pdf or .html (`-` writes to stdout; then give --format).
    #[arg(long)]
    pub out: String,
    /// pdf or html (default: from the extension of --out).
    #[arg(long)]
    pub format: Option<Format>,
    #[command(flatten)]
    pub tz: super::clock_arg::TzArg,
    /// Leave out hotspots with fewer reports (the server uses its viewer threshold).
    #[arg(long, default_value_t = 0)]
    pub min_count: usize,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
}

/// `--format`, else the extension of `--out`.
fn format_of(args: &Args) -> Result<Format, BadInput> {
    if let Some(f) = args.format {
        return Ok(f);
    }
    Path::new(&args.out)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| {
            BadInput(format!(
                "--out {:?}: the file must end in .pdf or .html (or give --format)",
                args.out
            ))
        })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let format = format_of(&args)?;
    let store = args.db.open().await?;
    let req = BriefingRequest {
        area: args.area.clone(),
        month: args.month,
        lang: args.lang,
        format,
        min_count: args.min_count,
        viewer: false,
    };
    let now = crate::ops::Clock::new(args.tz.tz, None).now();
    let bytes = match briefing_from_store(store.as_ref(), req, now).await {
        Err(e) if e.is_bad_input() => return Err(BadInput(format!("--area: {e}")).into()),
        r => r?,
    };
    let mut out =
        AtomicOutput::create(&args.out).with_context(|| format!("writing {}", args.out))?;
    out.write_all(&bytes)
        .and_then(|_| out.commit())
        .with_context(|| format!("writing {}", args.out))?;
    if args.out != "-" {
        let mut rep = super::output::Reporter::new("briefing", args.output);
        rep.say(format!("wrote {} ({} bytes)", args.out, bytes.len()));
        rep.output("out", &args.out);
        rep.set("bytes", bytes.len());
        rep.finish();
    }
    Ok(())
}
