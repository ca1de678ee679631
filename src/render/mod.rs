//! Output: RFC 7946 GeoJSON layers, plotters charts and the monthly briefing (PDF/HTML).

pub mod atomic;
pub mod briefing;
pub mod charts;
pub mod csv;
pub mod csv_cell;
pub mod geojson;
pub mod knox_chart;
