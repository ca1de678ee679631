//! Output formats of layers (GeoJSON, GeoPackage, FlatGeobuf, CSV): how a format is chosen
//! (`--format`, the `--out` extension, `format=`/`f=`), its content type and file
//! extension, the download file name, and the one function that encodes a layer in it.
//! The CLI and the HTTP server both go through [`encode_features`] / [`encode_table`], so a
//! file saved from the map and one written by the CLI are the same.

use super::table::FeatureTable;
use super::{fgb, geojson as gj, gpkg, table_csv};
use chrono::NaiveDate;
use geojson::Feature;
use std::path::Path;

/// A layer file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 7946 GeoJSON.
    Geojson,
    /// OGC GeoPackage (SQLite) with an R-tree index.
    Gpkg,
    /// FlatGeobuf with its packed R-tree index.
    Fgb,
    /// CSV: `lon,lat` for points, `wkt` otherwise.
    Csv,
}

/// Errors choosing or writing a format.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown format {given:?}, expected one of: geojson, gpkg, fgb, csv")]
    Unknown { given: String },
    #[error(
        "cannot tell the format of {path:?} from its extension; use .geojson, .gpkg, .fgb or .csv, or --format"
    )]
    NoExtension { path: String },
    #[error("--format {flag} contradicts the extension of {path:?} ({ext})")]
    Conflict {
        flag: &'static str,
        path: String,
        ext: &'static str,
    },
    #[error(transparent)]
    Gpkg(#[from] gpkg::GpkgError),
    #[error(transparent)]
    Fgb(#[from] fgb::FgbError),
    #[error("writing {0}")]
    Io(#[from] std::io::Error),
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Geojson, Format::Gpkg, Format::Fgb, Format::Csv];

    /// The canonical name (`geojson`, `gpkg`, `fgb`, `csv`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Geojson => "geojson",
            Format::Gpkg => "gpkg",
            Format::Fgb => "fgb",
            Format::Csv => "csv",
        }
    }

    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.name()
    }

    /// HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Geojson => "application/geo+json",
            Format::Gpkg => "application/geopackage+sqlite3",
            Format::Fgb => "application/flatgeobuf",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Parses a format name as users type it in `format=`/`f=`/`--format` (case-insensitive;
    /// `json`, `geopackage`, `flatgeobuf` accepted too).
    pub fn parse(s: &str) -> Result<Format, FormatError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "geojson" | "json" => Ok(Format::Geojson),
            "gpkg" | "geopackage" => Ok(Format::Gpkg),
            "fgb" | "flatgeobuf" => Ok(Format::Fgb),
            "csv" => Ok(Format::Csv),
            _ => Err(FormatError::Unknown { given: s.into() }),
        }
    }

    /// The format a path's extension names (`.geojson`/`.json`, `.gpkg`, `.fgb`, `.csv`).
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = Path::new(path).extension()?.to_str()?;
        Format::parse(ext).ok()
    }

    /// `--format` if given (it must agree with a known `--out` extension), else the `--out`
    /// extension, else GeoJSON for standard output.
    pub fn resolve(flag: Option<Format>, out: Option<&str>) -> Result<Format, FormatError> {
        let out = out.filter(|p| *p != "-");
        match (flag, out) {
            (Some(f), Some(p)) => match Format::from_path(p) {
                Some(e) if e != f => Err(FormatError::Conflict {
                    flag: f.name(),
                    path: p.into(),
                    ext: e.name(),
                }),
                _ => Ok(f),
            },
            (Some(f), None) => Ok(f),
            (None, Some(p)) => {
                Format::from_path(p).ok_or_else(|| FormatError::NoExtension { path: p.into() })
            }
            (None, None) => Ok(Format::Geojson),
        }
    }

    /// Binary formats cannot go to a terminal or be streamed line by line.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Gpkg | Format::Fgb)
    }
}

/// Options of the tabular formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Attribute names of at most 10 characters, unique (`--shapefile-names`, `names=shp`).
    pub shapefile_names: bool,
    /// CSV starts with a UTF-8 byte-order mark (downloads, for Excel).
    pub bom: bool,
    /// Zone of date-times written without an offset (the data's local zone, `--tz`):
    /// GeoPackage stores date-times in UTC, FlatGeobuf with their offset.
    pub local_offset: Option<chrono::FixedOffset>,
}

/// Encodes a table in `format`. GeoJSON is written from the table's typed, flattened rows
/// (use [`encode_features`] to keep nested GeoJSON properties). Async because the
/// GeoPackage is written through sqlx; the other formats do not wait on anything.
pub async fn encode_table(
    format: Format,
    table: &FeatureTable,
    opts: TableOptions,
) -> Result<Vec<u8>, FormatError> {
    let renamed;
    let table = if opts.shapefile_names {
        renamed = table.clone().with_shapefile_names();
        &renamed
    } else {
        table
    };
    Ok(match format {
        Format::Geojson => {
            let mut out = Vec::new();
            gj::write_collection(&mut out, table_features(table))?;
            out
        }
        Format::Gpkg => gpkg::to_bytes(table, opts.local_offset).await?,
        Format::Fgb => fgb::to_bytes(table, opts.local_offset)?,
        Format::Csv => table_csv::to_bytes(table, opts.bom),
    })
}

/// Encodes GeoJSON features of layer `name`: GeoJSON as they are (nested properties kept),
/// the other formats through [`FeatureTable::from_features`] with the `preferred` columns
/// first.
pub async fn encode_features(
    format: Format,
    name: &str,
    features: &[Feature],
    preferred: &[&str],
    opts: TableOptions,
) -> Result<Vec<u8>, FormatError> {
    if format == Format::Geojson && !opts.shapefile_names {
        let mut out = Vec::new();
        gj::write_collection(&mut out, features.iter().cloned())?;
        return Ok(out);
    }
    encode_table(
        format,
        &FeatureTable::from_features(name, features, preferred),
        opts,
    )
    .await
}

/// Leading columns of each layer in the tabular formats (CSV, GeoPackage, FlatGeobuf), in the
/// order ARCHITECTURE.md lists the properties; the CLI files and the server downloads use it.
pub fn preferred_columns(layer: &str) -> &'static [&'static str] {
    match layer {
        "hotspots" => &[
            "cluster",
            "hotspot_id",
            "count",
            "core_count",
            "use",
            "storage",
            "trafficking",
            "sale",
            "cultivation",
            "first_seen",
            "last_seen",
            "area_m2",
            "centroid",
            "has_plan",
            "nearby_sites",
            "plans",
        ],
        "hexes" => &["h3", "count", "gi_z", "gi_p", "bin"],
        "near" => &[
            "id",
            "name",
            "kind",
            "reports_within",
            "use",
            "storage",
            "trafficking",
            "sale",
            "cultivation",
            "nearest_m",
        ],
        "areas" => &[
            "id",
            "name",
            "level",
            "parent_id",
            "month",
            "status",
            "status_since",
            "declared_status",
            "declared_at",
            "discrepancy",
            "open_plans",
            "target_progress",
        ],
        "sites" => &["id", "name", "kind"],
        "reports" => &["id", "kind", "observed_at"],
        _ => &[],
    }
}

/// [`encode_table`] for synchronous callers outside any async runtime (the batch CLI
/// commands): runs it on a small runtime of its own.
pub fn encode_table_blocking(
    format: Format,
    table: &FeatureTable,
    opts: TableOptions,
) -> Result<Vec<u8>, FormatError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(encode_table(format, table, opts))
}

/// The rows of a table as GeoJSON features (id from the `id` column).
fn table_features(table: &FeatureTable) -> impl Iterator<Item = Feature> + '_ {
    use super::table::Cell;
    table.geometries.iter().zip(&table.rows).map(|(g, row)| {
        let mut props = geojson::JsonObject::new();
        let mut id = None;
        for (f, c) in table.fields.iter().zip(row) {
            let v = match c {
                Cell::Null => serde_json::Value::Null,
                Cell::Integer(i) => (*i).into(),
                Cell::Real(x) => (*x).into(),
                Cell::Boolean(b) => (*b).into(),
                Cell::Text(s) => s.clone().into(),
            };
            if f.name == "id" {
                id = c.text();
            }
            props.insert(f.name.clone(), v);
        }
        gj::feature(g, props, id.as_deref())
    })
}

/// A download file name that says what is in it: layer, parameters, then the month range,
/// e.g. `hexes_res9_k1_2024-01_2026-10.gpkg`. Names and values keep ASCII letters, digits,
/// `.`, `-` and `_` only.
pub fn download_name(
    layer: &str,
    params: &[(&str, String)],
    range: Option<(NaiveDate, NaiveDate)>,
    format: Format,
) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let mut name = clean(layer);
    for (k, v) in params {
        name.push('_');
        name.push_str(&clean(k));
        name.push_str(&clean(v));
    }
    if let Some((a, b)) = range {
        name.push_str(&format!("_{}_{}", a.format("%Y-%m"), b.format("%Y-%m")));
    }
    format!("{name}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_the_flag_or_the_extension() {
        assert_eq!(
            Format::resolve(None, Some("out/h.GPKG")).unwrap(),
            Format::Gpkg
        );
        assert_eq!(Format::resolve(None, Some("h.fgb")).unwrap(), Format::Fgb);
        assert_eq!(Format::resolve(None, None).unwrap(), Format::Geojson);
        assert_eq!(Format::resolve(None, Some("-")).unwrap(), Format::Geojson);
        assert_eq!(
            Format::resolve(Some(Format::Csv), Some("h.txt")).unwrap(),
            Format::Csv
        );
        let e = Format::resolve(Some(Format::Csv), Some("h.gpkg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--format csv contradicts the extension of \"h.gpkg\" (gpkg)"
        );
        assert!(matches!(
            Format::resolve(None, Some("h.shp")),
            Err(FormatError::NoExtension { .. })
        ));
        assert!(Format::parse("GeoPackage").is_ok());
        assert!(
            Format::parse("xlsx")
                .unwrap_err()
                .to_string()
                .contains("gpkg")
        );
    }

    #[test]
    fn download_names_carry_layer_parameters_and_months() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        assert_eq!(
            download_name(
                "hexes",
                &[("res", "9".into()), ("k", "1".into())],
                Some((d(2024, 1), d(2026, 10))),
                Format::Gpkg
            ),
            "hexes_res9_k1_2024-01_2026-10.gpkg"
        );
        assert_eq!(
            download_name("kde", &[("weights", "sale:2".into())], None, Format::Csv),
            "kde_weightssale-2.csv"
        );
    }
}
