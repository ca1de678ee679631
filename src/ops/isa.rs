//! The automatic-scale job: incremental spatial autocorrelation over the reports' H3 cells
//! (occupied cells plus one ring, fixed for every k) to choose the Gi* neighbourhood.
use crate::analysis::AnalysisError;
use crate::analysis::hexgrid::study_area;
use crate::analysis::moran::{Isa, isa};
use geo::Coord;
use h3o::Resolution;

/// Moran's I and z for k = 1..=`k_max` and the first peak of z.
///
/// Errors (named `k`): fewer than 30 study cells or equal counts; `k_max` of 0.
pub fn choose_k(
    points: &[Coord<f64>],
    resolution: Resolution,
    k_max: u32,
) -> Result<Isa, AnalysisError> {
    let grid = study_area(points, None, resolution, 1)?;
    isa(&grid.cells, &grid.counts, k_max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::LatLng;

    #[test]
    fn clustered_reports_choose_a_small_k_and_few_cells_fail() {
        // Three tight piles of reports 2 km apart on a sparse background: clustering is
        // strongest at a small neighbourhood, so the curve peaks before k_max = 6.
        let c = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let mut pts = Vec::new();
        for (i, cell) in c.grid_disk::<Vec<_>>(8).into_iter().enumerate() {
            let ll = LatLng::from(cell);
            let n = if i % 5 == 0 { 1 } else { 0 };
            for _ in 0..n {
                pts.push(Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                });
            }
        }
        for pile in c.grid_ring_fast(6).map(Option::unwrap).step_by(6).take(3) {
            for cell in pile.grid_disk::<Vec<_>>(1) {
                let ll = LatLng::from(cell);
                for _ in 0..20 {
                    pts.push(Coord {
                        x: ll.lng(),
                        y: ll.lat(),
                    });
                }
            }
        }
        let curve = choose_k(&pts, Resolution::Nine, 6).unwrap();
        assert_eq!(curve.rows.len(), 6);
        assert!(
            curve
                .rows
                .iter()
                .all(|r| r.z.is_finite() && r.variance_i > 0.0)
        );
        let k = curve.k_chosen as usize;
        assert!((1..=6).contains(&k));
        if k < 6 {
            assert!(curve.rows[k - 1].z >= curve.rows[k].z);
            assert!(!curve.still_rising);
        }
        for w in curve.rows[..k - 1].windows(2) {
            assert!(w[0].z < w[1].z, "the chosen k is the first peak");
        }
        // Two reports: 1 occupied cell + ring = 7 cells < 30.
        let one = [pts[0], pts[0]];
        match choose_k(&one, Resolution::Nine, 6).unwrap_err() {
            AnalysisError::Parameter { name, .. } => assert_eq!(name, "k"),
            e => panic!("{e:?}"),
        }
    }
}
