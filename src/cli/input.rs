//! Where a command's reports come from: `--input FILE` (CSV or GeoJSON, `-` = stdin) or
//! `--db URL`, narrowed by `--from/--to`, `--kind`, `--bbox` and `--area`.

use super::clock_arg::TzArg;
use super::exit::BadInput;
use crate::ingest::{self, IngestOptions, Parsed, Rejected};
use crate::model::{Report, ReportKind, Site};
use crate::render::atomic::AtomicOutput;
use crate::store::ReportFilter;
use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use std::io::Write;

/// Input options shared by every analysis subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Reports file: CSV (`id,lon,lat,kind,observed_at`) or GeoJSON points; `-` reads stdin.
    #[arg(
        long,
        short = 'i',
        value_name = "FILE",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub input: Option<String>,
    /// Read reports from a store instead: `sqlite://PATH` or `postgres://…`.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    #[command(flatten)]
    pub tz: TzArg,
    /// Drop invalid rows instead of failing (see --rejects).
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write the dropped rows here (original columns plus `reason`).
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<String>,
    /// Only reports observed on or after this local date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Only reports observed before this local date (exclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Only these kinds (comma list of use, storage, trafficking, sale, cultivation).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kind: Vec<ReportKind>,
    /// Only reports inside min_lon,min_lat,max_lon,max_lat.
    #[arg(long, value_name = "BBOX", allow_hyphen_values = true)]
    pub bbox: Option<Bbox>,
    /// Only reports inside this area (and its child areas); needs --db.
    #[arg(long, value_name = "AREA_ID", requires = "db")]
    pub area: Option<String>,
}

pub use crate::model::Bbox;

/// Reports ready for analysis.
#[derive(Debug)]
pub struct Loaded {
    pub reports: Vec<Report>,
    /// What they were read from (file name or the database URL).
    pub source: String,
    /// Rows dropped by --skip-invalid.
    pub rejected: usize,
    /// Rows read before the filters.
    pub read: usize,
}

impl InputArgs {
    pub fn ingest_options(&self) -> IngestOptions {
        IngestOptions {
            tz: self.tz.tz,
            skip_invalid: self.skip_invalid,
        }
    }

    /// The store filter equivalent to these options.
    pub fn filter(&self) -> ReportFilter {
        ReportFilter {
            from: self.from.map(midnight),
            to: self.to.map(midnight),
            kinds: self.kind.clone(),
            bbox: self.bbox.map(|b| b.0),
            area: self.area.clone(),
            limit: None,
            offset: None,
        }
    }

    /// Opens the rejects output early (so a bad path fails before any work).
    pub fn rejects_output(&self) -> Result<Option<AtomicOutput>> {
        self.rejects
            .as_deref()
            .map(|p| AtomicOutput::create(p).with_context(|| format!("cannot write {p}")))
            .transpose()
    }

    /// Reads, validates and filters the reports; writes the rejected rows to `rejects`.
    pub fn load(&self, rejects: Option<&mut AtomicOutput>) -> Result<Loaded> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                return Err(BadInput(format!("--from {from} must be before --to {to}")).into());
            }
        }
        let loaded = match (&self.input, &self.db) {
            (Some(path), _) => self.load_file(path, rejects)?,
            (None, Some(url)) => {
                let filter = self.filter();
                let reports = block_on(async {
                    let store = crate::store::open(url).await?;
                    store.reports(&filter).await
                })?;
                Loaded {
                    read: reports.len(),
                    reports,
                    source: url.clone(),
                    rejected: 0,
                }
            }
            (None, None) => return Err(BadInput("give --input FILE or --db URL".into()).into()),
        };
        Ok(loaded)
    }

    fn load_file(&self, path: &str, rejects: Option<&mut AtomicOutput>) -> Result<Loaded> {
        let parsed = ingest::read_reports(path, &self.ingest_options())?;
        if let Some(out) = rejects {
            write_rejects(out, &parsed)?;
        }
        let read = parsed.rows.len();
        let filter = self.filter();
        let reports: Vec<Report> = if filter == ReportFilter::default() {
            parsed.rows
        } else {
            parsed
                .rows
                .into_iter()
                .filter(|r| keep(&filter, r))
                .collect()
        };
        Ok(Loaded {
            reports,
            source: ingest::display_name(path),
            rejected: parsed.rejected.len(),
            read,
        })
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight exists")
}

/// The in-memory equivalent of the store's report filter (no area: that needs polygons).
pub fn keep(f: &ReportFilter, r: &Report) -> bool {
    f.from.is_none_or(|t| r.observed_at >= t)
        && f.to.is_none_or(|t| r.observed_at < t)
        && (f.kinds.is_empty() || f.kinds.contains(&r.kind))
        && f.bbox
            .is_none_or(|[a, b, c, d]| (a..=c).contains(&r.lon) && (b..=d).contains(&r.lat))
}

/// Writes rejected rows: the original columns plus `reason`.
pub fn write_rejects<T>(out: &mut AtomicOutput, parsed: &Parsed<T>) -> Result<()> {
    write_rejected_rows(out, &parsed.header, &parsed.rejected)
}

fn write_rejected_rows(out: &mut dyn Write, header: &[String], rows: &[Rejected]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut head: Vec<&str> = header.iter().map(String::as_str).collect();
    head.push("reason");
    w.write_record(&head)?;
    for r in rows {
        let mut rec: Vec<&str> = r.fields.iter().map(String::as_str).collect();
        rec.resize(header.len(), "");
        rec.push(&r.reason);
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// Loads sites from a GeoJSON file, or from the store when only `--db` is given.
pub fn load_sites(path: Option<&str>, args: &InputArgs) -> Result<Vec<Site>> {
    match (path, &args.db) {
        (Some(p), _) => {
            let opts = IngestOptions {
                tz: args.tz.tz,
                skip_invalid: false,
            };
            Ok(ingest::read_sites(p, &opts)?.rows)
        }
        (None, Some(url)) => {
            let bbox = args.bbox.map(|b| b.0);
            Ok(block_on(async {
                let store = crate::store::open(url).await?;
                store.sites(bbox).await
            })?)
        }
        (None, None) => {
            Err(BadInput("give --sites FILE (or --db URL holding sites)".into()).into())
        }
    }
}

/// Runs one async store call on a small runtime: only the `--db` path needs tokio.
fn block_on<T>(fut: impl std::future::Future<Output = crate::store::Result<T>>) -> Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(rt.block_on(fut)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_parsing() {
        assert_eq!(
            "106,10,107,11".parse::<Bbox>().unwrap().0,
            [106.0, 10.0, 107.0, 11.0]
        );
        assert!("107,10,106,11".parse::<Bbox>().is_err());
        assert!("1,2,3".parse::<Bbox>().is_err());
        assert!("-181,0,0,1".parse::<Bbox>().is_err());
    }

    #[test]
    fn filters_apply_like_the_store() {
        let r = Report {
            id: "a".into(),
            lon: 107.0,
            lat: 16.0,
            kind: ReportKind::Sale,
            observed_at: midnight(NaiveDate::from_ymd_opt(2025, 2, 1).unwrap()),
        };
        let mut f = ReportFilter {
            to: Some(r.observed_at),
            ..Default::default()
        };
        assert!(!keep(&f, &r), "`to` is exclusive");
        f.to = None;
        f.from = Some(r.observed_at);
        assert!(keep(&f, &r), "`from` is inclusive");
        f.kinds = vec![ReportKind::Use];
        assert!(!keep(&f, &r));
        f.kinds.clear();
        f.bbox = Some([107.0, 16.0, 107.5, 16.5]);
        assert!(keep(&f, &r));
    }
}
