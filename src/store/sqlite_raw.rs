//! Bulk report reads through the SQLite C API, on a connection borrowed from sqlx's pool
//! (`SqliteConnection::lock_handle`). sqlx moves every row through its worker thread and
//! boxes each value; reading a million reports that way takes seconds, stepping the
//! statement directly takes a fraction of that.
//!
//! This is the one module allowed `unsafe` (`Cargo.toml` denies `unsafe_code` everywhere
//! else): every block carries a `SAFETY:` comment, and the rest of the crate calls the safe
//! [`reports_on`].
#![allow(unsafe_code)]

use super::{Result, StoreError, codec};
use crate::filter::sql::SqlValue;
use crate::model::{Report, ReportKind};
use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::ptr;

fn error(db: *mut ffi::sqlite3, what: &str) -> StoreError {
    // SAFETY: `db` is a live connection; sqlite3_errmsg returns a NUL-terminated string
    // owned by SQLite that stays valid until the next call on `db`.
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    StoreError::Database(sqlx::Error::Protocol(format!("sqlite {what}: {msg}")))
}

/// Finalizes the statement on every exit path.
struct Stmt(*mut ffi::sqlite3_stmt);

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the statement came from sqlite3_prepare_v2 and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.0);
        }
    }
}

fn kind_of(bytes: &[u8]) -> Result<ReportKind> {
    Ok(match bytes {
        b"use" => ReportKind::Use,
        b"storage" => ReportKind::Storage,
        b"trafficking" => ReportKind::Trafficking,
        b"sale" => ReportKind::Sale,
        b"cultivation" => ReportKind::Cultivation,
        other => return codec::parse_vocab(&String::from_utf8_lossy(other)),
    })
}

/// [`reports`] on a connection whose handle stays locked (exclusively ours) for the call.
pub(crate) fn reports_on(
    handle: &mut sqlx::sqlite::LockedSqliteHandle<'_>,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Report>> {
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` comes from the locked handle, which nobody else can use until it drops,
    // and it outlives this call.
    unsafe { reports(db, sql, params) }
}

/// Runs `sql`, which must select `id, lon, lat, kind, observed_at` (microseconds), and
/// returns the reports in the order SQLite yields them.
///
/// # Safety
/// `db` must be a live SQLite connection that nobody else uses during the call (hold the
/// `LockedSqliteHandle` it came from).
pub(crate) unsafe fn reports(
    db: *mut ffi::sqlite3,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Report>> {
    let csql = CString::new(sql).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut raw = ptr::null_mut();
    // SAFETY (whole block): `db` is live and exclusively ours (caller's contract); `raw` is
    // finalized by `Stmt`; column pointers are read before the next step.
    unsafe {
        if ffi::sqlite3_prepare_v2(db, csql.as_ptr(), -1, &mut raw, ptr::null_mut())
            != ffi::SQLITE_OK
        {
            return Err(error(db, "prepare"));
        }
        let stmt = Stmt(raw);
        for (i, p) in params.iter().enumerate() {
            let idx = i as i32 + 1;
            let rc = match p {
                SqlValue::F64(x) => ffi::sqlite3_bind_double(stmt.0, idx, *x),
                SqlValue::I64(x) => ffi::sqlite3_bind_int64(stmt.0, idx, *x),
                SqlValue::Timestamp(t) => ffi::sqlite3_bind_int64(stmt.0, idx, codec::micros(*t)),
                SqlValue::Text(s) => ffi::sqlite3_bind_text(
                    stmt.0,
                    idx,
                    s.as_ptr().cast(),
                    s.len() as i32,
                    ffi::SQLITE_TRANSIENT(),
                ),
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(db, "bind"));
            }
        }
        let text = |col: i32| -> &[u8] {
            let p = ffi::sqlite3_column_text(stmt.0, col);
            let n = ffi::sqlite3_column_bytes(stmt.0, col) as usize;
            if p.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(p, n)
            }
        };
        let mut out = Vec::new();
        loop {
            match ffi::sqlite3_step(stmt.0) {
                ffi::SQLITE_ROW => {
                    let id = String::from_utf8_lossy(text(0)).into_owned();
                    out.push(Report {
                        id,
                        lon: ffi::sqlite3_column_double(stmt.0, 1),
                        lat: ffi::sqlite3_column_double(stmt.0, 2),
                        kind: kind_of(text(3))?,
                        observed_at: codec::from_micros(ffi::sqlite3_column_int64(stmt.0, 4))?,
                    });
                }
                ffi::SQLITE_DONE => break,
                _ => return Err(error(db, "step")),
            }
        }
        Ok(out)
    }
}
