//! Lays the briefing's [`Block`]s out on A4 pages and writes them with krilla.
//!
//! Layout is a single top-to-bottom flow: every block measures itself with the DejaVu
//! metrics of [`super::text`], starts a new page when it does not fit (a heading never
//! stays alone at the foot of a page, a table repeats its header after a break), and emits
//! drawing operations. The operations of all pages are collected first, so the footer can
//! say "page 1 of 3"; then krilla draws them, embedding (and subsetting) DejaVu Sans so
//! Vietnamese diacritics render and extract as text on any machine.

use super::text::{bold_bytes, regular_bytes, width, wrap};
use super::words::t;
use super::{Block, BriefingError, Cell, Picture, Tone};
use crate::render::charts::Lang;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

/// A4 in points.
pub const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN_X: f32 = 46.0;
const MARGIN_TOP: f32 = 44.0;
/// Space kept free at the foot for the footer.
const MARGIN_BOTTOM: f32 = 52.0;
const TEXT_W: f32 = PAGE.0 - 2.0 * MARGIN_X;

type Rgb = (u8, u8, u8);

const INK: Rgb = (25, 25, 25);
const GREY: Rgb = (100, 100, 100);
const NAVY: Rgb = (18, 52, 98);
const RULE: Rgb = (190, 196, 205);
const HEAD_FILL: Rgb = (226, 232, 240);
const ZEBRA: Rgb = (246, 247, 249);
const BAD: Rgb = (176, 18, 18);
const GOOD: Rgb = (22, 110, 50);

/// One drawing operation on a page (top-left origin, points).
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        rect: (f32, f32, f32, f32),
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Image {
        index: usize,
        rect: (f32, f32, f32, f32),
    },
}

/// The flow of blocks over pages.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    images: Vec<Vec<u8>>,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
            images: Vec::new(),
        }
    }

    fn bottom() -> f32 {
        PAGE.1 - MARGIN_BOTTOM
    }

    fn page_empty(&self) -> bool {
        self.pages.last().is_none_or(Vec::is_empty)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > Self::bottom() && !self.page_empty() {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, color: Rgb, s: &str) {
        if !s.is_empty() {
            self.push(Op::Text {
                x,
                baseline,
                size,
                bold,
                color,
                text: s.to_string(),
            });
        }
    }

    fn rect(&mut self, rect: (f32, f32, f32, f32), fill: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
        self.push(Op::Rect { rect, fill, stroke });
    }

    /// Wrapped text at the cursor; returns nothing, advances the cursor.
    fn paragraph(&mut self, s: &str, size: f32, bold: bool, color: Rgb, indent: f32) {
        let lh = size * 1.32;
        for line in wrap(s, size, bold, TEXT_W - indent) {
            self.ensure(lh);
            self.text(MARGIN_X + indent, self.y + size, size, bold, color, &line);
            self.y += lh;
        }
    }
}

fn tone_style(tone: Tone) -> (bool, Rgb) {
    match tone {
        Tone::Normal => (false, INK),
        Tone::Strong => (true, INK),
        Tone::Good => (true, GOOD),
        Tone::Bad => (true, BAD),
        Tone::Muted => (false, GREY),
    }
}

fn header(l: &mut Layout, kicker: &str, title: &str, lines: &[String]) {
    let band_h = 4.0;
    l.rect((MARGIN_X, l.y, TEXT_W, band_h), Some(NAVY), None);
    l.y += band_h + 12.0;
    l.paragraph(kicker, 7.5, true, NAVY, 0.0);
    l.y += 2.0;
    l.paragraph(title, 17.0, true, INK, 0.0);
    l.y += 2.0;
    for line in lines {
        l.paragraph(line, 8.5, false, GREY, 0.0);
    }
    l.y += 4.0;
    l.rect((MARGIN_X, l.y, TEXT_W, 0.8), Some(RULE), None);
    l.y += 10.0;
}

fn notice(l: &mut Layout, s: &str) {
    let size = 8.2;
    let lines = wrap(s, size, true, TEXT_W - 20.0);
    let h = lines.len() as f32 * size * 1.32 + 12.0;
    l.ensure(h);
    l.rect(
        (MARGIN_X, l.y, TEXT_W, h),
        Some((255, 244, 214)),
        Some(((214, 150, 0), 1.2)),
    );
    let mut y = l.y + 6.0;
    for line in lines {
        l.text(MARGIN_X + 10.0, y + size, size, true, (122, 74, 0), &line);
        y += size * 1.32;
    }
    l.y += h + 10.0;
}

fn tiles(l: &mut Layout, tiles: &[(String, String, Tone)]) {
    let per_row = 3usize;
    let gap = 8.0;
    let w = (TEXT_W - gap * (per_row as f32 - 1.0)) / per_row as f32;
    let h = 44.0;
    for row in tiles.chunks(per_row) {
        l.ensure(h);
        let y = l.y;
        for (i, (value, label, tone)) in row.iter().enumerate() {
            let x = MARGIN_X + i as f32 * (w + gap);
            let (_, color) = tone_style(*tone);
            let color = if *tone == Tone::Strong { NAVY } else { color };
            l.rect((x, y, w, h), Some(ZEBRA), Some((RULE, 0.6)));
            l.rect((x, y, 3.0, h), Some(color), None);
            l.text(x + 10.0, y + 20.0, 16.0, true, color, value);
            let vw = width(value, 16.0, true);
            let label_lines = wrap(label, 7.6, false, w - vw - 24.0);
            let mut ly = y + 13.0 - (label_lines.len().min(3) as f32 - 1.0) * 4.5;
            for line in label_lines.iter().take(3) {
                l.text(x + vw + 16.0, ly + 7.6, 7.6, false, INK, line);
                ly += 9.5;
            }
        }
        l.y += h + gap;
    }
    l.y += 2.0;
}

fn heading(l: &mut Layout, s: &str) {
    // Keep the heading with at least a few lines of what follows.
    l.y += 6.0;
    l.ensure(70.0);
    l.paragraph(s, 11.5, true, NAVY, 0.0);
    l.y += 3.0;
}

const CELL_SIZE: f32 = 7.6;
const CELL_PAD: f32 = 3.2;
const SWATCH: f32 = 7.0;

fn cell_lines(c: &Cell, w: f32, bold: bool) -> Vec<String> {
    let inner = w
        - 2.0 * CELL_PAD
        - if c.swatch.is_some() {
            SWATCH + 3.0
        } else {
            0.0
        };
    wrap(&c.text, CELL_SIZE, bold, inner.max(10.0))
}

fn table(l: &mut Layout, header: &[String], widths: &[f32], rows: &[Vec<Cell>]) {
    let total: f32 = widths.iter().sum();
    let cols: Vec<f32> = widths.iter().map(|w| w / total * TEXT_W).collect();
    let lh = CELL_SIZE * 1.28;
    let head_cells: Vec<Cell> = header
        .iter()
        .map(|h| Cell::new(h.clone()).tone(Tone::Strong))
        .collect();
    let measure = |cells: &[Cell]| -> (Vec<Vec<String>>, f32) {
        let lines: Vec<Vec<String>> = cells
            .iter()
            .zip(&cols)
            .map(|(c, w)| cell_lines(c, *w, tone_style(c.tone).0))
            .collect();
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (lines, n as f32 * lh + 2.0 * CELL_PAD)
    };
    let (head_lines, head_h) = measure(&head_cells);
    let draw_row = |l: &mut Layout, cells: &[Cell], lines: &[Vec<String>], h: f32, fill| {
        let y = l.y;
        if let Some(fill) = fill {
            l.rect((MARGIN_X, y, TEXT_W, h), Some(fill), None);
        }
        let mut x = MARGIN_X;
        for ((c, ls), w) in cells.iter().zip(lines).zip(&cols) {
            let (bold, color) = tone_style(c.tone);
            let mut tx = x + CELL_PAD;
            if let Some(rgb) = c.swatch {
                l.rect(
                    (tx, y + CELL_PAD + 1.0, SWATCH, SWATCH),
                    Some(rgb),
                    Some((GREY, 0.4)),
                );
                tx += SWATCH + 3.0;
            }
            let mut by = y + CELL_PAD + CELL_SIZE;
            for line in ls {
                l.text(tx, by, CELL_SIZE, bold, color, line);
                by += lh;
            }
            x += w;
        }
        l.rect((MARGIN_X, y + h - 0.4, TEXT_W, 0.4), Some(RULE), None);
        l.y += h;
    };
    l.ensure(head_h + lh * 2.0 + 2.0 * CELL_PAD);
    draw_row(l, &head_cells, &head_lines, head_h, Some(HEAD_FILL));
    for (i, row) in rows.iter().enumerate() {
        let (lines, h) = measure(row);
        if l.ensure(h) {
            draw_row(l, &head_cells, &head_lines, head_h, Some(HEAD_FILL));
        }
        let fill = (i % 2 == 1).then_some(ZEBRA);
        draw_row(l, row, &lines, h, fill);
    }
    l.y += 8.0;
}

fn figure(l: &mut Layout, picture: &Picture, aspect: f32, caption: &str) {
    let Picture::Png { bytes, .. } = picture else {
        // Only PNG pictures reach the PDF writer (see content::blocks).
        return;
    };
    let cap_lines = wrap(caption, 7.8, false, TEXT_W);
    let cap_h = cap_lines.len() as f32 * 10.5 + 11.0;
    // A figure shrinks (down to 75 %) rather than leave most of a page empty.
    let full = TEXT_W * aspect;
    let room = Layout::bottom() - l.y - cap_h;
    let h = if room >= full || room < full * 0.75 {
        full
    } else {
        room
    };
    l.ensure(h + cap_h);
    let w = h / aspect;
    let x = MARGIN_X + (TEXT_W - w) / 2.0;
    l.images.push(bytes.clone());
    let index = l.images.len() - 1;
    l.push(Op::Image {
        index,
        rect: (x, l.y, w, h),
    });
    l.rect((x, l.y, w, h), None, Some((RULE, 0.6)));
    l.y += h + 3.0;
    for line in cap_lines {
        l.text(MARGIN_X, l.y + 7.8, 7.8, false, GREY, &line);
        l.y += 10.5;
    }
    l.y += 8.0;
}

fn layout(blocks: &[Block]) -> Layout {
    let mut l = Layout::new();
    for b in blocks {
        match b {
            Block::Header {
                kicker,
                title,
                lines,
            } => header(&mut l, kicker, title, lines),
            Block::Notice(s) => notice(&mut l, s),
            Block::Tiles(ts) => tiles(&mut l, ts),
            Block::Heading(s) => heading(&mut l, s),
            Block::Paragraph(s) => {
                l.paragraph(s, 8.4, false, INK, 0.0);
                l.y += 6.0;
            }
            Block::Table {
                header,
                widths,
                rows,
            } => table(&mut l, header, widths, rows),
            Block::Figure {
                picture,
                aspect,
                caption,
            } => figure(&mut l, picture, *aspect, caption),
            Block::PageBreak => {
                if !l.page_empty() {
                    l.new_page();
                }
            }
        }
    }
    if l.page_empty() && l.pages.len() > 1 {
        l.pages.pop();
    }
    l
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw_op(s: &mut Surface<'_>, op: &Op, fonts: &(Font, Font), images: &[Image]) {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            color,
            text,
        } => {
            s.set_stroke(None);
            s.set_fill(Some(fill(*color)));
            let font = if *bold { &fonts.1 } else { &fonts.0 };
            s.draw_text(
                Point::from_xy(*x, *baseline),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect {
            rect: (x, y, w, h),
            fill: f,
            stroke,
        } => {
            let Some(r) = Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            let Some(path) = pb.finish() else {
                return;
            };
            s.set_fill(f.map(fill));
            s.set_stroke(stroke.map(|(c, width)| Stroke {
                paint: rgb::Color::new(c.0, c.1, c.2).into(),
                width,
                ..Stroke::default()
            }));
            s.draw_path(&path);
        }
        Op::Image {
            index,
            rect: (x, y, w, h),
        } => {
            if let (Some(img), Some(size)) = (images.get(*index), Size::from_wh(*w, *h)) {
                s.push_transform(&Transform::from_translate(*x, *y));
                s.draw_image(img.clone(), size);
                s.pop();
            }
        }
    }
}

/// The PDF of `blocks`, with `footer` and page numbers on every page.
pub fn write(
    blocks: &[Block],
    footer: &str,
    title: &str,
    lang: Lang,
) -> Result<Vec<u8>, BriefingError> {
    let layout = layout(blocks);
    let fonts = (
        Font::new(regular_bytes().into(), 0)
            .ok_or_else(|| BriefingError::Pdf("DejaVu Sans does not load".into()))?,
        Font::new(bold_bytes().into(), 0)
            .ok_or_else(|| BriefingError::Pdf("DejaVu Sans Bold does not load".into()))?,
    );
    let images: Vec<Image> = layout
        .images
        .iter()
        .map(|b| Image::from_png(b.clone().into(), true).map_err(BriefingError::Pdf))
        .collect::<Result<_, _>>()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("hotspot".to_string())
            .language(match lang {
                Lang::Vi => "vi".to_string(),
                Lang::En => "en".to_string(),
            }),
    );
    let n = layout.pages.len();
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1)
        .ok_or_else(|| BriefingError::Pdf("A4 page size".into()))?;
    for (i, ops) in layout.pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        for op in ops {
            draw_op(&mut s, op, &fonts, &images);
        }
        let fy = PAGE.1 - MARGIN_BOTTOM + 20.0;
        let page_label = format!("{} {}/{}", t(lang, "Trang", "Page"), i + 1, n);
        let foot = [
            Op::Rect {
                rect: (MARGIN_X, fy - 10.0, TEXT_W, 0.5),
                fill: Some(RULE),
                stroke: None,
            },
            Op::Text {
                x: MARGIN_X,
                baseline: fy,
                size: 7.0,
                bold: false,
                color: GREY,
                text: footer.to_string(),
            },
            Op::Text {
                x: MARGIN_X + TEXT_W - width(&page_label, 7.0, false),
                baseline: fy,
                size: 7.0,
                bold: false,
                color: GREY,
                text: page_label,
            },
        ];
        for op in &foot {
            draw_op(&mut s, op, &fonts, &images);
        }
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| BriefingError::Pdf(format!("{e:?}")))
}
