//! Query-string parsing with precise 400 messages, and the canonical form of parameters used
//! as cache keys (defaults filled in, lists sorted), so `?k=1&res=9` and `?res=9` share an entry.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::error::ApiError;
use crate::model::ReportKind;
use crate::store::ReportFilter;

/// The raw query of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    raw: HashMap<String, String>,
    /// Canonical `name=value` pairs of everything read so far.
    used: BTreeMap<&'static str, String>,
}

impl Params {
    pub fn new(raw: HashMap<String, String>) -> Self {
        Params {
            raw,
            used: BTreeMap::new(),
        }
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.raw
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn record(&mut self, name: &'static str, v: impl ToString) {
        self.used.insert(name, v.to_string());
    }

    /// The parameters read so far, canonical (for cache keys).
    pub fn canonical(&self) -> String {
        self.used
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn f64_in(
        &mut self,
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
    ) -> Result<f64, ApiError> {
        let v = match self.raw(name) {
            None => default,
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ApiError::bad_param(name, format!("{s:?} is not a number")))?,
        };
        if !(min..=max).contains(&v) {
            return Err(ApiError::bad_param(
                name,
                format!("must be between {min} and {max}, got {v}"),
            ));
        }
        self.record(name, v);
        Ok(v)
    }

    pub fn u64_in(
        &mut self,
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ApiError> {
        let v = match self.raw(name) {
            None => default,
            Some(s) => s.parse::<u64>().map_err(|_| {
                ApiError::bad_param(name, format!("{s:?} is not a non-negative integer"))
            })?,
        };
        if !(min..=max).contains(&v) {
            return Err(ApiError::bad_param(
                name,
                format!("must be between {min} and {max}, got {v}"),
            ));
        }
        self.record(name, v);
        Ok(v)
    }

    pub fn bool(&mut self, name: &'static str, default: bool) -> Result<bool, ApiError> {
        let v = match self.raw(name) {
            None => default,
            Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(s) => {
                return Err(ApiError::bad_param(
                    name,
                    format!("{s:?} is not a boolean (true/false/1/0)"),
                ));
            }
        };
        self.record(name, v);
        Ok(v)
    }

    /// A string parameter parsed with `FromStr`.
    pub fn parsed<T: std::str::FromStr>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        match self.raw(name).map(str::to_owned) {
            None => Ok(None),
            Some(s) => {
                let v = s.parse::<T>().map_err(|e| ApiError::bad_param(name, e))?;
                self.record(name, &s);
                Ok(Some(v))
            }
        }
    }

    pub fn string(&mut self, name: &'static str) -> Option<String> {
        let v = self.raw(name).map(str::to_owned);
        if let Some(s) = &v {
            self.record(name, s);
        }
        v
    }

    /// `area`, required: the area a programme view (dashboard, briefing, progress) is of.
    pub fn area(&mut self) -> Result<String, ApiError> {
        self.string("area")
            .ok_or_else(|| ApiError::bad_param("area", "required (an area id, e.g. P-ANCUU)"))
    }

    /// A month `YYYY-MM` (`month=` of the dashboard, briefing, charts and areas layer), as its
    /// first day; recorded as `YYYY-MM` so `2026-1` and `2026-01` share a cache entry.
    pub fn month(&mut self, name: &'static str) -> Result<Option<NaiveDate>, ApiError> {
        let Some(s) = self.raw(name).map(str::to_owned) else {
            return Ok(None);
        };
        let d = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .map_err(|_| ApiError::bad_param(name, format!("{s:?} is not YYYY-MM")))?;
        self.record(name, d.format("%Y-%m"));
        Ok(Some(d))
    }

    /// `download=1`: answer as an attachment.
    pub fn download(&self) -> bool {
        matches!(self.raw("download"), Some("1" | "true" | "yes"))
    }

    /// `format=csv|geojson|json` (default geojson).
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        match self.raw("format").or(self.raw("f")) {
            None | Some("geojson" | "json") => Ok(false),
            Some("csv") => Ok(true),
            Some(s) => Err(ApiError::bad_param(
                "format",
                format!("{s:?}: expected geojson or csv"),
            )),
        }
    }

    pub fn bbox(&mut self) -> Result<Option<[f64; 4]>, ApiError> {
        let Some(s) = self.raw("bbox").map(str::to_owned) else {
            return Ok(None);
        };
        let b = parse_bbox(&s).map_err(|m| ApiError::bad_param("bbox", m))?;
        self.record("bbox", format!("{},{},{},{}", b[0], b[1], b[2], b[3]));
        Ok(Some(b))
    }

    /// The common report filter: `from`, `to` (YYYY-MM-DD, `to` exclusive), `kind`, `bbox`, `area`.
    pub fn report_filter(&mut self) -> Result<ReportFilter, ApiError> {
        let from = self.date("from")?;
        let to = self.date("to")?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ApiError::bad_param("to", "must be after from"));
        }
        let kinds = match self.raw("kind").map(str::to_owned) {
            None => Vec::new(),
            Some(s) => {
                let mut ks = s
                    .split(',')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| p.parse::<ReportKind>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ApiError::bad_param("kind", e))?;
                ks.sort();
                ks.dedup();
                self.record(
                    "kind",
                    ks.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","),
                );
                ks
            }
        };
        let bbox = self.bbox()?;
        let area = self.string("area");
        Ok(ReportFilter {
            from,
            to,
            kinds,
            bbox,
            area,
            limit: None,
            offset: None,
        })
    }

    fn date(&mut self, name: &'static str) -> Result<Option<NaiveDateTime>, ApiError> {
        let Some(s) = self.raw(name).map(str::to_owned) else {
            return Ok(None);
        };
        let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| ApiError::bad_param(name, format!("{s:?} is not a date YYYY-MM-DD")))?;
        self.record(name, d);
        Ok(Some(d.and_hms_opt(0, 0, 0).expect("midnight")))
    }
}

/// `minLon,minLat,maxLon,maxLat` in WGS84 degrees (the model's one bbox parser).
pub fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    s.parse::<crate::model::Bbox>().map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)]) -> Params {
        Params::new(
            q.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn canonical_form_fills_defaults_and_sorts_kinds() {
        let mut a = p(&[("kind", "Sale,use"), ("res", "9")]);
        a.u64_in("res", 9, 0, 15).unwrap();
        a.report_filter().unwrap();
        let mut b = p(&[("kind", "use,sale")]);
        b.u64_in("res", 9, 0, 15).unwrap();
        b.report_filter().unwrap();
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(a.canonical(), "kind=use,sale&res=9");
    }

    #[test]
    fn bad_values_are_400_with_the_parameter_name() {
        let mut a = p(&[("res", "99")]);
        let e = a.u64_in("res", 9, 0, 15).unwrap_err();
        assert!(e.to_string().contains("res"), "{e}");
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_bbox("10,10,0,0").is_err());
        assert_eq!(parse_bbox("1,2,3,4").unwrap(), [1.0, 2.0, 3.0, 4.0]);
        let mut d = p(&[("from", "2025-13-01")]);
        assert!(d.report_filter().is_err());
    }

    /// One reading of `area` and `month` for every programme route.
    #[test]
    fn area_and_month_are_read_once_for_every_route() {
        let mut a = p(&[("area", "P-ANCUU"), ("month", "2026-1")]);
        assert_eq!(a.area().unwrap(), "P-ANCUU");
        assert_eq!(
            a.month("month").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 1)
        );
        assert_eq!(a.canonical(), "area=P-ANCUU&month=2026-01");
        for bad in ["2026-13", "2026-10-05", "oct"] {
            let e = p(&[("month", bad)]).month("month").unwrap_err();
            assert!(e.to_string().contains("parameter month"), "{e}");
        }
        assert_eq!(p(&[]).month("month").unwrap(), None);
        let e = p(&[]).area().unwrap_err();
        assert!(e.to_string().contains("parameter area"), "{e}");
    }
}
