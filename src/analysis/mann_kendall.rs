//! Mann-Kendall trend test with tie correction (as pymannkendall's `original_test`).

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    pub s: f64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
}

pub fn mann_kendall(x: &[f64]) -> MannKendall {
    todo!()
}
