//! Feature filtering for the OGC API (Part 3, the CQL2-text subset): parse
//! ([`cql2`]), check against a collection's queryables ([`queryables`]), then either evaluate
//! in memory ([`eval`], computed layers) or translate to bound-parameter SQL ([`sql`], stored
//! reports). Pure: no I/O, no HTTP.

pub mod cql2;
pub mod eval;
pub mod queryables;
pub mod sql;
