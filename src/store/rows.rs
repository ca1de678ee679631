//! Row ↔ model conversions both backends share: the stored columns of plans, tokens, import
//! batches, sites, areas, declarations, targets and tracked hotspots are the same in SQLite
//! and PostGIS (geometries are read back as plain WKB on both), so each conversion is
//! written once here and only the SQL that truly differs stays in the backend files.

use super::codec::{self, Val};
use super::{ImportMeta, ImportRecord, Result, StoreError, TokenRecord, TrackedHotspot};
use crate::model::{ActionPlan, Area, Declaration, PlanSubject, Site, Target};
use chrono::{NaiveDate, NaiveDateTime};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row, Sqlite, Type};

/// Columns of `imports`, in the order [`import_record`] reads them by name.
pub(crate) const IMPORT_COLS: &str = "batch, kind, file_name, sha256, imported_by, imported_at, inserted, updated, skipped, undone_at";

/// Columns of `plans` returned to [`plan_from_row`].
pub(crate) const PLAN_COLS: &str = "id, subject_type, subject_id, responsible_person, task, responsible_unit, \
     deadline, expected_result, approving_authority, state, created_by, created_at, updated_by, \
     updated_at";

/// Columns of `api_tokens` returned to [`token_from_row`].
pub(crate) const TOKEN_COLS: &str = "id, name, role, created_at, revoked";

/// `(id, name, kind, WKB)` of a site.
pub(crate) type SiteRow = (String, String, String, Vec<u8>);
/// `(id, name, level, parent_id, WKB)` of an area.
pub(crate) type AreaRow = (String, String, String, Option<String>, Vec<u8>);
/// `(area_id, status, declared_at, declared_by)` of a declaration.
pub(crate) type DeclarationRow = (String, String, NaiveDate, String);
/// `(area_id, level, share, due)` of a target.
pub(crate) type TargetRow = (String, String, f64, NaiveDate);
/// `(id, WKB, first_detected, last_detected)` of a tracked hotspot.
pub(crate) type TrackedRow = (String, Vec<u8>, NaiveDateTime, NaiveDateTime);

/// One column of a fetched row decoded as `T`; implemented for both backends' rows so that
/// the conversions below are generic over the backend.
pub(crate) trait Col<T> {
    fn col(&self, name: &str) -> Result<T>;
}

impl<T> Col<T> for SqliteRow
where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
{
    fn col(&self, name: &str) -> Result<T> {
        Ok(self.try_get(name)?)
    }
}

impl<T> Col<T> for PgRow
where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres>,
{
    fn col(&self, name: &str) -> Result<T> {
        Ok(self.try_get(name)?)
    }
}

/// A row of either backend with every column type the model uses.
pub(crate) trait ModelRow:
    Col<String>
    + Col<i64>
    + Col<bool>
    + Col<NaiveDate>
    + Col<NaiveDateTime>
    + Col<Option<NaiveDateTime>>
{
}

impl<R> ModelRow for R where
    R: Col<String>
        + Col<i64>
        + Col<bool>
        + Col<NaiveDate>
        + Col<NaiveDateTime>
        + Col<Option<NaiveDateTime>>
{
}

/// `r.col(name)` with the type taken from where the value goes.
fn get<T, R: Col<T>>(r: &R, name: &str) -> Result<T> {
    r.col(name)
}

pub(crate) fn import_record(r: &impl ModelRow) -> Result<ImportRecord> {
    let kind: String = get(r, "kind")?;
    Ok(ImportRecord {
        batch: get(r, "batch")?,
        kind: kind
            .parse::<crate::model::ImportKind>()
            .map_err(|_| StoreError::Invalid(format!("stored import kind {kind:?}")))?,
        file_name: get(r, "file_name")?,
        sha256: get(r, "sha256")?,
        imported_by: get(r, "imported_by")?,
        imported_at: get(r, "imported_at")?,
        inserted: get::<i64, _>(r, "inserted")? as u64,
        updated: get::<i64, _>(r, "updated")? as u64,
        skipped: get::<i64, _>(r, "skipped")? as u64,
        undone_at: get(r, "undone_at")?,
    })
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

pub(crate) fn plan_from_row(r: &impl ModelRow) -> Result<ActionPlan> {
    let ty: String = get(r, "subject_type")?;
    let sid: String = get(r, "subject_id")?;
    let state: String = get(r, "state")?;
    Ok(ActionPlan {
        id: get(r, "id")?,
        subject: if ty == "hotspot" {
            PlanSubject::Hotspot(sid)
        } else {
            PlanSubject::Area(sid)
        },
        responsible_person: get(r, "responsible_person")?,
        task: get(r, "task")?,
        responsible_unit: get(r, "responsible_unit")?,
        deadline: get(r, "deadline")?,
        expected_result: get(r, "expected_result")?,
        approving_authority: get(r, "approving_authority")?,
        state: codec::parse_vocab(&state)?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        updated_by: get(r, "updated_by")?,
        updated_at: get(r, "updated_at")?,
    })
}

pub(crate) fn token_from_row(r: &impl ModelRow) -> Result<TokenRecord> {
    let role: String = get(r, "role")?;
    Ok(TokenRecord {
        id: get(r, "id")?,
        name: get(r, "name")?,
        role: role
            .parse()
            .map_err(|_| StoreError::Invalid(format!("stored role {role:?}")))?,
        created_at: get(r, "created_at")?,
        revoked: get(r, "revoked")?,
    })
}

pub(crate) fn site_from_row(r: SiteRow) -> Result<Site> {
    Ok(Site {
        id: r.0,
        name: r.1,
        kind: codec::parse_vocab(&r.2)?,
        geometry: codec::from_wkb(&r.3)?,
    })
}

pub(crate) fn area_from_row(r: AreaRow) -> Result<Area> {
    Ok(Area {
        id: r.0,
        name: r.1,
        level: codec::parse_vocab(&r.2)?,
        parent_id: r.3,
        geometry: codec::multi_polygon(codec::from_wkb(&r.4)?)?,
    })
}

pub(crate) fn declaration_from_row(r: DeclarationRow) -> Result<Declaration> {
    Ok(Declaration {
        area_id: r.0,
        status: codec::parse_vocab(&r.1)?,
        declared_at: r.2,
        declared_by: r.3,
    })
}

pub(crate) fn target_from_row(r: TargetRow) -> Result<Target> {
    Ok(Target {
        area_id: r.0,
        level: codec::parse_vocab(&r.1)?,
        share: r.2,
        due: r.3,
    })
}

pub(crate) fn tracked_from_row(r: TrackedRow) -> Result<TrackedHotspot> {
    Ok(TrackedHotspot {
        id: r.0,
        polygon: codec::multi_polygon(codec::from_wkb(&r.1)?)?,
        first_detected: r.2,
        last_detected: r.3,
    })
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
