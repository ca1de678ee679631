//! Layer downloads in the formats GIS users open, checked the way they are used: each file
//! saved from `/api/layers/{name}?format=…` (and `/api/reports`) is opened with GDAL
//! (`ogrinfo`, `ogr2ogr`) and must show every feature with the right field types; the
//! GeoPackage is checked against the standard's tables, pragmas and R-tree extension; CSV
//! goes back through hotspot's own importer; a Shapefile is made from the GeoPackage.
//!
//! Without `ogrinfo` on PATH the GDAL tests are skipped with a message, except under
//! `CI=true`, where a missing GDAL is a failure (scripts/setup-system.sh installs gdal-bin).

mod server_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use axum::http::{StatusCode, header};
use server_common::*;

fn gdal_available() -> bool {
    match Command::new("ogrinfo").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("ogrinfo not found but CI=true: install gdal-bin");
            }
            eprintln!("ogrinfo not found: skipping the GDAL format test (install gdal-bin)");
            false
        }
    }
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("run GDAL");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed:\n{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("ERROR"),
        "{cmd} {args:?} reported errors:\n{stderr}"
    );
    stdout
}

/// `ogrinfo -so -al` of a one-layer file: feature count, geometry type and field types.
struct Schema {
    count: usize,
    geometry: String,
    fields: BTreeMap<String, String>,
}

fn schema(path: &Path, open_options: &[&str]) -> Schema {
    let mut args = vec!["-ro", "-so", "-al", path.to_str().unwrap()];
    args.extend_from_slice(open_options);
    let text = run("ogrinfo", &args);
    let mut s = Schema {
        count: usize::MAX,
        geometry: String::new(),
        fields: BTreeMap::new(),
    };
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Feature Count: ") {
            s.count = n.trim().parse().unwrap();
        } else if let Some(g) = line.strip_prefix("Geometry: ") {
            s.geometry = g.trim().to_string();
        } else if let Some((name, ty)) = line.split_once(": ")
            && ty.ends_with(')')
            && !name.contains(' ')
        {
            // `count: Integer64 (0.0)`, `has_plan: Integer(Boolean) (0.0)`
            let ty = ty.rsplit_once(" (").map_or(ty, |(t, _)| t);
            s.fields.insert(name.to_string(), ty.to_string());
        }
    }
    assert_ne!(s.count, usize::MAX, "no feature count in:\n{text}");
    s
}

async fn download(app: &App, uri: &str, token: &str, dir: &Path) -> (std::path::PathBuf, String) {
    let a = app.get(uri, Some(token)).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
    let disposition = a.header(header::CONTENT_DISPOSITION);
    let name = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{uri}: no file name in {disposition:?}"))
        .to_string();
    let path = dir.join(&name);
    std::fs::write(&path, &a.body).unwrap();
    (path, a.header(header::CONTENT_TYPE))
}

fn geojson_count(app_json: &serde_json::Value) -> usize {
    app_json["features"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hotspots_open_in_gdal_with_typed_fields_in_gpkg_and_fgb() {
    if !gdal_available() {
        return;
    }
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let n = geojson_count(&app.get("/api/layers/hotspots", Some(ANALYST)).await.json());
    assert!(n >= 1);
    for (format, content_type, boolean) in [
        ("gpkg", "application/geopackage+sqlite3", "Integer(Boolean)"),
        ("fgb", "application/flatgeobuf", "Integer(Boolean)"),
    ] {
        let (path, ct) = download(
            &app,
            &format!("/api/layers/hotspots?format={format}"),
            ANALYST,
            dir.path(),
        )
        .await;
        assert_eq!(ct, content_type);
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("hotspots_eps_m150_min_pts5_2024-01_2025-06.{format}")
        );
        let s = schema(&path, &[]);
        assert_eq!(s.count, n, "{format}");
        assert_eq!(s.geometry, "Multi Polygon", "{format}");
        let f = |k: &str| s.fields.get(k).map(String::as_str).unwrap_or("missing");
        assert_eq!(f("id"), "String", "{format}");
        assert_eq!(f("count"), "Integer64", "{format}");
        assert_eq!(f("sale"), "Integer64", "{format}");
        assert_eq!(f("area_m2"), "Real", "{format}");
        assert_eq!(f("centroid_lon"), "Real", "{format}");
        assert_eq!(f("first_seen"), "DateTime", "{format}");
        assert_eq!(f("has_plan"), boolean, "{format}");
        assert_eq!(f("nearby_sites"), "String", "{format}");
        assert!(!s.fields.contains_key("centroid"), "{format}");
        // Reading every value: date-times are in the form the format requires (GDAL warns
        // about "non-conformant content" otherwise).
        let out = Command::new("ogrinfo")
            .args(["-ro", "-al", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{format}: {stderr}"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("first_seen (DateTime) = 2024/01/15 03:00:00")
                || text.contains("first_seen (DateTime) = 2024/01/15 10:00:00+07"),
            "{format}: first_seen in UTC or with its offset:\n{}",
            &text[..text.len().min(3000)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_opens_in_gdal_in_every_format_with_all_features() {
    if !gdal_available() {
        return;
    }
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    for layer in [
        "hotspots", "hexes", "kde", "near", "sites", "areas", "emerging",
    ] {
        let n = geojson_count(
            &app.get(&format!("/api/layers/{layer}"), Some(ANALYST))
                .await
                .json(),
        );
        assert!(n > 0, "{layer} is empty in the fixture");
        for format in ["gpkg", "fgb", "csv"] {
            let (path, _) = download(
                &app,
                &format!("/api/layers/{layer}?format={format}"),
                ANALYST,
                dir.path(),
            )
            .await;
            let oo: &[&str] = if format == "csv" {
                &[
                    "-oo",
                    "GEOM_POSSIBLE_NAMES=wkt",
                    "-oo",
                    "X_POSSIBLE_NAMES=lon",
                    "-oo",
                    "Y_POSSIBLE_NAMES=lat",
                    "-oo",
                    "KEEP_GEOM_COLUMNS=NO",
                ]
            } else {
                &[]
            };
            let s = schema(&path, oo);
            assert_eq!(s.count, n, "{layer}.{format}");
            assert!(
                s.fields.contains_key("id"),
                "{layer}.{format}: {:?}",
                s.fields
            );
            // CSV geometry is untyped text for GDAL; sites (and near) mix points and polygons.
            if !matches!(layer, "sites" | "near") && format != "csv" {
                assert!(
                    s.geometry == "Point" || s.geometry == "Multi Polygon",
                    "{layer}.{format}: one geometry type, got {}",
                    s.geometry
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geopackage_follows_the_standard_and_its_rtree_is_used() {
    if !gdal_available() {
        return;
    }
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = download(&app, "/api/layers/hexes?format=gpkg", ANALYST, dir.path()).await;
    let n = geojson_count(&app.get("/api/layers/hexes", Some(ANALYST)).await.json());

    // The standard's tables, pragmas and extension rows, read with SQLite itself.
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let one = |sql: &'static str| sqlx::query(sql);
    let app_id: i64 = one("PRAGMA application_id")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(app_id, 0x4750_4B47);
    let version: i64 = one("PRAGMA user_version")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, 10300);
    let ok: String = one("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ok, "ok");
    assert!(
        one("PRAGMA foreign_key_check")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .is_empty()
    );
    let srs: Vec<i64> = one("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(srs, vec![-1, 0, 4326]);
    let row = one(
        "SELECT c.data_type, c.srs_id, g.geometry_type_name, c.min_x < c.max_x
         FROM gpkg_contents c JOIN gpkg_geometry_columns g USING (table_name)
         WHERE table_name = 'hexes'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), "features");
    assert_eq!(row.get::<i64, _>(1), 4326);
    assert_eq!(row.get::<String, _>(2), "MULTIPOLYGON");
    assert!(row.get::<bool, _>(3));
    let ext: String = one("SELECT extension_name FROM gpkg_extensions WHERE table_name = 'hexes'")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ext, "gpkg_rtree_index");
    let indexed: i64 = one("SELECT count(*) FROM rtree_hexes_geom")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(indexed as usize, n);
    let triggers: i64 = one(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_hexes_geom_%'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap()
    .get(0);
    assert_eq!(triggers, 6);
    let blob: Vec<u8> = one("SELECT geom FROM hexes LIMIT 1")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        &blob[..4],
        b"GP\x00\x03",
        "GeoPackage binary with an envelope"
    );
    drop(c);

    // GDAL sees the index and uses it for a spatial filter.
    let p = path.to_str().unwrap();
    let has = run(
        "ogrinfo",
        &["-ro", p, "-sql", "SELECT HasSpatialIndex('hexes', 'geom')"],
    );
    assert!(has.contains("= 1"), "{has}");
    let (x, y) = CENTRE;
    let spat = [
        (x - 0.001).to_string(),
        (y - 0.001).to_string(),
        (x + 0.001).to_string(),
        (y + 0.001).to_string(),
    ];
    let mut args = vec!["-ro", "-so", p, "hexes", "-spat"];
    args.extend(spat.iter().map(String::as_str));
    let text = run("ogrinfo", &args);
    let count: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(count >= 1 && count < n, "{count} of {n} near the centre");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapefile_conversion_from_the_geopackage_succeeds() {
    if !gdal_available() {
        return;
    }
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    for layer in ["emerging", "hotspots", "hexes"] {
        let n = geojson_count(
            &app.get(&format!("/api/layers/{layer}"), Some(ANALYST))
                .await
                .json(),
        );
        let (gpkg, _) = download(
            &app,
            &format!("/api/layers/{layer}?format=gpkg&names=shp"),
            ANALYST,
            dir.path(),
        )
        .await;
        let s = schema(&gpkg, &[]);
        assert!(
            s.fields.keys().all(|k| k.len() <= 10),
            "{layer}: {:?}",
            s.fields
        );
        let shp = dir.path().join(format!("{layer}.shp"));
        let out = Command::new("ogr2ogr")
            .args(["-f", "ESRI Shapefile"])
            .arg(&shp)
            .arg(&gpkg)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{layer}: {stderr}");
        assert!(
            !stderr.contains("Warning") && !stderr.contains("ERROR"),
            "{layer}: names or types did not fit: {stderr}"
        );
        let back = schema(&shp, &[]);
        assert_eq!(back.count, n, "{layer}");
        assert_eq!(
            back.fields.len(),
            s.fields.len(),
            "{layer}: no field dropped"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_downloads_round_trip_without_json_in_cells() {
    let app = app().await;
    // Reports: an import file again (BOM, lon/lat), with every report.
    let a = app
        .get("/api/reports?format=csv&limit=10000", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports.csv");
    std::fs::write(&path, &a.body).unwrap();
    let parsed = hotspot::ingest::read_reports(path.to_str().unwrap(), &Default::default())
        .expect("the export imports again");
    let mut back: Vec<_> = parsed.rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    back.sort_by(|a, b| a.0.cmp(&b.0));
    let mut orig = reports();
    orig.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(back.len(), orig.len());
    for ((_, b), o) in back.iter().zip(&orig) {
        assert_eq!(
            (&b.id, b.kind, b.observed_at),
            (&o.id, o.kind, o.observed_at)
        );
        // 7 decimals (about 1 cm) are written.
        assert!(
            (b.lon - o.lon).abs() < 1e-7 && (b.lat - o.lat).abs() < 1e-7,
            "{b:?} {o:?}"
        );
    }

    // Layers: every cell is plain text, areas keep their Vietnamese names.
    for layer in ["hotspots", "emerging", "areas", "kde"] {
        let a = app
            .get(&format!("/api/layers/{layer}?format=csv"), Some(ANALYST))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{layer}: {}", a.text());
        let text = a.text();
        let text = text.trim_start_matches('\u{feff}');
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().clone();
        assert_eq!(&header[0], "id", "{layer}");
        assert_eq!(header.iter().next_back(), Some("wkt"), "{layer}");
        for rec in r.records() {
            let rec = rec.unwrap();
            for (h, cell) in header.iter().zip(rec.iter()) {
                assert!(
                    !cell.starts_with('{') && !cell.starts_with('['),
                    "{layer}.{h} holds JSON: {cell}"
                );
            }
        }
        if layer == "areas" {
            assert!(text.contains("Phường An Cựu"));
        }
    }
}

/// `numberMatched` of an OGC items request (as JSON, one feature).
async fn ogc_matched(app: &App, uri: &str) -> usize {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let a = app.get(&format!("{uri}{sep}limit=1"), Some(ANALYST)).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
    a.json()["numberMatched"].as_u64().unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogc_items_download_the_whole_selection_as_named_files() {
    if !gdal_available() {
        return;
    }
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    for (uri, file_base, count_more_than_a_page) in [
        (
            "/ogc/collections/hexes/items?res=9&k=1",
            "hexes_res9_k1_2024-01_2025-06",
            false,
        ),
        (
            "/ogc/collections/kde/items?res=10&bandwidth_m=300",
            "kde_res10_bandwidth_m300_2024-01_2025-06",
            true,
        ),
        (
            "/ogc/collections/reports/items?kind=sale&datetime=2025-01-01/2025-03-31",
            "reports_kindsale_2025-01_2025-03",
            false,
        ),
        (
            "/ogc/collections/hotspots/items?eps_m=200&min_pts=4&bbox=107.5,16.4,107.7,16.5",
            "hotspots_eps_m200_min_pts4_bbox_2024-01_2025-06",
            false,
        ),
        (
            "/ogc/collections/sites/items?kind=school",
            "sites_kindschool",
            false,
        ),
    ] {
        let n = ogc_matched(&app, uri).await;
        assert!(n > 0, "{uri}: empty selection proves nothing");
        if count_more_than_a_page {
            // The file holds the whole selection, not the JSON page of 100.
            assert!(n > 100, "{uri}: {n} features");
        }
        for (f, param) in [("gpkg", "f"), ("fgb", "format"), ("csv", "f")] {
            let a = app.get(&format!("{uri}&{param}={f}"), Some(ANALYST)).await;
            assert_eq!(a.status, StatusCode::OK, "{uri} {f}: {}", a.text());
            assert_eq!(
                a.header(header::HeaderName::from_static("ogc-numbermatched")),
                n.to_string()
            );
            let (path, _) =
                download(&app, &format!("{uri}&{param}={f}"), ANALYST, dir.path()).await;
            assert_eq!(
                path.file_name().unwrap().to_str().unwrap(),
                format!("{file_base}.{f}"),
                "{uri}"
            );
            assert_eq!(schema(&path, &[]).count, n, "{uri} f={f}");
        }
    }
    // Shapefile-safe names in a file from the OGC route.
    let (path, _) = download(
        &app,
        "/ogc/collections/hotspots/items?f=gpkg&names=shp",
        ANALYST,
        dir.path(),
    )
    .await;
    let s = schema(&path, &[]);
    assert!(s.fields.keys().all(|k| k.len() <= 10), "{:?}", s.fields);
}

#[tokio::test]
async fn bad_format_values_are_400_naming_the_parameter_and_the_accepted_values() {
    let app = app().await;
    for (uri, param, accepted) in [
        ("/api/layers/hexes?format=shp", "format", "gpkg"),
        ("/api/layers/hexes?f=xlsx", "f", "fgb"),
        ("/api/layers/hexes?format=gpkg&names=long", "names", "shp"),
        ("/api/reports?format=kml", "format", "csv"),
        ("/ogc/collections/hexes/items?f=kml", "f", "gpkg"),
        ("/ogc/collections/hexes/items?format=xml", "format", "gpkg"),
        (
            "/ogc/collections/sites/items?f=gpkg&names=x",
            "names",
            "shp",
        ),
        (
            "/ogc/collections/hexes/items?f=gpkg&crs=http://www.opengis.net/def/crs/EPSG/0/3857",
            "crs",
            "CRS84",
        ),
        ("/ogc/collections/hexes/items/abc?f=gpkg", "f", "json"),
    ] {
        let a = app.get(uri, Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text());
        let body = a.json();
        assert_eq!(body["parameter"], param, "{uri}: {body}");
        let list: Vec<String> = body["accepted"]
            .as_array()
            .unwrap_or_else(|| panic!("{uri}: no accepted list in {body}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(list.iter().any(|v| v.contains(accepted)), "{uri}: {list:?}");
        assert!(
            body["error"].as_str().unwrap().contains(param),
            "{uri}: {body}"
        );
    }
}
