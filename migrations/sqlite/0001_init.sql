-- hotspot schema for SQLite. Geometries are WKB blobs with bbox columns for prefilters;
-- report times are unix microseconds of local civil time; dates are ISO text.

CREATE TABLE meta (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    dataset_version INTEGER NOT NULL
);
INSERT INTO meta (singleton, dataset_version) VALUES (1, 0);

CREATE TABLE imports (
    batch INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    inserted INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    undone_at TEXT
);
CREATE INDEX imports_sha256 ON imports (sha256, kind);

CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    kind TEXT NOT NULL CHECK (kind IN ('use', 'storage', 'trafficking', 'sale', 'cultivation')),
    observed_at INTEGER NOT NULL,
    batch INTEGER NOT NULL
) WITHOUT ROWID;
-- Covering (the key `id` rides along in every index of a WITHOUT ROWID table): bbox
-- queries never touch the table itself.
CREATE INDEX reports_lon_lat ON reports (lon, lat, kind, observed_at);
CREATE TABLE reports_history (
    replaced_by INTEGER NOT NULL,
    id TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    kind TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX reports_history_replaced_by ON reports_history (replaced_by);
CREATE INDEX reports_history_batch ON reports_history (batch);

CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'industrial_zone', 'boarding_house', 'karaoke', 'lodging', 'entertainment', 'other')),
    geom BLOB NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX sites_bbox ON sites (min_lon, max_lon, min_lat, max_lat);
CREATE TABLE sites_history (
    replaced_by INTEGER NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    geom BLOB NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX sites_history_replaced_by ON sites_history (replaced_by);
CREATE INDEX sites_history_batch ON sites_history (batch);

CREATE TABLE areas (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'residential_group')),
    parent_id TEXT,
    geom BLOB NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_id);
CREATE INDEX areas_level ON areas (level);
CREATE TABLE areas_history (
    replaced_by INTEGER NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id TEXT,
    geom BLOB NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX areas_history_replaced_by ON areas_history (replaced_by);
CREATE INDEX areas_history_batch ON areas_history (batch);

CREATE TABLE declarations (
    key TEXT PRIMARY KEY NOT NULL,
    area_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('hotspot', 'cleaning', 'clean', 'kept_clean', 'relapsed')),
    declared_at TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    batch INTEGER NOT NULL
);
CREATE TABLE declarations_history (
    replaced_by INTEGER NOT NULL,
    key TEXT NOT NULL,
    area_id TEXT NOT NULL,
    status TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX declarations_history_replaced_by ON declarations_history (replaced_by);
CREATE INDEX declarations_history_batch ON declarations_history (batch);

CREATE TABLE targets (
    key TEXT PRIMARY KEY NOT NULL,
    area_id TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'residential_group')),
    share REAL NOT NULL CHECK (share BETWEEN 0 AND 1),
    due TEXT NOT NULL,
    batch INTEGER NOT NULL
);
CREATE TABLE targets_history (
    replaced_by INTEGER NOT NULL,
    key TEXT NOT NULL,
    area_id TEXT NOT NULL,
    level TEXT NOT NULL,
    share REAL NOT NULL,
    due TEXT NOT NULL,
    batch INTEGER NOT NULL
);
CREATE INDEX targets_history_replaced_by ON targets_history (replaced_by);
CREATE INDEX targets_history_batch ON targets_history (batch);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('hotspot', 'area')),
    subject_id TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    task TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    deadline TEXT NOT NULL,
    expected_result TEXT NOT NULL,
    approving_authority TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plans_subject ON plans (subject_type, subject_id);

CREATE TABLE tracked_hotspots (
    id TEXT PRIMARY KEY NOT NULL,
    geom BLOB NOT NULL,
    first_detected TEXT NOT NULL,
    last_detected TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
