//! The lifecycle CLI commands' pure parts over the demo ward: status table and
//! discrepancies, target progress, charts, plan input from options.

use chrono::NaiveDate;
use hotspot::cli::clock_arg::ClockArgs;
use hotspot::cli::status::{Dataset, ParamArgs, parse_month};
use hotspot::cli::{chart, plan, progress, status};
use hotspot::demo;
use hotspot::model::{AreaLevel, PlanState, PlanSubject};
use hotspot::render::charts::{Chart, DEFAULT_SIZE, Lang, render_svg};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn data() -> Dataset {
    let s = demo::generate();
    Dataset {
        areas: s.areas,
        reports: s.reports,
        declarations: s.declarations,
        targets: s.targets,
    }
}

fn params() -> ParamArgs {
    ParamArgs {
        hotspot_threshold: 3,
        hotspot_window: 3,
        clean_window: 6,
        kept_clean_months: 12,
    }
}

#[test]
fn months_parse() {
    assert_eq!(parse_month("2026-10"), Ok(d("2026-10-01")));
    assert_eq!(parse_month("2026-10-17"), Ok(d("2026-10-01")));
    assert!(parse_month("2026-13").is_err());
}

#[test]
fn status_lists_groups_and_the_contradicted_declaration() {
    let args = status::Args {
        db: hotspot::cli::db_arg::DbArg { url: String::new() },
        level: AreaLevel::ResidentialGroup,
        month: Some(d("2026-10-01")),
        output: hotspot::cli::output::OutputArgs::default(),
        params: params(),
        clock: ClockArgs::default(),
    };
    let text = status::render(&data(), &args).unwrap();
    assert!(text.starts_with("Area status, residential_group level, 2026-10"));
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    assert!(line("P-ANCUU-TDP07").contains("relapsed"), "{text}");
    assert!(line("P-ANCUU-TDP07").contains("kept_clean (2026-01-15)"));
    assert!(line("P-ANCUU-TDP05").contains("hotspot"));
    assert!(line("P-ANCUU-TDP03").contains("kept_clean"));
    assert!(
        text.contains("total 20: hotspot 1, cleaning 3, clean 6, kept_clean 9, relapsed 1\n"),
        "{text}"
    );
    assert!(text.contains("Declared clean but contradicted by the data: 1\nP-ANCUU-TDP07 declared kept_clean on 2026-01-15"));

    let json: serde_json::Value = serde_json::from_str(
        &status::render(
            &data(),
            &status::Args {
                output: hotspot::cli::output::OutputArgs {
                    json: true,
                    quiet: false,
                },
                ..args
            },
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json["month"], "2026-10");
    assert_eq!(json["areas"].as_array().unwrap().len(), 20);
    let g7 = json["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "P-ANCUU-TDP07")
        .unwrap();
    assert_eq!(g7["status"], "relapsed");
    assert_eq!(g7["declared"]["status"], "kept_clean");
    let disc = json["discrepancies"].as_array().unwrap();
    assert_eq!(disc.len(), 1);
    assert_eq!(disc[0]["first_contradicted"], "2026-03");
    assert_eq!(
        disc[0]["contradicting_reports"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn progress_reports_every_target_of_the_ward() {
    let args = progress::Args {
        db: hotspot::cli::db_arg::DbArg { url: String::new() },
        area: "P-ANCUU".into(),
        output: hotspot::cli::output::OutputArgs::default(),
        params: params(),
        clock: ClockArgs {
            as_of: Some(d("2026-10-31")),
            ..ClockArgs::default()
        },
    };
    let text = progress::render(&data(), &args).unwrap();
    assert!(text.starts_with("Targets of Phường An Cựu (synthetic) [P-ANCUU], as of 2026-10-31"));
    assert!(
        text.contains(
            "residential_group ≥ 30.0 % by 2025-12-31: 65.0 % (13/20) in 2025-12 — met, on track"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "residential_group ≥ 70.0 % by 2026-12-31: 75.0 % (15/20) in 2026-10 — met, on track"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "residential_group ≥ 100.0 % by 2027-12-31: 75.0 % (15/20) in 2026-10 — behind\n  linear pace asks for 78.1 % now\n"
        ),
        "{text}"
    );
    assert!(text.contains("not clean: P-ANCUU-TDP05 (hotspot), P-ANCUU-TDP07 (relapsed), P-ANCUU-TDP11 (cleaning), P-ANCUU-TDP16 (cleaning), P-ANCUU-TDP19 (cleaning)\n"));
    let json: serde_json::Value = serde_json::from_str(
        &progress::render(
            &data(),
            &progress::Args {
                output: hotspot::cli::output::OutputArgs {
                    json: true,
                    quiet: false,
                },
                ..args.clone()
            },
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json["targets"].as_array().unwrap().len(), 3);
    assert_eq!(json["targets"][2]["state"], "behind");
    let missing = progress::render(
        &data(),
        &progress::Args {
            area: "NOPE".into(),
            ..args
        },
    )
    .unwrap_err();
    assert_eq!(hotspot::cli::exit::exit_code(&missing), 2);
}

fn chart_args(kind: chart::Kind) -> chart::Args {
    chart::Args {
        kind,
        db: hotspot::cli::db_arg::DbArg { url: String::new() },
        area: "P-ANCUU".into(),
        out: "x.svg".into(),
        lang: Lang::Vi,
        level: None,
        from: Some(d("2024-01-01")),
        to: Some(d("2026-10-01")),
        res: 9,
        min_count: 0,
        params: params(),
        clock: ClockArgs::default(),
        output: hotspot::cli::output::OutputArgs::default(),
    }
}

#[test]
fn charts_are_built_from_the_data() {
    let data = data();
    let Chart::Trend(t) = chart::build(&data, &chart_args(chart::Kind::Trend)).unwrap() else {
        panic!()
    };
    assert_eq!(t.months.len(), 34);
    let total: u32 = t.counts.iter().flat_map(|c| c.iter()).sum();
    let ward_reports = data
        .reports
        .iter()
        .filter(|r| r.lon > 107.590 && r.lon < 107.615 && r.lat > 16.444 && r.lat < 16.466)
        .count();
    assert_eq!(total as usize, ward_reports);
    let Chart::Targets(tc) = chart::build(&data, &chart_args(chart::Kind::Targets)).unwrap() else {
        panic!()
    };
    assert_eq!(tc.level, AreaLevel::ResidentialGroup);
    assert_eq!(tc.targets.len(), 3);
    assert_eq!(*tc.shares.last().unwrap(), 0.75);
    let status_chart = chart::build(&data, &chart_args(chart::Kind::Status)).unwrap();
    let Chart::Status(sc) = &status_chart else {
        panic!()
    };
    assert!(sc.counts.iter().all(|c| c.iter().sum::<u32>() == 20));
    let svg = render_svg(&status_chart, Lang::Vi, DEFAULT_SIZE).unwrap();
    assert!(svg.contains("Phường An Cựu (synthetic) – tổ dân phố – số địa bàn theo trạng thái"));
}

/// The emerging chart counts a cell only when the emerging layer shows it at the same
/// threshold (`--min-count`; the server passes its viewer threshold): a viewer's chart and map
/// agree, and no cell of one or two reports is counted for a viewer.
#[test]
fn emerging_chart_leaves_out_the_cells_the_map_suppresses() {
    let data = data();
    let total = |min_count: u32| -> u32 {
        let args = chart::Args {
            min_count,
            ..chart_args(chart::Kind::Emerging)
        };
        let Chart::Emerging(e) = chart::build(&data, &args).unwrap() else {
            panic!()
        };
        e.rows
            .iter()
            .flat_map(|r| r.counts.iter().map(|c| c.1))
            .sum()
    };
    let (all, viewer, none) = (total(0), total(3), total(100_000));
    assert!(
        viewer < all,
        "cells under 3 reports are left out: {viewer} of {all}"
    );
    assert!(viewer > 0);
    assert_eq!(none, 0);
}

#[test]
fn plan_options_need_all_six_clears() {
    let subject = plan::SubjectArgs {
        hotspot: Some("H-000001".into()),
        area: None,
    };
    let mut clears = plan::ClearsArgs {
        person: Some("Nguyễn Văn A".into()),
        task: Some("Tuần tra".into()),
        unit: None,
        deadline: Some(d("2026-12-31")),
        result: Some("Xóa điểm".into()),
        authority: None,
    };
    let err = plan::new_plan(&subject, &clears, d("2026-11-23")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing --unit, --authority (each of the 6 clears is required)"
    );
    assert_eq!(hotspot::cli::exit::exit_code(&err), 2);
    clears.unit = Some("Công an phường".into());
    clears.authority = Some("UBND phường".into());
    let p = plan::new_plan(&subject, &clears, d("2026-11-23")).unwrap();
    assert_eq!(p.subject, PlanSubject::Hotspot("H-000001".into()));
    assert_eq!(p.state, PlanState::Open);
    let late = plan::new_plan(&subject, &clears, d("2027-01-01")).unwrap_err();
    assert!(
        late.to_string()
            .contains("deadline: 2026-12-31 is before today (2027-01-01)")
    );
    let none = plan::SubjectArgs {
        hotspot: None,
        area: None,
    };
    assert!(plan::new_plan(&none, &clears, d("2026-11-23")).is_err());
}

#[test]
fn demo_charts_render_to_files() {
    let data = data();
    let dir = std::env::var_os("CHART_DIR").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    for (kind, name, area) in [
        (chart::Kind::Trend, "demo-trend-tdp07", "P-ANCUU-TDP07"),
        (chart::Kind::Trend, "demo-trend-ward", "P-ANCUU"),
        (chart::Kind::Targets, "demo-targets", "P-ANCUU"),
        (chart::Kind::Status, "demo-status", "P-ANCUU"),
    ] {
        let args = chart::Args {
            area: area.into(),
            ..chart_args(kind)
        };
        let c = chart::build(&data, &args).unwrap();
        let out = dir.join(format!("{name}.png"));
        hotspot::render::charts::write_chart(&c, Lang::Vi, &out, DEFAULT_SIZE).unwrap();
        assert!(std::fs::metadata(&out).unwrap().len() > 20_000);
    }
}
