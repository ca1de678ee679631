//! Format negotiation and file downloads of layers, shared by `/api/layers/{name}` and the
//! OGC items routes: `format=` (or OGC's `f=`) picks GeoJSON, GeoPackage, FlatGeobuf or CSV,
//! `names=shp` asks for Shapefile-safe attribute names, and the answer carries the right
//! Content-Type and a file name that says what is in it
//! (`hexes_res9_k1_2024-01_2026-10.gpkg`). Encoded files are cached per dataset version,
//! layer, parameters, role and format, like the layers themselves.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};

use super::AppState;
use super::cache::CacheKey;
use super::error::{ApiError, ApiResult};
use super::layers::Layer;
use crate::render::format::{Format, TableOptions, download_name, encode_features};
use crate::store::Role;

/// What a request asked for: the format and the table options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub format: Format,
    pub shapefile_names: bool,
}

/// The values `format=` / `f=` accept (`json`, `geopackage`, `flatgeobuf` are read too).
pub const FORMATS: &[&str] = &["geojson", "gpkg", "fgb", "csv"];

/// Reads `format` (or `f`) and `names` from a raw query. 400 names the parameter and the
/// accepted values.
pub fn wanted(q: &HashMap<String, String>) -> ApiResult<Wanted> {
    let (param, raw) = match (q.get("format"), q.get("f")) {
        (Some(v), _) if !v.trim().is_empty() => ("format", Some(v)),
        (_, Some(v)) if !v.trim().is_empty() => ("f", Some(v)),
        _ => ("format", None),
    };
    let format = match raw {
        None => Format::Geojson,
        Some(v) => Format::parse(v).map_err(|_| ApiError::bad_value(param, v, FORMATS))?,
    };
    let shapefile_names = match q.get("names").map(|s| s.trim()) {
        None | Some("") => false,
        Some("shp") => true,
        // Shapefile-safe names: at most 10 characters, unique.
        Some(other) => return Err(ApiError::bad_value("names", other, &["shp"])),
    };
    Ok(Wanted {
        format,
        shapefile_names,
    })
}

/// Splits canonical `a=1&b=2` parameters into file-name parts: the report date range goes
/// to the end (as months), `false` switches are left out, a `true` switch is its name.
pub fn name_parts(canonical: &str) -> (Vec<(&str, String)>, Option<NaiveDate>, Option<NaiveDate>) {
    let mut parts = Vec::new();
    let (mut from, mut to) = (None, None);
    for pair in canonical.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (k, v) {
            ("from", v) => from = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
            // `to` is exclusive: the last month is the one of the day before.
            ("to", v) => {
                to = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.pred_opt())
            }
            // Paging is not what the file is about.
            ("limit" | "offset", _) => {}
            (_, "false") => {}
            (k, "true") => parts.push((k, String::new())),
            ("bbox", _) => parts.push(("bbox", String::new())),
            (k, v) => parts.push((k, v.to_string())),
        }
    }
    // The parameters that define a layer first, in the order people say them.
    const ORDER: &[&str] = &[
        "res",
        "k",
        "eps_m",
        "min_pts",
        "bandwidth_m",
        "within_m",
        "step",
        "time_k",
        "alpha",
    ];
    parts.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    (parts, from, to)
}

/// The download name of `layer` computed with `canonical` parameters; a report layer's
/// open ends of the date range come from the data (`first`/`last` report).
pub fn file_name(
    layer: &str,
    canonical: &str,
    data_range: Option<(NaiveDate, NaiveDate)>,
    format: Format,
) -> String {
    let (parts, from, to) = name_parts(canonical);
    let range = match (from, to, data_range) {
        (Some(a), Some(b), _) => Some((a, b)),
        (a, b, Some((first, last))) => Some((a.unwrap_or(first), b.unwrap_or(last))),
        (Some(a), None, None) => Some((a, a)),
        (None, Some(b), None) => Some((b, b)),
        (None, None, None) => None,
    };
    let range = range.map(|(a, b)| (month_start(a), month_start(b)));
    download_name(layer, &parts, range, format)
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// A file answer: its content type, `Content-Disposition` (attachment with the file name
/// when downloading, inline with the name otherwise, so "save as" still gets a good name),
/// and the role-dependent cache headers of every layer answer.
pub fn file_response(format: Format, bytes: Bytes, name: &str, download: bool) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    // Binary formats are always attachments: a browser cannot show them.
    let disposition = if download || format.is_binary() {
        "attachment"
    } else {
        "inline"
    };
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// The features of layer `name` encoded as `wanted` (CSV with a byte-order mark), cached.
#[allow(clippy::too_many_arguments)]
pub async fn encoded(
    state: &AppState,
    name: &'static str,
    canonical: &str,
    role: Role,
    layer: Arc<Layer>,
    preferred: &'static [&'static str],
    wanted: Wanted,
) -> ApiResult<Bytes> {
    let key = CacheKey {
        dataset_version: state.dataset_version().await?,
        layer: name,
        params: format!(
            "{canonical}|{}|{}",
            wanted.format.name(),
            wanted.shapefile_names
        ),
        role: if role == Role::Viewer {
            "viewer"
        } else {
            "analyst"
        },
    };
    if let Some(hit) = state.exports.get(&key) {
        return Ok((*hit).clone());
    }
    let opts = TableOptions {
        shapefile_names: wanted.shapefile_names,
        bom: true,
        local_offset: Some(state.config.clock.tz),
    };
    // Off the async workers: flattening and encoding a large layer is CPU work.
    let handle = tokio::runtime::Handle::current();
    let bytes = tokio::task::spawn_blocking(move || {
        handle.block_on(encode_features(
            wanted.format,
            name,
            &layer.features,
            preferred,
            opts,
        ))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?
    .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?;
    let bytes = Bytes::from(bytes);
    state
        .exports
        .insert(key, Arc::new(bytes.clone()), bytes.len());
    Ok(bytes)
}

/// Months of the first and last stored report (for file names of unfiltered layers).
pub async fn data_range(state: &AppState) -> ApiResult<Option<(NaiveDate, NaiveDate)>> {
    let s = state.summary().await?;
    Ok(match (s.first_report, s.last_report) {
        (Some(a), Some(b)) => Some((a.date(), b.date())),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn format_and_names_are_read_strictly() {
        assert_eq!(wanted(&q(&[])).unwrap().format, Format::Geojson);
        assert_eq!(wanted(&q(&[("f", "gpkg")])).unwrap().format, Format::Gpkg);
        let w = wanted(&q(&[("format", "fgb"), ("names", "shp")])).unwrap();
        assert_eq!(
            w,
            Wanted {
                format: Format::Fgb,
                shapefile_names: true
            }
        );
        let e = wanted(&q(&[("format", "xlsx")])).unwrap_err();
        assert!(e.to_string().contains("format"), "{e}");
        assert!(wanted(&q(&[("names", "long")])).is_err());
    }

    #[test]
    fn file_names_carry_parameters_and_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            file_name(
                "hexes",
                "fdr=false&k=1&res=9",
                Some((d(2024, 1, 5), d(2026, 10, 30))),
                Format::Gpkg
            ),
            "hexes_res9_k1_2024-01_2026-10.gpkg"
        );
        assert_eq!(
            file_name(
                "hotspots",
                "eps_m=150&from=2025-01-01&min_pts=5&to=2025-07-01",
                None,
                Format::Csv
            ),
            "hotspots_eps_m150_min_pts5_2025-01_2025-06.csv"
        );
        assert_eq!(file_name("sites", "", None, Format::Fgb), "sites.fgb");
    }
}
