//! Output: RFC 7946 GeoJSON layers, the GIS file formats (GeoPackage, FlatGeobuf, CSV) over
//! one feature table, Mapbox vector tiles, and plotters charts, written atomically.

pub mod atomic;
pub mod charts;
pub mod csv;
pub mod fgb;
pub mod format;
pub mod geojson;
pub mod gpkg;
pub mod mvt;
pub mod table;
pub mod table_csv;
