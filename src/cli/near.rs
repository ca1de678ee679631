//! `hotspot near`: reports near sensitive sites (and, with `--eps-m`, hotspots with their
//! nearby sites), sorted so the places police protect first come first.

use super::input::{InputArgs, load_sites};
use super::layer_file::{FormatArgs, write_features};
use super::output::{OutputArgs, Reporter, commit_all, create};
use super::{bad_param, parse_metres};
use crate::analysis::dbscan::DbscanParams;
use crate::analysis::proximity::{SiteProximity, sites_near_hotspots};
use crate::model::Site;
use crate::ops::hotspots::cluster;
use crate::ops::near::near_sites;
use crate::render::geojson::{hotspot_feature_with_sites, near_feature};
use anyhow::Result;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Sensitive sites (GeoJSON Points or Polygons with id, name, kind); with --db and no
    /// --sites, the stored sites.
    #[arg(long, value_name = "FILE")]
    pub sites: Option<String>,
    /// Distance in metres from a site (its point or polygon).
    #[arg(long, default_value = "300", value_parser = parse_metres)]
    pub within_m: f64,
    /// Also cluster the reports (DBSCAN radius in metres) and list the sites near each hotspot.
    #[arg(long, value_parser = parse_metres)]
    pub eps_m: Option<f64>,
    /// DBSCAN minimum points (with --eps-m).
    #[arg(long, default_value_t = 5, requires = "eps_m", value_parser = clap::value_parser!(u32).range(1..))]
    pub min_pts: u32,
    /// Sites (and hotspots) (format from the extension: .geojson, .gpkg, .fgb, .csv; or --format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<String>,
    /// Rows of the table printed (0 = all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("near", args.output);
    let format = args.format.resolve(args.out.as_deref())?;
    let tz = args.input.tz.tz;
    let mut rejects = args.input.rejects_output()?;
    let mut out = args.out.as_deref().map(create).transpose()?;

    let loaded = rep.time("read", |_| args.input.load(rejects.as_mut()))?;
    let sites = rep.time("read_sites", |_| {
        load_sites(args.sites.as_deref(), &args.input)
    })?;
    let reports = &loaded.reports;
    let prox = rep.time("proximity", |_| near_sites(reports, &sites, args.within_m));

    let hotspots = match args.eps_m {
        Some(eps_m) => {
            let params = DbscanParams {
                eps_m,
                min_pts: args.min_pts as usize,
            };
            let hs = rep
                .time("cluster", |_| cluster(reports, &params))
                .map_err(bad_param)?
                .hotspots;
            let near = sites_near_hotspots(&hs, &sites, args.within_m);
            Some((hs, near))
        }
        None => None,
    };

    rep.time("write", |_| -> Result<()> {
        if let Some(o) = out.as_mut() {
            let site_features = prox.iter().map(|p| near_feature(&sites[p.site], p));
            let hotspot_features = hotspots.iter().flat_map(|(hs, near)| {
                hs.iter()
                    .zip(near)
                    .map(|(h, n)| hotspot_feature_with_sites(h, n, &sites))
            });
            write_features(
                o,
                format,
                &args.format,
                "near",
                site_features.chain(hotspot_features),
                tz,
            )?;
        }
        Ok(())
    })?;
    commit_all([rejects, out])?;

    if !rep.quiet() {
        let table = table(&sites, &prox, args.top, args.within_m);
        if args.out.as_deref() == Some("-") {
            eprint!("{table}");
        } else {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(table.as_bytes());
        }
    }

    let with_reports = prox.iter().filter(|p| !p.reports.is_empty()).count();
    rep.set("source", loaded.source.as_str());
    rep.set("reports", reports.len());
    rep.set("rejected", loaded.rejected);
    rep.set("sites", sites.len());
    rep.set("sites_with_reports", with_reports);
    if let Some((hs, near)) = &hotspots {
        rep.set("hotspots", hs.len());
        rep.set(
            "hotspots_near_sites",
            near.iter().filter(|n| !n.is_empty()).count(),
        );
    }
    for (role, path) in [("rejects", &args.input.rejects), ("out", &args.out)] {
        if let Some(p) = path {
            rep.output(role, p);
        }
    }
    rep.finish();
    Ok(())
}

/// A plain-text table of the first `top` sites (0 = all).
pub fn table(sites: &[Site], prox: &[SiteProximity], top: usize, within_m: f64) -> String {
    let rows = if top == 0 {
        prox.len()
    } else {
        top.min(prox.len())
    };
    let mut s = format!(
        "{:<16} {:<14} {:>8} {:>10}  {}\n",
        "kind",
        "id",
        format!("≤{within_m}m"),
        "nearest_m",
        "name"
    );
    for p in &prox[..rows] {
        let site = &sites[p.site];
        let nearest = p
            .nearest_m
            .map(|d| format!("{d:.0}"))
            .unwrap_or_else(|| "-".into());
        s.push_str(&format!(
            "{:<16} {:<14} {:>8} {:>10}  {}\n",
            site.kind.as_str(),
            site.id,
            p.reports.len(),
            nearest,
            site.name
        ));
    }
    if rows < prox.len() {
        s.push_str(&format!("… and {} more sites\n", prox.len() - rows));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SiteKind;
    use crate::ops::near::sort_for_planners;

    fn site(id: &str, kind: SiteKind) -> Site {
        Site {
            id: id.into(),
            name: id.into(),
            kind,
            geometry: geo::Geometry::Point(geo::Point::new(0.0, 0.0)),
        }
    }

    fn prox(site: usize, n: usize, nearest: Option<f64>) -> SiteProximity {
        SiteProximity {
            site,
            reports: (0..n).collect(),
            kind_counts: [0; 5],
            nearest_m: nearest,
        }
    }

    #[test]
    fn protected_kinds_with_most_reports_come_first() {
        let sites = vec![
            site("k", SiteKind::Karaoke),
            site("s1", SiteKind::School),
            site("b", SiteKind::BoardingHouse),
            site("s2", SiteKind::School),
        ];
        let mut p = vec![
            prox(0, 50, Some(1.0)),
            prox(1, 2, Some(10.0)),
            prox(2, 7, Some(40.0)),
            prox(3, 2, Some(5.0)),
        ];
        sort_for_planners(&sites, &mut p);
        let order: Vec<&str> = p.iter().map(|x| sites[x.site].id.as_str()).collect();
        assert_eq!(order, vec!["b", "s2", "s1", "k"]);
        let t = table(&sites, &p, 2, 300.0);
        assert!(t.contains("boarding_house"));
        assert!(t.ends_with("… and 2 more sites\n"));
    }
}
