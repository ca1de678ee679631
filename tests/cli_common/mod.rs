//! Helpers shared by the CLI contract tests.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn hotspot() -> Command {
    Command::cargo_bin("hotspot").unwrap()
}

pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    pub fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        std::fs::write(self.path(name), bytes).unwrap();
        self.s(name)
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
    pub fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.read(name)).unwrap()
    }
    /// File names in the directory (to prove nothing, not even a temp file, was left).
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.0.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
    pub fn exists(&self, name: &str) -> bool {
        Path::new(&self.path(name)).exists()
    }
}

/// Every coordinate position in a geometry, recursively.
pub fn positions(coords: &Value, out: &mut Vec<(f64, f64)>) {
    match coords {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
        }
        Value::Array(a) => a.iter().for_each(|c| positions(c, out)),
        _ => {}
    }
}

/// Twice the signed shoelace area of a ring; positive = counter-clockwise.
pub fn ring_area(ring: &Value) -> f64 {
    let mut p = Vec::new();
    positions(ring, &mut p);
    p.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

/// Checks the RFC 7946 rules on a FeatureCollection: CCW exterior rings, CW holes,
/// ≤ 7 decimals, a bbox that covers every position.
pub fn assert_rfc7946(fc: &Value) {
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    let mut all = Vec::new();
    for f in features {
        assert_eq!(f["type"], "Feature");
        let g = &f["geometry"];
        let polys: Vec<&Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            "MultiPolygon" => g["coordinates"].as_array().unwrap().iter().collect(),
            _ => vec![],
        };
        for poly in polys {
            for (i, ring) in poly.as_array().unwrap().iter().enumerate() {
                let a = ring_area(ring);
                if i == 0 {
                    assert!(a > 0.0, "exterior ring not counter-clockwise: {ring}");
                } else {
                    assert!(a < 0.0, "hole not clockwise: {ring}");
                }
            }
        }
        positions(&g["coordinates"], &mut all);
    }
    for &(x, y) in &all {
        for v in [x, y] {
            assert_eq!((v * 1e7).round() / 1e7, v, "more than 7 decimals: {v}");
        }
    }
    if !all.is_empty() {
        let b: Vec<f64> = fc["bbox"]
            .as_array()
            .expect("bbox")
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for &(x, y) in &all {
            assert!(b[0] <= x && x <= b[2] && b[1] <= y && y <= b[3]);
        }
        assert!(all.iter().any(|p| p.0 == b[0]) && all.iter().any(|p| p.1 == b[3]));
    }
}
