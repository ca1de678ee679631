//! Output: RFC 7946 GeoJSON layers, the GIS file formats (GeoPackage, FlatGeobuf, CSV) over
//! one feature table, Mapbox vector tiles, plotters charts and the monthly briefing (PDF/HTML),
//! written atomically.

pub mod atomic;
pub mod briefing;
pub mod charts;
pub mod csv;
pub mod csv_cell;
pub mod fgb;
pub mod format;
pub mod geojson;
pub mod glossary;
pub mod gpkg;
pub mod gpkg_rtree;
pub mod knox_chart;
pub mod mvt;
pub mod table;
pub mod table_csv;
pub mod text_raster;
