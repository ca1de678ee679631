//! One polygon from a GeoJSON file (`--polygon P.geojson`): a Polygon or MultiPolygon
//! geometry, a Feature holding one, or a FeatureCollection whose polygons are taken together
//! as one MultiPolygon (a response area drawn in several parts).
use super::{IngestError, check_lon_lat, display_name, file_problem, read_source};
use geo::{Coord, MultiPolygon};

/// Reads `path` (`-` = stdin) as one MultiPolygon; problems name the file and `geometry`.
pub fn read_polygon(path: &str) -> Result<MultiPolygon<f64>, IngestError> {
    let bytes = read_source(path)?;
    let file = display_name(path);
    parse_polygon(&bytes, &file)
}

/// Parses GeoJSON text (see [`read_polygon`]).
pub fn parse_polygon(bytes: &[u8], file: &str) -> Result<MultiPolygon<f64>, IngestError> {
    let bad = |m: String| file_problem(file, 1, "geometry", m);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    let doc: geojson::GeoJson = text
        .trim_start_matches('\u{feff}')
        .parse()
        .map_err(|e| bad(format!("not GeoJSON: {e}")))?;
    let geometries: Vec<geojson::Geometry> = match doc {
        geojson::GeoJson::Geometry(g) => vec![g],
        geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
        geojson::GeoJson::FeatureCollection(fc) => {
            fc.features.into_iter().filter_map(|f| f.geometry).collect()
        }
    };
    let mut polygons = Vec::new();
    for g in geometries {
        match geo::Geometry::<f64>::try_from(g.value) {
            Ok(geo::Geometry::Polygon(p)) => polygons.push(p),
            Ok(geo::Geometry::MultiPolygon(m)) => polygons.extend(m.0),
            Ok(_) | Err(_) => {
                return Err(bad(
                    "expected Polygon or MultiPolygon geometries only".into()
                ));
            }
        }
    }
    if polygons.is_empty() {
        return Err(bad("no Polygon or MultiPolygon found".into()));
    }
    let mp = MultiPolygon(polygons);
    use geo::CoordsIter;
    if let Some(c) = mp
        .coords_iter()
        .find(|c: &Coord<f64>| !check_lon_lat(c.x, c.y).is_empty())
    {
        return Err(bad(format!(
            "position [{}, {}] is not a WGS84 lon/lat",
            c.x, c.y
        )));
    }
    if mp.0.iter().any(|p| p.exterior().0.len() < 4) {
        return Err(bad("a ring needs at least 4 positions".into()));
    }
    Ok(mp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_feature_and_collection() {
        let poly = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#;
        assert_eq!(parse_polygon(poly.as_bytes(), "p").unwrap().0.len(), 1);
        let feat = format!(r#"{{"type":"Feature","properties":{{}},"geometry":{poly}}}"#);
        assert_eq!(parse_polygon(feat.as_bytes(), "p").unwrap().0.len(), 1);
        let fc = format!(r#"{{"type":"FeatureCollection","features":[{feat},{feat}]}}"#);
        assert_eq!(parse_polygon(fc.as_bytes(), "p").unwrap().0.len(), 2);
    }

    #[test]
    fn problems_name_the_file() {
        for bad in [
            "{",
            r#"{"type":"Point","coordinates":[0,0]}"#,
            r#"{"type":"FeatureCollection","features":[]}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}"#,
        ] {
            let e = parse_polygon(bad.as_bytes(), "p.geojson").unwrap_err();
            assert!(e.to_string().starts_with("p.geojson:1: geometry: "), "{e}");
        }
    }
}
