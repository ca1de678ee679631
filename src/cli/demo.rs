//! `hotspot demo`: loads the synthetic An Cựu demo ward into the store (the embedded SQLite
//! file by default) and serves the map. This is the README's run command.
//!
//! The demo files are compiled into the binary so the command works from any directory;
//! `--data DIR` loads another copy (e.g. after `hotspot demo-data --out DIR`). Loading is
//! idempotent: a file already imported (same sha256) is skipped, so running the demo twice
//! neither doubles nor loses anything.

use super::db_arg::DbArg;
use crate::cli::serve::ServeArgs;
use crate::ingest::IngestOptions;
use crate::store::{ImportKind, ImportMeta, OnConflict, Store, StoreError};
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Directory with the demo files (default: the copy built into the binary).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Address to serve the map on.
    #[arg(long, alias = "bind", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load the data, print what is stored and exit without serving.
    #[arg(long)]
    pub load_only: bool,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
}

/// One demo file: its name and bytes.
struct DemoFile {
    kind: ImportKind,
    name: &'static str,
    bytes: Vec<u8>,
}

/// Demo files in load order (areas before what refers to them).
const FILES: [(ImportKind, &str, &str); 6] = [
    (
        ImportKind::Areas,
        "areas.geojson",
        include_str!("../../data/demo/areas.geojson"),
    ),
    (
        ImportKind::Sites,
        "sites.geojson",
        include_str!("../../data/demo/sites.geojson"),
    ),
    (
        ImportKind::Reports,
        "reports.csv",
        include_str!("../../data/demo/reports.csv"),
    ),
    (
        ImportKind::Declarations,
        "declarations.csv",
        include_str!("../../data/demo/declarations.csv"),
    ),
    (
        ImportKind::Targets,
        "targets.csv",
        include_str!("../../data/demo/targets.csv"),
    ),
    (
        ImportKind::Plans,
        "plans.csv",
        include_str!("../../data/demo/plans.csv"),
    ),
];

fn demo_files(dir: Option<&PathBuf>) -> anyhow::Result<Vec<DemoFile>> {
    FILES
        .iter()
        .map(|(kind, name, embedded)| {
            let bytes = match dir {
                Some(d) => std::fs::read(d.join(name))
                    .with_context(|| format!("reading {}", d.join(name).display()))?,
                None => embedded.as_bytes().to_vec(),
            };
            Ok(DemoFile {
                kind: *kind,
                name,
                bytes,
            })
        })
        .collect()
}

/// Imports every demo file not imported yet; returns how many batches were added.
pub async fn load(store: &dyn Store, dir: Option<&PathBuf>) -> anyhow::Result<usize> {
    let opts = IngestOptions::default();
    let mut added = 0;
    for f in demo_files(dir)? {
        let file = format!("data/demo/{}", f.name);
        if f.kind == ImportKind::Plans {
            // Plans are records users edit, not an import batch: add them once.
            if store.plans(None).await?.is_empty() {
                for plan in crate::ingest::programme::parse_plans(&file, &f.bytes[..])? {
                    store.create_plan(&plan, "demo").await?;
                }
                added += 1;
            }
            continue;
        }
        let meta = ImportMeta {
            kind: f.kind,
            file_name: file.clone(),
            sha256: hex::encode(Sha256::digest(&f.bytes)),
            imported_by: "demo".into(),
            on_conflict: OnConflict::Error,
            force: false,
        };
        let result = match f.kind {
            ImportKind::Areas => {
                let p = crate::ingest::geojson::read_areas(&f.bytes, &file, &opts)?;
                store.import_areas(&meta, &p.rows).await
            }
            ImportKind::Sites => {
                let p = crate::ingest::geojson::read_sites(&f.bytes, &file, &opts)?;
                store.import_sites(&meta, &p.rows).await
            }
            ImportKind::Reports => {
                let p = crate::ingest::csv::read_reports(&f.bytes, &file, &opts)?;
                store.import_reports(&meta, &p.rows).await
            }
            ImportKind::Declarations => {
                let rows = crate::ingest::programme::parse_declarations(&file, &f.bytes[..])?;
                store.import_declarations(&meta, &rows).await
            }
            ImportKind::Targets => {
                let rows = crate::ingest::programme::parse_targets(&file, &f.bytes[..])?;
                store.import_targets(&meta, &rows).await
            }
            ImportKind::Plans => unreachable!("handled above"),
        };
        match result {
            Ok(_) => added += 1,
            Err(StoreError::AlreadyImported { .. }) => {}
            Err(e) => return Err(e).with_context(|| format!("loading {file}")),
        }
    }
    Ok(added)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let added = load(store.as_ref(), args.data.as_ref()).await?;
    let s = store.status().await?;
    let mut rep = super::output::Reporter::new("demo", args.output);
    rep.say(format!(
        "demo ward An Cựu (SYNTHETIC data) in {}: {} reports, {} sites, {} areas ({} new batches)",
        s.url, s.reports, s.sites, s.areas, added
    ));
    if args.load_only {
        rep.set("status", serde_json::to_value(&s)?);
        rep.set("new_batches", added);
        rep.finish();
        return Ok(());
    }
    drop(store);
    rep.say(format!(
        "map: http://{} (anyone may view aggregated layers; `hotspot token create --role analyst --name you` to see report points)",
        args.addr
    ));
    crate::cli::serve::run(ServeArgs::for_demo(args.db.url, args.addr, args.output)).await
}
