//! The demo ward: a deterministic, clearly **synthetic** scenario modelled on An Cựu ward
//! (Huế, around 16.455 N, 107.60 E).
//!
//! It holds the ward and its 20 residential groups (tổ dân phố, polygons tiling the ward),
//! three neighbouring wards, the district and city above them, sensitive sites, three years
//! of reports (2024-01 … 2026-10) telling a cleaning story, declarations (one contradicted by
//! the data), programme targets and "6 clears" plans. Every name ends in "(synthetic)" and
//! every feature has `"synthetic": true`; no number here describes a real place.
//!
//! The story (residential group numbers):
//! - 3, 12: hotspots in the first half of 2024, cleaned, kept clean from 2025;
//! - 7: hotspot in 2024, kept clean in 2025, declared kept clean in January 2026, then
//!   **relapses** in spring 2026 (the declaration the data contradicts);
//! - 15: a persistent hotspot (sale point) until autumn 2025, then cleaned;
//! - 5: beside the industrial zone, quiet until a hotspot appears in 2026;
//! - 1, 2, 4, 6, 8, 9, 11, 13, 14, 16, 19: a report every other month (being cleaned),
//!   stopping one group after another from mid-2024 to late 2026 (19 never stops);
//! - 10, 18: a single report each; 17, 20: no reports at all.

use crate::model::PlanInput;
use crate::model::{
    Area, AreaLevel, AreaStatus, Declaration, PlanState, PlanSubject, Report, ReportKind, Site,
    SiteKind, Target,
};
use crate::render::atomic::AtomicOutput;
use crate::render::geojson::{
    area_feature, collection_json, round7, site_feature, with_properties,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Seed of the generator: the output never changes unless this code does.
pub const SEED: u64 = 0x00A1_C0C0_2025;

/// Ward bounds (lon, lat).
const WARD: [f64; 4] = [107.590, 16.444, 107.615, 16.466];
const COLS: usize = 5;
const ROWS: usize = 4;

/// Identifiers used by the scenario.
pub const CITY_ID: &str = "TP-HUE";
pub const DISTRICT_ID: &str = "Q-THUANHOA";
pub const WARD_ID: &str = "P-ANCUU";

/// Id of residential group `n` (1…20).
pub fn group_id(n: usize) -> String {
    format!("P-ANCUU-TDP{n:02}")
}

/// Everything the demo holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub areas: Vec<Area>,
    pub sites: Vec<Site>,
    pub reports: Vec<Report>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
    pub plans: Vec<PlanInput>,
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )])
}

fn area(
    id: &str,
    name: &str,
    level: AreaLevel,
    parent: Option<&str>,
    g: MultiPolygon<f64>,
) -> Area {
    Area {
        id: id.into(),
        name: name.into(),
        level,
        parent_id: parent.map(Into::into),
        geometry: g,
    }
}

/// Vertex grid of the ward with deterministic jitter; corners stay put and border
/// vertices move only along the border, so the groups tile the ward exactly.
fn ward_grid(rng: &mut ChaCha8Rng) -> Vec<Vec<Coord<f64>>> {
    let (dx, dy) = (
        (WARD[2] - WARD[0]) / COLS as f64,
        (WARD[3] - WARD[1]) / ROWS as f64,
    );
    (0..=ROWS)
        .map(|r| {
            (0..=COLS)
                .map(|c| {
                    let jx = if c == 0 || c == COLS {
                        0.0
                    } else {
                        rng.random_range(-0.25..0.25) * dx
                    };
                    let jy = if r == 0 || r == ROWS {
                        0.0
                    } else {
                        rng.random_range(-0.25..0.25) * dy
                    };
                    Coord {
                        x: round7(WARD[0] + c as f64 * dx + jx),
                        y: round7(WARD[1] + r as f64 * dy + jy),
                    }
                })
                .collect()
        })
        .collect()
}

/// Builds the scenario (pure and deterministic).
pub fn generate() -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let grid = ward_grid(&mut rng);
    let mut areas = vec![
        area(
            CITY_ID,
            "Thành phố Huế (synthetic)",
            AreaLevel::Province,
            None,
            rect(107.50, 16.40, 107.70, 16.52),
        ),
        area(
            DISTRICT_ID,
            "Quận Thuận Hóa (synthetic)",
            AreaLevel::District,
            Some(CITY_ID),
            rect(107.575, 16.444, 107.630, 16.478),
        ),
    ];
    // The ward ring runs along the grid border, counter-clockwise.
    let mut ring: Vec<Coord<f64>> = Vec::new();
    ring.extend((0..=COLS).map(|c| grid[0][c]));
    ring.extend((1..=ROWS).map(|r| grid[r][COLS]));
    ring.extend((0..COLS).rev().map(|c| grid[ROWS][c]));
    ring.extend((1..ROWS).rev().map(|r| grid[r][0]));
    ring.push(grid[0][0]);
    areas.push(area(
        WARD_ID,
        "Phường An Cựu (synthetic)",
        AreaLevel::Commune,
        Some(DISTRICT_ID),
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
    ));
    for (id, name, g) in [
        (
            "P-PHUHOI",
            "Phường Phú Hội (synthetic)",
            rect(107.590, 16.466, 107.615, 16.478),
        ),
        (
            "P-VINHNINH",
            "Phường Vĩnh Ninh (synthetic)",
            rect(107.575, 16.444, 107.590, 16.478),
        ),
        (
            "P-XUANPHU",
            "Phường Xuân Phú (synthetic)",
            rect(107.615, 16.444, 107.630, 16.478),
        ),
    ] {
        areas.push(area(id, name, AreaLevel::Commune, Some(DISTRICT_ID), g));
    }
    for r in 0..ROWS {
        for c in 0..COLS {
            let n = r * COLS + c + 1;
            let cell = vec![
                grid[r][c],
                grid[r][c + 1],
                grid[r + 1][c + 1],
                grid[r + 1][c],
                grid[r][c],
            ];
            areas.push(area(
                &group_id(n),
                &format!("Tổ dân phố {n} (synthetic)"),
                AreaLevel::ResidentialGroup,
                Some(WARD_ID),
                MultiPolygon(vec![Polygon::new(LineString(cell), vec![])]),
            ));
        }
    }
    let group = |n: usize| {
        areas
            .iter()
            .find(|a| a.id == group_id(n))
            .unwrap()
            .geometry
            .clone()
    };
    let centre = |n: usize| {
        let g = group(n);
        let r = geo::BoundingRect::bounding_rect(&g).unwrap();
        Coord {
            x: (r.min().x + r.max().x) / 2.0,
            y: (r.min().y + r.max().y) / 2.0,
        }
    };

    let sites = make_sites(&centre);
    let reports = make_reports(&mut rng, &areas, &centre);
    Scenario {
        declarations: declarations(),
        targets: targets(),
        plans: plans(),
        areas,
        sites,
        reports,
    }
}

fn make_sites(centre: &dyn Fn(usize) -> Coord<f64>) -> Vec<Site> {
    let off = |n: usize, dx: f64, dy: f64| {
        let c = centre(n);
        geo::Geometry::Point(Point::new(round7(c.x + dx), round7(c.y + dy)))
    };
    let site = |id: &str, name: &str, kind: SiteKind, geometry| Site {
        id: id.into(),
        name: format!("{name} (synthetic)"),
        kind,
        geometry,
    };
    // The industrial zone lies along the ward's south-east edge, next to groups 4 and 5.
    let iz = rect(107.6105, 16.4405, 107.6200, 16.4470);
    vec![
        site(
            "S-SCH-1",
            "Trường THCS An Cựu",
            SiteKind::School,
            off(8, 0.0005, 0.0),
        ),
        site(
            "S-SCH-2",
            "Trường Tiểu học số 2",
            SiteKind::School,
            off(13, -0.0004, 0.0003),
        ),
        site(
            "S-SCH-3",
            "Trường THPT Phường",
            SiteKind::School,
            off(17, 0.0, -0.0005),
        ),
        site(
            "S-BH-1",
            "Nhà trọ Hoa Sen",
            SiteKind::BoardingHouse,
            off(15, 0.0003, 0.0002),
        ),
        site(
            "S-BH-2",
            "Nhà trọ Công nhân 1",
            SiteKind::BoardingHouse,
            off(5, -0.0006, 0.0003),
        ),
        site(
            "S-BH-3",
            "Nhà trọ Công nhân 2",
            SiteKind::BoardingHouse,
            off(4, 0.0004, -0.0004),
        ),
        site(
            "S-BH-4",
            "Nhà trọ Bình An",
            SiteKind::BoardingHouse,
            off(7, -0.0005, -0.0002),
        ),
        site(
            "S-BH-5",
            "Khu trọ sinh viên",
            SiteKind::BoardingHouse,
            off(12, 0.0006, 0.0004),
        ),
        site(
            "S-KR-1",
            "Karaoke Ánh Dương",
            SiteKind::Karaoke,
            off(3, 0.0002, -0.0003),
        ),
        site(
            "S-KR-2",
            "Karaoke Hoàng Gia",
            SiteKind::Karaoke,
            off(15, -0.0004, -0.0003),
        ),
        site(
            "S-KR-3",
            "Karaoke Sông Hương",
            SiteKind::Karaoke,
            off(19, 0.0, 0.0004),
        ),
        site(
            "S-LG-1",
            "Nhà nghỉ Bến Ngự",
            SiteKind::Lodging,
            off(7, 0.0004, 0.0004),
        ),
        site(
            "S-LG-2",
            "Nhà nghỉ An Bình",
            SiteKind::Lodging,
            off(18, -0.0003, 0.0002),
        ),
        site(
            "S-ENT-1",
            "Quán bar Đêm Xanh",
            SiteKind::Entertainment,
            off(12, -0.0003, -0.0004),
        ),
        site(
            "S-IZ-1",
            "Cụm công nghiệp An Cựu",
            SiteKind::IndustrialZone,
            geo::Geometry::MultiPolygon(iz),
        ),
    ]
}

/// (group, first month "YYYY-MM", last month, reports per month, kinds to draw from).
type Episode = (
    usize,
    &'static str,
    &'static str,
    u32,
    &'static [ReportKind],
);

const SALE_USE: &[ReportKind] = &[ReportKind::Sale, ReportKind::Use, ReportKind::Use];
const COMPLEX: &[ReportKind] = &[
    ReportKind::Sale,
    ReportKind::Storage,
    ReportKind::Use,
    ReportKind::Trafficking,
];
const USE: &[ReportKind] = &[ReportKind::Use];

const EPISODES: &[Episode] = &[
    (3, "2024-01", "2024-05", 3, SALE_USE),
    (3, "2024-06", "2024-08", 1, USE),
    (12, "2024-02", "2024-06", 4, COMPLEX),
    (12, "2024-07", "2024-07", 1, USE),
    (7, "2024-01", "2024-04", 3, SALE_USE),
    (7, "2024-05", "2024-06", 1, USE),
    // Relapse after being declared kept clean (below the hotspot threshold).
    (7, "2026-03", "2026-03", 1, USE),
    (7, "2026-06", "2026-06", 1, SALE_USE),
    (15, "2024-01", "2025-06", 3, COMPLEX),
    (15, "2025-07", "2025-09", 1, SALE_USE),
    (5, "2026-02", "2026-10", 3, SALE_USE),
    (10, "2025-02", "2025-02", 1, USE),
    (18, "2024-09", "2024-09", 1, USE),
    // The neighbouring wards, for the city's commune target.
    (101, "2024-01", "2026-10", 2, SALE_USE),
    (102, "2024-01", "2024-12", 3, SALE_USE),
];

/// Scattered reports, one every other month from `from` to `to` (group, from, to): below the
/// hotspot threshold, they keep a group "being cleaned" until they stop, one group after
/// another, so the share of drug-free groups climbs towards the targets.
const SCATTERED: &[(usize, &str, &str)] = &[
    (1, "2024-01", "2024-06"),
    (2, "2024-01", "2024-09"),
    (4, "2024-01", "2024-12"),
    (6, "2024-01", "2025-03"),
    (8, "2024-01", "2025-05"),
    (9, "2024-01", "2025-08"),
    (11, "2024-01", "2026-05"),
    (13, "2024-01", "2026-01"),
    (14, "2024-01", "2026-03"),
    (16, "2024-01", "2026-08"),
    (19, "2024-01", "2026-10"),
];

fn make_reports(
    rng: &mut ChaCha8Rng,
    areas: &[Area],
    centre: &dyn Fn(usize) -> Coord<f64>,
) -> Vec<Report> {
    let neighbour = |n: usize| match n {
        101 => "P-VINHNINH",
        _ => "P-XUANPHU",
    };
    let mut out: Vec<(NaiveDateTime, f64, f64, ReportKind)> = Vec::new();
    let runs = EPISODES
        .iter()
        .map(|&(g, from, to, n, kinds)| (g, from, to, n, kinds, 1))
        .chain(
            SCATTERED
                .iter()
                .map(|&(g, from, to)| (g, from, to, 1, SALE_USE, 2)),
        );
    for (g, from, to, per_month, kinds, stride) in runs {
        let (poly, c) = if g > 100 {
            let a = areas.iter().find(|a| a.id == neighbour(g)).unwrap();
            let r = geo::BoundingRect::bounding_rect(&a.geometry).unwrap();
            (
                a.geometry.clone(),
                Coord {
                    x: (r.min().x + r.max().x) / 2.0,
                    y: (r.min().y + r.max().y) / 2.0,
                },
            )
        } else {
            let a = areas.iter().find(|a| a.id == group_id(g)).unwrap();
            (a.geometry.clone(), centre(g))
        };
        let first: NaiveDate = format!("{from}-01").parse().unwrap();
        let last: NaiveDate = format!("{to}-01").parse().unwrap();
        for month in crate::timestep::TimeStep::Month
            .range(first, last)
            .into_iter()
            .step_by(stride)
        {
            for _ in 0..per_month {
                // Scatter around the group's centre (~60 m), kept inside its polygon.
                let (x, y) = loop {
                    let x = c.x + rng.random_range(-0.0006..0.0006);
                    let y = c.y + rng.random_range(-0.0005..0.0005);
                    if poly.contains(&Point::new(x, y)) {
                        break (round7(x), round7(y));
                    }
                };
                let day = rng.random_range(1..=28);
                let secs = rng.random_range(6 * 3600..23 * 3600);
                let at = month
                    .with_day0(day - 1)
                    .unwrap()
                    .and_hms_opt(secs / 3600, (secs / 60) % 60, secs % 60)
                    .unwrap();
                let kind = kinds[rng.random_range(0..kinds.len())];
                out.push((at, x, y, kind));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    out.into_iter()
        .enumerate()
        .map(|(i, (at, lon, lat, kind))| Report {
            id: format!("R-{:05}", i + 1),
            lon,
            lat,
            kind,
            observed_at: at,
        })
        .collect()
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("demo date")
}

fn declarations() -> Vec<Declaration> {
    let by = "UBND phường An Cựu (synthetic)";
    vec![
        Declaration {
            area_id: group_id(3),
            status: AreaStatus::Clean,
            declared_at: date("2025-03-31"),
            declared_by: by.into(),
        },
        Declaration {
            area_id: group_id(12),
            status: AreaStatus::Clean,
            declared_at: date("2025-06-30"),
            declared_by: by.into(),
        },
        // Contradicted: reports in group 7 from March 2026 on.
        Declaration {
            area_id: group_id(7),
            status: AreaStatus::KeptClean,
            declared_at: date("2026-01-15"),
            declared_by: by.into(),
        },
        Declaration {
            area_id: group_id(1),
            status: AreaStatus::KeptClean,
            declared_at: date("2025-12-31"),
            declared_by: by.into(),
        },
        Declaration {
            area_id: group_id(15),
            status: AreaStatus::Cleaning,
            declared_at: date("2025-01-10"),
            declared_by: by.into(),
        },
    ]
}

fn targets() -> Vec<Target> {
    let t = |area: &str, level, share, due| Target {
        area_id: area.into(),
        level,
        share,
        due: date(due),
    };
    vec![
        t(WARD_ID, AreaLevel::ResidentialGroup, 0.3, "2025-12-31"),
        t(WARD_ID, AreaLevel::ResidentialGroup, 0.7, "2026-12-31"),
        t(WARD_ID, AreaLevel::ResidentialGroup, 1.0, "2027-12-31"),
        t(CITY_ID, AreaLevel::Commune, 0.5, "2030-12-31"),
    ]
}

fn plans() -> Vec<PlanInput> {
    let p =
        |subject, person: &str, task: &str, unit: &str, deadline, result: &str, state| PlanInput {
            subject,
            responsible_person: format!("{person} (synthetic)"),
            task: task.into(),
            responsible_unit: unit.into(),
            deadline: date(deadline),
            expected_result: result.into(),
            approving_authority: "Chủ tịch UBND phường An Cựu (synthetic)".into(),
            state,
        };
    vec![
        p(
            PlanSubject::Area(group_id(15)),
            "Nguyễn Văn Hùng",
            "Triệt xóa điểm bán lẻ gần nhà trọ Hoa Sen",
            "Công an phường An Cựu",
            "2025-09-30",
            "Không còn điểm bán lẻ; tổ dân phố sạch 6 tháng",
            PlanState::Done,
        ),
        p(
            PlanSubject::Area(group_id(7)),
            "Trần Thị Mai",
            "Tuần tra, nắm tình hình sau tái phát",
            "Tổ dân phố 7 và Công an khu vực",
            "2026-06-30",
            "Tổ dân phố 7 trở lại sạch ma túy",
            PlanState::Open,
        ),
        p(
            PlanSubject::Area(group_id(5)),
            "Lê Quang Minh",
            "Kiểm tra nhà trọ công nhân quanh cụm công nghiệp",
            "Công an phường An Cựu",
            "2026-12-31",
            "Xóa điểm nóng cạnh cụm công nghiệp",
            PlanState::Open,
        ),
        p(
            PlanSubject::Hotspot("H-000001".into()),
            "Phạm Đức Anh",
            "Lập chuyên án, xử lý điểm phức tạp",
            "Đội Cảnh sát điều tra tội phạm về ma túy",
            "2026-11-30",
            "Điểm phức tạp bị triệt xóa",
            PlanState::Open,
        ),
        p(
            PlanSubject::Area(WARD_ID.into()),
            "Võ Thị Lan",
            "Tuyên truyền phòng chống ma túy tại 3 trường học",
            "Đoàn thanh niên phường",
            "2026-12-15",
            "100 % học sinh được tuyên truyền",
            PlanState::Open,
        ),
    ]
}

/// `areas.geojson`: properties `id`, `name`, `level`, `parent_id`, `synthetic`, written by
/// the one RFC 7946 writer (oriented rings, 7 decimals, bbox).
pub fn areas_geojson(areas: &[Area]) -> String {
    synthetic_collection(areas.iter().map(area_feature))
}

/// `sites.geojson`: properties `id`, `name`, `kind`, `synthetic`.
pub fn sites_geojson(sites: &[Site]) -> String {
    synthetic_collection(sites.iter().map(site_feature))
}

/// Written by the shared writer, then pretty-printed: the committed files are read by people
/// and reviewed in diffs.
fn synthetic_collection(features: impl Iterator<Item = geojson::Feature>) -> String {
    let features = features
        .map(|f| with_properties(f, json!({"synthetic": true})))
        .collect();
    let compact: serde_json::Value =
        serde_json::from_slice(&collection_json(features)).expect("the GeoJSON writer writes JSON");
    serde_json::to_string_pretty(&compact).expect("json") + "\n"
}

fn csv_text<R: serde::Serialize>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header).expect("in-memory csv");
    for r in rows {
        w.serialize(r).expect("in-memory csv");
    }
    String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf-8 csv")
}

/// The files of the demo, as (file name, contents).
pub fn files(s: &Scenario) -> Vec<(&'static str, String)> {
    let reports = csv_text(
        &["id", "lon", "lat", "kind", "observed_at"],
        s.reports.iter().map(|r| {
            (
                &r.id,
                r.lon,
                r.lat,
                r.kind.as_str(),
                r.observed_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            )
        }),
    );
    let declarations = csv_text(
        &["area_id", "status", "declared_at", "declared_by"],
        s.declarations.iter().map(|d| {
            (
                &d.area_id,
                d.status.as_str(),
                d.declared_at.to_string(),
                &d.declared_by,
            )
        }),
    );
    let targets = csv_text(
        &["area_id", "level", "share", "due"],
        s.targets.iter().map(|t| {
            (
                &t.area_id,
                t.level.as_str(),
                format!("{:.0}%", t.share * 100.0),
                t.due.to_string(),
            )
        }),
    );
    let plans = csv_text(
        &[
            "subject_type",
            "subject_id",
            "responsible_person",
            "task",
            "responsible_unit",
            "deadline",
            "expected_result",
            "approving_authority",
            "state",
        ],
        s.plans.iter().map(|p| {
            let (ty, id) = match &p.subject {
                PlanSubject::Hotspot(id) => ("hotspot", id),
                PlanSubject::Area(id) => ("area", id),
            };
            (
                ty,
                id,
                &p.responsible_person,
                &p.task,
                &p.responsible_unit,
                p.deadline.to_string(),
                &p.expected_result,
                &p.approving_authority,
                p.state.as_str(),
            )
        }),
    );
    vec![
        ("areas.geojson", areas_geojson(&s.areas)),
        ("sites.geojson", sites_geojson(&s.sites)),
        ("reports.csv", reports),
        ("declarations.csv", declarations),
        ("targets.csv", targets),
        ("plans.csv", plans),
        ("README.md", README.to_string()),
    ]
}

/// Writes the demo files into `dir` (created if missing); returns the paths written.
pub fn write(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in files(&generate()) {
        let path = dir.join(name);
        let mut out = AtomicOutput::create(&path.to_string_lossy())?;
        std::io::Write::write_all(&mut out, text.as_bytes())?;
        out.commit()?;
        written.push(path);
    }
    Ok(written)
}

const README: &str = "# Demo ward (SYNTHETIC)

Everything in this folder is **synthetic**: generated by `hotspot demo-data --out data/demo`
(source: `src/demo.rs`, fixed seed). It is modelled on the size and setting of An Cựu ward in
Huế (about 20 residential groups, around 16.455 N, 107.60 E) so the tools can be tried on
something realistic, but no report, site, name, boundary or number here describes a real
person, place or event. Every name ends in \"(synthetic)\" and every GeoJSON feature has
`\"synthetic\": true`.

| File | What |
|------|------|
| `areas.geojson` | city → district → 4 wards → 20 residential groups (tổ dân phố) of Phường An Cựu; properties `id`, `name`, `level`, `parent_id` |
| `sites.geojson` | schools, boarding houses, karaoke bars, lodging houses, a bar and an industrial zone; properties `id`, `name`, `kind` |
| `reports.csv` | reports 2024-01 … 2026-10 (`id,lon,lat,kind,observed_at`, local time +07:00) |
| `declarations.csv` | statuses declared by the ward committee (`area_id,status,declared_at,declared_by`) |
| `targets.csv` | ward: 30 % / 70 % / 100 % of residential groups drug-free by 2025 / 2026 / 2027; city: 50 % of communes by 2030 (`area_id,level,share,due`) |
| `plans.csv` | \"6 clears\" action plans (`subject_type,subject_id,responsible_person,task,responsible_unit,deadline,expected_result,approving_authority,state`) |

The story the data tells (default status parameters):
- groups 3 and 12 are hotspots in early 2024, are cleaned and kept clean from 2025;
- group 7 is cleaned in 2024, declared *kept clean* in January 2026 and relapses in March
  2026 — the declaration the data contradicts;
- group 15 is a persistent retail sale point until autumn 2025, then cleaned;
- group 5, in the south-east corner beside the industrial zone and its workers' boarding houses, becomes a hotspot in
  2026;
- groups 1, 2, 4, 6, 8, 9, 11, 13, 14, 16 and 19 have a report every other month that
  stops one group after another (mid-2024 … late 2026; group 19 never stops), so the share of
  drug-free groups climbs towards the ward's targets;
- groups 10 and 18 have a single report each; groups 17 and 20 have none.

Try it:

```sh
hotspot import areas data/demo/areas.geojson
hotspot import sites data/demo/sites.geojson
hotspot import reports data/demo/reports.csv
hotspot import declarations data/demo/declarations.csv
hotspot import targets data/demo/targets.csv
hotspot status --level residential_group --month 2026-10
hotspot progress --area P-ANCUU
hotspot chart targets --area P-ANCUU --out an-cuu-targets.png
```
";
