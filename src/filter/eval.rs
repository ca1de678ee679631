//! Evaluates a checked CQL2 filter on one feature in memory (computed collections, and the
//! exact re-check of SQL answers where SQL could only narrow down). SQL's three-valued logic:
//! a comparison with a missing or null property is *unknown*, `NOT unknown` stays unknown, and
//! only *true* selects a feature, so the store and this evaluator agree.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use geo::Intersects;
use serde_json::Value;

use super::cql2::{Bound, CmpOp, Expr, GeomLit, Scalar, Temporal};
use super::queryables::{Queryable, Type, find};

/// What the evaluator reads from a feature.
pub trait Row {
    /// A property value (`None` when absent).
    fn property(&self, name: &str) -> Option<&Value>;
    fn geometry(&self) -> Option<&geo::Geometry<f64>>;
    /// `[min_x, min_y, max_x, max_y]` of the geometry, for a cheap first test.
    fn bbox(&self) -> Option<[f64; 4]>;
}

/// Evaluation settings: the queryables (for types) and the zone of dates.
pub struct Context<'a> {
    pub queryables: &'a [Queryable],
    /// A `DATE` is the whole day in this zone when compared with instants.
    pub tz: FixedOffset,
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Str(String),
    Num(f64),
    Bool(bool),
    /// Microseconds since the epoch (UTC).
    Ts(i64),
    Date(NaiveDate),
}

/// Parses a timestamp property: RFC 3339 (with offset), or naive local time in `tz`.
pub fn timestamp_micros(s: &str, tz: FixedOffset) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()?;
    tz.from_local_datetime(&naive)
        .single()
        .map(|t| t.timestamp_micros())
}

/// Midnight starting `d` in `tz`, as UTC microseconds.
pub fn day_start_micros(d: NaiveDate, tz: FixedOffset) -> i64 {
    let t = d.and_hms_opt(0, 0, 0).expect("midnight");
    tz.from_local_datetime(&t)
        .single()
        .expect("fixed offsets are unambiguous")
        .timestamp_micros()
}

impl Context<'_> {
    fn value(&self, row: &dyn Row, s: &Scalar) -> Val {
        match s {
            Scalar::Str(v) => Val::Str(v.clone()),
            Scalar::Num(n) => Val::Num(*n),
            Scalar::Bool(b) => Val::Bool(*b),
            Scalar::Timestamp(t) => Val::Ts(t.timestamp_micros()),
            Scalar::Date(d) => Val::Date(*d),
            Scalar::Property(p) => {
                let ty = find(self.queryables, p).map(|q| q.ty);
                match (row.property(p), ty) {
                    (None | Some(Value::Null), _) => Val::Null,
                    (Some(Value::String(s)), Some(Type::Timestamp)) => {
                        timestamp_micros(s, self.tz).map_or(Val::Null, Val::Ts)
                    }
                    (Some(Value::String(s)), Some(Type::Date)) => {
                        NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                            .map_or(Val::Null, Val::Date)
                    }
                    (Some(Value::String(s)), _) => Val::Str(s.clone()),
                    (Some(Value::Number(n)), _) => n.as_f64().map_or(Val::Null, Val::Num),
                    (Some(Value::Bool(b)), _) => Val::Bool(*b),
                    // Arrays and objects are not queryable.
                    (Some(_), _) => Val::Null,
                }
            }
        }
    }

    /// Whether `row` matches (unknown counts as no).
    pub fn matches(&self, e: &Expr, row: &dyn Row) -> bool {
        self.eval(e, row) == Some(true)
    }

    fn eval(&self, e: &Expr, row: &dyn Row) -> Option<bool> {
        match e {
            Expr::And(v) => {
                let mut out = Some(true);
                for x in v {
                    match self.eval(x, row) {
                        Some(false) => return Some(false),
                        None => out = None,
                        Some(true) => {}
                    }
                }
                out
            }
            Expr::Or(v) => {
                let mut out = Some(false);
                for x in v {
                    match self.eval(x, row) {
                        Some(true) => return Some(true),
                        None => out = None,
                        Some(false) => {}
                    }
                }
                out
            }
            Expr::Not(x) => self.eval(x, row).map(|b| !b),
            Expr::Bool(b) => Some(*b),
            Expr::Compare { op, left, right } => {
                let o = compare(&self.value(row, left), &self.value(row, right))?;
                Some(match op {
                    CmpOp::Eq => o.is_eq(),
                    CmpOp::Ne => o.is_ne(),
                    CmpOp::Lt => o.is_lt(),
                    CmpOp::Le => o.is_le(),
                    CmpOp::Gt => o.is_gt(),
                    CmpOp::Ge => o.is_ge(),
                })
            }
            Expr::Like {
                value,
                pattern,
                negated,
            } => match self.value(row, value) {
                Val::Str(s) => Some(like(&s, pattern) != *negated),
                _ => None,
            },
            Expr::Between {
                value,
                low,
                high,
                negated,
            } => {
                let v = self.value(row, value);
                let lo = compare(&v, &self.value(row, low))?;
                let hi = compare(&v, &self.value(row, high))?;
                Some((lo.is_ge() && hi.is_le()) != *negated)
            }
            Expr::In {
                value,
                list,
                negated,
            } => {
                let v = self.value(row, value);
                if v == Val::Null {
                    return None;
                }
                let mut unknown = false;
                for x in list {
                    match compare(&v, &self.value(row, x)) {
                        Some(o) if o.is_eq() => return Some(!*negated),
                        None => unknown = true,
                        _ => {}
                    }
                }
                if unknown { None } else { Some(*negated) }
            }
            Expr::IsNull { value, negated } => {
                Some((self.value(row, value) == Val::Null) != *negated)
            }
            Expr::SIntersects { geometry, .. } => {
                let g = row.geometry()?;
                Some(match geometry {
                    GeomLit::Bbox(b) => split_bbox(*b).iter().any(|r| {
                        row.bbox().is_none_or(|fb| {
                            fb[0] <= r[2] && r[0] <= fb[2] && fb[1] <= r[3] && r[1] <= fb[3]
                        }) && g.intersects(&rect(*r))
                    }),
                    GeomLit::Geometry(lit) => g.intersects(lit),
                })
            }
            Expr::TIntersects { property, time } => {
                let (lo, hi) = match self.value(row, &Scalar::Property(property.clone())) {
                    Val::Ts(t) => (t, t + 1),
                    Val::Date(d) => (
                        day_start_micros(d, self.tz),
                        day_start_micros(d + Duration::days(1), self.tz),
                    ),
                    _ => return None,
                };
                let (a, b) = temporal_range(time, self.tz);
                Some(a.is_none_or(|a| a < hi) && b.is_none_or(|b| lo < b))
            }
        }
    }
}

/// `[lo, hi)` in UTC microseconds of a temporal literal (closed intervals: an instant end
/// includes that instant, a date end includes that whole day in `tz`).
pub fn temporal_range(t: &Temporal, tz: FixedOffset) -> (Option<i64>, Option<i64>) {
    let start = |b: &Bound| match b {
        Bound::Timestamp(t) => t.timestamp_micros(),
        Bound::Date(d) => day_start_micros(*d, tz),
    };
    let end = |b: &Bound| match b {
        Bound::Timestamp(t) => t.timestamp_micros() + 1,
        Bound::Date(d) => day_start_micros(*d + Duration::days(1), tz),
    };
    match t {
        Temporal::Timestamp(x) => (
            Some(start(&Bound::Timestamp(*x))),
            Some(end(&Bound::Timestamp(*x))),
        ),
        Temporal::Date(d) => (Some(start(&Bound::Date(*d))), Some(end(&Bound::Date(*d)))),
        Temporal::Interval(a, b) => (a.as_ref().map(start), b.as_ref().map(end)),
    }
}

/// A bbox crossing the antimeridian (`min_x > max_x`) as its two halves.
pub fn split_bbox(b: [f64; 4]) -> Vec<[f64; 4]> {
    if b[0] <= b[2] {
        vec![b]
    } else {
        vec![[b[0], b[1], 180.0, b[3]], [-180.0, b[1], b[2], b[3]]]
    }
}

fn rect(b: [f64; 4]) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::coord! { x: b[0], y: b[1] },
        geo::coord! { x: b[2], y: b[3] },
    )
}

fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Ts(x), Val::Ts(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes the next one; case-sensitive.
pub fn like(s: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut pat = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        pat.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Lit(it.next().unwrap_or('\\')),
            c => P::Lit(c),
        });
    }
    let s: Vec<char> = s.chars().collect();
    // Classic wildcard matching with one backtrack point.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if j < pat.len() && (pat[j] == P::One || pat[j] == P::Lit(s[i])) {
            i += 1;
            j += 1;
        } else if j < pat.len() && pat[j] == P::Any {
            star = Some((j, i));
            j += 1;
        } else if let Some((sj, si)) = star {
            j = sj + 1;
            i = si + 1;
            star = Some((sj, si + 1));
        } else {
            return false;
        }
    }
    while j < pat.len() && pat[j] == P::Any {
        j += 1;
    }
    j == pat.len()
}

#[cfg(test)]
mod tests {
    use super::super::cql2::parse;
    use super::*;
    use geo::BoundingRect;
    use proptest::prelude::*;
    use serde_json::json;

    struct F {
        props: serde_json::Map<String, Value>,
        geom: geo::Geometry<f64>,
    }

    impl Row for F {
        fn property(&self, name: &str) -> Option<&Value> {
            self.props.get(name)
        }
        fn geometry(&self) -> Option<&geo::Geometry<f64>> {
            Some(&self.geom)
        }
        fn bbox(&self) -> Option<[f64; 4]> {
            let r = self.geom.bounding_rect()?;
            Some([r.min().x, r.min().y, r.max().x, r.max().y])
        }
    }

    const QS: &[Queryable] = &[
        Queryable {
            name: "kind",
            ty: Type::String,
            description: "",
            values: &[],
        },
        Queryable {
            name: "count",
            ty: Type::Integer,
            description: "",
            values: &[],
        },
        Queryable {
            name: "parent_id",
            ty: Type::String,
            description: "",
            values: &[],
        },
        Queryable {
            name: "observed_at",
            ty: Type::Timestamp,
            description: "",
            values: &[],
        },
        Queryable {
            name: "geometry",
            ty: Type::Geometry,
            description: "",
            values: &[],
        },
    ];

    fn f(props: Value, x: f64, y: f64) -> F {
        F {
            props: props.as_object().unwrap().clone(),
            geom: geo::Geometry::Point(geo::Point::new(x, y)),
        }
    }

    fn ctx() -> Context<'static> {
        Context {
            queryables: QS,
            tz: FixedOffset::east_opt(7 * 3600).unwrap(),
        }
    }

    fn m(filter: &str, row: &F) -> bool {
        ctx().matches(&parse(filter).unwrap(), row)
    }

    #[test]
    fn comparisons_logic_and_nulls() {
        let a = f(
            json!({"kind": "sale", "count": 5, "parent_id": null, "observed_at": "2025-01-01T06:30:00+07:00"}),
            107.6,
            16.46,
        );
        assert!(m("kind = 'sale'", &a));
        assert!(!m("kind <> 'sale'", &a));
        assert!(m("count > 4 AND count <= 5", &a));
        assert!(m("count BETWEEN 5 AND 9", &a));
        assert!(m("count NOT BETWEEN 6 AND 9", &a));
        assert!(m("kind IN ('use', 'sale')", &a));
        assert!(m("kind NOT IN ('use')", &a));
        assert!(m("parent_id IS NULL", &a));
        assert!(!m("parent_id IS NOT NULL", &a));
        // Unknown stays unknown through NOT; OR with true is true.
        assert!(!m("parent_id = 'x'", &a));
        assert!(!m("NOT parent_id = 'x'", &a));
        assert!(m("parent_id = 'x' OR kind = 'sale'", &a));
        assert!(m("kind LIKE 's_l%'", &a));
        assert!(!m("kind LIKE 'S%'", &a));
        // 06:30+07:00 is 2024-12-31T23:30Z.
        assert!(m("observed_at < TIMESTAMP('2025-01-01T00:00:00Z')", &a));
        assert!(m("T_INTERSECTS(observed_at, DATE('2025-01-01'))", &a));
        assert!(m(
            "T_INTERSECTS(observed_at, INTERVAL('..', '2025-01-01T06:30:00+07:00'))",
            &a
        ));
        assert!(!m(
            "T_INTERSECTS(observed_at, INTERVAL('2025-01-02', '..'))",
            &a
        ));
    }

    #[test]
    fn spatial_intersection_with_bbox_and_polygon() {
        let a = f(json!({}), 107.6, 16.46);
        assert!(m(
            "S_INTERSECTS(geometry, BBOX(107.5, 16.4, 107.7, 16.5))",
            &a
        ));
        assert!(!m(
            "S_INTERSECTS(geometry, BBOX(107.7, 16.4, 107.8, 16.5))",
            &a
        ));
        assert!(m(
            "S_INTERSECTS(geometry, POLYGON((107.5 16.4, 107.7 16.4, 107.6 16.5, 107.5 16.4)))",
            &a
        ));
        // Antimeridian: 170..-170 covers 179 but not 0.
        assert!(m(
            "S_INTERSECTS(geometry, BBOX(170, -10, -170, 10))",
            &f(json!({}), 179.0, 0.0)
        ));
        assert!(!m(
            "S_INTERSECTS(geometry, BBOX(170, -10, -170, 10))",
            &f(json!({}), 0.0, 0.0)
        ));
    }

    #[test]
    fn like_wildcards_and_escapes() {
        assert!(like("abc", "a%"));
        assert!(like("abc", "%c"));
        assert!(like("abc", "_b_"));
        assert!(!like("abc", "_b"));
        assert!(like("50%", "50\\%"));
        assert!(!like("500", "50\\%"));
        assert!(like("Trường", "Tr_ờng"));
        assert!(like("", "%"));
    }

    proptest! {
        /// `NOT` and De Morgan agree with the evaluator on any row (with nulls).
        #[test]
        fn de_morgan_holds(count in proptest::option::of(-5i64..5), k in "[ab]") {
            let mut props = json!({"kind": k});
            if let Some(c) = count { props["count"] = json!(c); }
            let row = f(props, 0.0, 0.0);
            let a = m("NOT (count > 0 AND kind = 'a')", &row);
            let b = m("NOT count > 0 OR NOT kind = 'a'", &row);
            prop_assert_eq!(a, b);
        }

        /// `x BETWEEN a AND b` is `x >= a AND x <= b`.
        #[test]
        fn between_is_two_comparisons(c in -10i64..10, lo in -10i64..10, hi in -10i64..10) {
            let row = f(json!({"count": c}), 0.0, 0.0);
            prop_assert_eq!(
                m(&format!("count BETWEEN {lo} AND {hi}"), &row),
                m(&format!("count >= {lo} AND count <= {hi}"), &row)
            );
        }
    }
}
