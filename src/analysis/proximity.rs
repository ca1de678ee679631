//! Reports and hotspots near sensitive sites (schools, boarding houses, industrial zones…).
//!
//! Distances are great-circle metres (R = 6 371 008.8 m):
//! - to a point site: haversine distance;
//! - to a polygon site: 0 inside (or on the boundary), otherwise the haversine distance to the
//!   closest point of its rings, found with geo's `HaversineClosestPoint` (closest point on
//!   each great-circle edge). Containment is tested in lon/lat, as GeoJSON draws the edges;
//!   for sites of a few hundred metres the two edge models differ by centimetres.
//! - between a hotspot polygon and a site polygon: 0 when they intersect, otherwise the least
//!   vertex-to-boundary distance in either direction (the closest pair of two disjoint
//!   polygons always involves a vertex of one of them).
use super::hotspots::Hotspot;
use crate::index::{PointIndex, haversine_m};
use crate::model::{KIND_COUNT, Report, Site};
use geo::{
    BoundingRect, Closest, Coord, CoordsIter, Geometry, HaversineClosestPoint, Intersects,
    LineString, Point, Polygon,
};
use rayon::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct SiteProximity {
    /// Index into the sites slice.
    pub site: usize,
    /// Reports within the distance (indices into the reports slice, ascending).
    pub reports: Vec<usize>,
    pub kind_counts: [u32; KIND_COUNT],
    /// Distance to the nearest report, metres (0 inside a polygon site), if any report exists.
    pub nearest_m: Option<f64>,
}

/// For each site, the reports within `within_m` (distance to the site's point or polygon).
///
/// `index` must be built from the reports' coordinates in the same order.
/// `nearest_m` is the distance to the nearest report anywhere, not only within `within_m`.
pub fn reports_near_sites(
    sites: &[Site],
    reports: &[Report],
    index: &PointIndex,
    within_m: f64,
) -> Vec<SiteProximity> {
    assert_eq!(index.len(), reports.len(), "index of other reports");
    sites
        .par_iter()
        .enumerate()
        .map(|(s, site)| {
            let cap = Cap::of(&site.geometry);
            let mut hits: Vec<(usize, f64)> = index
                .within(cap.centre, cap.radius_m + within_m.max(0.0))
                .into_iter()
                .map(|i| (i, site_distance_m(&site.geometry, index.coords()[i])))
                .filter(|&(_, d)| d <= within_m)
                .collect();
            hits.sort_unstable_by_key(|&(i, _)| i);
            let nearest_m = nearest_report_m(&site.geometry, &cap, index);
            let mut kind_counts = [0u32; KIND_COUNT];
            for &(i, _) in &hits {
                kind_counts[reports[i].kind.index()] += 1;
            }
            SiteProximity {
                site: s,
                reports: hits.into_iter().map(|(i, _)| i).collect(),
                kind_counts,
                nearest_m,
            }
        })
        .collect()
}

/// For each hotspot, the sites within `within_m` of its polygon: (site index, metres), nearest first.
pub fn sites_near_hotspots(
    hotspots: &[Hotspot],
    sites: &[Site],
    within_m: f64,
) -> Vec<Vec<(usize, f64)>> {
    let site_caps: Vec<Cap> = sites.iter().map(|s| Cap::of(&s.geometry)).collect();
    hotspots
        .par_iter()
        .map(|h| {
            let hg = Geometry::Polygon(h.polygon.clone());
            let hcap = Cap::of(&hg);
            let mut near: Vec<(usize, f64)> = sites
                .iter()
                .zip(&site_caps)
                .enumerate()
                .filter(|(_, (_, cap))| {
                    haversine_m(hcap.centre, cap.centre) - hcap.radius_m - cap.radius_m <= within_m
                })
                .map(|(s, (site, _))| (s, geometry_distance_m(&h.polygon, &site.geometry)))
                .filter(|&(_, d)| d <= within_m)
                .collect();
            near.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            near
        })
        .collect()
}

/// A spherical cap holding every vertex of a geometry.
struct Cap {
    centre: Coord<f64>,
    radius_m: f64,
}

impl Cap {
    fn of(g: &Geometry<f64>) -> Self {
        let centre = g
            .bounding_rect()
            .map(|r| r.center())
            .unwrap_or(Coord { x: 0.0, y: 0.0 });
        let radius_m = g
            .coords_iter()
            .map(|c| haversine_m(centre, c))
            .fold(0.0, f64::max);
        Cap { centre, radius_m }
    }
}

/// Distance from the nearest report to the site, if there are reports.
///
/// The report nearest to the cap centre lies at some distance `dn` from it and so at most
/// `dn` from the site; any report closer to the site lies within `dn + radius` of the centre.
fn nearest_report_m(g: &Geometry<f64>, cap: &Cap, index: &PointIndex) -> Option<f64> {
    let (_, dn) = index.nearest(cap.centre)?;
    index
        .within(cap.centre, dn + cap.radius_m)
        .into_iter()
        .map(|i| site_distance_m(g, index.coords()[i]))
        .reduce(f64::min)
}

/// Metres from `p` to the site geometry (0 inside a polygon).
pub fn site_distance_m(g: &Geometry<f64>, p: Coord<f64>) -> f64 {
    match g {
        Geometry::Point(q) => haversine_m(q.0, p),
        Geometry::Polygon(poly) => polygon_distance_m(poly, p),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .map(|poly| polygon_distance_m(poly, p))
                .fold(f64::INFINITY, f64::min)
        }
        other => {
            if other.intersects(&Point::from(p)) {
                0.0
            } else {
                other
                    .coords_iter()
                    .map(|c| haversine_m(c, p))
                    .fold(f64::INFINITY, f64::min)
            }
        }
    }
}

/// Metres from `p` to a polygon: 0 inside or on it, else to the closest point of its rings.
pub fn polygon_distance_m(poly: &Polygon<f64>, p: Coord<f64>) -> f64 {
    let pt = Point::from(p);
    if poly.intersects(&pt) {
        return 0.0;
    }
    std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .map(|ring| ring_distance_m(ring, pt))
        .fold(f64::INFINITY, f64::min)
}

fn ring_distance_m(ring: &LineString<f64>, p: Point<f64>) -> f64 {
    match ring.haversine_closest_point(&p) {
        Closest::Intersection(_) => 0.0,
        Closest::SinglePoint(q) => haversine_m(q.0, p.0),
        // Degenerate ring: fall back to its vertices.
        Closest::Indeterminate => ring
            .0
            .iter()
            .map(|&c| haversine_m(c, p.0))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Metres between a hotspot polygon and a site geometry (0 when they touch or overlap).
pub fn geometry_distance_m(hotspot: &Polygon<f64>, site: &Geometry<f64>) -> f64 {
    match site {
        Geometry::Point(q) => polygon_distance_m(hotspot, q.0),
        _ => {
            if hotspot.intersects(site) {
                return 0.0;
            }
            let from_site = site
                .coords_iter()
                .map(|c| polygon_distance_m(hotspot, c))
                .fold(f64::INFINITY, f64::min);
            let from_hotspot = hotspot
                .exterior()
                .0
                .iter()
                .map(|&c| site_distance_m(site, c))
                .fold(f64::INFINITY, f64::min);
            from_site.min(from_hotspot)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dbscan::METRES_PER_DEGREE;
    use crate::model::{ReportKind, SiteKind};
    use chrono::NaiveDate;
    use geo::{coord, polygon};

    const LAT: f64 = 16.46;

    /// Coordinate `east_m`, `north_m` metres from (107.59, 16.46), spherical small-offset.
    fn at(east_m: f64, north_m: f64) -> Coord<f64> {
        coord! {
            x: 107.59 + east_m / (METRES_PER_DEGREE * LAT.to_radians().cos()),
            y: LAT + north_m / METRES_PER_DEGREE,
        }
    }

    fn report(i: usize, c: Coord<f64>, kind: ReportKind) -> Report {
        Report {
            id: i.to_string(),
            lon: c.x,
            lat: c.y,
            kind,
            observed_at: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        }
    }

    fn site(g: Geometry<f64>) -> Site {
        Site {
            id: "s".into(),
            name: "School".into(),
            kind: SiteKind::School,
            geometry: g,
        }
    }

    /// A 100 m × 100 m square school ground with its south-west corner at the origin.
    fn square() -> Polygon<f64> {
        let (a, b, c, d) = (
            at(0.0, 0.0),
            at(100.0, 0.0),
            at(100.0, 100.0),
            at(0.0, 100.0),
        );
        polygon![(x: a.x, y: a.y), (x: b.x, y: b.y), (x: c.x, y: c.y), (x: d.x, y: d.y)]
    }

    #[test]
    fn point_and_polygon_sites_hand_distances() {
        use ReportKind::*;
        let reports = vec![
            report(0, at(50.0, 50.0), Sale),     // inside the square
            report(1, at(150.0, 50.0), Use),     // 50 m east of it
            report(2, at(50.0, -30.0), Storage), // 30 m south
            report(3, at(400.0, 400.0), Use),    // far
        ];
        let coords: Vec<_> = reports
            .iter()
            .map(|r| coord! { x: r.lon, y: r.lat })
            .collect();
        let index = PointIndex::build(&coords);
        let sites = vec![
            site(Geometry::Polygon(square())),
            site(Geometry::Point(Point::from(at(150.0, 80.0)))),
        ];
        let out = reports_near_sites(&sites, &reports, &index, 40.0);
        assert_eq!(out[0].reports, vec![0, 2]);
        assert_eq!(out[0].kind_counts, [0, 1, 0, 1, 0]);
        assert_eq!(out[0].nearest_m, Some(0.0));
        assert_eq!(out[1].reports, vec![1]);
        assert!((out[1].nearest_m.unwrap() - 30.0).abs() < 0.01);
        let d = site_distance_m(&sites[0].geometry, coords[1]);
        assert!((d - 50.0).abs() < 0.05, "{d}");
        let d = site_distance_m(&sites[0].geometry, coords[2]);
        assert!((d - 30.0).abs() < 0.05, "{d}");
        // Diagonal from the north-east corner: 300·√2 m.
        let d = site_distance_m(&sites[0].geometry, coords[3]);
        assert!((d - 300.0 * 2f64.sqrt()).abs() < 0.5, "{d}");
        // Far site: nearest report found even beyond within_m.
        let far = vec![site(Geometry::Point(Point::from(at(1000.0, 400.0))))];
        let out = reports_near_sites(&far, &reports, &index, 40.0);
        assert!(out[0].reports.is_empty());
        assert!((out[0].nearest_m.unwrap() - 600.0).abs() < 0.5);
        let empty = PointIndex::build(&[]);
        assert_eq!(
            reports_near_sites(&far, &[], &empty, 40.0)[0].nearest_m,
            None
        );
    }

    #[test]
    fn hotspot_to_site_distances() {
        // Hotspot: 100 m square at the origin; sites: a point 70 m east, a polygon 20 m north,
        // an overlapping polygon and a far point.
        let hs = Hotspot {
            cluster: 0,
            count: 1,
            core_count: 1,
            kind_counts: [0; KIND_COUNT],
            first_seen: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            last_seen: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            polygon: square(),
            area_m2: 1e4,
            centroid: at(50.0, 50.0),
            members: vec![0],
        };
        let north = {
            let (a, b, c, d) = (
                at(20.0, 120.0),
                at(80.0, 120.0),
                at(80.0, 160.0),
                at(20.0, 160.0),
            );
            polygon![(x: a.x, y: a.y), (x: b.x, y: b.y), (x: c.x, y: c.y), (x: d.x, y: d.y)]
        };
        let overlap = {
            let (a, b, c) = (at(90.0, 90.0), at(130.0, 90.0), at(130.0, 130.0));
            polygon![(x: a.x, y: a.y), (x: b.x, y: b.y), (x: c.x, y: c.y)]
        };
        let sites = vec![
            site(Geometry::Point(Point::from(at(170.0, 50.0)))),
            site(Geometry::Polygon(north)),
            site(Geometry::Polygon(overlap)),
            site(Geometry::Point(Point::from(at(900.0, 50.0)))),
        ];
        let out = sites_near_hotspots(&[hs], &sites, 100.0);
        assert_eq!(
            out[0].iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![2, 1, 0]
        );
        assert_eq!(out[0][0].1, 0.0);
        assert!((out[0][1].1 - 20.0).abs() < 0.05, "{:?}", out[0]);
        assert!((out[0][2].1 - 70.0).abs() < 0.05, "{:?}", out[0]);
    }
}
