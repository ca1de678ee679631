//! GeoJSON features of stored things (reports, sites, areas) and the RFC 7946 conventions the
//! server applies to every geometry it sends: counter-clockwise exterior rings, clockwise holes,
//! at most 7 decimals (about 1 cm), and a collection `bbox`.

use geo::{BoundingRect, Geometry, MapCoords, Orient, orient::Direction};
use geojson::{Feature, FeatureCollection, JsonObject, JsonValue};
use serde_json::json;

use crate::model::{Area, Report, Site};

/// Rounds to 7 decimals, as RFC 7946 recommends for WGS84 degrees.
pub fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// A geo geometry as RFC 7946 GeoJSON (ring orientation fixed, coordinates rounded).
pub fn geometry(g: &Geometry<f64>) -> geojson::Geometry {
    let oriented = match g {
        Geometry::Polygon(p) => Geometry::Polygon(p.orient(Direction::Default)),
        Geometry::MultiPolygon(m) => Geometry::MultiPolygon(m.orient(Direction::Default)),
        other => other.clone(),
    };
    let rounded = oriented.map_coords(|c| geo::Coord {
        x: round7(c.x),
        y: round7(c.y),
    });
    geojson::Geometry::new(geojson::GeometryValue::from(&rounded))
}

/// Builds a feature from a geometry, a string id and properties.
pub fn feature(g: &Geometry<f64>, id: Option<String>, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(geometry(g)),
        id: id.map(geojson::feature::Id::String),
        properties: Some(properties),
        foreign_members: None,
    }
}

/// Turns a `json!({...})` object into properties.
pub fn props(v: JsonValue) -> JsonObject {
    match v {
        JsonValue::Object(o) => o,
        _ => JsonObject::new(),
    }
}

pub fn report_feature(r: &Report) -> Feature {
    feature(
        &Geometry::Point(geo::Point::new(r.lon, r.lat)),
        Some(r.id.clone()),
        props(json!({
            "id": r.id,
            "kind": r.kind.as_str(),
            "observed_at": r.observed_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        })),
    )
}

pub fn site_feature(s: &Site) -> Feature {
    feature(
        &s.geometry,
        Some(s.id.clone()),
        props(json!({"id": s.id, "name": s.name, "kind": s.kind.as_str()})),
    )
}

/// An area with its identity; status fields are added by the areas layer.
pub fn area_feature(a: &Area, mut extra: JsonObject) -> Feature {
    let mut p = props(json!({
        "id": a.id,
        "name": a.name,
        "level": a.level.as_str(),
        "parent_id": a.parent_id,
    }));
    p.append(&mut extra);
    feature(
        &Geometry::MultiPolygon(a.geometry.clone()),
        Some(a.id.clone()),
        p,
    )
}

/// The bounding box of a feature's geometry, `[min_lon, min_lat, max_lon, max_lat]`.
pub fn feature_bbox(f: &Feature) -> Option<[f64; 4]> {
    let g: Geometry<f64> = f.geometry.as_ref()?.clone().try_into().ok()?;
    let r = g.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Union of feature bboxes.
pub fn collection_bbox(features: &[Feature]) -> Option<[f64; 4]> {
    features.iter().filter_map(feature_bbox).reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    })
}

/// Whether two `[min_lon, min_lat, max_lon, max_lat]` boxes intersect (edges included).
pub fn bbox_intersects(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// A FeatureCollection with its bbox, serialised.
pub fn collection_json(features: Vec<Feature>) -> Vec<u8> {
    let bbox = collection_bbox(&features).map(|b| b.to_vec());
    let fc = FeatureCollection {
        bbox,
        features,
        foreign_members: None,
    };
    serde_json::to_vec(&fc).expect("GeoJSON serialises")
}

/// CSV of the features' properties: the `preferred` columns first (in that order), then any
/// other property name in sorted order; nested values as JSON text. Used for tabular layers.
pub fn features_csv(features: &[Feature], preferred: &[&str]) -> Vec<u8> {
    let mut columns: Vec<String> = preferred.iter().map(|c| c.to_string()).collect();
    for f in features {
        for k in f.properties.iter().flat_map(|p| p.keys()) {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&columns).expect("in-memory CSV");
    for f in features {
        let row = columns
            .iter()
            .map(|c| match f.properties.as_ref().and_then(|p| p.get(c)) {
                None | Some(JsonValue::Null) => String::new(),
                Some(JsonValue::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            });
        w.write_record(row).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;
    use geojson::GeometryValue;

    #[test]
    fn exterior_rings_become_counter_clockwise_and_rounded() {
        // Clockwise square.
        let cw = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.000000012345, y: 0.0)];
        let g = geometry(&Geometry::Polygon(cw));
        let GeometryValue::Polygon { coordinates: rings } = g.value else {
            panic!("polygon expected")
        };
        let ring = &rings[0];
        let signed: f64 = ring
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * (w[1][1] + w[0][1]))
            .sum();
        assert!(signed < 0.0, "shoelace sum < 0 means counter-clockwise");
        assert!(ring.iter().any(|c| c[0] == 1.0));
    }

    #[test]
    fn csv_has_union_of_columns() {
        let a = feature(
            &Geometry::Point(geo::Point::new(1.0, 2.0)),
            None,
            props(json!({"a": 1, "b": "x"})),
        );
        let b = feature(
            &Geometry::Point(geo::Point::new(1.0, 2.0)),
            None,
            props(json!({"c": [1, 2]})),
        );
        let csv = String::from_utf8(features_csv(&[a, b], &["b"])).unwrap();
        assert_eq!(csv, "b,a,c\nx,1,\n,,\"[1,2]\"\n");
    }
}
