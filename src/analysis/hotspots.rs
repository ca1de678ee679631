//! Summaries of DBSCAN clusters as hotspots (polygon, counts per kind, first/last seen).
use super::dbscan::Clustering;
use super::hull::cluster_polygon;
use crate::index::unit_xyz;
use crate::model::{KIND_COUNT, Report};
use chrono::NaiveDateTime;
use geo::{Coord, GeodesicArea, Polygon};
use rayon::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Hotspot {
    pub cluster: i32,
    pub count: usize,
    pub core_count: usize,
    /// Indexed by `ReportKind::index`.
    pub kind_counts: [u32; KIND_COUNT],
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub polygon: Polygon<f64>,
    /// Geodesic area of `polygon`, m².
    pub area_m2: f64,
    pub centroid: Coord<f64>,
    /// Indices into the input slice of this cluster's reports, ascending.
    pub members: Vec<usize>,
}

/// One [`Hotspot`] per cluster, in cluster order.
///
/// `clustering` must come from `dbscan` over the same `reports` (same length and order).
/// Clusters are summarised in parallel; each summary depends only on its own members, so
/// the output does not depend on the thread count.
///
/// The centroid is the normalised mean of the members' unit-sphere vectors: the centre of
/// mass of the reports (not of the polygon), which stays right across the antimeridian.
pub fn summarize(reports: &[Report], clustering: &Clustering) -> Vec<Hotspot> {
    assert_eq!(
        reports.len(),
        clustering.labels.len(),
        "clustering of other reports"
    );
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clustering.cluster_count];
    for (i, &l) in clustering.labels.iter().enumerate() {
        if l >= 0 {
            members[l as usize].push(i);
        }
    }
    members
        .into_par_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(cluster, members)| summarize_one(reports, clustering, cluster as i32, members))
        .collect()
}

fn summarize_one(
    reports: &[Report],
    clustering: &Clustering,
    cluster: i32,
    members: Vec<usize>,
) -> Hotspot {
    super::cancel::checkpoint();
    let coords: Vec<Coord<f64>> = members
        .iter()
        .map(|&i| Coord {
            x: reports[i].lon,
            y: reports[i].lat,
        })
        .collect();
    let mut kind_counts = [0u32; KIND_COUNT];
    let mut first_seen = reports[members[0]].observed_at;
    let mut last_seen = first_seen;
    let mut sum = [0.0f64; 3];
    for (&i, &c) in members.iter().zip(&coords) {
        let r = &reports[i];
        kind_counts[r.kind.index()] += 1;
        first_seen = first_seen.min(r.observed_at);
        last_seen = last_seen.max(r.observed_at);
        let v = unit_xyz(c);
        for k in 0..3 {
            sum[k] += v[k];
        }
    }
    let polygon = cluster_polygon(&coords);
    let area_m2 = polygon.geodesic_area_unsigned();
    Hotspot {
        cluster,
        count: members.len(),
        core_count: members.iter().filter(|&&i| clustering.core[i]).count(),
        kind_counts,
        first_seen,
        last_seen,
        polygon,
        area_m2,
        centroid: sphere_mean(sum, coords[0]),
        members,
    }
}

/// Lon/lat of a summed unit vector; `fallback` when the vectors cancel out.
fn sphere_mean([x, y, z]: [f64; 3], fallback: Coord<f64>) -> Coord<f64> {
    let h = x.hypot(y);
    if h == 0.0 && z == 0.0 {
        return fallback;
    }
    Coord {
        x: if h == 0.0 {
            fallback.x
        } else {
            y.atan2(x).to_degrees()
        },
        y: z.atan2(h).to_degrees(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dbscan::{DbscanParams, NOISE, dbscan};
    use crate::model::ReportKind;
    use chrono::NaiveDate;
    use geo::{Intersects, Point, Validation};

    fn report(id: usize, lon: f64, lat: f64, kind: ReportKind, day: u32) -> Report {
        Report {
            id: id.to_string(),
            lon,
            lat,
            kind,
            observed_at: NaiveDate::from_ymd_opt(2025, 3, day)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn two_clusters_summarised() {
        use ReportKind::*;
        // Cluster 0: a ~22 m × 22 m square of 5 reports; cluster 1: three reports at one spot.
        let reports = vec![
            report(0, 107.5900, 16.4600, Sale, 5),
            report(1, 107.5902, 16.4600, Use, 2),
            report(2, 107.5902, 16.4602, Use, 9),
            report(3, 107.5900, 16.4602, Storage, 7),
            report(4, 107.5901, 16.4601, Sale, 3),
            report(5, 107.6500, 16.5000, Trafficking, 1),
            report(6, 107.6500, 16.5000, Trafficking, 20),
            report(7, 107.6500, 16.5000, Cultivation, 11),
            report(8, 107.7000, 16.5000, Use, 4),
        ];
        let coords: Vec<Coord<f64>> = reports
            .iter()
            .map(|r| Coord { x: r.lon, y: r.lat })
            .collect();
        let c = dbscan(
            &coords,
            &DbscanParams {
                eps_m: 30.0,
                min_pts: 3,
            },
        )
        .unwrap();
        assert_eq!(c.labels, vec![0, 0, 0, 0, 0, 1, 1, 1, NOISE]);
        let hs = summarize(&reports, &c);
        assert_eq!(hs.len(), 2);
        let h = &hs[0];
        assert_eq!((h.cluster, h.count, h.core_count), (0, 5, 5));
        assert_eq!(h.kind_counts, [2, 1, 0, 2, 0]);
        assert_eq!(h.first_seen.format("%d").to_string(), "02");
        assert_eq!(h.last_seen.format("%d").to_string(), "09");
        assert_eq!(h.members, vec![0, 1, 2, 3, 4]);
        // Square of 0.0002° lon × 0.0002° lat at 16.46° N: 21.33 m × 22.12 m.
        let expected = 0.0002f64.to_radians().powi(2)
            * crate::index::EARTH_RADIUS_M.powi(2)
            * 16.46f64.to_radians().cos();
        assert!(
            (h.area_m2 - expected).abs() / expected < 0.01,
            "{} vs {}",
            h.area_m2,
            expected
        );
        assert!((h.centroid.x - 107.5901).abs() < 1e-7 && (h.centroid.y - 16.4601).abs() < 1e-7);
        for &i in &h.members {
            assert!(
                h.polygon
                    .intersects(&Point::new(reports[i].lon, reports[i].lat))
            );
        }
        let h = &hs[1];
        assert_eq!((h.count, h.kind_counts), (3, [0, 0, 2, 0, 1]));
        assert!(h.polygon.is_valid());
        // A 16-gon of 15 m radius: area 8·r²·sin(π/8)... = ½·16·r²·sin(2π/16).
        let gon = 8.0 * 15.0f64.powi(2) * (std::f64::consts::TAU / 16.0).sin();
        assert!((h.area_m2 - gon).abs() / gon < 0.01, "{}", h.area_m2);
        assert!((h.centroid.x - 107.65).abs() < 1e-9);
    }

    #[test]
    fn centroid_across_the_antimeridian() {
        let c = sphere_mean(
            {
                let (a, b) = (
                    unit_xyz(Coord { x: 179.9, y: 0.0 }),
                    unit_xyz(Coord { x: -179.9, y: 0.0 }),
                );
                [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
            },
            Coord { x: 0.0, y: 0.0 },
        );
        assert!((c.x.abs() - 180.0).abs() < 1e-9 && c.y.abs() < 1e-9);
    }
}
