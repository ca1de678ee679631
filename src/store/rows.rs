//! Stored rows of both backends, mapped by sqlx (`#[derive(FromRow)]`, columns by name), and
//! their conversion into model types. The columns of imports, plans, tokens, sites, areas,
//! declarations, targets and tracked hotspots are the same in SQLite and PostGIS (geometries
//! are read back as plain WKB named `geom` on both), so each mapping is written once here and
//! only the SQL that truly differs stays in the backend files.
//!
//! Why a row struct and a `TryFrom` rather than decoding straight into the model: stored
//! words (kinds, roles, states) and WKB need checked parsing, which `FromRow` cannot fail
//! with a [`StoreError`] naming what was wrong.

use super::codec::{self, Val};
use super::{ImportMeta, ImportRecord, StoreError, TokenRecord, TrackedHotspot};
use crate::model::{ActionPlan, Area, Declaration, PlanInput, PlanSubject, Site, Target};
use chrono::{NaiveDate, NaiveDateTime};

/// Columns of `imports`, as [`ImportRow`] names them.
pub(crate) const IMPORT_COLS: &str = "batch, kind, file_name, sha256, imported_by, imported_at, inserted, updated, skipped, undone_at";

/// Columns of `plans`, as [`PlanRow`] names them.
pub(crate) const PLAN_COLS: &str = "id, subject_type, subject_id, responsible_person, task, responsible_unit, \
     deadline, expected_result, approving_authority, state, created_by, created_at, updated_by, \
     updated_at";

/// Columns of `api_tokens`, as [`TokenRow`] names them.
pub(crate) const TOKEN_COLS: &str = "id, name, role, created_at, revoked";

/// A row of `imports`.
#[derive(sqlx::FromRow)]
pub(crate) struct ImportRow {
    batch: i64,
    kind: String,
    file_name: String,
    sha256: String,
    imported_by: String,
    imported_at: NaiveDateTime,
    inserted: i64,
    updated: i64,
    skipped: i64,
    undone_at: Option<NaiveDateTime>,
}

impl TryFrom<ImportRow> for ImportRecord {
    type Error = StoreError;
    fn try_from(r: ImportRow) -> Result<Self, StoreError> {
        Ok(ImportRecord {
            batch: r.batch,
            kind: r
                .kind
                .parse::<crate::model::ImportKind>()
                .map_err(|_| StoreError::Invalid(format!("stored import kind {:?}", r.kind)))?,
            file_name: r.file_name,
            sha256: r.sha256,
            imported_by: r.imported_by,
            imported_at: r.imported_at,
            inserted: count(r.inserted),
            updated: count(r.updated),
            skipped: count(r.skipped),
            undone_at: r.undone_at,
        })
    }
}

/// A stored row count (never negative; a corrupt negative reads as 0).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The record of a batch just written by an import (nothing undone yet).
pub(crate) fn new_import_record(
    meta: &ImportMeta,
    batch: i64,
    imported_at: NaiveDateTime,
    [inserted, updated, skipped]: [u64; 3],
) -> ImportRecord {
    ImportRecord {
        batch,
        kind: meta.kind,
        file_name: meta.file_name.clone(),
        sha256: meta.sha256.clone(),
        imported_by: meta.imported_by.clone(),
        imported_at,
        inserted,
        updated,
        skipped,
        undone_at: None,
    }
}

/// `(subject_type, subject_id)` as stored.
pub(crate) fn plan_subject_parts(s: &PlanSubject) -> (&'static str, &str) {
    match s {
        PlanSubject::Hotspot(id) => ("hotspot", id),
        PlanSubject::Area(id) => ("area", id),
    }
}

/// A row of `plans` (and the plan part of a `plan_history` row).
#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: i64,
    subject_type: String,
    subject_id: String,
    responsible_person: String,
    task: String,
    responsible_unit: String,
    deadline: NaiveDate,
    expected_result: String,
    approving_authority: String,
    state: String,
    created_by: String,
    created_at: NaiveDateTime,
    updated_by: String,
    updated_at: NaiveDateTime,
}

impl TryFrom<PlanRow> for ActionPlan {
    type Error = StoreError;
    fn try_from(r: PlanRow) -> Result<Self, StoreError> {
        let subject = match r.subject_type.as_str() {
            "hotspot" => PlanSubject::Hotspot(r.subject_id),
            "area" => PlanSubject::Area(r.subject_id),
            other => {
                return Err(StoreError::Invalid(format!(
                    "stored plan subject type {other:?}"
                )));
            }
        };
        Ok(ActionPlan {
            id: r.id,
            input: PlanInput {
                subject,
                responsible_person: r.responsible_person,
                task: r.task,
                responsible_unit: r.responsible_unit,
                deadline: r.deadline,
                expected_result: r.expected_result,
                approving_authority: r.approving_authority,
                state: codec::parse_vocab(&r.state)?,
            },
            created_by: r.created_by,
            created_at: r.created_at,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
    }
}

/// A row of `api_tokens` (without the hash).
#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    name: String,
    role: String,
    created_at: NaiveDateTime,
    revoked: bool,
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        Ok(TokenRecord {
            id: r.id,
            name: r.name,
            role: r
                .role
                .parse()
                .map_err(|_| StoreError::Invalid(format!("stored role {:?}", r.role)))?,
            created_at: r.created_at,
            revoked: r.revoked,
        })
    }
}

/// A row of `sites`, its geometry as WKB in `geom`.
#[derive(sqlx::FromRow)]
pub(crate) struct SiteRow {
    id: String,
    name: String,
    kind: String,
    geom: Vec<u8>,
}

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;
    fn try_from(r: SiteRow) -> Result<Self, StoreError> {
        Ok(Site {
            id: r.id,
            name: r.name,
            kind: codec::parse_vocab(&r.kind)?,
            geometry: codec::from_wkb(&r.geom)?,
        })
    }
}

/// A row of `areas`, its geometry as WKB in `geom`.
#[derive(sqlx::FromRow)]
pub(crate) struct AreaRow {
    id: String,
    name: String,
    level: String,
    parent_id: Option<String>,
    geom: Vec<u8>,
}

impl TryFrom<AreaRow> for Area {
    type Error = StoreError;
    fn try_from(r: AreaRow) -> Result<Self, StoreError> {
        Ok(Area {
            id: r.id,
            name: r.name,
            level: codec::parse_vocab(&r.level)?,
            parent_id: r.parent_id,
            geometry: codec::multi_polygon(codec::from_wkb(&r.geom)?)?,
        })
    }
}

/// A row of `declarations`.
#[derive(sqlx::FromRow)]
pub(crate) struct DeclarationRow {
    area_id: String,
    status: String,
    declared_at: NaiveDate,
    declared_by: String,
}

impl TryFrom<DeclarationRow> for Declaration {
    type Error = StoreError;
    fn try_from(r: DeclarationRow) -> Result<Self, StoreError> {
        Ok(Declaration {
            area_id: r.area_id,
            status: codec::parse_vocab(&r.status)?,
            declared_at: r.declared_at,
            declared_by: r.declared_by,
        })
    }
}

/// A row of `targets`.
#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    area_id: String,
    level: String,
    share: f64,
    due: NaiveDate,
}

impl TryFrom<TargetRow> for Target {
    type Error = StoreError;
    fn try_from(r: TargetRow) -> Result<Self, StoreError> {
        Ok(Target {
            area_id: r.area_id,
            level: codec::parse_vocab(&r.level)?,
            share: r.share,
            due: r.due,
        })
    }
}

/// A row of `tracked_hotspots`, its polygon as WKB in `geom`.
#[derive(sqlx::FromRow)]
pub(crate) struct TrackedRow {
    id: String,
    geom: Vec<u8>,
    first_detected: NaiveDateTime,
    last_detected: NaiveDateTime,
}

impl TryFrom<TrackedRow> for TrackedHotspot {
    type Error = StoreError;
    fn try_from(r: TrackedRow) -> Result<Self, StoreError> {
        Ok(TrackedHotspot {
            id: r.id,
            polygon: codec::multi_polygon(codec::from_wkb(&r.geom)?)?,
            first_detected: r.first_detected,
            last_detected: r.last_detected,
        })
    }
}

/// Converts every fetched row, failing on the first that does not read back.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

/// Staged values of a declaration (after its key), the same columns on both backends.
pub(crate) fn declaration_vals(d: &Declaration) -> Vec<Val<'_>> {
    vec![
        Val::Text(&d.area_id),
        Val::Text(d.status.as_str()),
        Val::Date(d.declared_at),
        Val::Text(&d.declared_by),
    ]
}

/// Staged values of a target (after its key), the same columns on both backends.
pub(crate) fn target_vals(t: &Target) -> Vec<Val<'_>> {
    vec![
        Val::Text(&t.area_id),
        Val::Text(t.level.as_str()),
        Val::F64(t.share),
        Val::Date(t.due),
    ]
}
