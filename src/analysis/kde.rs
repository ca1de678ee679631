//! Quartic (biweight) kernel density at H3 cell centres, in reports per km².
//!
//! K(d) = 3/(π h²) · (1 − d²/h²)² for d < h, 0 beyond: the kernel ArcGIS and QGIS use for
//! "heatmaps". It integrates to 1 over the plane, so summed over the cells of a fine grid,
//! density × cell area gives back the (weighted) number of reports.
//!
//! Evaluation runs per cell: candidate cells are the grid disks around every cell holding a
//! report, large enough to reach every centre within h; each candidate asks the point index
//! for its reports within h. Every cell's sum is taken over its reports in input order, so
//! the result does not depend on the thread count.
use crate::index::PointIndex;
use geo::Coord;
use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KdeParams {
    pub bandwidth_m: f64,
    pub resolution: Resolution,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityCell {
    pub cell: CellIndex,
    /// Weighted reports per km².
    pub density: f64,
}

/// The quartic kernel in 1/m² at distance `d_m` for bandwidth `h_m`.
pub fn quartic_kernel(d_m: f64, h_m: f64) -> f64 {
    if d_m >= h_m {
        return 0.0;
    }
    let u = 1.0 - (d_m * d_m) / (h_m * h_m);
    3.0 / (std::f64::consts::PI * h_m * h_m) * u * u
}

/// Density at the centre of every cell within the bandwidth of some point; `weights` parallel
/// to `points` (1 when None). Sorted by cell.
pub fn kde(
    points: &[Coord<f64>],
    weights: Option<&[f64]>,
    params: &KdeParams,
) -> Result<Vec<DensityCell>, super::AnalysisError> {
    let h = params.bandwidth_m;
    if !(h.is_finite() && h > 0.0) {
        return Err(super::AnalysisError::Parameter {
            name: "bandwidth_m",
            expected: "a finite number > 0",
            value: h.to_string(),
        });
    }
    if let Some(w) = weights {
        if w.len() != points.len() {
            return Err(super::AnalysisError::Parameter {
                name: "weights",
                expected: "one weight per point",
                value: format!("{} weights for {} points", w.len(), points.len()),
            });
        }
        if let Some(bad) = w.iter().find(|v| !v.is_finite()) {
            return Err(super::AnalysisError::Parameter {
                name: "weights",
                expected: "finite numbers",
                value: bad.to_string(),
            });
        }
    }
    let res = params.resolution;
    let mut occupied = points
        .par_iter()
        .map(|c| {
            LatLng::new(c.y, c.x)
                .map(|ll| ll.to_cell(res))
                .map_err(|e| super::AnalysisError::H3(e.to_string()))
        })
        .collect::<Result<Vec<CellIndex>, _>>()?;
    occupied.par_sort_unstable();
    occupied.dedup();

    let k = disk_radius(h, res);
    let mut candidates: Vec<CellIndex> = occupied
        .par_iter()
        .flat_map_iter(|c| c.grid_disk::<Vec<_>>(k))
        .collect();
    candidates.par_sort_unstable();
    candidates.dedup();

    let index = PointIndex::build(points);
    Ok(candidates
        .into_par_iter()
        .filter_map(|cell| {
            let ll = LatLng::from(cell);
            let centre = Coord {
                x: ll.lng(),
                y: ll.lat(),
            };
            let mut density = 0.0;
            let mut reached = false;
            for (i, d) in index.within_with_distance(centre, h) {
                if d < h {
                    reached = true;
                    density += weights.map_or(1.0, |w| w[i]) * quartic_kernel(d, h);
                }
            }
            reached.then_some(DensityCell {
                cell,
                density: density * 1e6,
            })
        })
        .collect())
}

/// Grid-disk radius that reaches every cell centre within `h_m` of any point of the centre
/// cell. Conservative for the spread of H3 cell sizes: edges taken as half the average (H3
/// edges vary by less than 2× within a resolution), the point up to two average edges from
/// its cell centre, and 2/√3 for grid distance versus straight-line distance on a hex grid.
fn disk_radius(h_m: f64, res: Resolution) -> u32 {
    let edge = res.edge_length_m();
    let min_spacing = 3f64.sqrt() * 0.5 * edge;
    let steps = (2.0 / 3f64.sqrt()) * (h_m + 2.0 * edge) / min_spacing;
    steps.ceil().min(100_000.0) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalysisError;
    use crate::index::haversine_m;

    fn centre_of(cell: CellIndex) -> Coord<f64> {
        let ll = LatLng::from(cell);
        Coord {
            x: ll.lng(),
            y: ll.lat(),
        }
    }

    #[test]
    fn one_point_at_a_cell_centre_gives_the_kernel_peak() {
        let cell = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let p = centre_of(cell);
        let h = 400.0;
        let out = kde(
            &[p],
            None,
            &KdeParams {
                bandwidth_m: h,
                resolution: Resolution::Nine,
            },
        )
        .unwrap();
        let at = out.iter().find(|d| d.cell == cell).unwrap();
        let peak = 3.0 / (std::f64::consts::PI * h * h) * 1e6;
        assert!(
            (at.density - peak).abs() < 1e-9 * peak,
            "{} vs {}",
            at.density,
            peak
        );
        // ≈ 5.97 reports/km² for h = 400 m.
        assert!((peak - 5.968).abs() < 0.001);
        // Every returned centre is within h, and every cell within h is returned.
        for d in &out {
            let dist = haversine_m(p, centre_of(d.cell));
            assert!(dist < h);
            assert!((d.density - quartic_kernel(dist, h) * 1e6).abs() < 1e-9);
        }
        let ring: Vec<CellIndex> = cell.grid_disk(6);
        let expected = ring
            .iter()
            .filter(|c| haversine_m(p, centre_of(**c)) < h)
            .count();
        assert_eq!(out.len(), expected);
        assert!(out.windows(2).all(|w| w[0].cell < w[1].cell));
    }

    #[test]
    fn weights_scale_and_sum() {
        let p = Coord {
            x: 105.85,
            y: 21.03,
        };
        let params = KdeParams {
            bandwidth_m: 300.0,
            resolution: Resolution::Ten,
        };
        let one = kde(&[p], None, &params).unwrap();
        let two = kde(&[p, p], Some(&[0.5, 2.0]), &params).unwrap();
        assert_eq!(one.len(), two.len());
        for (a, b) in one.iter().zip(&two) {
            assert!((b.density - 2.5 * a.density).abs() < 1e-9 * b.density);
        }
    }

    #[test]
    fn integral_over_a_fine_grid_is_the_number_of_points() {
        let pts = [
            Coord {
                x: 107.590,
                y: 16.460,
            },
            Coord {
                x: 107.593,
                y: 16.461,
            },
            Coord {
                x: 107.600,
                y: 16.470,
            },
        ];
        let out = kde(
            &pts,
            None,
            &KdeParams {
                bandwidth_m: 500.0,
                resolution: Resolution::Eleven,
            },
        )
        .unwrap();
        let total: f64 = out.iter().map(|d| d.density * d.cell.area_km2()).sum();
        assert!((total - 3.0).abs() < 0.03, "integral {total}");
    }

    #[test]
    fn bad_parameters_are_rejected() {
        let p = [Coord { x: 0.0, y: 0.0 }];
        let params = KdeParams {
            bandwidth_m: 0.0,
            resolution: Resolution::Nine,
        };
        assert!(matches!(
            kde(&p, None, &params),
            Err(AnalysisError::Parameter {
                name: "bandwidth_m",
                ..
            })
        ));
        let params = KdeParams {
            bandwidth_m: 100.0,
            ..params
        };
        assert!(matches!(
            kde(&p, Some(&[]), &params),
            Err(AnalysisError::Parameter {
                name: "weights",
                ..
            })
        ));
        assert!(kde(&[], None, &params).unwrap().is_empty());
        assert!(matches!(
            kde(
                &[Coord {
                    x: f64::NAN,
                    y: 0.0
                }],
                None,
                &params
            ),
            Err(AnalysisError::H3(_))
        ));
    }
}
