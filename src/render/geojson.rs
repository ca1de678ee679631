//! RFC 7946 GeoJSON writer (WGS84, CCW exterior rings, ≤ 7 decimals, bbox).
