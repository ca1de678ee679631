//! The import/undo algorithm as SQL both backends share (`$n` placeholders work in SQLite
//! too). Every import stages its rows in a temporary table `stage` and then, in the same
//! transaction, detects conflicts, saves the previous versions of updated rows to
//! `<table>_history`, updates and inserts with `INSERT … SELECT`. Undo reverses exactly that.
//!
//! Each stored row carries the `batch` that wrote its current version; a history row carries
//! the batch that wrote the old version (`batch`) and the batch that replaced it
//! (`replaced_by`). A batch can be undone only while none of its rows was replaced by a later,
//! still active batch.

use super::{ImportKind, Result, StoreError};

/// How one imported entity is stored.
pub(crate) struct Spec {
    pub kind: ImportKind,
    pub table: &'static str,
    /// The unique key column.
    pub key: &'static str,
    /// Data columns other than `key` and `batch`, identical in the table, its history and the
    /// stage.
    pub cols: &'static [&'static str],
    /// Column definitions of `stage` after `row_idx` (the key first, then `staged`).
    pub stage_ddl: &'static str,
    /// Staged columns when they differ from `cols` (PostGIS derives `geom` from lon/lat).
    pub staged: Option<&'static [&'static str]>,
    /// Expressions over the stage that give `cols`, when they differ from `cols`.
    pub exprs: Option<&'static [&'static str]>,
    /// Secondary indexes (name, `CREATE INDEX` statement) that a bulk load drops and rebuilds
    /// inside its transaction: sorting once beats millions of random index insertions.
    pub bulk_indexes: &'static [(&'static str, &'static str)],
    /// A column that must name an existing area (in the table or in this import).
    pub area_ref: Option<&'static str>,
}

impl Spec {
    fn cols_list(&self, prefix: &str) -> String {
        self.cols
            .iter()
            .map(|c| format!("{prefix}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `row_idx, key, staged…` — the order values are staged in.
    pub fn stage_columns(&self) -> String {
        format!(
            "row_idx, {}, {}",
            self.key,
            self.staged.unwrap_or(self.cols).join(", ")
        )
    }

    /// The stage expressions giving each of `cols`, prefixed with `prefix`.
    fn exprs_list(&self, prefix: &str) -> Vec<String> {
        match self.exprs {
            Some(e) => e.iter().map(|x| x.replace("s.", prefix)).collect(),
            None => self.cols.iter().map(|c| format!("{prefix}{c}")).collect(),
        }
    }

    pub fn first_conflict(&self) -> String {
        format!(
            "SELECT s.row_idx, s.{k} FROM stage s JOIN {t} t ON t.{k} = s.{k} \
             ORDER BY s.row_idx LIMIT 1",
            k = self.key,
            t = self.table
        )
    }

    /// First staged row whose area reference resolves neither to a stored area nor to an
    /// area of this import.
    pub fn first_dangling_ref(&self) -> Option<String> {
        let col = self.area_ref?;
        let in_stage = if self.table == "areas" {
            " AND NOT EXISTS (SELECT 1 FROM stage s2 WHERE s2.id = s.parent_id)"
        } else {
            ""
        };
        Some(format!(
            "SELECT s.row_idx, s.{col} FROM stage s WHERE s.{col} IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.id = s.{col}){in_stage} \
             ORDER BY s.row_idx LIMIT 1"
        ))
    }

    /// `$1` = the importing batch.
    pub fn save_history(&self) -> String {
        format!(
            "INSERT INTO {t}_history (replaced_by, {k}, {c}, batch) \
             SELECT $1, t.{k}, {tc}, t.batch FROM {t} t WHERE t.{k} IN (SELECT {k} FROM stage)",
            t = self.table,
            k = self.key,
            c = self.cols_list(""),
            tc = self.cols_list("t."),
        )
    }

    /// `$1` = the importing batch.
    pub fn update_from_stage(&self) -> String {
        let sets = self
            .cols
            .iter()
            .zip(self.exprs_list("s."))
            .map(|(c, e)| format!("{c} = {e}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "UPDATE {t} SET {sets}, batch = $1 FROM stage s WHERE s.{k} = {t}.{k}",
            t = self.table,
            k = self.key
        )
    }

    pub fn drop_existing_from_stage(&self) -> String {
        format!(
            "DELETE FROM stage WHERE {k} IN (SELECT {k} FROM {t})",
            k = self.key,
            t = self.table
        )
    }

    /// `$1` = the importing batch.
    pub fn insert_from_stage(&self) -> String {
        format!(
            "INSERT INTO {t} ({k}, {c}, batch) SELECT s.{k}, {e}, $1 FROM stage s",
            t = self.table,
            k = self.key,
            c = self.cols_list(""),
            e = self.exprs_list("s.").join(", "),
        )
    }

    /// `$1` = the batch to undo; returns a later batch that replaced one of its rows.
    pub fn blocking_batch(&self) -> String {
        format!(
            "SELECT replaced_by FROM {t}_history WHERE batch = $1 LIMIT 1",
            t = self.table
        )
    }

    pub fn delete_batch_rows(&self) -> String {
        format!("DELETE FROM {t} WHERE batch = $1", t = self.table)
    }

    pub fn restore_history(&self) -> String {
        format!(
            "INSERT INTO {t} ({k}, {c}, batch) SELECT {k}, {c}, batch FROM {t}_history \
             WHERE replaced_by = $1",
            t = self.table,
            k = self.key,
            c = self.cols_list(""),
        )
    }

    pub fn forget_history(&self) -> String {
        format!(
            "DELETE FROM {t}_history WHERE replaced_by = $1",
            t = self.table
        )
    }
}

/// The spec of `kind` among a backend's `specs`; plans have none (they are edited one by one,
/// never imported in batches).
pub(crate) fn find_spec(specs: &[&'static Spec], kind: ImportKind) -> Result<&'static Spec> {
    specs
        .iter()
        .find(|s| s.kind == kind)
        .copied()
        .ok_or_else(|| StoreError::Invalid("plans are not imported in batches".into()))
}

/// Whether loading `incoming` rows into a table of `existing` rows should drop and rebuild
/// the secondary indexes.
pub(crate) fn rebuild_indexes(incoming: usize, existing: i64) -> bool {
    incoming >= 50_000 && incoming as i64 >= existing / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        kind: ImportKind::Reports,
        table: "reports",
        key: "id",
        cols: &["lon", "lat"],
        stage_ddl: "id TEXT, lon REAL, lat REAL",
        staged: None,
        exprs: None,
        bulk_indexes: &[],
        area_ref: None,
    };

    #[test]
    fn sql_names_every_column_in_the_same_order() {
        assert_eq!(SPEC.stage_columns(), "row_idx, id, lon, lat");
        assert_eq!(
            SPEC.insert_from_stage(),
            "INSERT INTO reports (id, lon, lat, batch) SELECT s.id, s.lon, s.lat, $1 FROM stage s"
        );
        assert_eq!(
            SPEC.update_from_stage(),
            "UPDATE reports SET lon = s.lon, lat = s.lat, batch = $1 FROM stage s WHERE s.id = reports.id"
        );
        assert!(SPEC.first_dangling_ref().is_none());
    }

    #[test]
    fn specs_are_found_by_kind_and_plans_have_none() {
        assert_eq!(
            find_spec(&[&SPEC], ImportKind::Reports).unwrap().table,
            "reports"
        );
        assert!(matches!(
            find_spec(&[&SPEC], ImportKind::Plans),
            Err(StoreError::Invalid(m)) if m == "plans are not imported in batches"
        ));
    }
}
