//! Quartic (biweight) kernel density at H3 cell centres, in reports per km².
//!
//! K(d) = 3/(π h²) · (1 − d²/h²)² for d < h, 0 beyond: the kernel ArcGIS and QGIS use for
//! "heatmaps". It integrates to 1 over the plane, so summed over the cells of a fine grid,
//! density × cell area gives back the (weighted) number of reports.
//!
//! Reports are grouped by the cell they fall in; each group adds its kernels to the centres
//! of a grid disk around its cell, large enough to reach every centre within h. The disk is
//! walked ring by ring and cut after two rings lying wholly beyond h plus the group's spread
//! (ring distances grow monotonically on the hex grid; the brute-force test checks it). Partial sums are then added per
//! cell in group order, so the result does not depend on the thread count.
use crate::index::haversine_m;
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
    let k = disk_radius(h, res);
    if k > MAX_DISK_RADIUS {
        return Err(super::AnalysisError::Parameter {
            name: "bandwidth_m",
            expected: "at most a few hundred cell widths at this resolution (use a coarser one)",
            value: h.to_string(),
        });
    }
    // Reports grouped by the cell they fall in (cell order, then input order).
    let mut by_cell = points
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            LatLng::new(c.y, c.x)
                .map(|ll| (ll.to_cell(res), i as u32))
                .map_err(|e| super::AnalysisError::H3(e.to_string()))
        })
        .collect::<Result<Vec<(CellIndex, u32)>, _>>()?;
    by_cell.par_sort_unstable();
    let mut groups: Vec<(CellIndex, &[(CellIndex, u32)])> = Vec::new();
    for run in by_cell.chunk_by(|a, b| a.0 == b.0) {
        groups.push((run[0].0, run));
    }

    // Each group adds its reports' kernels to the cells of a grid disk around its cell;
    // candidates farther than h + the group's spread from its centre are skipped whole.
    let mut partials: Vec<(CellIndex, u32, f64)> = groups
        .par_iter()
        .enumerate()
        .flat_map_iter(|(g, &(cell, members))| {
            super::cancel::checkpoint();
            let own = centre_of(cell);
            let spread = members
                .iter()
                .map(|&(_, i)| haversine_m(own, points[i as usize]))
                .fold(0.0, f64::max);
            let reach = h + spread + 1e-6;
            let mut disk: Vec<(CellIndex, u32)> = cell.grid_disk_distances(k);
            disk.sort_unstable_by_key(|&(c, d)| (d, c));
            let mut out = Vec::new();
            let (mut ring, mut ring_reached, mut rings_out) = (0, false, 0);
            for (c, d) in disk {
                if d != ring {
                    // Hex rings only get farther: two whole rings out of reach end the disk.
                    rings_out = if ring_reached { 0 } else { rings_out + 1 };
                    if rings_out >= 2 {
                        break;
                    }
                    (ring, ring_reached) = (d, false);
                }
                super::cancel::checkpoint();
                let centre = centre_of(c);
                if haversine_m(own, centre) > reach {
                    continue;
                }
                ring_reached = true;
                let mut sum = 0.0;
                let mut reached = false;
                for &(_, i) in members {
                    let dist = haversine_m(centre, points[i as usize]);
                    if dist < h {
                        reached = true;
                        sum += weights.map_or(1.0, |w| w[i as usize]) * quartic_kernel(dist, h);
                    }
                }
                if reached {
                    out.push((c, g as u32, sum));
                }
            }
            out
        })
        .collect();
    // Sum per cell in group order: the same float sums whatever the thread count.
    partials.par_sort_unstable_by_key(|&(c, g, _)| (c, g));
    let mut out: Vec<DensityCell> = Vec::new();
    for (c, _, v) in partials {
        match out.last_mut() {
            Some(last) if last.cell == c => last.density += v * 1e6,
            _ => out.push(DensityCell {
                cell: c,
                density: v * 1e6,
            }),
        }
    }
    Ok(out)
}

fn centre_of(cell: CellIndex) -> Coord<f64> {
    let ll = LatLng::from(cell);
    Coord {
        x: ll.lng(),
        y: ll.lat(),
    }
}

/// Largest grid disk evaluated around one cell (3·k² cells): beyond it the bandwidth is far
/// too wide for the resolution and the work would explode.
const MAX_DISK_RADIUS: u32 = 400;

/// Grid-disk radius that reaches every cell centre within `h_m` of any point of the centre
/// cell. Conservative for the spread of H3 cell sizes: edges taken as half the average (H3
/// edges vary by less than 2× within a resolution), the point up to two average edges from
/// its cell centre, and 2/√3 for grid distance versus straight-line distance on a hex grid.
fn disk_radius(h_m: f64, res: Resolution) -> u32 {
    let edge = res.edge_length_m();
    let min_spacing = 3f64.sqrt() * 0.5 * edge;
    let steps = (2.0 / 3f64.sqrt()) * (h_m + 2.0 * edge) / min_spacing;
    steps.ceil().min(1e6) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalysisError;

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
        let wide = KdeParams {
            bandwidth_m: 50_000.0,
            resolution: Resolution::Twelve,
        };
        assert!(matches!(
            kde(&p, None, &wide),
            Err(AnalysisError::Parameter {
                name: "bandwidth_m",
                ..
            })
        ));
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

    #[test]
    fn matches_brute_force_and_single_thread() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let pts: Vec<Coord<f64>> = (0..300)
            .map(|_| Coord {
                x: 107.58 + rng.random::<f64>() * 0.03,
                y: 16.45 + rng.random::<f64>() * 0.03,
            })
            .collect();
        let w: Vec<f64> = (0..300).map(|i| 1.0 + (i % 3) as f64).collect();
        let params = KdeParams {
            bandwidth_m: 250.0,
            resolution: Resolution::Ten,
        };
        let got = kde(&pts, Some(&w), &params).unwrap();
        // Brute force over every cell of a disk wide enough to hold the whole region.
        let origin = LatLng::new(16.465, 107.595)
            .unwrap()
            .to_cell(Resolution::Ten);
        let mut expected = Vec::new();
        for c in origin.grid_disk::<Vec<_>>(40) {
            let centre = centre_of(c);
            let near: Vec<(usize, f64)> = pts
                .iter()
                .enumerate()
                .map(|(i, &p)| (i, haversine_m(centre, p)))
                .filter(|&(_, d)| d < 250.0)
                .collect();
            if !near.is_empty() {
                let sum: f64 = near
                    .iter()
                    .map(|&(i, d)| w[i] * quartic_kernel(d, 250.0))
                    .sum();
                expected.push((c, sum * 1e6));
            }
        }
        expected.sort_by_key(|e| e.0);
        assert_eq!(got.len(), expected.len());
        for (g, (c, d)) in got.iter().zip(&expected) {
            assert_eq!(g.cell, *c);
            assert!((g.density - d).abs() <= 1e-9 * d.max(1.0));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| kde(&pts, Some(&w), &params).unwrap()), got);
    }
}
