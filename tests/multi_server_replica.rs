//! Two `hotspot serve` processes over one PostGIS with a real streaming replica
//! (scripts/setup-replica.sh: cluster 15/replica on port 5433, a hot standby of 15/main):
//! server A uses the primary only, server B reads layers and OGC items from the standby.
//! An import through either is served by the other within a second; B really reads the
//! standby; a client that passes its write's `Hotspot-Lsn` reads its write through B even
//! while the standby lags; SIGTERM ends both cleanly.
//!
//! Without a replica the test is skipped loudly, and fails under CI=true.

#[path = "server_common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn primary_admin_url() -> String {
    std::env::var("HOTSPOT_TEST_PRIMARY")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn replica_admin_url() -> String {
    std::env::var("HOTSPOT_TEST_REPLICA")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433".into())
}

/// One HTTP/1.0 exchange (the server closes the connection after it, no chunking).
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A `hotspot serve` child; SIGTERMed (and checked to exit cleanly) by [`Server::stop`].
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("hotspot"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .to_string();
        Server { child, addr }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status} on SIGTERM");
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "serve ignored SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resumes WAL replay on the standby even if the test fails while it is paused.
struct ReplayPaused<'a> {
    rt: &'a tokio::runtime::Runtime,
    replica: &'a sqlx::PgPool,
}

impl<'a> ReplayPaused<'a> {
    fn new(rt: &'a tokio::runtime::Runtime, replica: &'a sqlx::PgPool) -> Self {
        rt.block_on(sqlx::query("SELECT pg_wal_replay_pause()").execute(replica))
            .unwrap();
        ReplayPaused { rt, replica }
    }
}

impl Drop for ReplayPaused<'_> {
    fn drop(&mut self) {
        let _ = self
            .rt
            .block_on(sqlx::query("SELECT pg_wal_replay_resume()").execute(self.replica));
    }
}

fn hexes(addr: &str, auth: &str, extra: &[(&str, &str)]) -> usize {
    let mut headers = vec![("Authorization", auth)];
    headers.extend_from_slice(extra);
    let a = http(addr, "GET", "/api/layers/hexes?res=9&k=1", &headers, "");
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["features"].as_array().unwrap().len()
}

/// Polls `addr` until its hexes layer has `want` features; how long that took.
fn until_hexes(addr: &str, auth: &str, want: usize, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let n = hexes(addr, auth, &[]);
        if n == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{addr}: still {n} hexes, not {want}, after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Three reports in a new res-9 cell.
fn new_cell(prefix: &str, lon: f64) -> String {
    let mut csv = String::from("id,lon,lat,kind,observed_at\n");
    for i in 0..3 {
        csv.push_str(&format!(
            "{prefix}{i},{:.5},16.50000,use,2025-07-0{}\n",
            lon + i as f64 * 0.00002,
            i + 1
        ));
    }
    csv
}

fn base_csv() -> String {
    let mut csv = String::from("id,lon,lat,kind,observed_at\n");
    for r in common::reports() {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            r.id,
            r.lon,
            r.lat,
            r.kind.as_str(),
            r.observed_at.format("%Y-%m-%d")
        ));
    }
    csv
}

fn token(db: &str, role: &str) -> String {
    let out = Command::new(assert_cmd::cargo::cargo_bin("hotspot"))
        .args([
            "token", "create", "--db", db, "--role", role, "--name", role,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn an_import_through_one_server_is_served_by_the_other_within_a_second_over_a_replica() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let replica_admin = match rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&format!("{}/postgres", replica_admin_url()))
            .await?;
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await?;
        Ok::<_, sqlx::Error>((pool, standby))
    }) {
        Ok((pool, true)) => pool,
        other => {
            let msg = format!(
                "no streaming replica at {} ({:?}): run scripts/setup-replica.sh",
                replica_admin_url(),
                other.map(|(_, s)| s)
            );
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{msg}");
            }
            eprintln!("\n!!!!!!!! SKIPPING the replica test: {msg}\n");
            return;
        }
    };
    let primary_admin = rt
        .block_on(sqlx::PgPool::connect(&format!(
            "{}/postgres",
            primary_admin_url()
        )))
        .expect("the primary is reachable");

    // A database of its own, created on the primary and replicated to the standby.
    let name = format!(
        "hs_multi_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    rt.block_on(sqlx::query(&format!("CREATE DATABASE {name}")).execute(&primary_admin))
        .unwrap();
    let primary = format!("{}/{name}", primary_admin_url());
    let replica = format!("{}/{name}", replica_admin_url());
    let cleanup = Cleanup {
        rt: &rt,
        admin: &primary_admin,
        name: name.clone(),
    };
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&primary).await.unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let admin = token(&primary, "admin"); // migrates the new database
    let started = Instant::now();
    while rt
        .block_on(sqlx::PgPool::connect(&replica))
        .map(|p| rt.block_on(p.close()))
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "database never replicated"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let viewer = bearer(&token(&primary, "viewer"));
    let analyst = bearer(&token(&primary, "analyst"));

    let a = Server::start(&["--db", &primary]);
    let b = Server::start(&[
        "--db",
        &primary,
        "--db-read",
        &replica,
        "--replica-wait-ms",
        "500",
    ]);
    let admin_auth = bearer(&admin);
    let post = |addr: &str, csv: &str| {
        let up = http(
            addr,
            "POST",
            "/api/reports",
            &[("Authorization", &admin_auth), ("Content-Type", "text/csv")],
            csv,
        );
        assert_eq!(up.status, 201, "{}", up.body);
        up
    };
    let up = post(&a.addr, &base_csv());
    assert!(
        up.header("hotspot-lsn").is_some(),
        "writes answer their WAL position"
    );
    let n0 = hexes(&a.addr, &viewer, &[]);
    until_hexes(&b.addr, &viewer, n0, Duration::from_secs(2));

    // A → B and B → A, each within a second of the import's answer.
    post(&a.addr, &new_cell("A", 107.64));
    let ab = until_hexes(&b.addr, &viewer, n0 + 1, Duration::from_secs(1));
    post(&b.addr, &new_cell("B", 107.70));
    let ba = until_hexes(&a.addr, &viewer, n0 + 2, Duration::from_secs(1));
    eprintln!("import via A served by B after {ab:?}; via B served by A after {ba:?}");

    // B reads the standby: with replay paused, a row written behind every server's back
    // (no version bump, no write through them) is on A's primary and not on B's standby.
    // (First let the standby replay everything written so far, B's own import included.)
    let written: i64 = rt
        .block_on(
            sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                .fetch_one(&primary_admin),
        )
        .unwrap();
    let t = Instant::now();
    while rt
        .block_on(
            sqlx::query_scalar::<_, i64>(
                "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint",
            )
            .fetch_one(&replica_admin),
        )
        .unwrap()
        < written
    {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the standby does not replay"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let paused = ReplayPaused::new(&rt, &replica_admin);
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&primary).await.unwrap();
        sqlx::query(
            "INSERT INTO reports (id, lon, lat, kind, observed_at, h3, geom, batch) \
             VALUES ('BEHIND', 107.5, 16.4, 'use', '2025-01-01', 0, \
             ST_SetSRID(ST_MakePoint(107.5, 16.4), 4326), 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let item = |addr: &str| {
        http(
            addr,
            "GET",
            "/ogc/collections/reports/items/BEHIND",
            &[("Authorization", &analyst)],
            "",
        )
        .status
    };
    assert_eq!(item(&a.addr), 200);
    assert_eq!(item(&b.addr), 404, "B answered from the (paused) standby");

    // Read-your-writes while the standby lags: the writer passes its position to B, which
    // waits for the standby (paused: up to 500 ms) and then reads the primary.
    let up = post(&a.addr, &new_cell("C", 107.76));
    let lsn = up.header("hotspot-lsn").unwrap().to_string();
    let t = Instant::now();
    assert_eq!(
        hexes(&b.addr, &viewer, &[("Hotspot-Min-Lsn", &lsn)]),
        n0 + 3
    );
    let waited = t.elapsed();
    eprintln!("B answered a read at {lsn} from the primary after {waited:?}");
    assert_eq!(
        http(
            &b.addr,
            "GET",
            "/api/layers/hexes",
            &[("Authorization", &viewer), ("Hotspot-Min-Lsn", "FFFFFF/0")],
            ""
        )
        .status,
        400,
        "a position the primary has not reached is refused"
    );
    drop(paused);
    let t = Instant::now();
    while item(&b.addr) != 200 {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the standby never caught up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    a.stop();
    b.stop();
    drop(cleanup);
}

/// Drops the test database (also when the test fails).
struct Cleanup<'a> {
    rt: &'a tokio::runtime::Runtime,
    admin: &'a sqlx::PgPool,
    name: String,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.rt.block_on(
            sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(self.admin),
        );
    }
}
