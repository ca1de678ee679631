//! Output: RFC 7946 GeoJSON layers and plotters charts, written atomically.

pub mod atomic;
pub mod charts;
pub mod csv;
pub mod csv_cell;
pub mod geojson;
