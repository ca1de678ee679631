//! GeoJSON input: report points, sites (Point or Polygon) and areas (Polygon or MultiPolygon).
//!
//! Problems name the line where the offending feature starts; the lines come from a small
//! scan of the raw text (serde_json keeps no positions once parsed).

use super::{
    IngestError, IngestOptions, Parsed, Problem, Rejected, check_lon_lat, file_problem, finish,
    parse_observed_at,
};
use crate::model::{Area, AreaLevel, Report, ReportKind, Site, SiteKind};
use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};
use std::collections::HashMap;

type Errs = Vec<(String, String)>;

/// Parses and validates report points (properties `id`, `kind`, `observed_at`; the id may
/// also be the feature's `id`).
pub fn read_reports(
    bytes: &[u8],
    file: &str,
    opts: &IngestOptions,
) -> Result<Parsed<Report>, IngestError> {
    read_features(bytes, file, opts, |f, props| {
        let mut errs = Errs::new();
        let id = feature_id(f, props, &mut errs);
        let point = match geometry(f) {
            Ok(Geometry::Point(p)) => Some(p),
            Ok(g) => {
                errs.push((
                    "geometry".into(),
                    format!("expected a Point, found {}", type_name(&g)),
                ));
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        let kind = vocab::<ReportKind>(props, "kind", &mut errs);
        let at = match props.get("observed_at") {
            Some(Value::String(s)) => match parse_observed_at(s, opts.tz) {
                Ok(t) => Some(t),
                Err(e) => {
                    errs.push(("observed_at".into(), e));
                    None
                }
            },
            _ => {
                errs.push(("observed_at".into(), "missing (a date string)".into()));
                None
            }
        };
        match (id, point, kind, at) {
            (Some(id), Some(p), Some(kind), Some(observed_at)) if errs.is_empty() => Ok(Report {
                id,
                lon: p.x(),
                lat: p.y(),
                kind,
                observed_at,
            }),
            _ => Err(errs),
        }
    })
    .and_then(|raw| finish_ids(raw, |r: &Report| &r.id))
}

/// Parses and validates sensitive sites (Point, Polygon or MultiPolygon; `id`, `name`, `kind`).
pub fn read_sites(
    bytes: &[u8],
    file: &str,
    opts: &IngestOptions,
) -> Result<Parsed<Site>, IngestError> {
    read_features(bytes, file, opts, |f, props| {
        let mut errs = Errs::new();
        let id = feature_id(f, props, &mut errs);
        let name = text(props, "name", &mut errs);
        let kind = vocab::<SiteKind>(props, "kind", &mut errs);
        let geometry = match geometry(f) {
            Ok(g @ (Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_))) => {
                Some(g)
            }
            Ok(g) => {
                errs.push((
                    "geometry".into(),
                    format!("expected a Point or Polygon, found {}", type_name(&g)),
                ));
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        match (id, name, kind, geometry) {
            (Some(id), Some(name), Some(kind), Some(geometry)) if errs.is_empty() => Ok(Site {
                id,
                name,
                kind,
                geometry,
            }),
            _ => Err(errs),
        }
    })
    .and_then(|raw| finish_ids(raw, |s: &Site| &s.id))
}

/// Parses and validates administrative areas (Polygon or MultiPolygon; `id`, `name`, `level`,
/// optional `parent_id`).
pub fn read_areas(
    bytes: &[u8],
    file: &str,
    opts: &IngestOptions,
) -> Result<Parsed<Area>, IngestError> {
    read_features(bytes, file, opts, |f, props| {
        let mut errs = Errs::new();
        let id = feature_id(f, props, &mut errs);
        let name = text(props, "name", &mut errs);
        let level = vocab::<AreaLevel>(props, "level", &mut errs);
        let parent_id = match props.get("parent_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => match super::limits::check_id(s.trim()) {
                Ok(()) => Some(s.trim().to_string()),
                Err(m) => {
                    errs.push(("parent_id".into(), m));
                    None
                }
            },
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                errs.push(("parent_id".into(), "expected a string or null".into()));
                None
            }
        };
        let geometry = match geometry(f) {
            Ok(Geometry::Polygon(p)) => Some(MultiPolygon(vec![p])),
            Ok(Geometry::MultiPolygon(m)) => Some(m),
            Ok(g) => {
                errs.push((
                    "geometry".into(),
                    format!(
                        "expected a Polygon or MultiPolygon, found {}",
                        type_name(&g)
                    ),
                ));
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        match (id, name, level, geometry) {
            (Some(id), Some(name), Some(level), Some(geometry)) if errs.is_empty() => Ok(Area {
                id,
                name,
                level,
                parent_id,
                geometry,
            }),
            _ => Err(errs),
        }
    })
    .and_then(|raw| finish_ids(raw, |a: &Area| &a.id))
}

/// Rows parsed from features, before the duplicate-id check.
struct Raw<T> {
    parsed: Parsed<T>,
    problems: Vec<Problem>,
    file: String,
    skip_invalid: bool,
    /// The raw JSON of every accepted feature (for a duplicate's rejects row).
    json: Vec<String>,
}

fn read_features<T>(
    bytes: &[u8],
    file: &str,
    opts: &IngestOptions,
    parse: impl Fn(&Map<String, Value>, &Map<String, Value>) -> Result<T, Errs>,
) -> Result<Raw<T>, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(file_problem(file, 1, "-", "file is empty".into()));
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        file_problem(
            file,
            e.line().max(1) as u64,
            "-",
            format!("invalid JSON: {e}"),
        )
    })?;
    let features: Vec<&Value> = match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match doc.get("features") {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => {
                return Err(file_problem(
                    file,
                    1,
                    "features",
                    "expected an array".into(),
                ));
            }
        },
        Some("Feature") => vec![&doc],
        other => {
            return Err(file_problem(
                file,
                1,
                "type",
                format!("expected a FeatureCollection or Feature, found {other:?}"),
            ));
        }
    };
    let mut lines = feature_lines(bytes);
    if lines.len() != features.len() {
        lines = vec![1; features.len()];
    }
    let mut raw = Raw {
        parsed: Parsed {
            rows: Vec::with_capacity(features.len()),
            lines: Vec::with_capacity(features.len()),
            header: vec!["feature".into()],
            rejected: Vec::new(),
        },
        problems: Vec::new(),
        file: file.to_string(),
        skip_invalid: opts.skip_invalid,
        json: Vec::new(),
    };
    let empty = Map::new();
    for (f, &line) in features.iter().zip(&lines) {
        let result = match f {
            Value::Object(obj) if obj.get("type").and_then(Value::as_str) == Some("Feature") => {
                let props = match obj.get("properties") {
                    Some(Value::Object(p)) => p,
                    _ => &empty,
                };
                parse(obj, props)
            }
            _ => Err(vec![("type".into(), "expected a Feature".into())]),
        };
        match result {
            Ok(row) => {
                raw.parsed.rows.push(row);
                raw.parsed.lines.push(line);
                raw.json.push(f.to_string());
            }
            Err(errs) => {
                if opts.skip_invalid {
                    raw.parsed.rejected.push(Rejected {
                        line,
                        fields: vec![f.to_string()],
                        reason: reason(&errs),
                    });
                }
                for (column, message) in errs {
                    raw.problems.push(Problem {
                        file: file.to_string(),
                        line,
                        column,
                        message,
                    });
                }
            }
        }
    }
    if features.is_empty() {
        return Err(file_problem(file, 1, "features", "no features".into()));
    }
    Ok(raw)
}

/// The duplicate-id check shared by all three layers, then the final verdict.
fn finish_ids<T>(mut raw: Raw<T>, id: impl Fn(&T) -> &String) -> Result<Parsed<T>, IngestError> {
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut keep = Vec::with_capacity(raw.parsed.rows.len());
    for (i, row) in raw.parsed.rows.iter().enumerate() {
        let line = raw.parsed.lines[i];
        match first.get(id(row)) {
            Some(&l) => {
                let msg = format!("duplicate id {:?} (first on line {l})", id(row));
                if raw.skip_invalid {
                    raw.parsed.rejected.push(Rejected {
                        line,
                        fields: vec![raw.json[i].clone()],
                        reason: format!("id: {msg}"),
                    });
                }
                raw.problems.push(Problem {
                    file: raw.file.clone(),
                    line,
                    column: "id".into(),
                    message: msg,
                });
                keep.push(false);
            }
            None => {
                first.insert(id(row).clone(), line);
                keep.push(true);
            }
        }
    }
    if raw.skip_invalid {
        let mut k = keep.iter();
        raw.parsed.rows.retain(|_| *k.next().unwrap());
        let mut k = keep.iter();
        raw.parsed.lines.retain(|_| *k.next().unwrap());
    }
    raw.parsed.rejected.sort_by_key(|r| r.line);
    finish(raw.problems, raw.parsed, raw.skip_invalid)
}

fn feature_id(
    f: &Map<String, Value>,
    props: &Map<String, Value>,
    errs: &mut Errs,
) -> Option<String> {
    let v = props.get("id").or_else(|| f.get("id"));
    let id = match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => String::new(),
        Some(_) => {
            errs.push(("id".into(), "expected a string or number".into()));
            return None;
        }
    };
    if let Err(m) = super::limits::check_id(&id) {
        errs.push(("id".into(), m));
        return None;
    }
    Some(id)
}

fn text(props: &Map<String, Value>, key: &str, errs: &mut Errs) -> Option<String> {
    match props.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => {
            errs.push((key.into(), "missing or empty".into()));
            None
        }
    }
}

fn vocab<T: std::str::FromStr<Err = crate::model::UnknownValue>>(
    props: &Map<String, Value>,
    key: &str,
    errs: &mut Errs,
) -> Option<T> {
    match props.get(key) {
        Some(Value::String(s)) => match s.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                errs.push((key.into(), e.to_string()));
                None
            }
        },
        _ => {
            errs.push((key.into(), "missing (a string)".into()));
            None
        }
    }
}

fn type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        _ => "another geometry",
    }
}

fn geometry(f: &Map<String, Value>) -> Result<Geometry<f64>, (String, String)> {
    let bad = |m: String| ("geometry".to_string(), m);
    let g = match f.get("geometry") {
        Some(Value::Object(g)) => g,
        _ => return Err(bad("missing".into())),
    };
    let coords = g
        .get("coordinates")
        .ok_or_else(|| bad("no coordinates".into()))?;
    match g.get("type").and_then(Value::as_str) {
        Some("Point") => Ok(Point(position(coords).map_err(bad)?).into()),
        Some("Polygon") => Ok(polygon(coords).map_err(bad)?.into()),
        Some("MultiPolygon") => {
            let polys = coords
                .as_array()
                .ok_or_else(|| bad("MultiPolygon coordinates must be an array".into()))?
                .iter()
                .map(polygon)
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            Ok(MultiPolygon(polys).into())
        }
        Some("LineString") => Ok(LineString(Vec::new()).into()),
        Some("MultiPoint") => Ok(geo::MultiPoint(Vec::new()).into()),
        Some("MultiLineString") => Ok(geo::MultiLineString(Vec::new()).into()),
        other => Err(bad(format!("unsupported geometry type {other:?}"))),
    }
}

fn position(v: &Value) -> Result<Coord<f64>, String> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| format!("{v} is not a position [lon, lat]"))?;
    let (lon, lat) = match (a[0].as_f64(), a[1].as_f64()) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(format!("{v} is not a position [lon, lat]")),
    };
    if let Some((_, msg)) = check_lon_lat(lon, lat).into_iter().next() {
        return Err(msg);
    }
    Ok(Coord { x: lon, y: lat })
}

fn polygon(v: &Value) -> Result<Polygon<f64>, String> {
    let rings = v
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| "Polygon coordinates must be a non-empty array of rings".to_string())?;
    let mut out = Vec::with_capacity(rings.len());
    for ring in rings {
        let pts = ring
            .as_array()
            .ok_or_else(|| "a ring must be an array of positions".to_string())?
            .iter()
            .map(position)
            .collect::<Result<Vec<_>, _>>()?;
        if pts.len() < 4 || pts.first() != pts.last() {
            return Err("a ring needs at least 4 positions, the last equal to the first".into());
        }
        out.push(LineString(pts));
    }
    let exterior = out.remove(0);
    Ok(Polygon::new(exterior, out))
}

fn reason(errs: &Errs) -> String {
    errs.iter()
        .map(|(c, m)| format!("{c}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// 1-based line where each element of the top-level `features` array starts (or the line of
/// the document itself for a lone Feature).
fn feature_lines(bytes: &[u8]) -> Vec<u64> {
    let mut line = 1u64;
    let mut stack: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0usize;
    let mut last_string: &[u8] = b"";
    let mut key: &[u8] = b"";
    let mut in_features = false;
    let mut out = Vec::new();
    let mut doc_line = 1;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last_string = &bytes[string_start..i];
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b':' if stack.len() == 1 => key = last_string,
            b',' if stack.len() == 1 => key = b"",
            b'{' | b'[' => {
                if stack.is_empty() {
                    doc_line = line;
                }
                if in_features && stack.len() == 2 && b == b'{' {
                    out.push(line);
                }
                if stack.len() == 1 && b == b'[' && key == b"features" {
                    in_features = true;
                }
                stack.push(b);
            }
            b'}' | b']' => {
                stack.pop();
                if stack.len() == 1 && in_features && b == b']' {
                    in_features = false;
                    key = b"";
                }
            }
            _ => {}
        }
    }
    if out.is_empty() { vec![doc_line] } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORTS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "a",
   "geometry": {"type": "Point", "coordinates": [107.59, 16.46]},
   "properties": {"kind": "use", "observed_at": "2025-01-01T10:00:00+00:00"}},
  {"type": "Feature",
   "geometry": {"type": "Point", "coordinates": [107.59, 96.46]},
   "properties": {"id": "b", "kind": "heroin", "observed_at": "2025-01-01"}},
  {"type": "Feature",
   "geometry": {"type": "LineString", "coordinates": [[107.59, 16.46], [107.6, 16.5]]},
   "properties": {"id": "a", "kind": "sale", "observed_at": "2025-01-01"}}
]}"#;

    fn problems<T: std::fmt::Debug>(r: Result<Parsed<T>, IngestError>) -> Vec<String> {
        match r {
            Err(IngestError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn report_problems_name_the_line_where_the_feature_starts() {
        let p = problems(read_reports(
            REPORTS.as_bytes(),
            "r.geojson",
            &Default::default(),
        ));
        assert_eq!(
            p[0],
            "r.geojson:5: geometry: 96.46 is not a latitude in [-90, 90]"
        );
        assert!(p[1].starts_with("r.geojson:5: kind: unknown value \"heroin\""));
        assert_eq!(
            p[2],
            "r.geojson:8: geometry: expected a Point, found LineString"
        );
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn feature_id_and_offsets_are_used() {
        let opts = IngestOptions {
            skip_invalid: true,
            ..Default::default()
        };
        let p = read_reports(REPORTS.as_bytes(), "r.geojson", &opts).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].id, "a");
        assert_eq!(p.rows[0].observed_at.to_string(), "2025-01-01 17:00:00");
        assert_eq!(p.lines, vec![2]);
        assert_eq!(
            p.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![5, 8]
        );
    }

    #[test]
    fn duplicate_ids_are_problems() {
        let src = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":7,"kind":"use","observed_at":"2025-01-01"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"7","kind":"use","observed_at":"2025-01-01"}}]}"#;
        let p = problems(read_reports(
            src.as_bytes(),
            "r.geojson",
            &Default::default(),
        ));
        assert_eq!(
            p,
            vec!["r.geojson:3: id: duplicate id \"7\" (first on line 2)"]
        );
    }

    #[test]
    fn sites_and_areas() {
        let sites = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.6,16.46]},"properties":{"id":"s1","name":"School","kind":"School"}},
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"id":"s2","name":"IZ","kind":"industrial_zone"}}]}"#;
        let s = read_sites(sites.as_bytes(), "s.geojson", &Default::default()).unwrap();
        assert_eq!(s.rows[0].kind, SiteKind::School);
        assert!(matches!(s.rows[1].geometry, Geometry::Polygon(_)));

        let areas = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.6,16.46]},"properties":{"id":"a1","name":"Ward","level":"commune"}},
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"id":"a2","name":"Group 1","level":"residential_group","parent_id":"a1"}}]}"#;
        let p = problems(read_areas(
            areas.as_bytes(),
            "a.geojson",
            &Default::default(),
        ));
        assert_eq!(
            p,
            vec!["a.geojson:2: geometry: expected a Polygon or MultiPolygon, found Point"]
        );
        let opts = IngestOptions {
            skip_invalid: true,
            ..Default::default()
        };
        let a = read_areas(areas.as_bytes(), "a.geojson", &opts).unwrap();
        assert_eq!(a.rows[0].parent_id.as_deref(), Some("a1"));
    }

    #[test]
    fn bad_json_names_its_line() {
        let p = problems(read_sites(
            b"{\"type\":\n\"FeatureCollection\",,}",
            "s.geojson",
            &Default::default(),
        ));
        assert!(p[0].starts_with("s.geojson:2: -: invalid JSON"), "{}", p[0]);
        let p = problems(read_sites(b"  \n", "s.geojson", &Default::default()));
        assert_eq!(p, vec!["s.geojson:1: -: file is empty"]);
    }
}
