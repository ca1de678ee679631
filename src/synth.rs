//! Deterministic synthetic reports and sites (clearly labelled synthetic).
