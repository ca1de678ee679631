//! `hotspot kde`: quartic kernel density on H3 cell centres, in (weighted) reports per km².

use super::input::InputArgs;
use super::layer_file::{FormatArgs, write_features};
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{bad_param, parse_metres, parse_resolution};
use crate::analysis::kde::KdeParams;
use crate::model::KindWeights;
use crate::ops::kde::density;
use crate::render::geojson::kde_features;
use anyhow::Result;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Kernel radius in metres.
    #[arg(long, default_value = "300", value_parser = parse_metres)]
    pub bandwidth_m: f64,
    /// H3 resolution of the output cells.
    #[arg(long, default_value = "10", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// Weight per kind, e.g. `trafficking=3,storage=2,use=1`; kinds not named weigh 1.
    #[arg(long, value_parser = parse_weights, value_name = "KIND=W,…")]
    pub weights: Option<KindWeights>,
    /// Cells with `h3`, `density` (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--weights`: parsed by [`KindWeights`]'s `FromStr`.
pub fn parse_weights(s: &str) -> Result<KindWeights, String> {
    s.parse()
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("kde", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let tz = args.input.tz.tz;
    let mut rejects = args.input.rejects_output()?;
    let mut out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let reports = &loaded.reports;
    let params = KdeParams {
        bandwidth_m: args.bandwidth_m,
        resolution: args.res,
    };
    let cells = rep
        .time("kde", |_| {
            density(reports, args.weights.as_ref().map(|w| &w.0), &params, 0)
        })
        .map_err(bad_param)?;
    let max = cells.iter().map(|c| c.density).fold(0.0, f64::max);

    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_features(o, format, &args.format, "kde", kde_features(&cells), tz)?;
        }
        Ok(())
    })?;
    commit_all([rejects, out])?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", reports.len());
    rep.set("rejected", loaded.rejected);
    rep.set("cells", cells.len());
    rep.set("max_density", max);
    for (role, path) in [("rejects", &args.input.rejects), ("out", &args.out)] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    rep.say(format!(
        "{} reports from {}: {} cells, peak density {:.1} reports/km²",
        reports.len(),
        loaded.source,
        cells.len(),
        max
    ));
    rep.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_default_to_one() {
        let w = parse_weights("trafficking=3,Storage=2.5").unwrap().0;
        assert_eq!(w, [1.0, 2.5, 3.0, 1.0, 1.0]);
        assert!(parse_weights("heroin=2").is_err());
        assert!(parse_weights("use=-1").is_err());
        assert!(parse_weights("use").is_err());
    }
}
