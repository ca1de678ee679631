//! What the server adds to the CLI's GeoJSON builders ([`crate::render::geojson`]): its own
//! feature ids and extra properties on top of the shared ones, bbox tests for OGC paging, the
//! serialised collection (through the same RFC 7946 writer as the CLI) and the CSV form of
//! tabular layers. The features themselves (properties, CCW rings, 7 decimals) come from the
//! render module so the web map and the CLI files cannot drift apart.

pub use crate::render::geojson::{collection_json, with_id, with_properties};

use geo::{BoundingRect, Geometry};
use geojson::{Feature, JsonValue};

/// The bounding box of a feature's geometry, `[min_lon, min_lat, max_lon, max_lat]`.
pub fn feature_bbox(f: &Feature) -> Option<[f64; 4]> {
    let g: Geometry<f64> = f.geometry.as_ref()?.clone().try_into().ok()?;
    let r = g.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Whether two `[min_lon, min_lat, max_lon, max_lat]` boxes intersect (edges included).
pub fn bbox_intersects(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
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
                // Names and ids are user text: never let a spreadsheet run them.
                Some(JsonValue::String(s)) => crate::render::csv_cell::escape(s).into_owned(),
                Some(v) => v.to_string(),
            });
        w.write_record(row).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::geojson::feature;
    use geojson::JsonObject;
    use serde_json::json;

    fn point(properties: JsonValue) -> Feature {
        let f = feature(
            &Geometry::Point(geo::Point::new(1.0, 2.0)),
            JsonObject::new(),
            None,
        );
        with_properties(f, properties)
    }

    #[test]
    fn csv_has_union_of_columns() {
        let a = point(json!({"a": 1, "b": "x"}));
        let b = point(json!({"c": [1, 2]}));
        let csv = String::from_utf8(features_csv(&[a, b], &["b"])).unwrap();
        assert_eq!(csv, "b,a,c\nx,1,\n,,\"[1,2]\"\n");
    }

    #[test]
    fn extras_go_on_top_of_the_shared_properties() {
        let f = with_id(point(json!({"a": 1, "b": 2})), "x-1");
        let f = with_properties(f, json!({"b": 3, "c": null}));
        assert_eq!(serde_json::to_value(&f).unwrap()["id"], "x-1");
        assert_eq!(
            JsonValue::Object(f.properties.unwrap()),
            json!({"a": 1, "b": 3, "c": null})
        );
    }

    #[test]
    fn collection_has_rounded_bbox() {
        let f = feature(
            &Geometry::Point(geo::Point::new(107.123456789, 16.5)),
            JsonObject::new(),
            None,
        );
        let v: JsonValue = serde_json::from_slice(&collection_json(vec![f])).unwrap();
        assert_eq!(v["bbox"], json!([107.1234568, 16.5, 107.1234568, 16.5]));
    }
}
