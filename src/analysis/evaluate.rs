//! How well a hotspot map drawn from one period predicts the next: the Predictive Accuracy
//! Index and the Predictive Efficiency Index (Chainey, Tompson & Uhlig 2008).
//!
//! The study area is every H3 cell holding a train or test report plus one ring of cells
//! around them; A is its total area (h3o's exact cell areas, m²). A method flags cells from
//! the train reports; flagged cells outside the study area are ignored (and counted apart).
//! With m flagged study cells of total area a, n test reports in them and N test reports in
//! the study area:
//! - hit rate n/N, area share a/A, PAI = (n/N)/(a/A);
//! - PEI = n/n*, n* = the test reports in the m study cells holding the most test reports
//!   (the best any map of m cells could have done).
//!
//! No flagged cell (or no test report) → PAI is None; n* = 0 → PEI is None. Nothing here
//! divides by zero.
use super::hexgrid::grow;
use super::kde::DensityCell;
use h3o::CellIndex;
use serde::Serialize;

/// The study cells (sorted), their areas and their test-report counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub cells: Vec<CellIndex>,
    pub area_m2: Vec<f64>,
    pub test_counts: Vec<u64>,
}

impl Study {
    /// Study cells from the H3 cells of the train and the test reports (one resolution).
    pub fn new(train_cells: &[CellIndex], test_cells: &[CellIndex]) -> Self {
        let mut occupied: Vec<CellIndex> = train_cells.iter().chain(test_cells).copied().collect();
        occupied.sort_unstable();
        occupied.dedup();
        let cells = grow(&occupied, 1);
        let area_m2 = cells.iter().map(|c| c.area_m2()).collect();
        let mut test_counts = vec![0u64; cells.len()];
        for c in test_cells {
            let i = cells.binary_search(c).expect("test cells are study cells");
            test_counts[i] += 1;
        }
        Study {
            cells,
            area_m2,
            test_counts,
        }
    }

    /// A: the total area, m² (summed in cell order, so it is reproducible).
    pub fn total_area_m2(&self) -> f64 {
        self.area_m2.iter().sum()
    }

    /// N: the test reports in the study area.
    pub fn test_total(&self) -> u64 {
        self.test_counts.iter().sum()
    }
}

/// One method's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accuracy {
    /// m: flagged cells inside the study area.
    pub flagged_cells: usize,
    /// Flagged cells outside the study area (ignored).
    pub flagged_outside: usize,
    pub n: u64,
    pub n_total: u64,
    pub a_m2: f64,
    pub a_total_m2: f64,
    pub hit_rate: Option<f64>,
    pub area_share: Option<f64>,
    pub pai: Option<f64>,
    pub pei: Option<f64>,
}

/// PAI, PEI, hit rate and area share of `flagged` cells (any order, duplicates ignored).
pub fn accuracy(study: &Study, flagged: &[CellIndex]) -> Accuracy {
    let mut flagged = flagged.to_vec();
    flagged.sort_unstable();
    flagged.dedup();
    let (mut m, mut outside, mut n, mut a) = (0usize, 0usize, 0u64, 0.0f64);
    for c in &flagged {
        match study.cells.binary_search(c) {
            Ok(i) => {
                m += 1;
                n += study.test_counts[i];
                a += study.area_m2[i];
            }
            Err(_) => outside += 1,
        }
    }
    let n_total = study.test_total();
    let a_total = study.total_area_m2();
    let hit_rate = (n_total > 0).then(|| n as f64 / n_total as f64);
    let area_share = (a_total > 0.0).then(|| a / a_total);
    let pai = match (hit_rate, area_share) {
        (Some(h), Some(s)) if m > 0 && s > 0.0 => Some(h / s),
        _ => None,
    };
    let mut best = study.test_counts.clone();
    best.sort_unstable_by(|x, y| y.cmp(x));
    let n_star: u64 = best.iter().take(m).sum();
    let pei = (n_star > 0).then(|| n as f64 / n_star as f64);
    Accuracy {
        flagged_cells: m,
        flagged_outside: outside,
        n,
        n_total,
        a_m2: a,
        a_total_m2: a_total,
        hit_rate,
        area_share,
        pai,
        pei,
    }
}

/// KDE flags: cells in descending density (ties by H3 index ascending), taken while their
/// total area stays ≤ `coverage`·`a_total_m2`; the walk stops at the first cell that would
/// pass the limit. Cells of zero density are never flagged.
pub fn densest_cells(density: &[DensityCell], coverage: f64, a_total_m2: f64) -> Vec<CellIndex> {
    let mut order: Vec<&DensityCell> = density.iter().filter(|d| d.density > 0.0).collect();
    order.sort_unstable_by(|x, y| y.density.total_cmp(&x.density).then(x.cell.cmp(&y.cell)));
    let limit = coverage * a_total_m2;
    let mut total = 0.0;
    let mut out = Vec::new();
    for d in order {
        let a = d.cell.area_m2();
        if total + a > limit {
            break;
        }
        total += a;
        out.push(d.cell);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::{LatLng, Resolution};

    fn centre() -> CellIndex {
        LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine)
    }

    /// Centre cell c0 and its six neighbours c1..c6 (ring order).
    fn cells() -> Vec<CellIndex> {
        let c = centre();
        let mut v = vec![c];
        v.extend(c.grid_ring_fast(1).map(Option::unwrap));
        v
    }

    #[test]
    fn hand_computed_pai_and_pei() {
        let c = cells();
        // Train: one report in c0. Test: 6 in c0, 3 in c1, 1 in c2 (N = 10).
        // Study = {c0, c1, c2} and every cell next to one of them.
        let train = vec![c[0]];
        let mut test = vec![c[0]; 6];
        test.extend([c[1], c[1], c[1], c[2]]);
        let s = Study::new(&train, &test);
        let a_total = s.total_area_m2();
        let a0 = c[0].area_m2();
        let a1 = c[1].area_m2();
        // Flag c1 alone: n = 3, a = a1; hit rate 3/10 = 0.3; PAI = 0.3 / (a1/A).
        // m = 1 → n* = the busiest study cell = c0's 6 → PEI = 3/6 = 0.5.
        let r = accuracy(&s, &[c[1]]);
        assert_eq!((r.flagged_cells, r.n, r.n_total), (1, 3, 10));
        assert_eq!(r.hit_rate, Some(0.3));
        assert!((r.pai.unwrap() - 0.3 / (a1 / a_total)).abs() < 1e-12);
        assert_eq!(r.pei, Some(0.5));
        // Flag c0 and c2: n = 7, a = a0 + a2, m = 2 → n* = 6 + 3 = 9 → PEI = 7/9.
        let r = accuracy(&s, &[c[2], c[0], c[0]]);
        assert_eq!((r.flagged_cells, r.n), (2, 7));
        assert!((r.pei.unwrap() - 7.0 / 9.0).abs() < 1e-15);
        let a = a0 + c[2].area_m2();
        assert!((r.a_m2 - a).abs() < 1e-6);
        assert!((r.area_share.unwrap() - a / a_total).abs() < 1e-15);
        assert!((r.pai.unwrap() - 0.7 / (a / a_total)).abs() < 1e-12);
    }

    #[test]
    fn nulls_and_outside_cells() {
        let c = cells();
        let s = Study::new(&[c[0]], &[c[0], c[0]]);
        // Nothing flagged: PAI and PEI null (m = 0 → n* = 0), hit rate 0.
        let r = accuracy(&s, &[]);
        assert_eq!((r.pai, r.pei, r.hit_rate), (None, None, Some(0.0)));
        // A flagged cell five rings away is outside the study area: ignored, counted apart.
        let far = c[0].grid_ring_fast(5).next().unwrap().unwrap();
        let r = accuracy(&s, &[far]);
        assert_eq!((r.flagged_cells, r.flagged_outside, r.pai), (0, 1, None));
        // A flagged empty ring cell: n = 0, PAI = 0; n* = 2 → PEI = 0.
        let r = accuracy(&s, &[c[3]]);
        assert_eq!((r.pai, r.pei), (Some(0.0), Some(0.0)));
        // No test report at all: hit rate, PAI and PEI null.
        let s = Study::new(&[c[0]], &[]);
        let r = accuracy(&s, &[c[0]]);
        assert_eq!((r.hit_rate, r.pai, r.pei), (None, None, None));
    }

    #[test]
    fn densest_cells_respect_coverage_and_ties() {
        let c = cells();
        let d = |cell, density| DensityCell { cell, density };
        // Densities 5, 3, 3, 1, 0; areas all ≈ 0.105 km² at res 9 (they differ slightly).
        let dens = vec![
            d(c[3], 1.0),
            d(c[1], 3.0),
            d(c[0], 5.0),
            d(c[2], 3.0),
            d(c[4], 0.0),
        ];
        let ties: Vec<CellIndex> = {
            let mut t = vec![c[1], c[2]];
            t.sort_unstable();
            t
        };
        // Limit of exactly c0's area: c0 only.
        let a0 = c[0].area_m2();
        assert_eq!(densest_cells(&dens, 1.0, a0), vec![c[0]]);
        // Room for three: c0, then the tied pair by ascending index.
        let three = a0 + c[1].area_m2() + c[2].area_m2();
        let room = 2.0 * three * (1.0 + 1e-9);
        assert_eq!(
            densest_cells(&dens, 0.5, room),
            vec![c[0], ties[0], ties[1]]
        );
        // Everything: the zero-density cell is still not flagged.
        assert_eq!(densest_cells(&dens, 1.0, 1e9).len(), 4);
        // Less than one cell: nothing.
        assert!(densest_cells(&dens, 0.05, a0).is_empty());
    }
}
