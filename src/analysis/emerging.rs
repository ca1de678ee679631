//! Emerging hot spot analysis: space-time Gi* over an H3 × time-step cube, Mann-Kendall
//! trend per cell, and the 17 categories of ArcGIS Emerging Hot Spot Analysis.
use crate::timestep::TimeStep;
use chrono::{NaiveDate, NaiveDateTime};
use geo::Coord;
use h3o::{CellIndex, Resolution};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmergingParams {
    pub resolution: Resolution,
    pub step: TimeStep,
    pub k: u32,
    pub time_k: u32,
    pub alpha: f64,
}

/// The 17 categories (hot and cold variants of eight patterns, and no pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    NewHotSpot,
    ConsecutiveHotSpot,
    IntensifyingHotSpot,
    PersistentHotSpot,
    DiminishingHotSpot,
    SporadicHotSpot,
    OscillatingHotSpot,
    HistoricalHotSpot,
    NewColdSpot,
    ConsecutiveColdSpot,
    IntensifyingColdSpot,
    PersistentColdSpot,
    DiminishingColdSpot,
    SporadicColdSpot,
    OscillatingColdSpot,
    HistoricalColdSpot,
    NoPattern,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergingCell {
    pub cell: CellIndex,
    pub category: Category,
    pub trend_z: f64,
    pub trend_p: f64,
    pub hot_steps: u32,
    pub cold_steps: u32,
    /// Per step.
    pub z: Vec<f64>,
    pub p: Vec<f64>,
    pub counts: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergingResult {
    /// First day of each step.
    pub steps: Vec<NaiveDate>,
    pub cells: Vec<EmergingCell>,
}

pub fn emerging(
    points: &[Coord<f64>],
    times: &[NaiveDateTime],
    params: &EmergingParams,
) -> Result<EmergingResult, super::AnalysisError> {
    todo!()
}
