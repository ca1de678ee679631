//! GeoJSON input: report points, sites, areas.
