//! The OGC collections: who may read each, where its features come from, which tuning
//! parameters a computed one takes (the same names and ranges as `/api/layers/{name}`), and its
//! queryable properties. Everything the service advertises (collections, queryables, the
//! OpenAPI 3.0 document) and everything it accepts is read from this one table.

use crate::filter::queryables::{Queryable, Type};
use crate::store::Role;

/// Where a collection's features come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The stored reports, filtered and paged in SQL.
    Reports,
    /// A layer of `/api/layers` (computed, or stored rows with computed properties), cached
    /// per dataset version and parameters and paged by slicing.
    Layer(&'static str),
}

/// A tuning parameter of a computed collection (an OpenAPI query parameter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema type: `integer`, `number`, `boolean` or `string`.
    pub ty: &'static str,
    pub default: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// One collection.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub role: Role,
    pub source: Source,
    /// Whether `datetime` applies (to the reports or to the reports the layer is computed from).
    pub time: bool,
    pub tuning: &'static [Tuning],
    pub queryables: &'static [Queryable],
}

const fn q(name: &'static str, ty: Type, description: &'static str) -> Queryable {
    Queryable {
        name,
        ty,
        description,
        values: &[],
    }
}

const fn qv(
    name: &'static str,
    description: &'static str,
    values: &'static [&'static str],
) -> Queryable {
    Queryable {
        name,
        ty: Type::String,
        description,
        values,
    }
}

const fn t(
    name: &'static str,
    ty: &'static str,
    description: &'static str,
    default: f64,
    min: f64,
    max: f64,
) -> Tuning {
    Tuning {
        name,
        description,
        ty,
        default: Some(default),
        min: Some(min),
        max: Some(max),
    }
}

const GEOMETRY: Queryable = q("geometry", Type::Geometry, "the feature geometry (CRS84)");
const REPORT_KINDS: &[&str] = &["use", "storage", "trafficking", "sale", "cultivation"];
const SITE_KINDS: &[&str] = &[
    "school",
    "industrial_zone",
    "boarding_house",
    "karaoke",
    "lodging",
    "entertainment",
    "other",
];
const LEVELS: &[&str] = &["province", "district", "commune", "residential_group"];
const STATUSES: &[&str] = &["hotspot", "cleaning", "clean", "kept_clean", "relapsed"];
const CATEGORIES: &[&str] = &[
    "new_hot_spot",
    "consecutive_hot_spot",
    "intensifying_hot_spot",
    "persistent_hot_spot",
    "diminishing_hot_spot",
    "sporadic_hot_spot",
    "oscillating_hot_spot",
    "historical_hot_spot",
    "new_cold_spot",
    "consecutive_cold_spot",
    "intensifying_cold_spot",
    "persistent_cold_spot",
    "diminishing_cold_spot",
    "sporadic_cold_spot",
    "oscillating_cold_spot",
    "historical_cold_spot",
    "no_pattern",
];

macro_rules! kind_counts {
    ($what:literal) => {
        [
            q("use", Type::Integer, concat!($what, " of kind use")),
            q("storage", Type::Integer, concat!($what, " of kind storage")),
            q(
                "trafficking",
                Type::Integer,
                concat!($what, " of kind trafficking"),
            ),
            q("sale", Type::Integer, concat!($what, " of kind sale")),
            q(
                "cultivation",
                Type::Integer,
                concat!($what, " of kind cultivation"),
            ),
        ]
    };
}

const HOTSPOT_KINDS: [Queryable; 5] = kind_counts!("reports in the hotspot");
const NEAR_KINDS: [Queryable; 5] = kind_counts!("reports near the site");

const RES: Tuning = t("res", "integer", "H3 resolution", 9.0, 0.0, 15.0);

pub const COLLECTIONS: &[Collection] = &[
    Collection {
        id: "reports",
        title: "Reports",
        description: "Reported places of drug activity (analysts only)",
        role: Role::Analyst,
        source: Source::Reports,
        time: true,
        tuning: &[],
        queryables: &[
            q("id", Type::String, "report id"),
            qv("kind", "what the report says happens there", REPORT_KINDS),
            q("observed_at", Type::Timestamp, "when it was observed"),
            GEOMETRY,
        ],
    },
    Collection {
        id: "sites",
        title: "Sensitive sites",
        description: "Schools, industrial zones, boarding houses, karaoke, lodging, entertainment venues",
        role: Role::Viewer,
        source: Source::Layer("sites"),
        time: false,
        tuning: &[],
        queryables: &[
            q("id", Type::String, "site id"),
            q("name", Type::String, "site name"),
            qv("kind", "kind of site", SITE_KINDS),
            GEOMETRY,
        ],
    },
    Collection {
        id: "areas",
        title: "Areas",
        description: "Administrative areas with their computed status in a month (default: the \
                      latest), the declared status and whether the data contradicts it",
        role: Role::Viewer,
        source: Source::Layer("areas"),
        time: false,
        tuning: &[Tuning {
            name: "month",
            description: "YYYY-MM: the month of the computed status (default: the latest)",
            ty: "string",
            default: None,
            min: None,
            max: None,
        }],
        queryables: &[
            q("id", Type::String, "area id"),
            q("name", Type::String, "area name"),
            qv("level", "administrative level", LEVELS),
            q("parent_id", Type::String, "the enclosing area"),
            qv("status", "computed status in the month", STATUSES),
            q(
                "status_since",
                Type::String,
                "first month of the current status, YYYY-MM",
            ),
            q(
                "window_reports",
                Type::Integer,
                "reports in the status window",
            ),
            qv(
                "declared_status",
                "latest declared status by then",
                STATUSES,
            ),
            q("declared_at", Type::Date, "date of that declaration"),
            q(
                "discrepancy",
                Type::Boolean,
                "the reports contradict the declaration",
            ),
            q(
                "contradicting_reports",
                Type::Integer,
                "reports contradicting it",
            ),
            q(
                "open_plans",
                Type::Integer,
                "open action plans for the area",
            ),
            GEOMETRY,
        ],
    },
    Collection {
        id: "hotspots",
        title: "Hotspots",
        description: "DBSCAN clusters of reports (default eps 150 m, 5 reports)",
        role: Role::Viewer,
        source: Source::Layer("hotspots"),
        time: true,
        tuning: &[
            t(
                "eps_m",
                "number",
                "DBSCAN radius, metres",
                150.0,
                1.0,
                5000.0,
            ),
            t(
                "min_pts",
                "integer",
                "DBSCAN core size, reports",
                5.0,
                1.0,
                10_000.0,
            ),
        ],
        queryables: &[
            q(
                "hotspot_id",
                Type::String,
                "tracked hotspot id (canonical view only)",
            ),
            q("cluster", Type::Integer, "cluster number in this view"),
            q("count", Type::Integer, "reports in the hotspot"),
            q("core_count", Type::Integer, "core reports"),
            HOTSPOT_KINDS[0],
            HOTSPOT_KINDS[1],
            HOTSPOT_KINDS[2],
            HOTSPOT_KINDS[3],
            HOTSPOT_KINDS[4],
            q("first_seen", Type::Timestamp, "first report"),
            q("last_seen", Type::Timestamp, "last report"),
            q("area_m2", Type::Number, "polygon area, m²"),
            q("has_plan", Type::Boolean, "an action plan is attached"),
            GEOMETRY,
        ],
    },
    Collection {
        id: "hexes",
        title: "Hot and cold H3 cells",
        description: "Getis-Ord Gi* over H3 cells (default resolution 9, k = 1)",
        role: Role::Viewer,
        source: Source::Layer("hexes"),
        time: true,
        tuning: &[
            RES,
            t("k", "integer", "neighbourhood rings", 1.0, 1.0, 5.0),
            Tuning {
                name: "fdr",
                description: "Benjamini-Hochberg corrected bins",
                ty: "boolean",
                default: None,
                min: None,
                max: None,
            },
        ],
        queryables: &[
            q("h3", Type::String, "H3 cell"),
            q("count", Type::Number, "reports in the cell"),
            q("gi_z", Type::Number, "Gi* z-score"),
            q("gi_p", Type::Number, "Gi* p-value"),
            q(
                "bin",
                Type::Integer,
                "-3..3 confidence bin (hot > 0, cold < 0)",
            ),
            GEOMETRY,
        ],
    },
    Collection {
        id: "kde",
        title: "Kernel density",
        description: "Report density on H3 cells (default bandwidth 300 m, resolution 10)",
        role: Role::Viewer,
        source: Source::Layer("kde"),
        time: true,
        tuning: &[
            t(
                "bandwidth_m",
                "number",
                "kernel bandwidth, metres",
                300.0,
                10.0,
                5000.0,
            ),
            t("res", "integer", "H3 resolution", 10.0, 0.0, 15.0),
            Tuning {
                name: "weights",
                description: "kind:weight list, e.g. use:1,sale:2 (missing kinds weigh 1)",
                ty: "string",
                default: None,
                min: None,
                max: None,
            },
        ],
        queryables: &[
            q("h3", Type::String, "H3 cell"),
            q("density", Type::Number, "reports per km²"),
            GEOMETRY,
        ],
    },
    Collection {
        id: "near",
        title: "Reports near sensitive sites",
        description: "Each sensitive site with the reports within a distance (analysts only)",
        role: Role::Analyst,
        source: Source::Layer("near"),
        time: true,
        tuning: &[t(
            "within_m",
            "number",
            "distance, metres",
            300.0,
            0.0,
            10_000.0,
        )],
        queryables: &[
            q("id", Type::String, "site id"),
            q("name", Type::String, "site name"),
            qv("kind", "kind of site", SITE_KINDS),
            q(
                "reports_within",
                Type::Integer,
                "reports within the distance",
            ),
            NEAR_KINDS[0],
            NEAR_KINDS[1],
            NEAR_KINDS[2],
            NEAR_KINDS[3],
            NEAR_KINDS[4],
            q(
                "nearest_m",
                Type::Number,
                "distance to the nearest report, metres",
            ),
            GEOMETRY,
        ],
    },
    Collection {
        id: "emerging",
        title: "Emerging hot spots",
        description: "Space-time Gi* and Mann-Kendall trend per H3 cell (default resolution 8, monthly)",
        role: Role::Viewer,
        source: Source::Layer("emerging"),
        time: true,
        tuning: &[
            t("res", "integer", "H3 resolution", 8.0, 0.0, 15.0),
            Tuning {
                name: "step",
                description: "time step: week, month or quarter",
                ty: "string",
                default: None,
                min: None,
                max: None,
            },
            t("k", "integer", "neighbourhood rings", 1.0, 1.0, 3.0),
            t("time_k", "integer", "time steps either side", 1.0, 0.0, 3.0),
            t("alpha", "number", "significance level", 0.05, 0.001, 0.5),
        ],
        queryables: &[
            q("h3", Type::String, "H3 cell"),
            qv("category", "emerging hot spot category", CATEGORIES),
            q("trend_z", Type::Number, "Mann-Kendall z of the Gi* series"),
            q("trend_p", Type::Number, "Mann-Kendall p"),
            q("hot_steps", Type::Integer, "significantly hot steps"),
            q("cold_steps", Type::Integer, "significantly cold steps"),
            q("steps", Type::Integer, "number of time steps"),
            GEOMETRY,
        ],
    },
];

/// Collection ids (for the OpenAPI document).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollectionId {
    Reports,
    Sites,
    Areas,
    Hotspots,
    Hexes,
    Kde,
    Near,
    Emerging,
}

/// The collection `id`, if there is one.
pub fn find(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}

/// Properties whose values are instants written without an offset by the shared GeoJSON
/// builders; the OGC answers write them with the service's offset.
pub const LOCAL_TIME_PROPERTIES: &[&str] = &["observed_at", "first_seen", "last_seen"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_has_a_geometry_queryable_and_unique_names() {
        for c in COLLECTIONS {
            assert!(
                c.queryables.iter().any(|q| q.name == "geometry"),
                "{}",
                c.id
            );
            let mut names: Vec<_> = c.queryables.iter().map(|q| q.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), c.queryables.len(), "{}", c.id);
            for t in c.tuning {
                assert!(
                    !names.contains(&t.name),
                    "{}: tuning {} clashes with a queryable",
                    c.id,
                    t.name
                );
            }
        }
    }
}
