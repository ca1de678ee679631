//! A [`ReportFilter`] as SQL, written once for both backends: the time, kind and box
//! conditions with every value a numbered parameter ([`SqlFilter`], the same shape the CQL2
//! translation in [`crate::filter::sql`] produces, so each backend binds both the same way),
//! and the recursive query of an area and its descendants.
//!
//! The dialects differ only in the box test: SQLite compares the `lon`/`lat` columns (its
//! covering index), PostGIS tests the `geom` column against an envelope (its GiST index).
//! Times are parameters in each store's own encoding (microseconds on SQLite, `timestamp` on
//! PostgreSQL).

use super::ReportFilter;
use super::codec;
use crate::filter::eval::split_bbox;
use crate::filter::sql::{Dialect, SqlFilter, SqlValue, placeholder};
use chrono::NaiveDateTime;

/// `WITH RECURSIVE tree(id)`: area `param` (a placeholder or literal) and every area below
/// it. Callers join `tree` to `areas` for the polygons.
pub(crate) fn area_tree_cte(param: &str) -> String {
    format!(
        "WITH RECURSIVE tree(id) AS (SELECT id FROM areas WHERE id = {param} \
         UNION SELECT a.id FROM areas a JOIN tree t ON a.parent_id = t.id)"
    )
}

/// Numbers placeholders from `first` and collects their values.
struct Binder {
    dialect: Dialect,
    next: usize,
    params: Vec<SqlValue>,
}

impl Binder {
    fn bind(&mut self, v: SqlValue) -> String {
        let p = placeholder(self.dialect, self.next);
        self.next += 1;
        self.params.push(v);
        p
    }

    fn time(&mut self, t: NaiveDateTime) -> String {
        let v = match self.dialect {
            Dialect::Sqlite => SqlValue::I64(codec::micros(t)),
            Dialect::Postgres => SqlValue::Timestamp(t),
        };
        self.bind(v)
    }

    /// Rows inside `b` (`[min_lon, min_lat, max_lon, max_lat]`; `min_lon > max_lon` crosses
    /// the antimeridian).
    fn bbox(&mut self, b: [f64; 4]) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let (w, e) = (
                    self.bind(SqlValue::F64(b[0])),
                    self.bind(SqlValue::F64(b[2])),
                );
                let (s, n) = (
                    self.bind(SqlValue::F64(b[1])),
                    self.bind(SqlValue::F64(b[3])),
                );
                let lon = if b[0] <= b[2] {
                    format!("lon BETWEEN {w} AND {e}")
                } else {
                    format!("(lon >= {w} OR lon <= {e})")
                };
                format!("{lon} AND lat BETWEEN {s} AND {n}")
            }
            Dialect::Postgres => {
                let parts: Vec<String> = split_bbox(b)
                    .into_iter()
                    .map(|p| {
                        let v = p.map(|x| self.bind(SqlValue::F64(x)));
                        format!(
                            "geom && ST_MakeEnvelope({}, {}, {}, {}, 4326)",
                            v[0], v[1], v[2], v[3]
                        )
                    })
                    .collect();
                format!("({})", parts.join(" OR "))
            }
        }
    }
}

/// The conditions of `f` other than its area (joined by `AND`, `1 = 1` when none), over the
/// unqualified columns of `reports`; `extra_bbox` adds a second box (SQLite's area
/// prefilter). Placeholders are numbered from `first`.
pub(crate) fn report_conditions(
    f: &ReportFilter,
    dialect: Dialect,
    first: usize,
    extra_bbox: Option<[f64; 4]>,
) -> SqlFilter {
    let mut b = Binder {
        dialect,
        next: first,
        params: Vec::new(),
    };
    let mut parts = Vec::new();
    if let Some(from) = f.from {
        parts.push(format!("observed_at >= {}", b.time(from)));
    }
    if let Some(to) = f.to {
        parts.push(format!("observed_at < {}", b.time(to)));
    }
    if !f.kinds.is_empty() {
        let kinds: Vec<String> = f
            .kinds
            .iter()
            .map(|k| b.bind(SqlValue::Text(k.as_str().into())))
            .collect();
        parts.push(format!("kind IN ({})", kinds.join(", ")));
    }
    for bbox in [f.bbox, extra_bbox].into_iter().flatten() {
        parts.push(b.bbox(bbox));
    }
    SqlFilter {
        sql: if parts.is_empty() {
            "1 = 1".into()
        } else {
            parts.join(" AND ")
        },
        params: b.params,
        exact: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKind;
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    #[test]
    fn no_condition_is_true() {
        let f = report_conditions(&ReportFilter::default(), Dialect::Sqlite, 1, None);
        assert_eq!(f.sql, "1 = 1");
        assert!(f.params.is_empty());
    }

    #[test]
    fn every_value_is_a_numbered_parameter_in_order() {
        let f = ReportFilter {
            from: Some(day(1)),
            to: Some(day(2)),
            kinds: vec![ReportKind::Sale, ReportKind::Use],
            bbox: Some([107.5, 16.4, 107.6, 16.5]),
            ..Default::default()
        };
        let pg = report_conditions(&f, Dialect::Postgres, 2, None);
        assert_eq!(
            pg.sql,
            "observed_at >= $2 AND observed_at < $3 AND kind IN ($4, $5) AND \
             (geom && ST_MakeEnvelope($6, $7, $8, $9, 4326))"
        );
        assert_eq!(pg.params[0], SqlValue::Timestamp(day(1)));
        assert_eq!(pg.params[2], SqlValue::Text("sale".into()));
        assert_eq!(
            pg.params[4..],
            [107.5, 16.4, 107.6, 16.5].map(SqlValue::F64)
        );
        let lite = report_conditions(&f, Dialect::Sqlite, 1, Some([0.0, 1.0, 2.0, 3.0]));
        assert_eq!(
            lite.sql,
            "observed_at >= ?1 AND observed_at < ?2 AND kind IN (?3, ?4) AND \
             lon BETWEEN ?5 AND ?6 AND lat BETWEEN ?7 AND ?8 AND \
             lon BETWEEN ?9 AND ?10 AND lat BETWEEN ?11 AND ?12"
        );
        assert_eq!(lite.params[0], SqlValue::I64(codec::micros(day(1))));
        assert_eq!(lite.params.len(), 12);
    }

    #[test]
    fn a_box_across_the_antimeridian_is_two_boxes() {
        let f = ReportFilter {
            bbox: Some([170.0, -10.0, -170.0, 10.0]),
            ..Default::default()
        };
        let lite = report_conditions(&f, Dialect::Sqlite, 1, None);
        assert_eq!(
            lite.sql,
            "(lon >= ?1 OR lon <= ?2) AND lat BETWEEN ?3 AND ?4"
        );
        let pg = report_conditions(&f, Dialect::Postgres, 1, None);
        assert_eq!(
            pg.sql,
            "(geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) OR \
             geom && ST_MakeEnvelope($5, $6, $7, $8, 4326))"
        );
        assert_eq!(
            pg.params,
            [170.0, -10.0, 180.0, 10.0, -180.0, -10.0, -170.0, 10.0].map(SqlValue::F64)
        );
    }
}
