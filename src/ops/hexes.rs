//! Hex hot spots: reports → H3 study area (occupied cells + k rings) → Gi* → optional
//! Benjamini–Hochberg bins. One pipeline for `hotspot hexes` and the `hexes` layer.

use geojson::Feature;
use h3o::Resolution;

use crate::analysis::AnalysisError;
use crate::analysis::fdr::fdr_bins;
use crate::analysis::gistar::{GiStar, gi_star};
use crate::analysis::hexgrid::{HexGrid, study_area};
use crate::model::{Report, coords};
use crate::render::geojson::hex_feature;

/// Parameters of the hex hot spot analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HexParams {
    pub res: Resolution,
    /// Grid distance of the Gi* weights and of the zero-count halo.
    pub k: u32,
    /// Bins from the FDR-corrected p-values instead of the raw ones.
    pub fdr: bool,
}

/// Gi* over the study cells, with the bins actually used (FDR or not).
#[derive(Debug, Clone)]
pub struct HexHotspots {
    pub grid: HexGrid,
    /// Gi* per study cell; `bin` is the final bin (FDR-corrected when asked).
    pub gi: Vec<GiStar>,
}

impl HexHotspots {
    /// Cells binned hot (> 0) at 90 % confidence or more.
    pub fn hot(&self) -> usize {
        self.gi.iter().filter(|g| g.bin > 0).count()
    }

    /// Cells binned cold (< 0).
    pub fn cold(&self) -> usize {
        self.gi.iter().filter(|g| g.bin < 0).count()
    }

    /// Features of the cells holding at least `min_count` reports (0 = every study cell),
    /// each with its H3 index as id.
    pub fn features(&self, min_count: u32) -> Vec<Feature> {
        use rayon::prelude::*;
        (0..self.gi.len())
            .into_par_iter()
            .filter(|&i| self.grid.counts[i] >= f64::from(min_count))
            .map(|i| {
                let cell = self.grid.cells[i];
                let mut f = hex_feature(cell, self.grid.counts[i], &self.gi[i]);
                f.id = Some(geojson::feature::Id::String(cell.to_string()));
                f
            })
            .collect()
    }
}

/// Runs the hex hot spot analysis over `reports`.
pub fn hex_hotspots(reports: &[Report], p: &HexParams) -> Result<HexHotspots, AnalysisError> {
    let grid = study_area(&coords(reports), None, p.res, p.k)?;
    let mut gi = gi_star(&grid);
    if p.fdr {
        let z: Vec<f64> = gi.iter().map(|g| g.z).collect();
        let pv: Vec<f64> = gi.iter().map(|g| g.p).collect();
        for (g, b) in gi.iter_mut().zip(fdr_bins(&z, &pv)) {
            g.bin = b;
        }
    }
    Ok(HexHotspots { grid, gi })
}
