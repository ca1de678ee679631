//! Pieces the issue-12 measures (displacement, evaluate, near-repeat, risk) share on the
//! command line: errors that name the flag, and areas read from `--db` or `--areas FILE`.
use super::exit::BadInput;
use crate::analysis::AnalysisError;
use crate::model::Area;
use anyhow::{Context, Result};

/// A rejected parameter as bad input (exit 2) naming its flag: the kernel's parameter name
/// `buffer_m` is the flag `--buffer-m` when it is one of `flags`.
pub fn flag_error(e: AnalysisError, flags: &[&str]) -> anyhow::Error {
    match e {
        AnalysisError::Parameter {
            name,
            expected,
            value,
        } => {
            let flag = name.replace('_', "-");
            let shown = if flags.contains(&flag.as_str()) {
                format!("--{flag}")
            } else {
                name.to_string()
            };
            BadInput(format!("{shown} must be {expected}, got {value}")).into()
        }
        other => other.into(),
    }
}

/// Areas from the store (`--db`) or from an areas GeoJSON file (`--areas`), the file first.
pub fn load_areas(db: Option<&str>, file: Option<&str>) -> Result<Vec<Area>> {
    match (file, db) {
        (Some(path), _) => {
            let opts = crate::ingest::IngestOptions::default();
            Ok(crate::ingest::read_areas(path, &opts)?.rows)
        }
        (None, Some(url)) => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            Ok(rt.block_on(async {
                let store = crate::store::open(url).await?;
                store.areas(None).await
            })?)
        }
        (None, None) => Err(BadInput(
            "area ids need areas: give --db URL or --areas FILE (or a polygon file)".into(),
        )
        .into()),
    }
}

/// Is `value` a path to a GeoJSON file rather than an area id?
pub fn is_geojson_path(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.ends_with(".geojson") || lower.ends_with(".json"))
        && std::path::Path::new(value).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::exit::{EXIT_BAD_INPUT, exit_code};

    #[test]
    fn errors_name_the_flag() {
        let e = flag_error(
            AnalysisError::Parameter {
                name: "buffer_m",
                expected: "≥ 0",
                value: "-1".into(),
            },
            &["buffer-m", "control"],
        );
        assert_eq!(exit_code(&e), EXIT_BAD_INPUT);
        assert_eq!(e.to_string(), "--buffer-m must be ≥ 0, got -1");
        let e = flag_error(
            AnalysisError::Parameter {
                name: "point",
                expected: "lon/lat",
                value: "#3".into(),
            },
            &["buffer-m"],
        );
        assert_eq!(e.to_string(), "point must be lon/lat, got #3");
    }
}
