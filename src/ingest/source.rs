//! Reading an input's bytes (a file or `-` for stdin) and telling CSV from GeoJSON.

use super::IngestError;
use std::io::Read;

/// The two input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Csv,
    GeoJson,
}

/// All bytes of `path`, or of stdin when `path` is `-`.
pub fn read_source(path: &str) -> Result<Vec<u8>, IngestError> {
    let io_err = |source| IngestError::Io {
        file: super::display_name(path),
        source,
    };
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(io_err)?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(io_err)
    }
}

/// GeoJSON for `.geojson`/`.json` files, CSV for `.csv`; otherwise (stdin) by the first
/// non-blank byte: `{` means GeoJSON.
pub fn source_format(path: &str, bytes: &[u8]) -> SourceFormat {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".geojson") || lower.ends_with(".json") {
        return SourceFormat::GeoJson;
    }
    if lower.ends_with(".csv") {
        return SourceFormat::Csv;
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => SourceFormat::GeoJson,
        _ => SourceFormat::Csv,
    }
}
