//! Pipelines: every job the CLI and the server both offer, written once.
//!
//! An ops function takes domain values (reports already loaded, validated parameters, the
//! programme clock) and returns domain results; it does no argument parsing, no HTTP and no
//! file naming. `cli/` parses a command line, calls one ops function and renders the answer;
//! `server/` parses a request, calls the same function (off the async runtime) and renders
//! it. A new analysis lands here once: `analysis/` holds its pure kernel, `ops/` composes
//! kernels into the job, and the two front ends stay adapters.

pub mod charts;
pub mod clock;
pub mod emerging;
pub mod error;
pub mod export;
pub mod hexes;
pub mod hotspots;
pub mod kde;
pub mod near;
pub mod programme;

pub use clock::Clock;
pub use error::{OpsError, OpsResult};
