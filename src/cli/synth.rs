//! `hotspot synth`: deterministic synthetic reports (CSV) and sites (GeoJSON).

use super::output::{OutputArgs, Reporter, commit_all, create, write_features};
use crate::render::geojson::site_feature;
use crate::synth::{SynthParams, generate, write_reports_csv};
use anyhow::Result;
use chrono::NaiveDate;
use std::io::BufWriter;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Number of reports.
    #[arg(long, default_value_t = 100_000)]
    pub n: usize,
    /// Random seed: the same arguments always give the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Reports CSV (`-` = stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: String,
    /// Also write the synthetic sensitive sites (GeoJSON).
    #[arg(long, value_name = "FILE")]
    pub sites: Option<String>,
    /// First day of the time span.
    #[arg(long, default_value = "2023-01-01")]
    pub from: NaiveDate,
    /// Length of the time span in years.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub years: u32,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("synth", args.output);
    let mut out = Some(create(&args.out)?);
    let mut sites_out = args.sites.as_deref().map(create).transpose()?;
    let params = SynthParams {
        n: args.n,
        seed: args.seed,
        from: args.from,
        years: args.years,
    };
    let data = rep.time("generate", |_| generate(&params));
    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_reports_csv(BufWriter::with_capacity(1 << 16, o), &data.reports)?;
        }
        if let Some(o) = sites_out.as_mut() {
            let features = data.sites.iter().zip(&data.site_cities).map(|(s, city)| {
                let mut f = site_feature(s);
                f.set_property("city", *city);
                f.set_property("synthetic", true);
                f
            });
            write_features(o, features)?;
        }
        Ok(())
    })?;
    commit_all([out, sites_out])?;

    rep.set("reports", data.reports.len());
    rep.set("sites", data.sites.len());
    rep.set("seed", args.seed);
    rep.output("out", &args.out);
    if let Some(s) = &args.sites {
        rep.output("sites", s);
    }
    rep.say(format!(
        "wrote {} synthetic reports to {}{}",
        data.reports.len(),
        args.out,
        args.sites
            .as_deref()
            .map(|s| format!(" and {} synthetic sites to {s}", data.sites.len()))
            .unwrap_or_default()
    ));
    rep.finish();
    Ok(())
}
