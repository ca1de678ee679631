//! Output: RFC 7946 GeoJSON layers and plotters charts, written atomically.

pub mod charts;
pub mod atomic;
pub mod geojson;
