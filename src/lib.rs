//! hotspot: maps drug-crime hotspots for police planners.
//!
//! Layers, from the edges inwards (see `ARCHITECTURE.md`, Layering rule):
//! - [`ingest`] parses and validates CSV / GeoJSON input with row-numbered errors;
//! - [`store`] keeps reports, sites, areas, plans and imports in SQLite or PostGIS;
//! - [`index`] and [`analysis`] are pure functions over slices (no I/O);
//! - [`lifecycle`] turns reports into area statuses, targets and discrepancies;
//! - [`render`] writes RFC 7946 GeoJSON, CSV and plotters charts;
//! - [`ops`] holds every pipeline once (load → analyse → shape the answer);
//! - [`cli`] and [`server`] are the two thin front ends that call [`ops`].

pub mod analysis;
pub mod cli;
pub mod crs;
pub mod demo;
pub mod filter;
pub mod index;
pub mod ingest;
pub mod lifecycle;
pub mod model;
pub mod ops;
pub mod render;
pub mod server;
pub mod store;
pub mod synth;
pub mod timestep;
