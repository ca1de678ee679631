//! Deterministic synthetic reports and sites (clearly labelled synthetic).
//!
//! Nothing here is real data. Sensitive sites (schools, boarding houses, industrial zones,
//! karaoke bars) are scattered around the centres of a few real Vietnamese cities and named
//! `Synthetic school 3 (Huế)` etc.; every site carries `"synthetic": true` and every report
//! id starts with `SYN-`. Reports come from Gaussian hotspots (σ 50–300 m) anchored near
//! those sites, each with a life cycle (it starts, grows, peaks and fades at its own
//! times), plus background noise spread over the cities. The same parameters always give
//! the same bytes: one ChaCha8 stream seeded with `seed`, no hash-map iteration order, no
//! clock.

use crate::model::{Report, ReportKind, Site, SiteKind};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::io::{self, Write};

/// Metres per degree of latitude (and of longitude at the equator).
const M_PER_DEG: f64 = 111_320.0;

/// Share of reports that are background noise rather than hotspot members.
const NOISE_SHARE: f64 = 0.10;

/// Background reports fall in a 40 km square around each city centre: sparse enough
/// (≤ 16 reports/km² for 1M reports) that DBSCAN at 150 m / 5 leaves almost all as noise.
const NOISE_HALF_WIDTH_M: f64 = 20_000.0;

/// Reports per hotspot on average; keeps 1M reports from piling up tens of thousands of
/// points within 150 m (a hotspot holds ~1 300 reports on average, at most ~4× that).
const REPORTS_PER_HOTSPOT: usize = 1_500;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthParams {
    pub n: usize,
    pub seed: u64,
    /// First day of the time span.
    pub from: NaiveDate,
    /// Length of the time span in years.
    pub years: u32,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            n: 100_000,
            seed: 42,
            from: NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date"),
            years: 3,
        }
    }
}

/// A real place around which synthetic data is placed.
struct City {
    name: &'static str,
    code: &'static str,
    lon: f64,
    lat: f64,
    /// Relative share of hotspots and noise.
    weight: f64,
}

const CITIES: &[City] = &[
    City {
        name: "Huế",
        code: "HUE",
        lon: 107.5909,
        lat: 16.4637,
        weight: 2.0,
    },
    City {
        name: "Biên Hòa",
        code: "BHO",
        lon: 106.8429,
        lat: 10.9574,
        weight: 3.0,
    },
    City {
        name: "Thủ Đức",
        code: "TDU",
        lon: 106.7537,
        lat: 10.8494,
        weight: 2.5,
    },
    City {
        name: "Đà Nẵng",
        code: "DNG",
        lon: 108.2022,
        lat: 16.0544,
        weight: 2.0,
    },
    City {
        name: "Hải Phòng",
        code: "HPG",
        lon: 106.6881,
        lat: 20.8449,
        weight: 1.5,
    },
    City {
        name: "Cần Thơ",
        code: "CTO",
        lon: 105.7469,
        lat: 10.0452,
        weight: 1.0,
    },
];

/// Sites per city, by kind.
const SITES_PER_CITY: &[(SiteKind, usize, &str)] = &[
    (SiteKind::School, 8, "school"),
    (SiteKind::BoardingHouse, 10, "boarding house"),
    (SiteKind::IndustrialZone, 2, "industrial zone"),
    (SiteKind::Karaoke, 6, "karaoke"),
];

/// The generated data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Sorted by `observed_at`; ids `SYN-0000001`… in that order.
    pub reports: Vec<Report>,
    pub sites: Vec<Site>,
    /// The city each site belongs to, parallel to `sites`.
    pub site_cities: Vec<&'static str>,
}

/// One Gaussian hotspot with a life cycle.
struct Hotspot {
    lon: f64,
    lat: f64,
    sigma_m: f64,
    /// Start and length of its active period, in days from `from`.
    start: f64,
    length: f64,
    /// Where in its period it peaks (0..1): early peaks fade, late peaks are still growing.
    peak: f64,
    /// Cumulative kind weights, indexed like `ReportKind::ALL`.
    kinds: [f64; 5],
}

/// Generates `params.n` reports and the sites they cluster around.
pub fn generate(params: &SynthParams) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let std = Normal::new(0.0, 1.0).expect("unit normal");
    let span_days = (params.years.max(1) as f64 * 365.25).floor();
    let city_total: f64 = CITIES.iter().map(|c| c.weight).sum();

    let (sites, site_cities) = make_sites(&mut rng, &std);

    let n_hot = (params.n / REPORTS_PER_HOTSPOT).max(4);
    let mut hotspots = Vec::with_capacity(n_hot);
    let mut weights = Vec::with_capacity(n_hot);
    for _ in 0..n_hot {
        let (lon, lat, anchor) = if rng.random::<f64>() < 0.75 {
            let s = &sites[rng.random_range(0..sites.len())];
            let c = geo_centre(&s.geometry);
            let (dx, dy) = (std.sample(&mut rng) * 150.0, std.sample(&mut rng) * 150.0);
            let (lon, lat) = offset(c.0, c.1, dx, dy);
            (lon, lat, Some(s.kind))
        } else {
            let c = pick_city(&mut rng, city_total);
            let (lon, lat) = offset(
                c.lon,
                c.lat,
                std.sample(&mut rng) * 3_000.0,
                std.sample(&mut rng) * 3_000.0,
            );
            (lon, lat, None)
        };
        let length = rng.random_range(0.25..1.0) * span_days;
        hotspots.push(Hotspot {
            lon,
            lat,
            sigma_m: rng.random_range(50.0..300.0),
            start: rng.random::<f64>() * (span_days - length),
            length,
            peak: rng.random_range(0.1..0.95),
            kinds: kind_weights(anchor, &mut rng),
        });
        // Hotspot sizes vary (log-normal, capped at 4× the median).
        weights.push((std.sample(&mut rng) * 0.6).exp().min(4.0));
    }
    let cum_weights = cumulative(&weights);

    let n_noise = (params.n as f64 * NOISE_SHARE).round() as usize;
    let mut raw: Vec<(NaiveDateTime, f64, f64, ReportKind)> = Vec::with_capacity(params.n);
    let day0 = params.from.and_hms_opt(0, 0, 0).expect("midnight");
    for i in 0..params.n {
        if i < n_noise {
            let c = pick_city(&mut rng, city_total);
            let (lon, lat) = offset(
                c.lon,
                c.lat,
                rng.random_range(-NOISE_HALF_WIDTH_M..NOISE_HALF_WIDTH_M),
                rng.random_range(-NOISE_HALF_WIDTH_M..NOISE_HALF_WIDTH_M),
            );
            let day = rng.random::<f64>() * span_days;
            let kind = pick(&NOISE_KINDS, &mut rng);
            raw.push((at(day0, day, &mut rng), lon, lat, kind));
        } else {
            let h = &hotspots[pick_index(&cum_weights, &mut rng)];
            let (lon, lat) = offset(
                h.lon,
                h.lat,
                std.sample(&mut rng) * h.sigma_m,
                std.sample(&mut rng) * h.sigma_m,
            );
            let day = h.start + h.length * triangular(h.peak, rng.random::<f64>());
            let kind = pick(&h.kinds, &mut rng);
            raw.push((at(day0, day, &mut rng), lon, lat, kind));
        }
    }
    raw.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
    });
    let reports = raw
        .into_iter()
        .enumerate()
        .map(|(i, (observed_at, lon, lat, kind))| Report {
            id: format!("SYN-{:07}", i + 1),
            lon: (lon * 1e6).round() / 1e6,
            lat: (lat * 1e6).round() / 1e6,
            kind,
            observed_at,
        })
        .collect();
    Synthetic {
        reports,
        sites,
        site_cities,
    }
}

const NOISE_KINDS: [f64; 5] = cum5([0.55, 0.1, 0.1, 0.2, 0.05]);

const fn cum5(w: [f64; 5]) -> [f64; 5] {
    [
        w[0],
        w[0] + w[1],
        w[0] + w[1] + w[2],
        w[0] + w[1] + w[2] + w[3],
        1.0,
    ]
}

/// Kind mix of a hotspot by what it is near: use and sale around schools and karaoke,
/// storage in boarding houses, trafficking around industrial zones, some cultivation away
/// from sites.
fn kind_weights(anchor: Option<SiteKind>, rng: &mut ChaCha8Rng) -> [f64; 5] {
    let base = match anchor {
        Some(SiteKind::School) => [0.5, 0.05, 0.1, 0.35, 0.0],
        Some(SiteKind::BoardingHouse) => [0.5, 0.2, 0.1, 0.2, 0.0],
        Some(SiteKind::IndustrialZone) => [0.45, 0.15, 0.25, 0.15, 0.0],
        Some(SiteKind::Karaoke) => [0.6, 0.05, 0.05, 0.3, 0.0],
        _ => [0.4, 0.15, 0.15, 0.2, 0.1],
    };
    let jittered: Vec<f64> = base
        .iter()
        .map(|w| w * rng.random_range(0.5..1.5))
        .collect();
    let total: f64 = jittered.iter().sum();
    let mut out = [0.0; 5];
    let mut acc = 0.0;
    for (i, w) in jittered.iter().enumerate() {
        acc += w / total;
        out[i] = acc;
    }
    out[4] = 1.0;
    out
}

fn make_sites(rng: &mut ChaCha8Rng, std: &Normal<f64>) -> (Vec<Site>, Vec<&'static str>) {
    let mut sites = Vec::new();
    let mut cities = Vec::new();
    let mut numbers = [0usize; 4];
    for c in CITIES {
        for (k, (kind, count, label)) in SITES_PER_CITY.iter().enumerate() {
            for _ in 0..*count {
                numbers[k] += 1;
                let spread = if *kind == SiteKind::IndustrialZone {
                    5_000.0
                } else {
                    2_500.0
                };
                let (lon, lat) = offset(
                    c.lon,
                    c.lat,
                    std.sample(rng) * spread,
                    std.sample(rng) * spread,
                );
                let geometry = if *kind == SiteKind::IndustrialZone {
                    let (w, h) = (
                        rng.random_range(600.0..1500.0),
                        rng.random_range(400.0..1000.0),
                    );
                    let (x0, y0) = offset(lon, lat, -w / 2.0, -h / 2.0);
                    let (x1, y1) = offset(lon, lat, w / 2.0, h / 2.0);
                    let r = |v: f64| (v * 1e6).round() / 1e6;
                    geo::Geometry::Polygon(geo::Polygon::new(
                        geo::LineString::from(vec![
                            (r(x0), r(y0)),
                            (r(x1), r(y0)),
                            (r(x1), r(y1)),
                            (r(x0), r(y1)),
                            (r(x0), r(y0)),
                        ]),
                        vec![],
                    ))
                } else {
                    geo::Geometry::Point(geo::Point::new(
                        (lon * 1e6).round() / 1e6,
                        (lat * 1e6).round() / 1e6,
                    ))
                };
                sites.push(Site {
                    id: format!(
                        "SYN-{}-{}{:02}",
                        c.code,
                        &label[..1].to_uppercase(),
                        numbers[k]
                    ),
                    name: format!("Synthetic {label} {} ({})", numbers[k], c.name),
                    kind: *kind,
                    geometry,
                });
                cities.push(c.name);
            }
        }
    }
    (sites, cities)
}

fn geo_centre(g: &geo::Geometry<f64>) -> (f64, f64) {
    use geo::Centroid;
    let c = g.centroid().expect("sites are non-empty");
    (c.x(), c.y())
}

fn pick_city(rng: &mut ChaCha8Rng, total: f64) -> &'static City {
    let mut x = rng.random::<f64>() * total;
    for c in CITIES {
        if x < c.weight {
            return c;
        }
        x -= c.weight;
    }
    &CITIES[CITIES.len() - 1]
}

/// Moves a lon/lat by metres east (`dx`) and north (`dy`) (local flat approximation).
fn offset(lon: f64, lat: f64, dx: f64, dy: f64) -> (f64, f64) {
    (
        lon + dx / (M_PER_DEG * lat.to_radians().cos()),
        lat + dy / M_PER_DEG,
    )
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

fn pick_index(cum: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let x = rng.random::<f64>();
    cum.partition_point(|&c| c < x).min(cum.len() - 1)
}

fn pick(cum: &[f64; 5], rng: &mut ChaCha8Rng) -> ReportKind {
    ReportKind::ALL[pick_index(cum, rng)]
}

/// Inverse CDF of the triangular distribution on [0, 1] with mode `m`.
fn triangular(m: f64, u: f64) -> f64 {
    if u < m {
        (u * m).sqrt()
    } else {
        1.0 - ((1.0 - u) * (1.0 - m)).sqrt()
    }
}

/// `day0` plus `day` days, at a whole second between 06:00 and 24:00 of that day.
fn at(day0: NaiveDateTime, day: f64, rng: &mut ChaCha8Rng) -> NaiveDateTime {
    let secs = rng.random_range(6 * 3600..24 * 3600);
    day0 + Duration::days(day.floor() as i64) + Duration::seconds(secs)
}

/// Writes reports as `id,lon,lat,kind,observed_at` CSV (6 decimals, local time).
pub fn write_reports_csv<W: Write>(mut w: W, reports: &[Report]) -> io::Result<()> {
    w.write_all(b"id,lon,lat,kind,observed_at\n")?;
    for r in reports {
        writeln!(
            w,
            "{},{:.6},{:.6},{},{}",
            r.id,
            r.lon,
            r.lat,
            r.kind.as_str(),
            r.observed_at.format("%Y-%m-%dT%H:%M:%S")
        )?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Haversine};

    fn small(seed: u64) -> Synthetic {
        generate(&SynthParams {
            n: 5_000,
            seed,
            ..Default::default()
        })
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        assert_eq!(small(1), small(1));
        assert_ne!(small(1).reports, small(2).reports);
    }

    #[test]
    fn reports_span_the_years_and_sit_near_the_cities() {
        let s = small(42);
        assert_eq!(s.reports.len(), 5_000);
        let first = s.reports.first().unwrap().observed_at.date();
        let last = s.reports.last().unwrap().observed_at.date();
        assert!(first < NaiveDate::from_ymd_opt(2023, 3, 1).unwrap());
        assert!(last > NaiveDate::from_ymd_opt(2025, 9, 1).unwrap());
        assert!(last < NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        for r in &s.reports {
            let near = CITIES
                .iter()
                .any(|c| (r.lon - c.lon).abs() < 0.4 && (r.lat - c.lat).abs() < 0.4);
            assert!(near, "{r:?}");
        }
        assert!(s.sites.iter().all(|s| s.name.starts_with("Synthetic ")));
    }

    #[test]
    fn hotspots_are_dense_but_not_absurdly_so() {
        let s = generate(&SynthParams {
            n: 20_000,
            seed: 7,
            ..Default::default()
        });
        // The densest report's 150 m neighbourhood holds a few percent of the data at most.
        let pts: Vec<geo::Point<f64>> = s
            .reports
            .iter()
            .step_by(50)
            .map(|r| geo::Point::new(r.lon, r.lat))
            .collect();
        let max = pts
            .iter()
            .map(|a| {
                pts.iter()
                    .filter(|b| Haversine.distance(*a, **b) <= 150.0)
                    .count()
            })
            .max()
            .unwrap();
        assert!(max > 5, "no dense spot: {max}");
        assert!(max * 50 < 20_000 / 10, "too dense: {max}");
    }

    #[test]
    fn csv_round_trips_through_ingest() {
        let s = small(3);
        let mut buf = Vec::new();
        write_reports_csv(&mut buf, &s.reports).unwrap();
        let p = crate::ingest::csv::read_reports(&buf, "s.csv", &Default::default()).unwrap();
        assert_eq!(p.rows, s.reports);
    }
}
