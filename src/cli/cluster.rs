//! `hotspot cluster`: DBSCAN labels (`id,cluster` in input order) and hotspot polygons.

use super::input::InputArgs;
use super::layer_file::{FormatArgs, write_features};
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{bad_param, parse_metres};
use crate::analysis::dbscan::{DbscanParams, NOISE};
use crate::ops::hotspots::cluster;
use crate::render::geojson::hotspots_features;
use anyhow::Result;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Neighbourhood radius in metres (great-circle).
    #[arg(long, default_value = "150", value_parser = parse_metres)]
    pub eps_m: f64,
    /// Minimum reports within eps of a core report, itself included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_pts: u32,
    /// Labels file: `id,cluster` per report in input order (-1 = noise).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<String>,
    /// Hotspot polygons (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("cluster", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let tz = args.input.tz.tz;
    let mut rejects = args.input.rejects_output()?;
    let mut labels_out = args.labels.as_deref().map(create).transpose()?;
    let mut geo_out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let reports = &loaded.reports;
    let params = DbscanParams {
        eps_m: args.eps_m,
        min_pts: args.min_pts as usize,
    };
    let clustered = rep
        .time("cluster", |_| cluster(reports, &params))
        .map_err(bad_param)?;
    let (clustering, hotspots) = (&clustered.clustering, &clustered.hotspots);

    rep.time("write", |_| -> Result<()> {
        if let Some(out) = labels_out.as_mut() {
            let mut w = std::io::BufWriter::new(out);
            let mut csv = csv::Writer::from_writer(&mut w);
            csv.write_record(["id", "cluster"])?;
            let mut buf = itoa_buf();
            for (r, &l) in reports.iter().zip(&clustering.labels) {
                csv.write_record([r.id.as_bytes(), fmt_label(&mut buf, l)])?;
            }
            csv.flush()?;
            drop(csv);
            w.flush()?;
        }
        if let Some(out) = geo_out.as_mut() {
            write_features(
                out,
                format,
                &args.format,
                "hotspots",
                hotspots_features(hotspots),
                tz,
            )?;
        }
        Ok(())
    })?;
    commit_all([rejects, labels_out, geo_out])?;

    let noise = clustering.labels.iter().filter(|&&l| l == NOISE).count();
    rep.set("source", loaded.source.as_str());
    rep.set("reports", reports.len());
    rep.set("rejected", loaded.rejected);
    rep.set("clusters", clustering.cluster_count);
    rep.set("noise", noise);
    for (role, path) in [
        ("rejects", &args.input.rejects),
        ("labels", &args.labels),
        ("out", &args.out),
    ] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    rep.say(format!(
        "{} reports from {} ({} rejected): {} hotspots, {} noise reports",
        reports.len(),
        loaded.source,
        loaded.rejected,
        clustering.cluster_count,
        noise
    ));
    rep.finish();
    Ok(())
}

fn itoa_buf() -> String {
    String::with_capacity(12)
}

fn fmt_label(buf: &mut String, l: i32) -> &[u8] {
    use std::fmt::Write as _;
    buf.clear();
    let _ = write!(buf, "{l}");
    buf.as_bytes()
}
