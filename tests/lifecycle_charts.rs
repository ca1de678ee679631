//! Charts: files are written (PNG and SVG by extension), are not blank, and carry the
//! Vietnamese title with its diacritics. Set `CHART_DIR` to keep the files for a look.

use chrono::NaiveDate;
use hotspot::analysis::emerging::Category;
use hotspot::model::{AreaLevel, AreaStatus};
use hotspot::render::charts::{
    Chart, ChartError, DEFAULT_SIZE, EmergingChart, EmergingRow, Lang, StatusChart, TargetChart,
    TrendChart, render_rgb, render_svg, write_chart,
};
use hotspot::timestep::TimeStep;
use std::collections::HashSet;
use std::path::PathBuf;

fn months() -> Vec<NaiveDate> {
    TimeStep::Month.range(
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
    )
}

fn trend() -> Chart {
    let m = months();
    let counts = (0..m.len())
        .map(|i| {
            let hot = if i < 8 {
                3 + (i % 3) as u32
            } else if i == 26 {
                2
            } else {
                0
            };
            [hot / 2, (i % 5 == 0 && i < 8) as u32, 0, hot - hot / 2, 0]
        })
        .collect();
    let statuses = (0..m.len())
        .map(|i| match i {
            0..8 => AreaStatus::Hotspot,
            8..14 => AreaStatus::Cleaning,
            14..25 => AreaStatus::Clean,
            25 => AreaStatus::KeptClean,
            26..32 => AreaStatus::Relapsed,
            _ => AreaStatus::Clean,
        })
        .collect();
    Chart::Trend(TrendChart {
        area_name: "Phường An Cựu".into(),
        months: m,
        counts,
        statuses,
    })
}

fn targets() -> Chart {
    let m = months();
    let shares = (0..m.len())
        .map(|i| (0.15 + i as f64 * 0.018).min(1.0))
        .collect();
    let d = |s: &str| s.parse().unwrap();
    Chart::Targets(TargetChart {
        area_name: "Phường An Cựu".into(),
        level: AreaLevel::ResidentialGroup,
        months: m,
        shares,
        targets: vec![
            (d("2025-12-31"), 0.3),
            (d("2026-12-31"), 0.7),
            (d("2027-12-31"), 1.0),
        ],
    })
}

fn status() -> Chart {
    let m = months();
    let counts = (0..m.len() as u32)
        .map(|i| {
            let kept = i.saturating_sub(12) / 2;
            let hot = 8u32.saturating_sub(i / 4);
            let relapsed = (i > 20 && i < 27) as u32;
            let cleaning = 4 + (i % 3 == 0) as u32 - relapsed;
            [
                hot,
                cleaning,
                20 - hot - cleaning - kept - relapsed,
                kept,
                relapsed,
            ]
        })
        .collect();
    Chart::Status(StatusChart {
        scope: "Phường An Cựu – tổ dân phố".into(),
        months: m,
        counts,
    })
}

fn emerging() -> Chart {
    use Category::*;
    let row = |name: &str, counts: Vec<(Category, u32)>| EmergingRow {
        area_name: name.into(),
        counts,
    };
    Chart::Emerging(EmergingChart {
        scope: "Quận Thuận Hóa".into(),
        rows: vec![
            row(
                "Phường An Cựu",
                vec![
                    (NewHotSpot, 2),
                    (PersistentHotSpot, 3),
                    (DiminishingHotSpot, 1),
                ],
            ),
            row(
                "Phường Phú Hội",
                vec![(SporadicHotSpot, 4), (NoPattern, 40)],
            ),
            row(
                "Phường Vĩnh Ninh",
                vec![(IntensifyingHotSpot, 1), (HistoricalHotSpot, 2)],
            ),
            row(
                "Phường Thủy Xuân",
                vec![(PersistentColdSpot, 5), (OscillatingHotSpot, 1)],
            ),
        ],
    })
}

fn out_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("CHART_DIR") {
        Some(d) => {
            std::fs::create_dir_all(&d).unwrap();
            (None, PathBuf::from(d))
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

fn distinct_colours(rgb: &[u8]) -> usize {
    rgb.chunks(3)
        .map(|p| (p[0], p[1], p[2]))
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn every_chart_writes_a_non_blank_png_and_an_svg_in_both_languages() {
    let (_keep, dir) = out_dir();
    for (name, chart) in [
        ("trend", trend()),
        ("targets", targets()),
        ("status", status()),
        ("emerging", emerging()),
    ] {
        for (lang, tag) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let png = dir.join(format!("{name}-{tag}.png"));
            write_chart(&chart, lang, &png, DEFAULT_SIZE).unwrap();
            let bytes = std::fs::read(&png).unwrap();
            assert!(bytes.len() > 20_000, "{name}: {} bytes", bytes.len());
            let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
            assert_eq!(img.dimensions(), DEFAULT_SIZE);
            let colours = distinct_colours(img.as_raw());
            assert!(colours > 20, "{name}: only {colours} colours");
            // Most of the page is white background, but not all of it.
            let white = img.pixels().filter(|p| p.0 == [255, 255, 255]).count();
            let share = white as f64 / (DEFAULT_SIZE.0 * DEFAULT_SIZE.1) as f64;
            assert!(share > 0.3 && share < 0.97, "{name}: white share {share}");

            let svg_path = dir.join(format!("{name}-{tag}.svg"));
            write_chart(&chart, lang, &svg_path, DEFAULT_SIZE).unwrap();
            let svg = std::fs::read_to_string(&svg_path).unwrap();
            assert!(svg.len() > 5_000 && svg.starts_with("<svg"));
        }
    }
    // Nothing but the charts was left behind (no temp files).
    let stray = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".chart-")
        })
        .count();
    assert_eq!(stray, 0);
}

#[test]
fn vietnamese_titles_keep_their_diacritics() {
    let svg = render_svg(&trend(), Lang::Vi, DEFAULT_SIZE).unwrap();
    assert!(svg.contains("Phường An Cựu – số tin báo theo tháng"));
    assert!(svg.contains("Điểm bán lẻ"));
    assert!(svg.contains("Tái phát"));
    let svg = render_svg(&trend(), Lang::En, DEFAULT_SIZE).unwrap();
    assert!(svg.contains("Phường An Cựu – reports per month"));
    assert!(svg.contains("Retail sale"));
    let svg = render_svg(&targets(), Lang::Vi, DEFAULT_SIZE).unwrap();
    assert!(svg.contains("tỷ lệ tổ dân phố sạch ma túy"));
    assert!(svg.contains("≥ 70 % – 12/2026"));
    let svg = render_svg(&emerging(), Lang::Vi, DEFAULT_SIZE).unwrap();
    assert!(svg.contains("Phường Vĩnh Ninh"));
    assert!(svg.contains("Điểm nóng kéo dài"));
    // No-pattern cells are not drawn or listed.
    assert!(!svg.contains("Không có xu hướng"));
}

#[test]
fn diacritics_are_drawn_not_dropped() {
    // The same title with and without the accents must give different pixels: the
    // embedded font has the glyphs (a missing glyph would draw nothing).
    let mut plain = trend();
    let mut accented = trend();
    if let (Chart::Trend(p), Chart::Trend(a)) = (&mut plain, &mut accented) {
        p.area_name = "Phuong An Cuu".into();
        a.area_name = "Phường An Cựu".into();
    }
    let p = render_rgb(&plain, Lang::En, (800, 500)).unwrap();
    let a = render_rgb(&accented, Lang::En, (800, 500)).unwrap();
    let dark = |px: &[u8]| px.chunks(3).filter(|c| c.iter().all(|&v| v < 100)).count();
    assert!(
        dark(&a) > dark(&p),
        "accents add ink: {} vs {}",
        dark(&a),
        dark(&p)
    );
}

#[test]
fn unknown_extension_and_empty_data_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_chart(&trend(), Lang::Vi, &dir.path().join("x.jpg"), DEFAULT_SIZE).unwrap_err();
    assert!(matches!(err, ChartError::Format(_)));
    assert!(!dir.path().join("x.jpg").exists());
    let empty = Chart::Status(StatusChart {
        scope: "x".into(),
        months: vec![],
        counts: vec![],
    });
    let err = write_chart(&empty, Lang::Vi, &dir.path().join("x.png"), DEFAULT_SIZE).unwrap_err();
    assert!(matches!(err, ChartError::Empty(_)));
    assert!(!dir.path().join("x.png").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
