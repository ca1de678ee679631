//! `hotspot import reports|sites|areas|declarations|targets FILE`, `hotspot import list`,
//! `hotspot import undo BATCH`: loads validated files into the store as one batch each (all
//! rows or none), lists batches and undoes them.

use super::clock_arg::TzArg;
use super::db_arg::DbArg;
use super::output::{OutputArgs, Progress, Reporter};
use crate::cli::exit::BadInput;
use crate::ingest::{IngestOptions, Parsed};
use crate::store::{ImportKind, ImportMeta, ImportRecord, OnConflict, Store, StoreError};
use clap::{Args, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ImportCommand {
    /// Reports (CSV `id,lon,lat,kind,observed_at` or GeoJSON points).
    Reports(FileArgs),
    /// Sensitive sites (GeoJSON).
    Sites(FileArgs),
    /// Administrative areas (GeoJSON polygons with `level` and `parent_id`).
    Areas(FileArgs),
    /// Declared statuses (CSV `area_id,status,declared_at,declared_by`).
    Declarations(FileArgs),
    /// Programme targets (CSV).
    Targets(FileArgs),
    /// Lists import batches.
    List,
    /// Undoes a batch: removes what it inserted and restores what it updated.
    Undo { batch: i64 },
}

#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// Input file (`-` for standard input).
    pub file: String,
    /// What to do with rows whose id is already stored.
    #[arg(long, value_enum, default_value = "error")]
    pub on_conflict: ConflictArg,
    /// Import even if this exact file was imported before.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub tz: TzArg,
    /// Recorded as the importing user.
    #[arg(long, env = "USER", default_value = "cli")]
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    Error,
    Skip,
    Update,
}

impl From<ConflictArg> for OnConflict {
    fn from(c: ConflictArg) -> Self {
        match c {
            ConflictArg::Error => OnConflict::Error,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        }
    }
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let output = args.output;
    match args.command {
        ImportCommand::List => list(store.as_ref(), output.json).await,
        ImportCommand::Undo { batch } => {
            let mut rep = Reporter::new("import undo", output);
            let r = store.undo_import(batch).await?;
            let b = batch.to_string();
            super::audit::record(
                store.as_ref(),
                &super::audit::os_user(),
                crate::store::audit::action::UNDO,
                "cli import undo",
                &[("batch", b.as_str())],
                r.inserted + r.updated,
            )
            .await?;
            rep.set("batch", serde_json::to_value(&r)?);
            if !rep.quiet() {
                println!(
                    "undone batch {}: {} {} ({} inserted rows removed, {} updated rows restored)",
                    r.batch,
                    r.kind.as_str(),
                    r.file_name,
                    r.inserted,
                    r.updated
                );
            }
            rep.finish();
            Ok(())
        }
        ImportCommand::Reports(f) => import(store.as_ref(), ImportKind::Reports, f, output).await,
        ImportCommand::Sites(f) => import(store.as_ref(), ImportKind::Sites, f, output).await,
        ImportCommand::Areas(f) => import(store.as_ref(), ImportKind::Areas, f, output).await,
        ImportCommand::Declarations(f) => {
            import(store.as_ref(), ImportKind::Declarations, f, output).await
        }
        ImportCommand::Targets(f) => import(store.as_ref(), ImportKind::Targets, f, output).await,
    }
}

async fn list(store: &dyn Store, json: bool) -> anyhow::Result<()> {
    let batches = store.list_imports().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&batches)?);
        return Ok(());
    }
    println!("batch\tkind\tfile\tinserted\tupdated\tskipped\tby\tat\tundone_at\tsha256");
    for r in batches {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.batch,
            r.kind.as_str(),
            r.file_name,
            r.inserted,
            r.updated,
            r.skipped,
            r.imported_by,
            r.imported_at.format("%Y-%m-%dT%H:%M:%S"),
            r.undone_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into()),
            r.sha256
        );
    }
    Ok(())
}

async fn import(
    store: &dyn Store,
    kind: ImportKind,
    f: FileArgs,
    output: OutputArgs,
) -> anyhow::Result<()> {
    let mut rep = Reporter::new("import", output);
    // A spinner on a terminal while a large file is read, validated and stored.
    let progress = Progress::start(&rep, "importing");
    let bytes = crate::ingest::read_source(&f.file)?;
    let name = crate::ingest::display_name(&f.file);
    let opts = IngestOptions {
        tz: f.tz.tz,
        ..IngestOptions::default()
    };
    let meta = ImportMeta {
        kind,
        file_name: name.clone(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        imported_by: f.by.clone(),
        on_conflict: f.on_conflict.into(),
        force: f.force,
    };
    // Source line of each row, to turn the store's row indexes into FILE:LINE messages.
    let (result, lines) = match kind {
        ImportKind::Reports => {
            let p = parse_reports(&f.file, &bytes, &name, &opts)?;
            (store.import_reports(&meta, &p.rows).await, p.lines)
        }
        ImportKind::Sites => {
            let p = crate::ingest::geojson::read_sites(&bytes, &name, &opts)?;
            (store.import_sites(&meta, &p.rows).await, p.lines)
        }
        ImportKind::Areas => {
            let p = crate::ingest::geojson::read_areas(&bytes, &name, &opts)?;
            (store.import_areas(&meta, &p.rows).await, p.lines)
        }
        ImportKind::Declarations => {
            let rows = crate::ingest::programme::parse_declarations(&name, &bytes[..])?;
            let lines = csv_lines(rows.len());
            (store.import_declarations(&meta, &rows).await, lines)
        }
        ImportKind::Targets => {
            let rows = crate::ingest::programme::parse_targets(&name, &bytes[..])?;
            let lines = csv_lines(rows.len());
            (store.import_targets(&meta, &rows).await, lines)
        }
        ImportKind::Plans => unreachable!("plans are not a subcommand"),
    };
    let record = result.map_err(|e| locate(e, &name, &lines))?;
    let batch = record.batch.to_string();
    super::audit::record(
        store,
        &f.by,
        crate::store::audit::action::IMPORT,
        "cli import",
        &[
            ("kind", kind.as_str()),
            ("batch", batch.as_str()),
            ("name", name.as_str()),
        ],
        record.inserted + record.updated,
    )
    .await?;
    progress.finish();
    rep.set("batch", serde_json::to_value(&record)?);
    if !rep.quiet() {
        print_record(&record);
    }
    rep.finish();
    Ok(())
}

fn parse_reports(
    path: &str,
    bytes: &[u8],
    name: &str,
    opts: &IngestOptions,
) -> anyhow::Result<Parsed<crate::model::Report>> {
    Ok(match crate::ingest::source_format(path, bytes) {
        crate::ingest::SourceFormat::Csv => crate::ingest::csv::read_reports(bytes, name, opts)?,
        crate::ingest::SourceFormat::GeoJson => {
            crate::ingest::geojson::read_reports(bytes, name, opts)?
        }
    })
}

/// Lines of CSV rows when the parser does not report them: header on line 1, one record per
/// line after it.
fn csv_lines(n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| i + 2).collect()
}

/// Store errors about one row become `FILE:LINE: column: message` bad-input errors.
fn locate(e: StoreError, file: &str, lines: &[u64]) -> anyhow::Error {
    let line = |row: usize| lines.get(row).copied().unwrap_or(row as u64 + 2);
    match e {
        StoreError::Row { row, message } => {
            BadInput(format!("{file}:{}: {message}", line(row))).into()
        }
        StoreError::Conflict { row, id } => BadInput(format!(
            "{file}:{}: id: {id:?} is already stored (use --on-conflict skip or update)",
            line(row)
        ))
        .into(),
        other => anyhow::Error::new(other),
    }
}

fn print_record(r: &ImportRecord) {
    println!(
        "batch {}: {} {}: {} inserted, {} updated, {} skipped",
        r.batch,
        r.kind.as_str(),
        r.file_name,
        r.inserted,
        r.updated,
        r.skipped
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_name_the_file_line() {
        let e = locate(
            StoreError::Conflict {
                row: 1,
                id: "R7".into(),
            },
            "r.csv",
            &[2, 5, 6],
        );
        assert_eq!(
            e.to_string(),
            "r.csv:5: id: \"R7\" is already stored (use --on-conflict skip or update)"
        );
        assert_eq!(crate::cli::exit::exit_code(&e), 2);
        let e = locate(
            StoreError::Row {
                row: 0,
                message: "lat: 95 is outside [-90, 90]".into(),
            },
            "r.csv",
            &[3],
        );
        assert_eq!(e.to_string(), "r.csv:3: lat: 95 is outside [-90, 90]");
    }
}
