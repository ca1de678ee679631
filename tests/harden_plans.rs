//! Issue 14, finding 6: plans without lost updates. GET gives an ETag, PUT and DELETE need
//! `If-Match` (428 without, 412 when stale), every version is kept in the plan history.

mod common {
    pub mod store_db;
}
mod harden_common;
mod server_common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server_common::{ANALYST, App, VIEWER};

const PLAN: &str = r#"{"subject":{"type":"area","id":"tdp-1"},"responsible_person":"Nguyễn Văn A",
    "task":"Tuần tra","responsible_unit":"Công an phường","deadline":"2026-03-31",
    "expected_result":"Không còn điểm bán","approving_authority":"UBND phường"}"#;

fn put(id: i64, if_match: Option<&str>, task: &str) -> Request<Body> {
    let mut b = Request::put(format!("/api/plans/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {ANALYST}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(m) = if_match {
        b = b.header(header::IF_MATCH, m);
    }
    b.body(Body::from(PLAN.replace("Tuần tra", task))).unwrap()
}

fn delete(id: i64, if_match: Option<&str>) -> Request<Body> {
    let mut b = Request::delete(format!("/api/plans/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {ANALYST}"));
    if let Some(m) = if_match {
        b = b.header(header::IF_MATCH, m);
    }
    b.body(Body::empty()).unwrap()
}

async fn no_lost_updates(app: &App) {
    let a = app
        .post("/api/plans", Some(ANALYST), "application/json", PLAN)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    let g = app.get(&format!("/api/plans/{id}"), Some(VIEWER)).await;
    let etag = g.header(header::ETAG);
    assert_eq!(etag, format!("\"plan-{id}-v1\""));
    assert_eq!(a.header(header::ETAG), etag, "POST answers the same ETag");

    assert_eq!(
        app.send(put(id, None, "x")).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        app.send(put(id, Some("\"plan-999-v1\""), "x")).await.status,
        StatusCode::PRECONDITION_FAILED
    );

    // Ten analysts edit the same version at once: one wins, nine are told.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let router = app.router.clone();
        let req = put(id, Some(&etag), &format!("edit {i}"));
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            router.oneshot(req).await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 9), "{statuses:?}");

    let g = app.get(&format!("/api/plans/{id}"), Some(VIEWER)).await;
    let etag2 = g.header(header::ETAG);
    assert_eq!(etag2, format!("\"plan-{id}-v2\""));
    let winner = g.json()["task"].as_str().unwrap().to_string();
    assert!(winner.starts_with("edit "), "{winner}");

    // The history has every version, with who and when.
    let h = app
        .get(&format!("/api/plans/{id}/history"), Some(VIEWER))
        .await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.text());
    let h = h.json();
    let versions: Vec<(i64, String)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["op"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(1, "create".into()), (2, "update".into())]);
    assert_eq!(h[0]["plan"]["task"], "Tuần tra");
    assert_eq!(h[1]["plan"]["task"], winner.as_str());
    assert_eq!(h[1]["changed_by"], "analyst");

    // Delete: also conditional, and remembered.
    assert_eq!(
        app.send(delete(id, None)).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        app.send(delete(id, Some(&etag))).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        app.send(delete(id, Some(&etag2))).await.status,
        StatusCode::NO_CONTENT
    );
    let h = app
        .get(&format!("/api/plans/{id}/history"), Some(VIEWER))
        .await
        .json();
    assert_eq!(h.as_array().unwrap().len(), 3);
    assert_eq!(h[2]["op"], "delete");
    assert_eq!(h[2]["version"], 3);

    // The CLI path (store, no HTTP) still updates, and is versioned too.
    let store = &app.state.store;
    let p = store
        .create_plan(
            &hotspot::store::PlanInput {
                subject: hotspot::model::PlanSubject::Area("tdp-1".into()),
                responsible_person: "B".into(),
                task: "t".into(),
                responsible_unit: "u".into(),
                deadline: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                expected_result: "r".into(),
                approving_authority: "a".into(),
                state: hotspot::model::PlanState::Open,
            },
            "cli-user",
        )
        .await
        .unwrap();
    let mut input = hotspot::store::PlanInput {
        task: "t2".into(),
        ..p.input.clone()
    };
    store.update_plan(p.id, &input, "cli-user").await.unwrap();
    input.task = "t3".into();
    let stale = store
        .update_plan_if(p.id, &input, "cli-user", Some(1))
        .await;
    assert!(
        matches!(
            stale,
            Err(hotspot::store::StoreError::Stale { current: 2, .. })
        ),
        "{stale:?}"
    );
    assert_eq!(store.plan_versioned(p.id).await.unwrap().unwrap().1, 2);
}

#[tokio::test]
async fn finding_6_concurrent_plan_puts_one_wins_sqlite() {
    let app = harden_common::sqlite_app().await;
    no_lost_updates(&app).await;
}

#[tokio::test]
async fn finding_6_concurrent_plan_puts_one_wins_postgis() {
    let Some((app, db)) = harden_common::pg_app().await else {
        return;
    };
    no_lost_updates(&app).await;
    db.drop_schema().await;
}
