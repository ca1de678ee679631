//! Domain types shared by every layer: reports, sensitive sites, administrative areas,
//! hotspots, area statuses, declarations, targets and "6 clears" action plans.
//!
//! Names follow the domain vocabulary in `ARCHITECTURE.md`; enums parse case-insensitively and
//! print lower-case (`snake_case`) so that CSV, GeoJSON, SQL and the API all agree.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a closed, lower-case, case-insensitively parsed vocabulary enum.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The lower-case name used on output.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Position of this value in [`Self::ALL`] (handy for per-kind count arrays).
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($text) { return Ok($name::$variant); })+
                Err(UnknownValue {
                    value: s.to_string(),
                    expected: &[$($text),+],
                })
            }
        }
    };
}

/// A value outside a closed vocabulary; the message lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {value:?}, expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub value: String,
    pub expected: &'static [&'static str],
}

vocabulary!(
    /// What a report says happens at a place.
    ReportKind {
        Use => "use",
        Storage => "storage",
        Trafficking => "trafficking",
        Sale => "sale",
        Cultivation => "cultivation",
    }
);

vocabulary!(
    /// Kinds of sensitive places police inspect or protect.
    SiteKind {
        School => "school",
        IndustrialZone => "industrial_zone",
        BoardingHouse => "boarding_house",
        Karaoke => "karaoke",
        Lodging => "lodging",
        Entertainment => "entertainment",
        Other => "other",
    }
);

vocabulary!(
    /// Administrative levels, from the largest to the smallest.
    AreaLevel {
        Province => "province",
        District => "district",
        Commune => "commune",
        ResidentialGroup => "residential_group",
    }
);

vocabulary!(
    /// Status of an area in one time step (see `lifecycle`).
    AreaStatus {
        Hotspot => "hotspot",
        Cleaning => "cleaning",
        Clean => "clean",
        KeptClean => "kept_clean",
        Relapsed => "relapsed",
    }
);

vocabulary!(
    /// Whether an action plan is still to be carried out.
    PlanState {
        Open => "open",
        Done => "done",
    }
);

vocabulary!(
    /// Roles of API tokens, in increasing power (the derived order is the order of power).
    Role {
        Viewer => "viewer",
        Analyst => "analyst",
        Admin => "admin",
    }
);

vocabulary!(
    /// What an import batch holds.
    ImportKind {
        Reports => "reports",
        Sites => "sites",
        Areas => "areas",
        Declarations => "declarations",
        Targets => "targets",
        Plans => "plans",
    }
);

/// A coordinate outside WGS84's range, or not a number.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CoordError {
    #[error("{0} is not a longitude in [-180, 180]")]
    Lon(f64),
    #[error("{0} is not a latitude in [-90, 90]")]
    Lat(f64),
}

impl CoordError {
    /// The column or parameter the problem belongs to (`lon` or `lat`).
    pub fn field(&self) -> &'static str {
        match self {
            CoordError::Lon(_) => "lon",
            CoordError::Lat(_) => "lat",
        }
    }
}

/// A WGS84 position that is known to be finite and in range: the one place where longitude
/// and latitude are checked (ingest, store, analysis, bbox parameters all go through it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

impl LonLat {
    /// Checks a longitude alone (bbox edges, single columns).
    pub fn check_lon(lon: f64) -> Result<f64, CoordError> {
        if lon.is_finite() && (-180.0..=180.0).contains(&lon) {
            Ok(lon)
        } else {
            Err(CoordError::Lon(lon))
        }
    }

    /// Checks a latitude alone.
    pub fn check_lat(lat: f64) -> Result<f64, CoordError> {
        if lat.is_finite() && (-90.0..=90.0).contains(&lat) {
            Ok(lat)
        } else {
            Err(CoordError::Lat(lat))
        }
    }

    /// A checked position; the longitude is reported first when both are wrong.
    pub fn new(lon: f64, lat: f64) -> Result<LonLat, CoordError> {
        Ok(LonLat {
            lon: Self::check_lon(lon)?,
            lat: Self::check_lat(lat)?,
        })
    }

    /// Every problem of a pair (both when both are wrong), for row-numbered error lists.
    pub fn problems(lon: f64, lat: f64) -> Vec<CoordError> {
        [Self::check_lon(lon).err(), Self::check_lat(lat).err()]
            .into_iter()
            .flatten()
            .collect()
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    pub fn lat(self) -> f64 {
        self.lat
    }
}

impl From<LonLat> for geo::Coord<f64> {
    fn from(p: LonLat) -> Self {
        geo::Coord { x: p.lon, y: p.lat }
    }
}

/// A `[min_lon, min_lat, max_lon, max_lat]` box in WGS84 degrees, checked at construction
/// (the one bbox parser for the CLI's `--bbox` and the API's `bbox=`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox(pub [f64; 4]);

impl Bbox {
    /// A checked box: corners in range, min ≤ max.
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Bbox, String> {
        let lo = LonLat::new(min_lon, min_lat).map_err(|e| e.to_string())?;
        let hi = LonLat::new(max_lon, max_lat).map_err(|e| e.to_string())?;
        if lo.lon() > hi.lon() || lo.lat() > hi.lat() {
            return Err("need min_lon ≤ max_lon and min_lat ≤ max_lat".into());
        }
        Ok(Bbox([min_lon, min_lat, max_lon, max_lat]))
    }
}

impl FromStr for Bbox {
    type Err = String;

    /// `min_lon,min_lat,max_lon,max_lat`.
    fn from_str(s: &str) -> Result<Bbox, String> {
        let v: Vec<f64> = s
            .split(',')
            .map(|x| x.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{s:?} is not min_lon,min_lat,max_lon,max_lat"))?;
        let [a, b, c, d] = v[..] else {
            return Err(format!(
                "{s:?}: expected 4 numbers min_lon,min_lat,max_lon,max_lat"
            ));
        };
        Bbox::new(a, b, c, d).map_err(|e| format!("{s:?}: {e}"))
    }
}

/// A weight per report kind, indexed by [`ReportKind::index`] (density surfaces that count
/// trafficking more than use).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindWeights(pub [f64; KIND_COUNT]);

impl FromStr for KindWeights {
    type Err = String;

    /// `kind=weight,…` or `kind:weight,…`; weights in 0..=1000, unnamed kinds weigh 1.
    fn from_str(s: &str) -> Result<KindWeights, String> {
        let mut w = [1.0; KIND_COUNT];
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once(['=', ':'])
                .ok_or_else(|| format!("{part:?} is not KIND=WEIGHT"))?;
            let kind: ReportKind = k.parse().map_err(|e| format!("{e}"))?;
            let v: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (0.0..=1000.0).contains(v))
                .ok_or_else(|| format!("{v:?} is not a weight in 0..1000"))?;
            w[kind.index()] = v;
        }
        Ok(KindWeights(w))
    }
}

/// Fields of an action plan supplied by a user (the "6 clears" and what it is attached to):
/// the body of `POST`/`PUT /api/plans`, what `hotspot plan add` builds, and the part of a
/// stored [`ActionPlan`] a user can change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// `{"type": "hotspot"|"area", "id": "…"}`
    #[schema(value_type = Object)]
    pub subject: PlanSubject,
    /// Clear person: who is responsible.
    pub responsible_person: String,
    /// Clear task.
    pub task: String,
    /// Clear responsibility: the unit answerable for it.
    pub responsible_unit: String,
    /// Clear deadline (YYYY-MM-DD).
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    /// Clear result: what counts as done.
    pub expected_result: String,
    /// Clear authority: who approves.
    pub approving_authority: String,
    /// `open` (the default when a client leaves it out) or `done`.
    #[serde(default = "PlanState::open")]
    #[schema(value_type = Option<String>)]
    pub state: PlanState,
}

impl PlanState {
    /// A new plan's state.
    pub fn open() -> Self {
        PlanState::Open
    }
}

/// A hotspot kept across clustering runs so that plans stay attached to it: the identity
/// (`H-000017`) that a cluster of one run is matched to by overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedHotspot {
    /// Stable id, e.g. `H-000017`; never reused.
    pub id: String,
    pub polygon: geo::MultiPolygon<f64>,
    pub first_detected: NaiveDateTime,
    pub last_detected: NaiveDateTime,
}

impl AreaStatus {
    /// `clean` and `kept_clean` count as drug-free for targets.
    pub fn is_drug_free(self) -> bool {
        matches!(self, AreaStatus::Clean | AreaStatus::KeptClean)
    }
}

/// Number of report kinds; per-kind counts are `[u32; KIND_COUNT]` indexed by [`ReportKind::index`].
pub const KIND_COUNT: usize = 5;

/// One reported place of drug activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    /// WGS84 longitude, degrees in [-180, 180].
    pub lon: f64,
    /// WGS84 latitude, degrees in [-90, 90].
    pub lat: f64,
    pub kind: ReportKind,
    /// Local civil time (in the zone given by `--tz`, default +07:00).
    pub observed_at: NaiveDateTime,
}

impl Report {
    /// The report's position as a geo coordinate (x = lon, y = lat).
    pub fn coord(&self) -> geo::Coord<f64> {
        geo::Coord {
            x: self.lon,
            y: self.lat,
        }
    }
}

/// Positions of `reports`, in order: the slice the analysis kernels take.
pub fn coords(reports: &[Report]) -> Vec<geo::Coord<f64>> {
    reports.iter().map(Report::coord).collect()
}

/// A sensitive place: a school, an industrial zone, a boarding house…
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub kind: SiteKind,
    /// A `Point` or a `Polygon`/`MultiPolygon`.
    pub geometry: geo::Geometry<f64>,
}

/// An administrative unit (province, district, commune/ward, residential group/village).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub name: String,
    pub level: AreaLevel,
    pub parent_id: Option<String>,
    pub geometry: geo::MultiPolygon<f64>,
}

/// A status declared by an authority, e.g. a committee recognising a residential group as
/// drug-free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub area_id: String,
    pub status: AreaStatus,
    pub declared_at: NaiveDate,
    pub declared_by: String,
}

/// A programme target: at least `share` of the `level` children of `area_id` drug-free by `due`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub area_id: String,
    pub level: AreaLevel,
    /// Fraction in [0, 1].
    pub share: f64,
    pub due: NaiveDate,
}

/// What an action plan is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum PlanSubject {
    Hotspot(String),
    Area(String),
}

/// The "6 clears" (6 rõ) of a task: clear person, task, responsibility, deadline, result and
/// authority, plus bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlan {
    pub id: i64,
    /// What the plan says (subject, the 6 clears, state); flattened, so the JSON of a plan is
    /// its input's fields beside `id` and the bookkeeping.
    #[serde(flatten)]
    pub input: PlanInput,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_case_insensitively_and_print_lower_case() {
        assert_eq!(
            "TRAFFICKING".parse::<ReportKind>().unwrap(),
            ReportKind::Trafficking
        );
        assert_eq!(ReportKind::Sale.to_string(), "sale");
        assert_eq!(
            "Industrial_Zone".parse::<SiteKind>().unwrap(),
            SiteKind::IndustrialZone
        );
        let err = "heroin".parse::<ReportKind>().unwrap_err();
        assert!(
            err.to_string()
                .contains("use, storage, trafficking, sale, cultivation")
        );
    }

    #[test]
    fn kind_index_matches_all_order() {
        for (i, k) in ReportKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i);
        }
        assert_eq!(ReportKind::ALL.len(), KIND_COUNT);
    }
}
