//! Chart (d): emerging hot-spot categories per area (horizontal stacked bars of cell counts).

use super::labels::{self, CATEGORIES, Lang, t};
use super::{ChartError, draw_legend, plot, text_font, title_font};
use crate::analysis::emerging::Category;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The cells of one area per category.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingRow {
    pub area_name: String,
    pub counts: Vec<(Category, u32)>,
}

/// Emerging hot-spot categories of the areas of one district (or any set of areas).
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingChart {
    pub scope: String,
    pub rows: Vec<EmergingRow>,
}

impl EmergingRow {
    fn count(&self, c: Category) -> u32 {
        self.counts
            .iter()
            .filter(|(k, _)| *k == c)
            .map(|(_, n)| n)
            .sum()
    }
}

impl EmergingChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        lang: Lang,
    ) -> Result<(), ChartError> {
        if self.rows.is_empty() {
            return Err(ChartError::Empty("no areas"));
        }
        // A chart of empty bars says nothing; the caller shows why instead (e.g. a coarser
        // resolution is needed for a pattern to be significant).
        if !self
            .rows
            .iter()
            .any(|r| CATEGORIES.iter().any(|c| r.count(*c) > 0))
        {
            return Err(ChartError::Empty("no cell shows an emerging pattern"));
        }
        let n = self.rows.len();
        let xmax = self
            .rows
            .iter()
            .map(|r| CATEGORIES.iter().map(|c| r.count(*c)).sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.1;
        let (w, _) = root.dim_in_pixel();
        let (main, side) = root.split_horizontally(w.saturating_sub(300));
        let title = format!(
            "{} – {}",
            self.scope,
            t(
                lang,
                "xu hướng điểm nóng mới nổi",
                "emerging hot spot patterns"
            )
        );
        let label_width = self
            .rows
            .iter()
            .map(|r| r.area_name.chars().count() as u32)
            .max()
            .unwrap_or(8)
            * 9
            + 20;
        let mut chart = ChartBuilder::on(&main)
            .caption(title, title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(label_width.clamp(80, 320))
            .build_cartesian_2d(0f64..xmax, -0.5f64..(n as f64 - 0.5))
            .map_err(plot)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    // First row at the top.
                    self.rows[n - 1 - i as usize].area_name.clone()
                } else {
                    String::new()
                }
            })
            // Cell counts are whole numbers: label integer ticks only (was "0 0 0 1 1 1").
            .x_labels((xmax as usize + 1).min(12))
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-6 {
                    format!("{x:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc(t(lang, "Số ô lục giác H3", "H3 cells"))
            .axis_desc_style(text_font(17))
            .label_style(text_font(14))
            .draw()
            .map_err(plot)?;
        for (ri, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - ri) as f64;
            let mut base = 0.0;
            for c in CATEGORIES {
                let v = row.count(c) as f64;
                if v > 0.0 {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(base, y - 0.35), (base + v, y + 0.35)],
                            labels::category_color(c).filled(),
                        )))
                        .map_err(plot)?;
                    base += v;
                }
            }
        }
        let entries: Vec<_> = CATEGORIES
            .iter()
            .filter(|c| self.rows.iter().any(|r| r.count(**c) > 0))
            .map(|c| {
                (
                    labels::category(*c, lang).to_string(),
                    labels::category_color(*c),
                )
            })
            .collect();
        draw_legend(&side, t(lang, "Xu hướng", "Pattern"), &entries, 70)?;
        Ok(())
    }
}
