//! Vector tiles as a map client meets them: TileJSON, then `.mvt` tiles decoded with the
//! Python `mapbox-vector-tile` package (an independent decoder, installed into a venv under
//! target/ by scripts/setup-mvt-pytools.sh) and with hotspot's own reader; every feature
//! must fall inside its tile. Plus the disclosure rules of the GeoJSON layers (viewers never
//! get report points and never see small counts) and the per-dataset-version cache.
//!
//! Without python3 the Python decode is skipped with a message, except under `CI=true`.

mod server_common;

use std::process::Command;

use axum::http::{StatusCode, header};
use hotspot::render::mvt::{TileId, decode, world};
use server_common::*;

/// The z/x/y of the tile holding the fixture's dense cluster.
fn centre_tile(z: u32) -> TileId {
    let w = world(CENTRE.0, CENTRE.1);
    let n = (1u64 << z) as f64;
    TileId::new(z, (w[0] * n) as u32, (w[1] * n) as u32).unwrap()
}

fn tile_uri(layer: &str, t: TileId, query: &str) -> String {
    format!("/tiles/{layer}/{}/{}/{}.mvt{query}", t.z, t.x, t.y)
}

/// Python of the venv with `mapbox_vector_tile`, or `None` (skip) outside CI.
fn python() -> Option<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/scripts/setup-mvt-pytools.sh"))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            Some(text.lines().last().unwrap().trim().to_string())
        }
        other => {
            let msg = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("mapbox-vector-tile venv not available but CI=true: {msg}");
            }
            eprintln!("skipping the Python MVT decode: {msg}");
            None
        }
    }
}

/// Decodes a tile with mapbox_vector_tile (tile coordinates, y down) and returns, per
/// layer, its extent and each feature's id, properties and flat list of coordinates.
fn python_decode(python: &str, tile: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.mvt");
    std::fs::write(&path, tile).unwrap();
    let script = r#"
import json, sys, mapbox_vector_tile
data = open(sys.argv[1], 'rb').read()
tile = mapbox_vector_tile.decode(data, default_options={'y_coord_down': True})
def flat(c):
    if isinstance(c[0], (int, float)):
        yield c
    else:
        for x in c:
            yield from flat(x)
out = {}
for name, layer in tile.items():
    out[name] = {'extent': layer['extent'], 'features': [
        {'id': f.get('id'), 'type': f['geometry']['type'], 'properties': f['properties'],
         'coords': list(flat(f['geometry']['coordinates']))}
        for f in layer['features']]}
print(json.dumps(out))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python decode failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_decode_and_their_features_fall_inside_the_tile() {
    let app = app().await;
    let py = python();
    for (layer, z) in [
        ("reports", 14),
        ("hexes", 14),
        ("kde", 13),
        ("hotspots", 14),
        ("areas", 12),
        ("emerging", 12),
    ] {
        let t = centre_tile(z);
        let a = app.get(&tile_uri(layer, t, ""), Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::OK, "{layer}: {}", a.text());
        assert_eq!(
            a.header(header::CONTENT_TYPE),
            "application/vnd.mapbox-vector-tile"
        );
        let layers = decode::tile(&a.body).unwrap();
        assert_eq!(layers.len(), 1, "{layer}");
        let l = &layers[0];
        assert_eq!((l.name.as_str(), l.version, l.extent), (layer, 2, 4096));
        assert!(!l.features.is_empty(), "{layer}: empty tile at the centre");
        // Points strictly inside the tile, polygon rings inside the 64-unit buffer.
        for f in &l.features {
            let (lo, hi) = if f.kind == 1 { (0, 4095) } else { (-64, 4160) };
            for p in f.parts.iter().flatten() {
                assert!(
                    (lo..=hi).contains(&p[0]) && (lo..=hi).contains(&p[1]),
                    "{layer}: {p:?} outside the tile"
                );
            }
            assert!(
                f.properties.contains_key("id"),
                "{layer}: features have ids"
            );
        }
        if let Some(py) = &py {
            let v = python_decode(py, &a.body);
            let pl = &v[layer];
            assert_eq!(pl["extent"], 4096);
            let features = pl["features"].as_array().unwrap();
            assert_eq!(features.len(), l.features.len(), "{layer}");
            for f in features {
                let (lo, hi) = if f["type"] == "Point" {
                    (0.0, 4095.0)
                } else {
                    (-64.0, 4160.0)
                };
                for c in f["coords"].as_array().unwrap() {
                    let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
                    assert!(
                        (lo..=hi).contains(&x) && (lo..=hi).contains(&y),
                        "{layer}: python sees ({x}, {y}) outside the tile"
                    );
                }
                assert!(f["properties"]["id"].is_string(), "{layer}: {f}");
            }
        }
    }
    // The report points in the centre tile are exactly the stored reports there.
    let t = centre_tile(14);
    let b = t.bounds();
    let expected = reports()
        .iter()
        .filter(|r| r.lon >= b[0] && r.lon < b[2] && r.lat > b[1] && r.lat <= b[3])
        .count();
    let l = &decode::tile(
        &app.get(&tile_uri("reports", t, ""), Some(ANALYST))
            .await
            .body,
    )
    .unwrap()[0];
    assert!(expected > 0);
    assert_eq!(l.features.len(), expected);
}

#[tokio::test]
async fn viewers_never_get_report_points_or_small_counts() {
    let app = app().await;
    let t = centre_tile(14);
    assert_eq!(
        app.get(&tile_uri("reports", t, ""), Some(VIEWER))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&tile_uri("reports", t, ""), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/tiles/reports.json", Some(VIEWER)).await.status,
        StatusCode::FORBIDDEN
    );
    let open = app_with(hotspot::server::ServerConfig {
        open: true,
        ..Default::default()
    })
    .await;
    assert_eq!(
        open.get(&tile_uri("reports", t, ""), None).await.status,
        StatusCode::FORBIDDEN,
        "anonymous callers of an open server are viewers"
    );

    // Hexes: the viewer's tiles hold only cells with at least min-count (3) reports, the
    // same cells as the viewer's GeoJSON layer.
    let count = |f: &decode::Feature| match &f.properties["count"] {
        decode::Value::Int(i) => *i as f64,
        decode::Value::Double(x) => *x,
        other => panic!("count {other:?}"),
    };
    let whole = TileId::new(10, centre_tile(10).x, centre_tile(10).y).unwrap();
    let viewer = &decode::tile(
        &app.get(&tile_uri("hexes", whole, ""), Some(VIEWER))
            .await
            .body,
    )
    .unwrap()[0];
    let analyst = &decode::tile(
        &app.get(&tile_uri("hexes", whole, ""), Some(ANALYST))
            .await
            .body,
    )
    .unwrap()[0];
    assert!(!viewer.features.is_empty());
    assert!(viewer.features.iter().all(|f| count(f) >= 3.0));
    assert!(analyst.features.iter().any(|f| count(f) < 3.0));
    let geo_viewer = app.get("/api/layers/hexes", Some(VIEWER)).await.json();
    assert_eq!(
        viewer.features.len(),
        geo_viewer["features"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn tilejson_describes_the_layer_and_keeps_its_parameters() {
    let app = app().await;
    let a = app.get("/tiles/hexes.json?res=8&k=2", Some(ANALYST)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let j = a.json();
    assert_eq!(j["tilejson"], "3.0.0");
    let url = j["tiles"][0].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:8080/tiles/hexes/{z}/{x}/{y}.mvt?"),
        "{url}"
    );
    assert!(url.contains("res=8") && url.contains("k=2"), "{url}");
    assert_eq!(j["vector_layers"][0]["id"], "hexes");
    assert_eq!(j["vector_layers"][0]["fields"]["count"], "Number");
    assert_eq!(j["vector_layers"][0]["fields"]["h3"], "String");
    let n = app
        .get("/api/layers/hexes?res=8&k=2", Some(ANALYST))
        .await
        .json()["features"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(j["features"], n);
    let b = j["bounds"].as_array().unwrap();
    assert!(b[0].as_f64().unwrap() < CENTRE.0 && CENTRE.0 < b[2].as_f64().unwrap());

    let r = app.get("/tiles/reports.json", Some(ANALYST)).await.json();
    assert_eq!(r["minzoom"], 13);
    // Below it, a 400 that says why instead of a thinned-out tile.
    let low = app
        .get(&tile_uri("reports", centre_tile(10), ""), Some(ANALYST))
        .await;
    assert_eq!(low.status, StatusCode::BAD_REQUEST);
    assert!(low.text().contains("parameter z"), "{}", low.text());

    for bad in [
        "/tiles/hexes/23/0/0.mvt",
        "/tiles/hexes/2/4/0.mvt",
        "/tiles/hexes/x/0/0.mvt",
        "/tiles/hexes/9/1/1.mvt?res=99",
    ] {
        let a = app.get(bad, Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.text());
    }
    assert_eq!(
        app.get("/tiles/nope/1/0/0.mvt", Some(ANALYST)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tiles_are_cached_per_dataset_version() {
    let app = app().await;
    let t = centre_tile(14);
    let uri = tile_uri("reports", t, "");
    let first = app.get(&uri, Some(ANALYST)).await;
    let again = app.get(&uri, Some(ANALYST)).await;
    assert_eq!(first.body, again.body);
    let before = decode::tile(&first.body).unwrap()[0].features.len();

    // New data: the same tile address now shows the new report.
    let b = t.bounds();
    let (lon, lat) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let csv = format!("id,lon,lat,kind,observed_at\nNEW1,{lon},{lat},sale,2025-07-01\n");
    let up = app.post("/api/reports", Some(ADMIN), "text/csv", csv).await;
    assert!(up.status.is_success(), "{}", up.text());
    let after = app.get(&uri, Some(ANALYST)).await;
    let l = &decode::tile(&after.body).unwrap()[0];
    assert_eq!(l.features.len(), before + 1);
    assert!(
        l.features
            .iter()
            .any(|f| f.properties["id"] == decode::Value::Str("NEW1".into()))
    );
}
