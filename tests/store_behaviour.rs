//! One behavioural suite for every `Store` backend: each check is a generic async fn over
//! `Arc<dyn Store>`, instantiated for in-memory SQLite and for PostGIS (fresh schema each).

#[path = "common/store_db.rs"]
mod db;

use chrono::{NaiveDate, NaiveDateTime};
use db::{at, grid_reports, meta, report};
use geo::{MultiPolygon, polygon};
use hotspot::model::*;
use hotspot::store::*;
use std::sync::Arc;

type S = Arc<dyn Store>;

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
    ]])
}

fn area(id: &str, level: AreaLevel, parent: Option<&str>, g: MultiPolygon<f64>) -> Area {
    Area {
        id: id.into(),
        name: format!("Area {id}"),
        level,
        parent_id: parent.map(Into::into),
        geometry: g,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The version of the newest migration of a backend (`postgis` or `sqlite`), from the files.
fn newest_migration(backend: &str) -> i64 {
    let dir = if backend == "postgis" {
        "postgres"
    } else {
        "sqlite"
    };
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.split('_').next()?.parse::<i64>().ok()
        })
        .max()
        .unwrap()
}

async fn fresh_store_is_empty_and_migrated(s: S) {
    let st = s.status().await.unwrap();
    // 0001 init, 0002 audit trail and plan versions (issue 14); PostGIS also 0014 dataset-
    // version NOTIFY.
    assert_eq!(st.schema_version, newest_migration(&st.backend));
    assert_eq!(
        (
            st.reports,
            st.sites,
            st.areas,
            st.imports,
            st.dataset_version
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(
        s.reports(&ReportFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn reports_round_trip_in_id_order(s: S) {
    let t = NaiveDate::from_ymd_opt(2025, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 891_011)
        .unwrap();
    let rows = vec![
        report("b", 107.5912345, 16.4637891, ReportKind::Sale, t),
        report(
            "a",
            -179.9999999,
            -89.5,
            ReportKind::Cultivation,
            at(2020, 1, 1, 0),
        ),
        report(
            "quote'and\\slash",
            180.0,
            90.0,
            ReportKind::Use,
            at(2021, 6, 1, 12),
        ),
    ];
    let rec = s
        .import_reports(&meta(ImportKind::Reports, "f1", OnConflict::Error), &rows)
        .await
        .unwrap();
    assert_eq!((rec.inserted, rec.updated, rec.skipped), (3, 0, 0));
    assert_eq!(rec.kind, ImportKind::Reports);
    let got = s.reports(&ReportFilter::default()).await.unwrap();
    assert_eq!(got, vec![rows[1].clone(), rows[0].clone(), rows[2].clone()]);
    assert_eq!(s.report("b").await.unwrap(), Some(rows[0].clone()));
    assert_eq!(s.report("zzz").await.unwrap(), None);
    let st = s.status().await.unwrap();
    assert_eq!((st.reports, st.imports, st.dataset_version), (3, 1, 1));
    let list = s.list_imports().await.unwrap();
    assert_eq!(list, vec![rec]);
    assert_eq!(list[0].imported_by, "tester");
}

async fn same_file_twice_is_refused_unless_forced(s: S) {
    let rows = grid_reports(3);
    let m = meta(ImportKind::Reports, "same", OnConflict::Error);
    let first = s.import_reports(&m, &rows).await.unwrap();
    match s.import_reports(&m, &rows).await {
        Err(StoreError::AlreadyImported { batch, sha256 }) => {
            assert_eq!(batch, first.batch);
            assert_eq!(sha256, "same");
        }
        other => panic!("expected AlreadyImported, got {other:?}"),
    }
    let forced = ImportMeta {
        force: true,
        on_conflict: OnConflict::Skip,
        ..m.clone()
    };
    let rec = s.import_reports(&forced, &rows).await.unwrap();
    assert_eq!((rec.inserted, rec.skipped), (0, 3));
    // After undoing both, the same file may come in again.
    s.undo_import(rec.batch).await.unwrap();
    s.undo_import(first.batch).await.unwrap();
    assert_eq!(s.import_reports(&m, &rows).await.unwrap().inserted, 3);
}

async fn conflict_error_names_the_row_and_writes_nothing(s: S) {
    let rows = grid_reports(5);
    s.import_reports(
        &meta(ImportKind::Reports, "a", OnConflict::Error),
        &rows[..2],
    )
    .await
    .unwrap();
    let before = s.status().await.unwrap();
    let mut incoming = rows[2..].to_vec();
    incoming.push(rows[1].clone()); // row 3 of this import is already stored
    match s
        .import_reports(
            &meta(ImportKind::Reports, "b", OnConflict::Error),
            &incoming,
        )
        .await
    {
        Err(StoreError::Conflict { row, id }) => assert_eq!((row, id.as_str()), (3, "R0000001")),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.status().await.unwrap(), before);
    assert_eq!(s.list_imports().await.unwrap().len(), 1);
}

async fn duplicate_id_inside_one_import_is_a_row_error(s: S) {
    let mut rows = grid_reports(4);
    rows[3].id = rows[1].id.clone();
    match s
        .import_reports(&meta(ImportKind::Reports, "d", OnConflict::Update), &rows)
        .await
    {
        Err(StoreError::Row { row, message }) => {
            assert_eq!(row, 3);
            assert!(message.contains("R0000001"), "{message}");
        }
        other => panic!("expected Row error, got {other:?}"),
    }
    assert_eq!(s.status().await.unwrap().reports, 0);
}

async fn skip_keeps_stored_rows(s: S) {
    let rows = grid_reports(3);
    s.import_reports(
        &meta(ImportKind::Reports, "a", OnConflict::Error),
        &rows[..2],
    )
    .await
    .unwrap();
    let mut changed = rows.clone();
    changed[0].kind = ReportKind::Trafficking;
    changed[0].lon = 108.0;
    let rec = s
        .import_reports(&meta(ImportKind::Reports, "b", OnConflict::Skip), &changed)
        .await
        .unwrap();
    assert_eq!((rec.inserted, rec.updated, rec.skipped), (1, 0, 2));
    assert_eq!(s.report("R0000000").await.unwrap(), Some(rows[0].clone()));
    assert_eq!(s.count_reports(&ReportFilter::default()).await.unwrap(), 3);
}

async fn update_then_undo_restores_previous_versions(s: S) {
    let rows = grid_reports(3);
    let a = s
        .import_reports(
            &meta(ImportKind::Reports, "a", OnConflict::Error),
            &rows[..2],
        )
        .await
        .unwrap();
    let mut v2 = rows.clone();
    v2[1].kind = ReportKind::Storage;
    v2[1].observed_at = at(2030, 1, 1, 1);
    let b = s
        .import_reports(
            &meta(ImportKind::Reports, "b", OnConflict::Update),
            &v2[1..],
        )
        .await
        .unwrap();
    assert_eq!((b.inserted, b.updated, b.skipped), (1, 1, 0));
    assert_eq!(s.report("R0000001").await.unwrap(), Some(v2[1].clone()));
    let version = s.status().await.unwrap().dataset_version;

    // Batch a's row 1 was replaced by b: a cannot be undone first.
    match s.undo_import(a.batch).await {
        Err(StoreError::Invalid(m)) => assert!(m.contains(&b.batch.to_string()), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let undone = s.undo_import(b.batch).await.unwrap();
    assert!(undone.undone_at.is_some());
    assert_eq!(
        s.reports(&ReportFilter::default()).await.unwrap(),
        rows[..2].to_vec()
    );
    assert!(s.status().await.unwrap().dataset_version > version);
    assert!(matches!(
        s.undo_import(b.batch).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.undo_import(9999).await,
        Err(StoreError::NotFound { .. })
    ));
    s.undo_import(a.batch).await.unwrap();
    assert_eq!(s.count_reports(&ReportFilter::default()).await.unwrap(), 0);
    let list = s.list_imports().await.unwrap();
    assert!(list.iter().all(|r| r.undone_at.is_some()));
    assert_eq!(list.len(), 2);
}

async fn failing_row_at_the_end_of_10k_changes_nothing(s: S) {
    let rows = grid_reports(10_001);
    s.import_reports(
        &meta(ImportKind::Reports, "one", OnConflict::Error),
        &rows[10_000..],
    )
    .await
    .unwrap();
    let before = s.status().await.unwrap();
    // Last row collides with the stored one (found by the database, inside the transaction).
    let mut batch: Vec<Report> = rows[..9_999].to_vec();
    batch.push(rows[10_000].clone());
    match s
        .import_reports(&meta(ImportKind::Reports, "big", OnConflict::Error), &batch)
        .await
    {
        Err(StoreError::Conflict { row, .. }) => assert_eq!(row, 9_999),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.status().await.unwrap(), before);
    // Last row invalid (latitude out of range).
    let mut bad = rows[..10_000].to_vec();
    bad[9_999].lat = 95.0;
    match s
        .import_reports(&meta(ImportKind::Reports, "bad", OnConflict::Error), &bad)
        .await
    {
        Err(StoreError::Row { row, message }) => {
            assert_eq!(row, 9_999);
            assert!(message.starts_with("lat"), "{message}");
        }
        other => panic!("expected Row, got {other:?}"),
    }
    assert_eq!(s.status().await.unwrap(), before);
    assert_eq!(s.list_imports().await.unwrap().len(), 1);
}

async fn report_filters_narrow_and_page(s: S) {
    let rows = vec![
        report("r1", 107.50, 16.40, ReportKind::Use, at(2024, 1, 10, 0)),
        report("r2", 107.52, 16.42, ReportKind::Sale, at(2024, 2, 10, 0)),
        report("r3", 107.60, 16.50, ReportKind::Use, at(2024, 3, 10, 0)),
        report("r4", 107.70, 16.60, ReportKind::Storage, at(2024, 4, 10, 0)),
        report("r5", 107.515, 16.415, ReportKind::Use, at(2024, 5, 10, 0)),
    ];
    s.import_reports(&meta(ImportKind::Reports, "f", OnConflict::Error), &rows)
        .await
        .unwrap();
    let ids = |v: Vec<Report>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let f = ReportFilter {
        from: Some(at(2024, 2, 10, 0)),
        to: Some(at(2024, 4, 10, 0)),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r2", "r3"]);
    let f = ReportFilter {
        kinds: vec![ReportKind::Use, ReportKind::Storage],
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r1", "r3", "r4", "r5"]);
    let f = ReportFilter {
        bbox: Some([107.49, 16.39, 107.53, 16.43]),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r1", "r2", "r5"]);
    assert_eq!(s.count_reports(&f).await.unwrap(), 3);
    let f = ReportFilter {
        limit: Some(2),
        offset: Some(1),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r2", "r3"]);
    assert_eq!(s.count_reports(&f).await.unwrap(), 5);

    // Area filter: a commune whose polygon misses r5, with a child group that covers it;
    // r3 lies in neither.
    let areas = vec![
        area(
            "C",
            AreaLevel::Commune,
            None,
            square(107.49, 16.39, 107.51, 16.43),
        ),
        area(
            "G",
            AreaLevel::ResidentialGroup,
            Some("C"),
            square(107.51, 16.41, 107.525, 16.425),
        ),
        area(
            "X",
            AreaLevel::Commune,
            None,
            square(107.65, 16.55, 107.75, 16.65),
        ),
    ];
    s.import_areas(&meta(ImportKind::Areas, "areas", OnConflict::Error), &areas)
        .await
        .unwrap();
    let f = ReportFilter {
        area: Some("C".into()),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r1", "r2", "r5"]);
    assert_eq!(s.count_reports(&f).await.unwrap(), 3);
    let f = ReportFilter {
        area: Some("C".into()),
        kinds: vec![ReportKind::Use],
        limit: Some(1),
        offset: Some(1),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r5"]);
    assert_eq!(s.count_reports(&f).await.unwrap(), 2);
    let f = ReportFilter {
        area: Some("G".into()),
        ..Default::default()
    };
    assert_eq!(ids(s.reports(&f).await.unwrap()), ["r2", "r5"]);
    let f = ReportFilter {
        area: Some("nope".into()),
        ..Default::default()
    };
    assert!(matches!(
        s.reports(&f).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn sites_and_bbox(s: S) {
    let sites = vec![
        Site {
            id: "s1".into(),
            name: "Trường THCS Nguyễn Tri Phương".into(),
            kind: SiteKind::School,
            geometry: geo::Geometry::Point(geo::Point::new(107.5, 16.4)),
        },
        Site {
            id: "s2".into(),
            name: "KCN Phú Bài".into(),
            kind: SiteKind::IndustrialZone,
            geometry: geo::Geometry::Polygon(square(107.6, 16.3, 107.7, 16.4).0.remove(0)),
        },
        Site {
            id: "s3".into(),
            name: "Karaoke".into(),
            kind: SiteKind::Karaoke,
            geometry: geo::Geometry::Point(geo::Point::new(108.0, 17.0)),
        },
    ];
    let rec = s
        .import_sites(&meta(ImportKind::Sites, "sites", OnConflict::Error), &sites)
        .await
        .unwrap();
    assert_eq!(rec.inserted, 3);
    assert_eq!(s.sites(None).await.unwrap(), sites);
    let got = s.sites(Some([107.45, 16.35, 107.65, 16.45])).await.unwrap();
    assert_eq!(
        got.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    assert_eq!(s.status().await.unwrap().sites, 3);

    let bow_tie = Site {
        id: "bad".into(),
        name: "bad".into(),
        kind: SiteKind::Other,
        geometry: geo::Geometry::Polygon(polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ]),
    };
    let mut more = sites.clone();
    more.push(bow_tie);
    assert!(matches!(
        s.import_sites(&meta(ImportKind::Sites, "x", OnConflict::Skip), &more)
            .await,
        Err(StoreError::Row { row: 3, .. })
    ));
}

async fn areas_by_level_and_parents(s: S) {
    let areas = vec![
        area(
            "P",
            AreaLevel::Province,
            None,
            square(107.0, 16.0, 108.0, 17.0),
        ),
        area(
            "D",
            AreaLevel::District,
            Some("P"),
            square(107.2, 16.2, 107.8, 16.8),
        ),
        area(
            "C",
            AreaLevel::Commune,
            Some("D"),
            square(107.3, 16.3, 107.4, 16.4),
        ),
    ];
    // Children may come before their parents within one import.
    let reversed: Vec<Area> = areas.iter().rev().cloned().collect();
    s.import_areas(&meta(ImportKind::Areas, "a", OnConflict::Error), &reversed)
        .await
        .unwrap();
    assert_eq!(s.areas(None).await.unwrap(), {
        let mut v = areas.clone();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    });
    assert_eq!(
        s.areas(Some(AreaLevel::District)).await.unwrap(),
        vec![areas[1].clone()]
    );
    assert_eq!(s.area("C").await.unwrap(), Some(areas[2].clone()));
    assert_eq!(s.area("Q").await.unwrap(), None);
    let orphan = vec![
        area(
            "G1",
            AreaLevel::ResidentialGroup,
            Some("C"),
            square(107.3, 16.3, 107.31, 16.31),
        ),
        area(
            "G2",
            AreaLevel::ResidentialGroup,
            Some("nowhere"),
            square(107.3, 16.3, 107.31, 16.31),
        ),
    ];
    match s
        .import_areas(&meta(ImportKind::Areas, "b", OnConflict::Error), &orphan)
        .await
    {
        Err(StoreError::Row { row, message }) => {
            assert_eq!(row, 1);
            assert!(message.contains("nowhere"), "{message}");
        }
        other => panic!("expected Row, got {other:?}"),
    }
    assert_eq!(s.status().await.unwrap().areas, 3);
}

async fn declarations_and_targets(s: S) {
    s.import_areas(
        &meta(ImportKind::Areas, "a", OnConflict::Error),
        &[area(
            "W",
            AreaLevel::Commune,
            None,
            square(107.0, 16.0, 107.1, 16.1),
        )],
    )
    .await
    .unwrap();
    let decls = vec![
        Declaration {
            area_id: "W".into(),
            status: AreaStatus::Clean,
            declared_at: date(2025, 6, 1),
            declared_by: "UBND phường An Cựu".into(),
        },
        Declaration {
            area_id: "W".into(),
            status: AreaStatus::KeptClean,
            declared_at: date(2026, 6, 1),
            declared_by: "UBND".into(),
        },
    ];
    let v0 = s.status().await.unwrap().dataset_version;
    s.import_declarations(
        &meta(ImportKind::Declarations, "d", OnConflict::Error),
        &decls,
    )
    .await
    .unwrap();
    assert_eq!(s.declarations().await.unwrap(), decls);
    assert!(s.status().await.unwrap().dataset_version > v0);
    // Same area and day again is a conflict on the natural key.
    let again = vec![Declaration {
        status: AreaStatus::Relapsed,
        ..decls[1].clone()
    }];
    assert!(matches!(
        s.import_declarations(
            &meta(ImportKind::Declarations, "d2", OnConflict::Error),
            &again
        )
        .await,
        Err(StoreError::Conflict { row: 0, .. })
    ));
    let upd = s
        .import_declarations(
            &meta(ImportKind::Declarations, "d3", OnConflict::Update),
            &again,
        )
        .await
        .unwrap();
    assert_eq!(upd.updated, 1);
    assert_eq!(
        s.declarations().await.unwrap()[1].status,
        AreaStatus::Relapsed
    );
    s.undo_import(upd.batch).await.unwrap();
    assert_eq!(s.declarations().await.unwrap(), decls);
    let unknown = vec![Declaration {
        area_id: "ghost".into(),
        ..decls[0].clone()
    }];
    assert!(matches!(
        s.import_declarations(
            &meta(ImportKind::Declarations, "d4", OnConflict::Error),
            &unknown
        )
        .await,
        Err(StoreError::Row { row: 0, .. })
    ));

    let targets = vec![
        Target {
            area_id: "W".into(),
            level: AreaLevel::ResidentialGroup,
            share: 0.3,
            due: date(2025, 12, 31),
        },
        Target {
            area_id: "W".into(),
            level: AreaLevel::ResidentialGroup,
            share: 0.7,
            due: date(2026, 12, 31),
        },
    ];
    s.import_targets(&meta(ImportKind::Targets, "t", OnConflict::Error), &targets)
        .await
        .unwrap();
    assert_eq!(s.targets().await.unwrap(), targets);
    let bad = vec![Target {
        share: 1.5,
        ..targets[0].clone()
    }];
    assert!(matches!(
        s.import_targets(&meta(ImportKind::Targets, "t2", OnConflict::Update), &bad)
            .await,
        Err(StoreError::Row { row: 0, .. })
    ));
}

fn plan_input(subject: PlanSubject, task: &str) -> PlanInput {
    PlanInput {
        subject,
        responsible_person: "Đại úy Lê Văn A".into(),
        task: task.into(),
        responsible_unit: "Công an phường An Cựu".into(),
        deadline: date(2026, 3, 31),
        expected_result: "No reports for 6 months".into(),
        approving_authority: "Chủ tịch UBND phường".into(),
        state: PlanState::Open,
    }
}

async fn plans_crud(s: S) {
    let v0 = s.status().await.unwrap().dataset_version;
    let h = PlanSubject::Hotspot("H-000001".into());
    let p1 = s
        .create_plan(&plan_input(h.clone(), "Patrol"), "alice")
        .await
        .unwrap();
    let p2 = s
        .create_plan(&plan_input(PlanSubject::Area("W".into()), "Meet"), "bob")
        .await
        .unwrap();
    assert_eq!(p1.created_by, "alice");
    assert_eq!(p1.input.task, "Patrol");
    assert_eq!(s.plan(p1.id).await.unwrap(), Some(p1.clone()));
    assert_eq!(s.plans(None).await.unwrap(), vec![p1.clone(), p2.clone()]);
    assert_eq!(s.plans(Some(&h)).await.unwrap(), vec![p1.clone()]);
    let mut input = plan_input(h.clone(), "Patrol nightly");
    input.state = PlanState::Done;
    let u = s.update_plan(p1.id, &input, "carol").await.unwrap();
    assert_eq!(
        (u.input.task.as_str(), u.input.state),
        ("Patrol nightly", PlanState::Done)
    );
    assert_eq!(
        (u.created_by.as_str(), u.updated_by.as_str()),
        ("alice", "carol")
    );
    assert_eq!(u.created_at, p1.created_at);
    s.delete_plan(p2.id).await.unwrap();
    assert_eq!(s.plans(None).await.unwrap(), vec![u]);
    assert!(matches!(
        s.delete_plan(p2.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.update_plan(777, &input, "x").await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.plan(p2.id).await.unwrap(), None);
    assert_eq!(s.status().await.unwrap().dataset_version, v0 + 4);
}

async fn tracked_hotspots_are_replaced(s: S) {
    let t0: NaiveDateTime = at(2025, 1, 1, 0);
    let h = |id: &str, x: f64| TrackedHotspot {
        id: id.into(),
        polygon: square(x, 16.0, x + 0.01, 16.01),
        first_detected: t0,
        last_detected: at(2025, 6, 1, 0),
    };
    s.save_tracked_hotspots(&[h("H-000002", 107.0), h("H-000001", 107.1)])
        .await
        .unwrap();
    assert_eq!(
        s.tracked_hotspots().await.unwrap(),
        vec![h("H-000001", 107.1), h("H-000002", 107.0)]
    );
    s.save_tracked_hotspots(&[h("H-000003", 107.2)])
        .await
        .unwrap();
    assert_eq!(
        s.tracked_hotspots().await.unwrap(),
        vec![h("H-000003", 107.2)]
    );
}

async fn tokens_keep_only_hashes(s: S) {
    let t = s.create_token("qgis", Role::Analyst, "ab12").await.unwrap();
    assert_eq!(
        (t.name.as_str(), t.role, t.revoked),
        ("qgis", Role::Analyst, false)
    );
    let a = s.create_token("ops", Role::Admin, "cd34").await.unwrap();
    assert_eq!(s.token_by_hash("ab12").await.unwrap(), Some(t.clone()));
    assert_eq!(s.token_by_hash("zz").await.unwrap(), None);
    s.revoke_token(t.id).await.unwrap();
    let list = s.tokens().await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].revoked && !list[1].revoked);
    assert_eq!(list[1], a);
    assert!(matches!(
        s.revoke_token(999).await,
        Err(StoreError::NotFound { .. })
    ));
    // A hash is stored once.
    assert!(s.create_token("dup", Role::Viewer, "cd34").await.is_err());
}

/// A bulk load drops and rebuilds the secondary indexes inside its transaction; a failing bulk
/// load must roll that back too, and spatial queries must still be right afterwards.
async fn bulk_load_keeps_indexes_and_answers(s: S) {
    let rows = grid_reports(60_000);
    let bbox = [107.501, 16.401, 107.5105, 16.4105];
    let expected: Vec<&str> = rows
        .iter()
        .filter(|r| r.lon >= bbox[0] && r.lon <= bbox[2] && r.lat >= bbox[1] && r.lat <= bbox[3])
        .map(|r| r.id.as_str())
        .collect();
    assert!(expected.len() > 1000, "{}", expected.len());
    s.import_reports(
        &meta(ImportKind::Reports, "a", OnConflict::Error),
        &rows[..59_999],
    )
    .await
    .unwrap();
    let mut again = rows[..59_998].to_vec();
    for r in &mut again {
        r.id.push('x');
    }
    again.push(rows[59_999].clone());
    again.push(rows[3].clone());
    assert!(matches!(
        s.import_reports(&meta(ImportKind::Reports, "b", OnConflict::Error), &again)
            .await,
        Err(StoreError::Conflict { row: 59_999, .. })
    ));
    let f = ReportFilter {
        bbox: Some(bbox),
        ..Default::default()
    };
    let got: Vec<String> = s
        .reports(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let want: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|id| *id != "R0059999")
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        s.count_reports(&ReportFilter::default()).await.unwrap(),
        59_999
    );
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::db::sqlite_memory().await).await;
                }
            )*
        }
        mod postgis {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = super::db::postgis().await else { return };
                    super::$name(db.dyn_store()).await;
                    db.drop_schema().await;
                }
            )*
        }
    };
}

suite!(
    fresh_store_is_empty_and_migrated,
    reports_round_trip_in_id_order,
    same_file_twice_is_refused_unless_forced,
    conflict_error_names_the_row_and_writes_nothing,
    duplicate_id_inside_one_import_is_a_row_error,
    skip_keeps_stored_rows,
    update_then_undo_restores_previous_versions,
    failing_row_at_the_end_of_10k_changes_nothing,
    report_filters_narrow_and_page,
    sites_and_bbox,
    areas_by_level_and_parents,
    declarations_and_targets,
    plans_crud,
    tracked_hotspots_are_replaced,
    tokens_keep_only_hashes,
    bulk_load_keeps_indexes_and_answers,
);
