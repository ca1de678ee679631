//! Single-flight layer computation: a burst of identical requests for a layer that is not
//! cached yet (right after an import, say) computes it once.

#[path = "server_common/mod.rs"]
mod common;

use axum::http::StatusCode;
use common::VIEWER;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_identical_uncached_requests_compute_once() {
    let app = common::app().await;
    let before = app.state.cache.stats();
    let answers = futures::future::join_all(
        (0..32).map(|_| app.get("/api/layers/hexes?res=9&k=1", Some(VIEWER))),
    )
    .await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.body, answers[0].body);
    }
    let after = app.state.cache.stats();
    assert_eq!(
        after.computes - before.computes,
        1,
        "computed once for 32 requests"
    );
    assert_eq!(after.entries, before.entries + 1);
}
