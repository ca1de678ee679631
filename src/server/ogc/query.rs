//! The query parameters of the OGC routes, checked strictly: a parameter the route does not
//! know is a 400 that names it and lists the accepted ones (OGC API – Features Part 1,
//! /req/core/query-param-unknown), so `?kind=sael` or `?crs=EPSG:2154` can never come back
//! silently unfiltered or in degrees.
//!
//! Everything that selects features becomes one CQL2 expression (`filter`, property
//! equalities, `bbox`; `datetime` too for reports), so the store's SQL and the in-memory
//! evaluator see the same thing.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime};
use serde_json::json;

use super::catalog::Collection;
use crate::crs::Crs;
use crate::filter::cql2::{self, Bound, Expr, GeomLit, Scalar, Temporal};
use crate::filter::queryables::{self, Type};
use crate::server::error::ApiError;

/// Largest page when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 100;

/// Errors of the OGC routes: the API's, plus an unknown parameter with the accepted list.
#[derive(Debug)]
pub enum OgcError {
    Api(ApiError),
    UnknownParameter { name: String, accepted: Vec<String> },
}

impl From<ApiError> for OgcError {
    fn from(e: ApiError) -> Self {
        OgcError::Api(e)
    }
}

impl From<crate::store::StoreError> for OgcError {
    fn from(e: crate::store::StoreError) -> Self {
        OgcError::Api(e.into())
    }
}

impl IntoResponse for OgcError {
    fn into_response(self) -> Response {
        match self {
            OgcError::Api(e) => e.into_response(),
            OgcError::UnknownParameter { name, accepted } => (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "error": format!(
                        "parameter {name}: not supported here; accepted: {}",
                        accepted.join(", ")
                    ),
                    "parameter": name,
                    "accepted": accepted,
                })),
            )
                .into_response(),
        }
    }
}

pub type OgcResult<T> = Result<T, OgcError>;

fn bad(name: &str, m: impl std::fmt::Display) -> OgcError {
    OgcError::Api(ApiError::bad_param(name, m))
}

/// Refuses any parameter not in `accepted`.
pub fn only(q: &HashMap<String, String>, accepted: &[&str]) -> OgcResult<()> {
    let mut unknown: Vec<&String> = q
        .keys()
        .filter(|k| !accepted.contains(&k.as_str()))
        .collect();
    unknown.sort();
    match unknown.first() {
        None => Ok(()),
        Some(name) => Err(OgcError::UnknownParameter {
            name: name.to_string(),
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// `f=json` (or absent) is the only format of the routes other than items.
pub fn check_f(q: &HashMap<String, String>) -> OgcResult<()> {
    match q.get("f").map(String::as_str) {
        None | Some("json" | "geojson") => Ok(()),
        Some(f) => Err(OgcError::Api(ApiError::bad_value(
            "f",
            f,
            &["json", "geojson"],
        ))),
    }
}

/// A time filter: inclusive `from`, exclusive `to`, local civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One end of a `datetime`: a date (the whole day) or an RFC 3339 instant (in local time).
fn instant(s: &str, tz: FixedOffset) -> Result<(NaiveDateTime, NaiveDateTime), String> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0).expect("midnight");
        return Ok((start, start + Duration::days(1)));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let local = t.with_timezone(&tz).naive_local();
        return Ok((local, local + Duration::seconds(1)));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Ok((t, t + Duration::seconds(1)));
    }
    Err(format!("{s:?} is not a date or RFC 3339 date-time"))
}

/// Parses `datetime`: an instant, or an interval `a/b` with `..` or empty for an open end.
/// Intervals are closed, as OGC API – Features says.
pub fn parse_datetime(s: &str, tz: FixedOffset) -> Result<TimeRange, String> {
    let open = |x: &str| x.is_empty() || x == "..";
    match s.split_once('/') {
        None => {
            let (a, b) = instant(s, tz)?;
            Ok(TimeRange {
                from: Some(a),
                to: Some(b),
            })
        }
        Some((a, b)) => {
            if open(a) && open(b) {
                return Ok(TimeRange::default());
            }
            let from = if open(a) {
                None
            } else {
                Some(instant(a, tz)?.0)
            };
            let to = if open(b) {
                None
            } else {
                Some(instant(b, tz)?.1)
            };
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                return Err(format!("{s:?}: the interval ends before it starts"));
            }
            Ok(TimeRange { from, to })
        }
    }
}

/// `bbox`: 4 numbers, or 6 (with heights, which are dropped: the layers are 2D), in `crs`.
/// In CRS84 `minLon > maxLon` is a box crossing the antimeridian and is kept as such.
pub fn parse_bbox(s: &str, crs: Crs) -> Result<[f64; 4], String> {
    let n: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{s:?}: expected 4 or 6 comma-separated numbers"))?;
    let b = match n[..] {
        [a, b, c, d] => [a, b, c, d],
        [a, b, _, d, e, _] => [a, b, d, e],
        _ => return Err(format!("{s:?}: expected 4 or 6 numbers, got {}", n.len())),
    };
    if !b.iter().all(|v| v.is_finite()) {
        return Err(format!("{s:?}: numbers must be finite"));
    }
    match crs {
        Crs::Crs84 | Crs::Epsg4326 => {
            let ll = crs.bbox_to_lonlat(b).map_err(|e| e.to_string())?;
            let lon_ok = (-180.0..=180.0).contains(&ll[0]) && (-180.0..=180.0).contains(&ll[2]);
            let lat_ok = (-90.0..=90.0).contains(&ll[1])
                && (-90.0..=90.0).contains(&ll[3])
                && ll[1] <= ll[3];
            if !(lon_ok && lat_ok) {
                return Err(format!(
                    "{s:?}: need longitudes in -180..180, latitudes in -90..90 and the south \
                     edge below the north one (a west edge east of the east edge crosses the \
                     antimeridian)"
                ));
            }
            Ok(ll)
        }
        _ => {
            if b[0] > b[2] || b[1] > b[3] {
                return Err(format!("{s:?}: need minX ≤ maxX and minY ≤ maxY"));
            }
            crs.bbox_to_lonlat(b).map_err(|e| e.to_string())
        }
    }
}

fn crs_param(q: &HashMap<String, String>, name: &str) -> OgcResult<Crs> {
    match q.get(name).filter(|s| !s.is_empty()) {
        None => Ok(Crs::Crs84),
        Some(s) => Crs::parse(s).ok_or_else(|| {
            bad(
                name,
                format!(
                    "{s:?}: accepted values: {}",
                    Crs::ALL.map(|c| c.uri()).join(", ")
                ),
            )
        }),
    }
}

/// A checked items request.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    pub limit: u64,
    pub offset: u64,
    /// Everything that selects features (filter, property equalities, bbox; and datetime for
    /// reports), already checked against the queryables. `None` = every feature.
    pub filter: Option<Expr>,
    /// The `datetime` of a computed collection: the reports it is computed from.
    pub time: TimeRange,
    pub crs: Crs,
    pub properties: Option<Vec<String>>,
    /// `(queryable, descending)`.
    pub sortby: Vec<(String, bool)>,
    /// The tuning parameters given, by name (raw values, parsed by the layer).
    pub tuning: HashMap<String, String>,
}

/// The parameters an items request of `c` may carry.
pub fn accepted(c: &Collection, single: bool) -> Vec<&'static str> {
    let mut a = vec!["f", "crs"];
    if !single {
        a.extend([
            // Files: `f=gpkg|fgb|csv` (or `format=`) and Shapefile-safe `names=shp`.
            "format",
            "names",
            "limit",
            "offset",
            "bbox",
            "bbox-crs",
            "filter",
            "filter-lang",
            "filter-crs",
            "properties",
            "sortby",
        ]);
        a.extend(
            c.queryables
                .iter()
                .filter(|q| q.ty != Type::Geometry)
                .map(|q| q.name),
        );
    } else {
        a.push("properties");
    }
    if c.time {
        a.push("datetime");
    }
    a.extend(c.tuning.iter().map(|t| t.name));
    a
}

/// A property equality `name=value` (a comma list means any of them) as CQL2.
fn equality(c: &Collection, name: &str, raw: &str) -> OgcResult<Expr> {
    let q = queryables::find(c.queryables, name).expect("accepted names are queryables");
    let value = |v: &str| -> OgcResult<Scalar> {
        let v = v.trim();
        Ok(match q.ty {
            Type::Integer | Type::Number => Scalar::Num(
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| bad(name, format!("{v:?} is not a number")))?,
            ),
            Type::Boolean => match v {
                "true" | "1" => Scalar::Bool(true),
                "false" | "0" => Scalar::Bool(false),
                _ => return Err(bad(name, format!("{v:?}: accepted values: true, false"))),
            },
            Type::Timestamp => Scalar::Timestamp(
                DateTime::parse_from_rfc3339(v)
                    .map_err(|_| bad(name, format!("{v:?} is not an RFC 3339 timestamp")))?,
            ),
            Type::Date => Scalar::Date(
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| bad(name, format!("{v:?} is not a date YYYY-MM-DD")))?,
            ),
            Type::String | Type::Geometry => {
                if !q.values.is_empty() && !q.values.contains(&v) {
                    return Err(bad(
                        name,
                        format!("{v:?}: accepted values: {}", q.values.join(", ")),
                    ));
                }
                Scalar::Str(v.to_string())
            }
        })
    };
    let prop = Scalar::Property(name.to_string());
    let values: Vec<&str> = if q.ty == Type::String && !q.values.is_empty() {
        raw.split(',').filter(|s| !s.trim().is_empty()).collect()
    } else {
        vec![raw]
    };
    if values.len() == 1 {
        Ok(Expr::Compare {
            op: cql2::CmpOp::Eq,
            left: prop,
            right: value(values[0])?,
        })
    } else {
        Ok(Expr::In {
            value: prop,
            list: values.into_iter().map(value).collect::<Result<_, _>>()?,
            negated: false,
        })
    }
}

/// The CRS84 form of the geometry literals of a filter given in `filter-crs`.
fn literals_to_crs84(e: Expr, crs: Crs) -> Result<Expr, String> {
    if crs == Crs::Crs84 {
        return Ok(e);
    }
    Ok(match e {
        Expr::And(v) => Expr::And(
            v.into_iter()
                .map(|x| literals_to_crs84(x, crs))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Expr::Or(
            v.into_iter()
                .map(|x| literals_to_crs84(x, crs))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(x) => Expr::Not(Box::new(literals_to_crs84(*x, crs)?)),
        Expr::SIntersects { property, geometry } => Expr::SIntersects {
            property,
            geometry: match geometry {
                GeomLit::Bbox(b) => {
                    GeomLit::Bbox(crs.bbox_to_lonlat(b).map_err(|e| e.to_string())?)
                }
                GeomLit::Geometry(g) => {
                    use geo::MapCoords;
                    GeomLit::Geometry(g.try_map_coords(|c| {
                        crs.to_lonlat(c.x, c.y)
                            .map(|(x, y)| geo::Coord { x, y })
                            .map_err(|e| e.to_string())
                    })?)
                }
            },
        },
        other => other,
    })
}

/// Parses and checks the items parameters of collection `c`.
pub fn items_query(
    q: &HashMap<String, String>,
    c: &Collection,
    tz: FixedOffset,
    max_limit: u64,
) -> OgcResult<ItemsQuery> {
    only(q, &accepted(c, false))?;
    // `f`/`format` are read by the caller (`server::download::wanted`): JSON or a file.
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| bad("limit", format!("{s:?} is not an integer ≥ 1")))?
            .min(max_limit),
    };
    let offset = match get("offset") {
        None => 0,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|o| *o <= crate::store::MAX_OFFSET)
            .ok_or_else(|| {
                bad(
                    "offset",
                    format!(
                        "{s:?} is not an integer in 0..={}",
                        crate::store::MAX_OFFSET
                    ),
                )
            })?,
    };
    let crs = crs_param(q, "crs")?;
    let bbox_crs = crs_param(q, "bbox-crs")?;
    let filter_crs = crs_param(q, "filter-crs")?;
    let mut parts = Vec::new();
    if let Some(s) = get("bbox") {
        let b = parse_bbox(s, bbox_crs).map_err(|m| bad("bbox", m))?;
        parts.push(Expr::SIntersects {
            property: "geometry".into(),
            geometry: GeomLit::Bbox(b),
        });
    } else if q.contains_key("bbox-crs") {
        return Err(bad("bbox-crs", "given without bbox"));
    }
    let time = match get("datetime") {
        Some(s) => parse_datetime(s, tz).map_err(|m| bad("datetime", m))?,
        None => TimeRange::default(),
    };
    // Checked before any query: a year PostgreSQL cannot hold used to break the connection.
    for t in [time.from, time.to.map(|t| t - Duration::microseconds(1))]
        .into_iter()
        .flatten()
    {
        crate::ingest::limits::check_datetime(t).map_err(|m| bad("datetime", m))?;
    }
    if c.id == "reports" && time != TimeRange::default() {
        let local = |t: NaiveDateTime| {
            Bound::Timestamp(
                t.and_local_timezone(tz)
                    .single()
                    .expect("fixed offset")
                    .fixed_offset(),
            )
        };
        // `to` is exclusive; INTERVAL ends are inclusive, so end one microsecond before.
        parts.push(Expr::TIntersects {
            property: "observed_at".into(),
            time: Temporal::Interval(
                time.from.map(local),
                time.to.map(|t| local(t - Duration::microseconds(1))),
            ),
        });
    }
    match get("filter-lang") {
        None | Some("cql2-text") => {}
        Some(l) => {
            return Err(bad(
                "filter-lang",
                format!("{l:?}: accepted values: cql2-text"),
            ));
        }
    }
    if let Some(text) = get("filter") {
        let e = cql2::parse(text).map_err(|e| bad("filter", e))?;
        queryables::check(c.queryables, &e).map_err(|e| bad("filter", e))?;
        parts.push(literals_to_crs84(e, filter_crs).map_err(|e| bad("filter-crs", e))?);
    }
    let mut names: Vec<&String> = q.keys().collect();
    names.sort();
    for name in names {
        if let Some(qq) = queryables::find(c.queryables, name)
            && qq.ty != Type::Geometry
            && let Some(v) = get(name)
        {
            parts.push(equality(c, name, v)?);
        }
    }
    let filter = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expr::And(parts)),
    };
    let properties = properties_param(q, c)?;
    let sortby = match get("sortby") {
        None => Vec::new(),
        Some(s) => s
            .split(',')
            .filter(|k| !k.trim().is_empty())
            .map(|k| {
                let k = k.trim();
                let (name, desc) = match k.strip_prefix('-') {
                    Some(n) => (n, true),
                    None => (k.trim_start_matches('+'), false),
                };
                match queryables::find(c.queryables, name) {
                    Some(qq) if qq.ty != Type::Geometry => Ok((name.to_string(), desc)),
                    _ => Err(bad(
                        "sortby",
                        format!(
                            "{name:?} is not sortable; accepted: {}",
                            sortable(c).join(", ")
                        ),
                    )),
                }
            })
            .collect::<Result<_, _>>()?,
    };
    let tuning = c
        .tuning
        .iter()
        .filter_map(|t| q.get(t.name).map(|v| (t.name.to_string(), v.clone())))
        .collect();
    Ok(ItemsQuery {
        limit,
        offset,
        filter,
        time,
        crs,
        properties,
        sortby,
        tuning,
    })
}

fn sortable(c: &Collection) -> Vec<&'static str> {
    c.queryables
        .iter()
        .filter(|q| q.ty != Type::Geometry)
        .map(|q| q.name)
        .collect()
}

/// `properties=a,b`: only these properties in the answer (each must be a queryable).
pub fn properties_param(
    q: &HashMap<String, String>,
    c: &Collection,
) -> OgcResult<Option<Vec<String>>> {
    let Some(s) = q.get("properties") else {
        return Ok(None);
    };
    let names: Vec<String> = s
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    for n in &names {
        if queryables::find(c.queryables, n).is_none_or(|qq| qq.ty == Type::Geometry) {
            return Err(bad(
                "properties",
                format!(
                    "{n:?} is not a property; accepted: {}",
                    sortable(c).join(", ")
                ),
            ));
        }
    }
    Ok(Some(names))
}

/// The `crs` of a single-item request.
pub fn item_crs(q: &HashMap<String, String>) -> OgcResult<Crs> {
    crs_param(q, "crs")
}

#[cfg(test)]
mod tests {
    use super::super::catalog::find;
    use super::*;

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    fn query(pairs: &[(&str, &str)], c: &str) -> OgcResult<ItemsQuery> {
        let q = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        items_query(&q, find(c).unwrap(), tz(), 10_000)
    }

    #[test]
    fn datetime_instants_and_intervals() {
        let r = parse_datetime("2025-01-01", tz()).unwrap();
        assert_eq!(r.from, Some(dt("2025-01-01T00:00:00")));
        assert_eq!(r.to, Some(dt("2025-01-02T00:00:00")));
        let r = parse_datetime("../2025-01-01", tz()).unwrap();
        assert_eq!(r.from, None);
        assert_eq!(r.to, Some(dt("2025-01-02T00:00:00")));
        let r = parse_datetime("2024-12-31T17:00:00Z/..", tz()).unwrap();
        assert_eq!(r.from, Some(dt("2025-01-01T00:00:00")));
        assert_eq!(r.to, None);
        assert_eq!(parse_datetime("../..", tz()).unwrap(), TimeRange::default());
        assert!(parse_datetime("2025-02-01/2025-01-01", tz()).is_err());
        assert!(parse_datetime("yesterday", tz()).is_err());
    }

    #[test]
    fn bboxes_in_3d_across_the_antimeridian_and_in_other_crs() {
        assert_eq!(
            parse_bbox("1,2,3,4", Crs::Crs84).unwrap(),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            parse_bbox("1,2,-5,3,4,100", Crs::Crs84).unwrap(),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            parse_bbox("170,-10,-170,10", Crs::Crs84).unwrap(),
            [170.0, -10.0, -170.0, 10.0]
        );
        assert_eq!(
            parse_bbox("2,1,4,3", Crs::Epsg4326).unwrap(),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert!(parse_bbox("1,2,3", Crs::Crs84).is_err());
        assert!(parse_bbox("0,10,1,0", Crs::Crs84).is_err());
        assert!(parse_bbox("0,0,1,100", Crs::Crs84).is_err());
        let b = parse_bbox("777000,1821000,778000,1822000", Crs::Epsg32648).unwrap();
        assert!(
            b[0] < 107.6 && b[2] > 107.6 && b[1] < 16.46 && b[3] > 16.46,
            "{b:?}"
        );
    }

    #[test]
    fn unknown_parameters_name_themselves_and_the_accepted_ones() {
        let Err(OgcError::UnknownParameter { name, accepted }) =
            query(&[("colour", "red")], "reports")
        else {
            panic!()
        };
        assert_eq!(name, "colour");
        assert!(accepted.contains(&"kind".to_string()));
        // Tuning parameters belong to their collection only.
        assert!(query(&[("res", "8")], "hexes").is_ok());
        assert!(query(&[("res", "8")], "hotspots").is_err());
        assert!(query(&[("datetime", "2025-01-01")], "sites").is_err());
    }

    #[test]
    fn equalities_filters_and_sort_keys_are_checked() {
        let q = query(&[("kind", "sale,use"), ("limit", "5")], "reports").unwrap();
        assert!(matches!(q.filter, Some(Expr::In { .. })));
        assert_eq!(q.limit, 5);
        assert!(query(&[("kind", "sael")], "reports").is_err());
        assert!(query(&[("limit", "0")], "reports").is_err());
        assert!(query(&[("filter", "kind = ")], "reports").is_err());
        assert!(query(&[("filter", "colour = 'red'")], "reports").is_err());
        assert!(query(&[("filter-lang", "cql2-json")], "reports").is_err());
        assert!(query(&[("crs", "EPSG:2154")], "reports").is_err());
        assert!(query(&[("discrepancy", "maybe")], "areas").is_err());
        let q = query(&[("sortby", "-count,cluster")], "hotspots").unwrap();
        assert_eq!(
            q.sortby,
            vec![("count".into(), true), ("cluster".into(), false)]
        );
        assert!(query(&[("sortby", "geometry")], "hotspots").is_err());
        assert!(query(&[("properties", "count,nope")], "hotspots").is_err());
        let q = query(
            &[("bbox", "107,16,108,17"), ("status", "relapsed")],
            "areas",
        )
        .unwrap();
        assert!(matches!(q.filter, Some(Expr::And(ref v)) if v.len() == 2));
    }

    #[test]
    fn filter_crs_literals_come_back_to_crs84() {
        let q = query(
            &[
                (
                    "filter",
                    "S_INTERSECTS(geometry, POINT(777613.2558 1821604.7426))",
                ),
                ("filter-crs", "http://www.opengis.net/def/crs/EPSG/0/32648"),
            ],
            "reports",
        )
        .unwrap();
        let Some(Expr::SIntersects {
            geometry: GeomLit::Geometry(geo::Geometry::Point(p)),
            ..
        }) = q.filter
        else {
            panic!()
        };
        assert!(
            (p.x() - 107.6).abs() < 1e-7 && (p.y() - 16.46).abs() < 1e-7,
            "{p:?}"
        );
    }
}
