//! One page of features as GeoJSON values: the selected properties only (`properties=`) and
//! the geometry in the requested CRS (`crs=`, axis order of that CRS; metres to the millimetre,
//! degrees to 7 decimals as elsewhere).

use geojson::Feature;
use serde_json::Value;

use crate::crs::{Crs, CrsError};

/// `f` as JSON, with only `properties` (when given) and coordinates in `crs`.
pub fn feature_json(
    f: &Feature,
    properties: Option<&[String]>,
    crs: Crs,
) -> Result<Value, CrsError> {
    let mut v = serde_json::to_value(f).expect("features serialise");
    if let Some(keep) = properties
        && let Some(Value::Object(p)) = v.get_mut("properties")
    {
        p.retain(|k, _| keep.iter().any(|x| x == k));
    }
    if crs != Crs::Crs84
        && let Some(g) = v.get_mut("geometry")
    {
        transform_geometry(g, crs)?;
    }
    Ok(v)
}

fn round(x: f64, decimals: i32) -> f64 {
    let s = 10f64.powi(decimals);
    (x * s).round() / s
}

/// Projects every position of a GeoJSON geometry value in place.
pub fn transform_geometry(g: &mut Value, crs: Crs) -> Result<(), CrsError> {
    let decimals = if crs.is_projected() { 3 } else { 7 };
    fn walk(v: &mut Value, crs: Crs, decimals: i32) -> Result<(), CrsError> {
        let Value::Array(items) = v else {
            return Ok(());
        };
        if items.len() >= 2 && items.iter().all(Value::is_number) {
            let x = items[0].as_f64().unwrap_or_default();
            let y = items[1].as_f64().unwrap_or_default();
            let (a, b) = crs.from_lonlat(x, y)?;
            items[0] = round(a, decimals).into();
            items[1] = round(b, decimals).into();
            return Ok(());
        }
        items.iter_mut().try_for_each(|i| walk(i, crs, decimals))
    }
    if let Some(c) = g.get_mut("coordinates") {
        walk(c, crs, decimals)?;
    }
    if let Some(Value::Array(gs)) = g.get_mut("geometries") {
        for x in gs {
            transform_geometry(x, crs)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_are_projected_and_properties_selected() {
        let f: Feature = serde_json::from_value(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[107.6, 16.46], [107.61, 16.46], [107.6, 16.47], [107.6, 16.46]]]},
            "properties": {"a": 1, "b": 2}
        }))
        .unwrap();
        let v = feature_json(&f, Some(&["b".to_string()]), Crs::Epsg32648).unwrap();
        assert_eq!(v["properties"], json!({"b": 2}));
        // pyproj: (107.6, 16.46) in EPSG:32648 is (777613.2558, 1821604.7426).
        assert_eq!(
            v["geometry"]["coordinates"][0][0],
            json!([777613.256, 1821604.743])
        );
        let v = feature_json(&f, None, Crs::Epsg4326).unwrap();
        assert_eq!(v["geometry"]["coordinates"][0][1], json!([16.46, 107.61]));
    }
}
