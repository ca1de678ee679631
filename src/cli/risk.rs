//! `hotspot risk`: risk near sensitive sites — a count model of reports per H3 cell on
//! "within N metres of a site of kind k", relative risk values in words, and a cell layer.
use super::input::{InputArgs, load_sites};
use super::layer_file::{FormatArgs, write_features};
use super::measure_args::flag_error;
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{parse_metres, parse_resolution};
use crate::model::SiteKind;
use crate::ops::risk::{Model, RiskParams, RiskResult, risk};
use crate::render::geojson::{cell_polygon, feature};
use anyhow::Result;
use geojson::Feature;
use serde_json::{Map, Value};
use std::io::Write;

const FLAGS: &[&str] = &["within-m", "kinds", "res", "sites", "input"];

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Sites GeoJSON (Point or Polygon; `id`, `name`, `kind`); default: the sites in --db.
    #[arg(long, value_name = "FILE")]
    pub sites: Option<String>,
    /// H3 resolution of the cells.
    #[arg(long, default_value = "9", value_parser = parse_resolution)]
    pub res: h3o::Resolution,
    /// A cell is exposed to a kind when its centre is within this many metres of such a site.
    #[arg(long, default_value = "300", value_parser = parse_metres, allow_hyphen_values = true)]
    pub within_m: f64,
    /// Site kinds to model (comma list); default: the kinds present among the sites.
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<SiteKind>,
    /// Count model: poisson or negbin (NB2, dispersion by maximum likelihood).
    #[arg(long, default_value = "poisson")]
    pub model: Model,
    /// Cell layer (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format): `h3`, `count`, `rrs` and one 0/1 property per factor.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: String,
    /// Coefficient table: `factor,beta,se,z,p,rrv,ci_low,ci_high`.
    #[arg(long, value_name = "FILE")]
    pub table: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The coefficient table as CSV, intercept first.
pub fn write_table(out: &mut dyn Write, r: &RiskResult) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["factor", "beta", "se", "z", "p", "rrv", "ci_low", "ci_high"])?;
    for f in &r.factors {
        w.write_record([
            f.factor.clone(),
            f.coef.beta.to_string(),
            f.coef.se.to_string(),
            f.coef.z.to_string(),
            f.coef.p.to_string(),
            f.rrv.rrv.to_string(),
            f.rrv.ci_low.to_string(),
            f.rrv.ci_high.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// One feature per cell: `h3`, `count`, `rrs`, and 0/1 per kept factor.
pub fn features(r: &RiskResult) -> impl Iterator<Item = Feature> + '_ {
    r.cells.iter().map(|c| {
        let mut props = Map::new();
        props.insert("h3".into(), c.cell.to_string().into());
        props.insert("count".into(), c.count.into());
        props.insert("rrs".into(), c.rrs.into());
        for (f, &x) in r.factors[1..].iter().zip(&c.exposed) {
            props.insert(f.factor.clone(), Value::from(u8::from(x)));
        }
        feature(&cell_polygon(c.cell), props, None)
    })
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("risk", args.output);
    let format = args.format.resolve(Some(args.out.as_str()))?;
    let tz = args.input.tz.tz;
    let mut out = Some(create(&args.out)?);
    let mut table = args.table.as_deref().map(create).transpose()?;
    let loaded = rep.time("read", |_| args.input.load(None))?;
    let sites = rep.time("sites", |_| load_sites(args.sites.as_deref(), &args.input))?;
    let params = RiskParams {
        resolution: args.res,
        within_m: args.within_m,
        kinds: (!args.kinds.is_empty()).then(|| args.kinds.clone()),
        model: args.model,
    };
    let result = rep
        .time("risk", |_| risk(&loaded.reports, &sites, &params))
        .map_err(|e| flag_error(e, FLAGS))?;
    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            write_features(o, format, &args.format, "risk", features(&result), tz)?;
        }
        if let Some(t) = table.as_mut() {
            write_table(t, &result)?;
        }
        Ok(())
    })?;
    commit_all([out, table])?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", loaded.reports.len());
    rep.set("sites", sites.len());
    rep.set("cells", result.cells.len());
    rep.set("within_m", args.within_m);
    rep.set("model", serde_json::to_value(result.model)?);
    rep.set("factors", serde_json::to_value(&result.factors)?);
    rep.set("dropped", serde_json::to_value(&result.dropped)?);
    rep.set("dispersion", result.dispersion);
    if let Some(a) = result.alpha {
        rep.set("alpha", a);
        rep.set("alpha_se", serde_json::to_value(result.alpha_se)?);
    }
    rep.set("warnings", serde_json::to_value(&result.warnings)?);
    rep.output("out", &args.out);
    if let Some(t) = &args.table {
        rep.output("table", t);
    }

    let mut lines = vec![format!(
        "{} reports, {} cells, {} sites; {} model",
        loaded.reports.len(),
        result.cells.len(),
        sites.len(),
        match result.model {
            Model::Poisson => "Poisson",
            Model::Negbin => "negative binomial (NB2)",
        }
    )];
    lines.push(format!(
        "{:<16} {:>8} {:>7} {:>7} {:>9} {:>6} {:>14}",
        "factor", "beta", "se", "z", "p", "RRV", "95% CI"
    ));
    for f in &result.factors {
        lines.push(format!(
            "{:<16} {:>8.3} {:>7.3} {:>7.2} {:>9.2e} {:>6.2} {:>6.2}–{:<6.2}",
            f.factor,
            f.coef.beta,
            f.coef.se,
            f.coef.z,
            f.coef.p,
            f.rrv.rrv,
            f.rrv.ci_low,
            f.rrv.ci_high
        ));
    }
    for f in &result.factors {
        if let Some(w) = &f.words {
            lines.push(w.clone());
        }
    }
    if !result.dropped.is_empty() {
        lines.push(format!(
            "dropped (no variation over the cells): {}",
            result
                .dropped
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let disp = format!("Pearson χ²/df = {:.2}", result.dispersion);
    lines.push(match result.alpha {
        Some(a) => format!("{disp}; NB2 α = {a:.4}"),
        None if result.dispersion > 1.5 => {
            format!("{disp}: overdispersed, try --model negbin")
        }
        None => disp,
    });
    for w in &result.warnings {
        lines.push(format!("warning: {w}"));
    }
    rep.say(lines.join("\n"));
    rep.finish();
    Ok(())
}
