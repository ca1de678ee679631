-- hotspot schema for PostgreSQL + PostGIS. Geometries are geometry(…,4326) with GiST
-- indexes; reports also carry their H3 res-9 cell (computed in Rust) as an indexed bigint.
-- Requires the postgis extension (scripts/setup-postgis.sh creates it).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE meta (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    dataset_version BIGINT NOT NULL
);
INSERT INTO meta (singleton, dataset_version) VALUES (1, 0);

CREATE TABLE imports (
    batch BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    inserted BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    undone_at TIMESTAMP
);
CREATE INDEX imports_sha256 ON imports (sha256, kind);

CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    lon DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    kind TEXT NOT NULL CHECK (kind IN ('use', 'storage', 'trafficking', 'sale', 'cultivation')),
    observed_at TIMESTAMP NOT NULL,
    h3 BIGINT NOT NULL,
    geom geometry(Point, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX reports_geom ON reports USING GIST (geom);
CREATE INDEX reports_h3 ON reports (h3);
CREATE INDEX reports_observed_at ON reports (observed_at);
CREATE TABLE reports_history (
    replaced_by BIGINT NOT NULL,
    id TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    h3 BIGINT NOT NULL,
    geom geometry(Point, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX reports_history_replaced_by ON reports_history (replaced_by);
CREATE INDEX reports_history_batch ON reports_history (batch);

CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'industrial_zone', 'boarding_house', 'karaoke', 'lodging', 'entertainment', 'other')),
    geom geometry(Geometry, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX sites_geom ON sites USING GIST (geom);
CREATE TABLE sites_history (
    replaced_by BIGINT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX sites_history_replaced_by ON sites_history (replaced_by);
CREATE INDEX sites_history_batch ON sites_history (batch);

CREATE TABLE areas (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'residential_group')),
    parent_id TEXT,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_id);
CREATE INDEX areas_level ON areas (level);
CREATE INDEX areas_geom ON areas USING GIST (geom);
CREATE TABLE areas_history (
    replaced_by BIGINT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id TEXT,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX areas_history_replaced_by ON areas_history (replaced_by);
CREATE INDEX areas_history_batch ON areas_history (batch);

CREATE TABLE declarations (
    key TEXT PRIMARY KEY NOT NULL,
    area_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('hotspot', 'cleaning', 'clean', 'kept_clean', 'relapsed')),
    declared_at DATE NOT NULL,
    declared_by TEXT NOT NULL,
    batch BIGINT NOT NULL
);
CREATE TABLE declarations_history (
    replaced_by BIGINT NOT NULL,
    key TEXT NOT NULL,
    area_id TEXT NOT NULL,
    status TEXT NOT NULL,
    declared_at DATE NOT NULL,
    declared_by TEXT NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX declarations_history_replaced_by ON declarations_history (replaced_by);
CREATE INDEX declarations_history_batch ON declarations_history (batch);

CREATE TABLE targets (
    key TEXT PRIMARY KEY NOT NULL,
    area_id TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'residential_group')),
    share DOUBLE PRECISION NOT NULL CHECK (share BETWEEN 0 AND 1),
    due DATE NOT NULL,
    batch BIGINT NOT NULL
);
CREATE TABLE targets_history (
    replaced_by BIGINT NOT NULL,
    key TEXT NOT NULL,
    area_id TEXT NOT NULL,
    level TEXT NOT NULL,
    share DOUBLE PRECISION NOT NULL,
    due DATE NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX targets_history_replaced_by ON targets_history (replaced_by);
CREATE INDEX targets_history_batch ON targets_history (batch);

CREATE TABLE plans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('hotspot', 'area')),
    subject_id TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    task TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    deadline DATE NOT NULL,
    expected_result TEXT NOT NULL,
    approving_authority TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plans_subject ON plans (subject_type, subject_id);

CREATE TABLE tracked_hotspots (
    id TEXT PRIMARY KEY NOT NULL,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    first_detected TIMESTAMP NOT NULL,
    last_detected TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
