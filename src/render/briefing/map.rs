//! The briefing's static map, drawn by the binary with plotters (no tile server, no
//! browser): child areas filled by status, hotspots outlined in red with their ids,
//! sensitive sites as coloured symbols, a legend, a scale bar and a north arrow.
//!
//! Projection: equirectangular scaled by cos(latitude) at the map's centre — at ward and
//! district size the distortion is far below a line width.

use super::words::{self, t};
use super::{BriefingError, MapData};
use crate::model::{AreaStatus, SiteKind};
use crate::render::charts::{Lang, register_fonts};
use geo::{BoundingRect, InteriorPoint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pixel size of the map image (about 270 dpi across an A4 text column).
pub const SIZE: (u32, u32) = (1800, 1000);

/// Width of the legend panel, pixels.
const LEGEND_W: i32 = 470;

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Lon/lat → pixel mapping that keeps the aspect of the ground.
struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    scale: f64,
    off: (f64, f64),
}

impl Projection {
    fn fit(bbox: geo::Rect<f64>, area: (i32, i32, i32, i32)) -> Projection {
        let (x0, y0, w, h) = area;
        let lat_mid = (bbox.min().y + bbox.max().y) / 2.0;
        let kx = lat_mid.to_radians().cos().max(0.01);
        let gw = ((bbox.max().x - bbox.min().x) * kx).max(1e-9);
        let gh = (bbox.max().y - bbox.min().y).max(1e-9);
        let scale = (w as f64 / gw).min(h as f64 / gh);
        let off = (
            x0 as f64 + (w as f64 - gw * scale) / 2.0,
            y0 as f64 + (h as f64 - gh * scale) / 2.0,
        );
        Projection {
            lon0: bbox.min().x,
            lat1: bbox.max().y,
            kx,
            scale,
            off,
        }
    }

    fn px(&self, c: geo::Coord<f64>) -> (i32, i32) {
        (
            (self.off.0 + (c.x - self.lon0) * self.kx * self.scale).round() as i32,
            (self.off.1 + (self.lat1 - c.y) * self.scale).round() as i32,
        )
    }

    fn ring(&self, ls: &geo::LineString<f64>) -> Vec<(i32, i32)> {
        ls.0.iter().map(|c| self.px(*c)).collect()
    }

    /// Metres per pixel.
    fn m_per_px(&self) -> f64 {
        111_320.0 / self.scale
    }
}

fn plot<E: std::fmt::Display>(e: E) -> BriefingError {
    BriefingError::Map(e.to_string())
}

fn font(size: u32, bold: bool) -> TextStyle<'static> {
    let f = ("sans-serif", size).into_font();
    if bold {
        f.style(FontStyle::Bold).into()
    } else {
        f.into()
    }
}

/// Mixes a colour with white (`a` = share of the colour).
fn tint(c: (u8, u8, u8), a: f64) -> RGBColor {
    let m = |v: u8| (v as f64 * a + 255.0 * (1.0 - a)).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// A site symbol centred at `p`: circles for places, a square for other kinds.
fn site_symbol<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    kind: SiteKind,
    p: (i32, i32),
) -> Result<(), BriefingError> {
    let c = rgb(words::site_rgb(kind));
    let r = 13;
    match kind {
        SiteKind::School => {
            let tri = vec![
                (p.0, p.1 - r - 3),
                (p.0 - r - 2, p.1 + r),
                (p.0 + r + 2, p.1 + r),
            ];
            root.draw(&Polygon::new(tri.clone(), c.filled()))
                .map_err(plot)?;
            let mut ring = tri;
            ring.push(ring[0]);
            root.draw(&PathElement::new(ring, WHITE.stroke_width(3)))
                .map_err(plot)?;
        }
        SiteKind::IndustrialZone | SiteKind::Other => {
            root.draw(&Rectangle::new(
                [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
                c.filled(),
            ))
            .map_err(plot)?;
            root.draw(&Rectangle::new(
                [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
                WHITE.stroke_width(3),
            ))
            .map_err(plot)?;
        }
        _ => {
            root.draw(&Circle::new(p, r, c.filled())).map_err(plot)?;
            root.draw(&Circle::new(p, r, WHITE.stroke_width(3)))
                .map_err(plot)?;
        }
    }
    Ok(())
}

/// Draws the map into `root` (which must be [`SIZE`]).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &MapData,
    lang: Lang,
) -> Result<(), BriefingError> {
    root.fill(&WHITE).map_err(plot)?;
    let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
    let frame = (12, 12, w - LEGEND_W - 36, h - 24);
    let bbox = map
        .outline
        .bounding_rect()
        .or_else(|| {
            geo::MultiPolygon(
                map.children
                    .iter()
                    .flat_map(|c| c.geometry.0.clone())
                    .collect(),
            )
            .bounding_rect()
        })
        .ok_or_else(|| BriefingError::Map("the area has no geometry".into()))?;
    let pad_x = (bbox.max().x - bbox.min().x) * 0.05;
    let pad_y = (bbox.max().y - bbox.min().y) * 0.05;
    let bbox = geo::Rect::new(
        geo::coord! { x: bbox.min().x - pad_x, y: bbox.min().y - pad_y },
        geo::coord! { x: bbox.max().x + pad_x, y: bbox.max().y + pad_y },
    );
    // Everything geographic is drawn into the frame's own area, which clips it: a site
    // polygon reaching out of the area must not run over the legend.
    let legend_root = root;
    let root = &root
        .clone()
        .shrink((frame.0, frame.1), (frame.2 as u32, frame.3 as u32));
    let frame = (0, 0, frame.2, frame.3);
    let pr = Projection::fit(bbox, frame);
    let grey = RGBColor(90, 90, 90);

    root.draw(&Rectangle::new(
        [(frame.0, frame.1), (frame.0 + frame.2, frame.1 + frame.3)],
        RGBColor(246, 246, 243).filled(),
    ))
    .map_err(plot)?;
    for poly in &map.outline.0 {
        root.draw(&Polygon::new(pr.ring(poly.exterior()), WHITE.filled()))
            .map_err(plot)?;
    }
    // Child areas filled by status.
    for c in &map.children {
        for poly in &c.geometry.0 {
            root.draw(&Polygon::new(
                pr.ring(poly.exterior()),
                tint(words::status_rgb(c.status), 0.55).filled(),
            ))
            .map_err(plot)?;
        }
    }
    for c in &map.children {
        for poly in &c.geometry.0 {
            root.draw(&PathElement::new(
                pr.ring(poly.exterior()),
                WHITE.stroke_width(5),
            ))
            .map_err(plot)?;
            root.draw(&PathElement::new(
                pr.ring(poly.exterior()),
                grey.stroke_width(2),
            ))
            .map_err(plot)?;
        }
    }
    for poly in &map.outline.0 {
        root.draw(&PathElement::new(
            pr.ring(poly.exterior()),
            RGBColor(30, 30, 30).stroke_width(5),
        ))
        .map_err(plot)?;
    }
    // Industrial zones and other polygon sites under the symbols.
    for s in &map.sites {
        if let geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) = &s.geometry {
            let polys: Vec<geo::Polygon<f64>> = match &s.geometry {
                geo::Geometry::Polygon(p) => vec![p.clone()],
                geo::Geometry::MultiPolygon(m) => m.0.clone(),
                _ => Vec::new(),
            };
            for p in polys {
                let ring = pr.ring(p.exterior());
                root.draw(&Polygon::new(
                    ring.clone(),
                    tint(words::site_rgb(s.kind), 0.25).filled(),
                ))
                .map_err(plot)?;
                root.draw(&PathElement::new(
                    ring,
                    rgb(words::site_rgb(s.kind)).stroke_width(3),
                ))
                .map_err(plot)?;
            }
        }
    }
    // Group labels.
    for c in &map.children {
        if let Some(p) = c.geometry.interior_point() {
            root.draw(&Text::new(
                c.label.clone(),
                pr.px(p.0),
                font(34, true)
                    .color(&RGBColor(20, 20, 20))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(plot)?;
        }
    }
    // Hotspots.
    let red = RGBColor(200, 0, 0);
    for hs in &map.hotspots {
        let ring = pr.ring(hs.polygon.exterior());
        root.draw(&Polygon::new(ring.clone(), red.mix(0.22).filled()))
            .map_err(plot)?;
        let style = if hs.active {
            red.stroke_width(6)
        } else {
            RGBColor(150, 80, 80).stroke_width(3)
        };
        root.draw(&PathElement::new(ring.clone(), style))
            .map_err(plot)?;
        if hs.label.is_empty() {
            continue;
        }
        let top = ring.iter().min_by_key(|p| p.1).copied().unwrap_or((0, 0));
        let label = hs.label.clone();
        let tw = (label.chars().count() as i32) * 17 + 16;
        let at = (top.0 - tw / 2, (top.1 - 48).max(4));
        root.draw(&Rectangle::new(
            [at, (at.0 + tw, at.1 + 40)],
            WHITE.mix(0.9).filled(),
        ))
        .map_err(plot)?;
        root.draw(&Rectangle::new(
            [at, (at.0 + tw, at.1 + 40)],
            red.stroke_width(2),
        ))
        .map_err(plot)?;
        root.draw(&Text::new(
            label,
            (at.0 + tw / 2, at.1 + 20),
            font(28, true)
                .color(&red)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(plot)?;
    }
    // Point sites (polygon sites get their symbol at an interior point).
    for s in &map.sites {
        let p = match &s.geometry {
            geo::Geometry::Point(p) => Some(*p),
            g => g.interior_point(),
        };
        if let Some(p) = p {
            site_symbol(root, s.kind, pr.px(p.0))?;
        }
    }
    draw_north_and_scale(root, &pr, frame)?;
    draw_legend(legend_root, map, lang, (w - LEGEND_W, 12))
}

fn draw_north_and_scale<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pr: &Projection,
    frame: (i32, i32, i32, i32),
) -> Result<(), BriefingError> {
    let black = RGBColor(30, 30, 30);
    // North arrow, top left of the frame.
    let (nx, ny) = (frame.0 + 50, frame.1 + 40);
    root.draw(&Polygon::new(
        vec![
            (nx, ny),
            (nx - 16, ny + 48),
            (nx, ny + 36),
            (nx + 16, ny + 48),
        ],
        black.filled(),
    ))
    .map_err(plot)?;
    root.draw(&Text::new(
        "N",
        (nx, ny + 72),
        font(30, true).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(plot)?;
    // Scale bar, bottom left: the largest round length under 260 px.
    let mpp = pr.m_per_px();
    let len_m = [
        50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0,
    ]
    .into_iter()
    .rev()
    .find(|m| m / mpp <= 260.0)
    .unwrap_or(50.0);
    let px = (len_m / mpp).round() as i32;
    let (sx, sy) = (frame.0 + 30, frame.1 + frame.3 - 40);
    root.draw(&Rectangle::new(
        [(sx, sy), (sx + px, sy + 10)],
        black.filled(),
    ))
    .map_err(plot)?;
    let label = if len_m >= 1000.0 {
        format!("{} km", len_m / 1000.0)
    } else {
        format!("{len_m} m")
    };
    root.draw(&Text::new(
        label,
        (sx + px + 14, sy + 5),
        font(28, false).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(plot)?;
    Ok(())
}

/// One legend row: a 44×32 swatch (fill, then outline) at `at` and its label beside it.
fn swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    fill: ShapeStyle,
    outline: ShapeStyle,
    label: String,
) -> Result<(), BriefingError> {
    for style in [fill, outline] {
        root.draw(&Rectangle::new([(x, y), (x + 44, y + 32)], style))
            .map_err(plot)?;
    }
    root.draw(&Text::new(
        label,
        (x + 60, y + 16),
        font(28, false).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(plot)?;
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &MapData,
    lang: Lang,
    at: (i32, i32),
) -> Result<(), BriefingError> {
    let (x, mut y) = (at.0, at.1 + 20);
    let heading = |root: &DrawingArea<DB, Shift>, s: &str, y: i32| {
        root.draw(&Text::new(s.to_string(), (x, y), font(32, true)))
            .map_err(plot)
    };
    heading(root, t(lang, "Trạng thái", "Status"), y)?;
    y += 52;
    let present: Vec<AreaStatus> = AreaStatus::ALL
        .iter()
        .copied()
        .filter(|s| map.children.iter().any(|c| c.status == *s))
        .collect();
    for s in present {
        let n = map.children.iter().filter(|c| c.status == s).count();
        swatch(
            root,
            (x, y),
            tint(words::status_rgb(s), 0.55).filled(),
            RGBColor(90, 90, 90).stroke_width(2),
            format!("{} ({n})", words::status(s, lang)),
        )?;
        y += 46;
    }
    if !map.hotspots.is_empty() {
        y += 16;
        heading(root, t(lang, "Điểm nóng", "Hotspots"), y)?;
        y += 52;
        let red = RGBColor(200, 0, 0);
        swatch(
            root,
            (x, y),
            red.mix(0.22).filled(),
            red.stroke_width(5),
            t(lang, "Đang hoạt động (có mã)", "Active (with id)").to_string(),
        )?;
        y += 46;
        swatch(
            root,
            (x, y),
            red.mix(0.22).filled(),
            RGBColor(150, 80, 80).stroke_width(3),
            t(lang, "Tạm lắng", "Dormant").to_string(),
        )?;
        y += 46;
    }
    let mut kinds: Vec<SiteKind> = map.sites.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    if !kinds.is_empty() {
        y += 16;
        heading(root, t(lang, "Địa điểm nhạy cảm", "Sensitive sites"), y)?;
        y += 52;
        for k in kinds {
            site_symbol(root, k, (x + 22, y + 16))?;
            root.draw(&Text::new(
                words::site(k, lang).to_string(),
                (x + 60, y + 16),
                font(28, false).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(plot)?;
            y += 46;
        }
    }
    Ok(())
}

/// The map as PNG bytes.
pub fn png(map: &MapData, lang: Lang) -> Result<Vec<u8>, BriefingError> {
    register_fonts();
    let mut buf = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = crate::render::text_raster::bitmap(&mut buf, SIZE);
        draw(&root, map, lang)?;
        root.present().map_err(plot)?;
    }
    let mut out = Vec::new();
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&buf, SIZE.0, SIZE.1, image::ColorType::Rgb8)
        .map_err(plot)?;
    Ok(out)
}

/// The map as an SVG document.
pub fn svg(map: &MapData, lang: Lang) -> Result<String, BriefingError> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, map, lang)?;
        root.present().map_err(plot)?;
    }
    Ok(out)
}
