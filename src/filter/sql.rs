//! Translates a checked CQL2 filter into a SQL `WHERE` fragment for a stored table, with every
//! value bound as a numbered parameter (`?N` for SQLite, `$N` for PostgreSQL): no value of the
//! filter is ever spliced into the SQL text, only column names from a fixed [`Column`] list.
//!
//! Where a backend cannot test a predicate exactly (a polygon on SQLite, which has no spatial
//! functions) the fragment is a *superset*: the literal's bounding box where the predicate
//! counts positively, `FALSE` under an odd number of `NOT`s (so the negation is a superset too).
//! [`SqlFilter::exact`] is then false and the caller re-checks the rows with
//! [`super::eval`].

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use geo::BoundingRect;

use super::cql2::{Expr, GeomLit, Scalar};
use super::eval::{split_bbox, temporal_range};

/// The two SQL dialects of the stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// How a queryable is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Real,
    /// Local civil time: microseconds since the epoch on SQLite, `TIMESTAMP` on PostgreSQL.
    LocalTime,
    /// A point kept as two degree columns (and, on PostGIS, a geometry column).
    Point {
        lon: &'static str,
        lat: &'static str,
        postgis: &'static str,
    },
}

/// One queryable's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub queryable: &'static str,
    pub sql: &'static str,
    pub kind: ColumnKind,
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    F64(f64),
    I64(i64),
    Timestamp(NaiveDateTime),
}

/// A `WHERE` fragment and its parameters, numbered from the `first` given to [`translate`].
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    pub sql: String,
    pub params: Vec<SqlValue>,
    /// False when the fragment selects a superset that must be re-checked in memory.
    pub exact: bool,
}

/// A filter this table cannot run in SQL (the caller evaluates it in memory instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not translatable to SQL: {0}")]
pub struct Untranslatable(pub String);

struct Tx<'a> {
    cols: &'a [Column],
    dialect: Dialect,
    tz: FixedOffset,
    next: usize,
    params: Vec<SqlValue>,
    exact: bool,
}

/// The `WHERE` fragment of `e` over `cols`; placeholders start at number `first`.
pub fn translate(
    e: &Expr,
    cols: &[Column],
    dialect: Dialect,
    tz: FixedOffset,
    first: usize,
) -> Result<SqlFilter, Untranslatable> {
    let mut tx = Tx {
        cols,
        dialect,
        tz,
        next: first,
        params: Vec::new(),
        exact: true,
    };
    let sql = tx.expr(e, true)?;
    Ok(SqlFilter {
        sql,
        params: tx.params,
        exact: tx.exact,
    })
}

/// `ORDER BY` items for `sortby` keys (`(queryable, descending)`), then `tie` for a stable
/// order; only columns of the fixed list are named.
pub fn order_by(
    keys: &[(String, bool)],
    cols: &[Column],
    tie: &str,
) -> Result<String, Untranslatable> {
    let mut items = Vec::new();
    for (name, desc) in keys {
        let c = cols
            .iter()
            .find(|c| c.queryable == name)
            .filter(|c| !matches!(c.kind, ColumnKind::Point { .. }))
            .ok_or_else(|| Untranslatable(format!("cannot sort by {name}")))?;
        items.push(format!("{}{}", c.sql, if *desc { " DESC" } else { "" }));
    }
    items.push(tie.to_string());
    Ok(items.join(", "))
}

/// Placeholder number `n` of `dialect` (`?n` or `$n`).
pub fn placeholder(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("?{n}"),
        Dialect::Postgres => format!("${n}"),
    }
}

impl Tx<'_> {
    fn bind(&mut self, v: SqlValue) -> String {
        let n = self.next;
        self.next += 1;
        self.params.push(v);
        placeholder(self.dialect, n)
    }

    fn column(&self, name: &str) -> Result<&Column, Untranslatable> {
        self.cols
            .iter()
            .find(|c| c.queryable == name)
            .ok_or_else(|| Untranslatable(format!("no column for {name}")))
    }

    fn local(&self, micros_utc: i64) -> NaiveDateTime {
        DateTime::from_timestamp_micros(micros_utc)
            .expect("in range")
            .with_timezone(&self.tz)
            .naive_local()
    }

    fn time_value(&self, t: NaiveDateTime) -> SqlValue {
        match self.dialect {
            Dialect::Sqlite => SqlValue::I64(t.and_utc().timestamp_micros()),
            Dialect::Postgres => SqlValue::Timestamp(t),
        }
    }

    fn scalar(&mut self, s: &Scalar) -> Result<String, Untranslatable> {
        Ok(match s {
            Scalar::Property(p) => {
                let c = *self.column(p)?;
                if matches!(c.kind, ColumnKind::Point { .. }) {
                    return Err(Untranslatable(format!("{p} is a geometry")));
                }
                c.sql.to_string()
            }
            Scalar::Str(v) => self.bind(SqlValue::Text(v.clone())),
            Scalar::Num(n) => self.bind(SqlValue::F64(*n)),
            Scalar::Bool(_) => return Err(Untranslatable("boolean literal".into())),
            Scalar::Timestamp(t) => {
                let v = self.time_value(t.with_timezone(&self.tz).naive_local());
                self.bind(v)
            }
            Scalar::Date(_) => return Err(Untranslatable("date literal".into())),
        })
    }

    fn expr(&mut self, e: &Expr, positive: bool) -> Result<String, Untranslatable> {
        Ok(match e {
            Expr::And(v) | Expr::Or(v) => {
                let sep = if matches!(e, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts = v
                    .iter()
                    .map(|x| self.expr(x, positive))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(sep))
            }
            Expr::Not(x) => format!("(NOT {})", self.expr(x, !positive)?),
            Expr::Bool(b) => (if *b { "(1 = 1)" } else { "(1 = 0)" }).to_string(),
            Expr::Compare { op, left, right } => {
                let l = self.scalar(left)?;
                let r = self.scalar(right)?;
                format!("({l} {} {r})", op.as_str())
            }
            Expr::Like {
                value,
                pattern,
                negated,
            } => {
                let v = self.scalar(value)?;
                let not = if *negated { "NOT " } else { "" };
                match self.dialect {
                    // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive like CQL2's LIKE.
                    Dialect::Sqlite => {
                        let p = self.bind(SqlValue::Text(like_to_glob(pattern)));
                        format!("({not}{v} GLOB {p})")
                    }
                    Dialect::Postgres => {
                        let p = self.bind(SqlValue::Text(pattern.clone()));
                        format!("({v} {not}LIKE {p} ESCAPE '\\')")
                    }
                }
            }
            Expr::Between {
                value,
                low,
                high,
                negated,
            } => {
                let v = self.scalar(value)?;
                let a = self.scalar(low)?;
                let b = self.scalar(high)?;
                let not = if *negated { "NOT " } else { "" };
                format!("({v} {not}BETWEEN {a} AND {b})")
            }
            Expr::In {
                value,
                list,
                negated,
            } => {
                let v = self.scalar(value)?;
                let items = list
                    .iter()
                    .map(|x| self.scalar(x))
                    .collect::<Result<Vec<_>, _>>()?;
                let not = if *negated { "NOT " } else { "" };
                format!("({v} {not}IN ({}))", items.join(", "))
            }
            Expr::IsNull { value, negated } => {
                let v = self.scalar(value)?;
                format!("({v} IS {}NULL)", if *negated { "NOT " } else { "" })
            }
            Expr::SIntersects { property, geometry } => {
                let c = *self.column(property)?;
                let ColumnKind::Point { lon, lat, postgis } = c.kind else {
                    return Err(Untranslatable(format!("{property} is not a geometry")));
                };
                match geometry {
                    GeomLit::Bbox(b) => {
                        let parts: Vec<String> = split_bbox(*b)
                            .into_iter()
                            .map(|r| self.range(lon, lat, r))
                            .collect();
                        format!("({})", parts.join(" OR "))
                    }
                    GeomLit::Geometry(g) => match self.dialect {
                        Dialect::Postgres => {
                            let p = self.bind(SqlValue::Text(wkt(g)));
                            format!("ST_Intersects({postgis}, ST_GeomFromText({p}, 4326))")
                        }
                        Dialect::Sqlite => {
                            self.exact = false;
                            if !positive {
                                "(1 = 0)".to_string()
                            } else {
                                match g.bounding_rect() {
                                    Some(r) => self.range(
                                        lon,
                                        lat,
                                        [r.min().x, r.min().y, r.max().x, r.max().y],
                                    ),
                                    None => "(1 = 0)".to_string(),
                                }
                            }
                        }
                    },
                }
            }
            Expr::TIntersects { property, time } => {
                let c = *self.column(property)?;
                if c.kind != ColumnKind::LocalTime {
                    return Err(Untranslatable(format!("{property} is not a time")));
                }
                // An instant t intersects [lo, hi) when lo <= t < hi.
                let (lo, hi) = temporal_range(time, self.tz);
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    let v = self.time_value(self.local(lo));
                    parts.push(format!("{} >= {}", c.sql, self.bind(v)));
                }
                if let Some(hi) = hi {
                    let v = self.time_value(self.local(hi));
                    parts.push(format!("{} < {}", c.sql, self.bind(v)));
                }
                if parts.is_empty() {
                    "(1 = 1)".to_string()
                } else {
                    format!("({})", parts.join(" AND "))
                }
            }
        })
    }

    fn range(&mut self, lon: &str, lat: &str, r: [f64; 4]) -> String {
        let a = self.bind(SqlValue::F64(r[0]));
        let b = self.bind(SqlValue::F64(r[2]));
        let c = self.bind(SqlValue::F64(r[1]));
        let d = self.bind(SqlValue::F64(r[3]));
        format!("({lon} BETWEEN {a} AND {b} AND {lat} BETWEEN {c} AND {d})")
    }
}

/// The reports' queryables as stored (both backends use these column names; `geom` is the
/// PostGIS point column).
pub const REPORT_COLUMNS: &[Column] = &[
    Column {
        queryable: "id",
        sql: "id",
        kind: ColumnKind::Text,
    },
    Column {
        queryable: "kind",
        sql: "kind",
        kind: ColumnKind::Text,
    },
    Column {
        queryable: "observed_at",
        sql: "observed_at",
        kind: ColumnKind::LocalTime,
    },
    Column {
        queryable: "geometry",
        sql: "geom",
        kind: ColumnKind::Point {
            lon: "lon",
            lat: "lat",
            postgis: "geom",
        },
    },
];

/// One page of a filtered, sorted table read (the OGC `reports` items).
pub struct PageQuery<'a, R> {
    /// A filter already checked against the table's queryables.
    pub filter: Option<&'a Expr>,
    /// `(queryable, descending)`; the key column breaks ties.
    pub sortby: &'a [(String, bool)],
    /// Zone of the stored local times.
    pub tz: FixedOffset,
    pub limit: u64,
    pub offset: u64,
    /// The exact test of one row, for a filter SQL could only narrow down.
    pub recheck: &'a (dyn Fn(&R) -> bool + Send + Sync),
}

/// The SQL pieces of a [`PageQuery`]: `WHERE` (may be empty), `ORDER BY` items, and whether
/// the store may page in SQL (exact) or must re-check and page in memory.
pub fn page_sql<R>(
    q: &PageQuery<'_, R>,
    cols: &[Column],
    dialect: Dialect,
    tie: &str,
) -> Result<(Option<SqlFilter>, String), Untranslatable> {
    let filter = q
        .filter
        .map(|e| translate(e, cols, dialect, q.tz, 1))
        .transpose()?;
    let order = order_by(q.sortby, cols, tie)?;
    Ok((filter, order))
}

/// A `LIKE` pattern as a `GLOB` pattern: `%` → `*`, `_` → `?`, GLOB's own metacharacters
/// bracketed so they match themselves.
pub fn like_to_glob(pattern: &str) -> String {
    let mut out = String::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        let lit = match c {
            '%' => {
                out.push('*');
                continue;
            }
            '_' => {
                out.push('?');
                continue;
            }
            '\\' => it.next().unwrap_or('\\'),
            c => c,
        };
        match lit {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(lit);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

/// Well-known text of a geometry (for `ST_GeomFromText`, bound as a parameter).
pub fn wkt(g: &geo::Geometry<f64>) -> String {
    use geo::Geometry as G;
    fn pts(cs: &[geo::Coord<f64>]) -> String {
        cs.iter()
            .map(|c| format!("{:?} {:?}", c.x, c.y))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn poly(p: &geo::Polygon<f64>) -> String {
        let mut rings = vec![format!("({})", pts(&p.exterior().0))];
        rings.extend(p.interiors().iter().map(|r| format!("({})", pts(&r.0))));
        format!("({})", rings.join(", "))
    }
    match g {
        G::Point(p) => format!("POINT({})", pts(&[p.0])),
        G::LineString(l) => format!("LINESTRING({})", pts(&l.0)),
        G::Polygon(p) => format!("POLYGON{}", poly(p)),
        G::MultiPoint(m) => format!(
            "MULTIPOINT({})",
            m.0.iter()
                .map(|p| format!("({})", pts(&[p.0])))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        G::MultiLineString(m) => format!(
            "MULTILINESTRING({})",
            m.0.iter()
                .map(|l| format!("({})", pts(&l.0)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        G::MultiPolygon(m) => format!(
            "MULTIPOLYGON({})",
            m.0.iter().map(poly).collect::<Vec<_>>().join(", ")
        ),
        // The parser makes none of the others.
        _ => "GEOMETRYCOLLECTION EMPTY".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::cql2::parse;
    use super::*;

    const COLS: &[Column] = REPORT_COLUMNS;

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn tr(s: &str, d: Dialect) -> SqlFilter {
        translate(&parse(s).unwrap(), COLS, d, tz(), 1).unwrap()
    }

    #[test]
    fn values_are_bound_never_spliced() {
        let evil = "x'); DROP TABLE reports; --";
        let q = format!(
            "kind = '{}' OR id LIKE '{}%'",
            evil.replace('\'', "''"),
            evil.replace('\'', "''")
        );
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            let f = tr(&q, d);
            assert!(!f.sql.contains("DROP"), "{}", f.sql);
            assert!(!f.sql.contains("x'"), "{}", f.sql);
            assert_eq!(f.params[0], SqlValue::Text(evil.into()));
            assert!(f.exact);
        }
        assert_eq!(
            tr("kind IN ('sale','use')", Dialect::Postgres).sql,
            "(kind IN ($1, $2))"
        );
        assert_eq!(
            tr("kind IN ('sale','use')", Dialect::Sqlite).sql,
            "(kind IN (?1, ?2))"
        );
    }

    #[test]
    fn times_are_local_and_typed_per_backend() {
        // 2025-01-01T00:00Z is 07:00 local.
        let f = tr(
            "observed_at >= TIMESTAMP('2025-01-01T00:00:00Z')",
            Dialect::Postgres,
        );
        let t = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        assert_eq!(f.params, vec![SqlValue::Timestamp(t)]);
        let f = tr(
            "observed_at >= TIMESTAMP('2025-01-01T00:00:00Z')",
            Dialect::Sqlite,
        );
        assert_eq!(
            f.params,
            vec![SqlValue::I64(t.and_utc().timestamp_micros())]
        );
        // A DATE interval is whole local days.
        let f = tr(
            "T_INTERSECTS(observed_at, INTERVAL('2025-01-01','2025-01-31'))",
            Dialect::Postgres,
        );
        assert_eq!(f.sql, "(observed_at >= $1 AND observed_at < $2)");
        let midnight = |m: u32, d: u32| {
            SqlValue::Timestamp(
                chrono::NaiveDate::from_ymd_opt(2025, m, d)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )
        };
        assert_eq!(f.params, vec![midnight(1, 1), midnight(2, 1)]);
    }

    #[test]
    fn polygons_are_exact_on_postgis_and_a_checked_superset_on_sqlite() {
        let q = "S_INTERSECTS(geometry, POLYGON((0 0, 2 0, 1 2, 0 0)))";
        let pg = tr(q, Dialect::Postgres);
        assert!(pg.exact);
        assert_eq!(pg.sql, "ST_Intersects(geom, ST_GeomFromText($1, 4326))");
        assert_eq!(
            pg.params,
            vec![SqlValue::Text(
                "POLYGON((0.0 0.0, 2.0 0.0, 1.0 2.0, 0.0 0.0))".into()
            )]
        );
        let lite = tr(q, Dialect::Sqlite);
        assert!(!lite.exact);
        assert!(lite.sql.contains("lon BETWEEN ?1 AND ?2"), "{}", lite.sql);
        let neg = tr(&format!("NOT {q}"), Dialect::Sqlite);
        assert_eq!(neg.sql, "(NOT (1 = 0))");
        let b = tr(
            "S_INTERSECTS(geometry, BBOX(170, -10, -170, 10))",
            Dialect::Sqlite,
        );
        assert!(b.exact);
        assert_eq!(b.params.len(), 8);
    }

    #[test]
    fn like_becomes_glob_on_sqlite() {
        assert_eq!(like_to_glob("a%b_c"), "a*b?c");
        assert_eq!(like_to_glob("50\\%*"), "50%[*]");
        assert_eq!(tr("id LIKE 'R%'", Dialect::Sqlite).sql, "(id GLOB ?1)");
        assert_eq!(
            tr("id NOT LIKE 'R%'", Dialect::Postgres).sql,
            "(id NOT LIKE $1 ESCAPE '\\')"
        );
    }

    #[test]
    fn sort_keys_name_only_known_columns() {
        let cols = COLS;
        assert_eq!(
            order_by(&[("observed_at".into(), true)], cols, "id").unwrap(),
            "observed_at DESC, id"
        );
        assert!(order_by(&[("id; DROP".into(), false)], cols, "id").is_err());
        assert!(order_by(&[("geometry".into(), false)], cols, "id").is_err());
    }
}
