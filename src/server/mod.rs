//! HTTP service: JSON/GeoJSON API, OGC API – Features, web map assets, auth.
