//! Trend charts (plotters, PNG and SVG, embedded DejaVu Sans font).
