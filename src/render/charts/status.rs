//! Chart (c): number of areas per status over time (stacked areas).

use super::labels::{self, Lang, t};
use super::{ChartError, draw_legend, month_tick, plot, text_font, title_font};
use crate::lifecycle::StatusTable;
use crate::model::{AreaLevel, AreaStatus};
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Stacking order, bottom to top: drug-free first, so the green band grows upwards.
const ORDER: [AreaStatus; 5] = [
    AreaStatus::KeptClean,
    AreaStatus::Clean,
    AreaStatus::Cleaning,
    AreaStatus::Relapsed,
    AreaStatus::Hotspot,
];

/// Number of areas per status per month.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChart {
    /// What the areas are, e.g. "Phường An Cựu – tổ dân phố".
    pub scope: String,
    pub months: Vec<NaiveDate>,
    /// Per month, indexed by [`AreaStatus::index`].
    pub counts: Vec<[u32; 5]>,
}

impl StatusChart {
    /// Counts of the areas of `level` (or all) in a status table.
    pub fn from_table(scope: &str, table: &StatusTable, level: Option<AreaLevel>) -> StatusChart {
        StatusChart {
            scope: scope.to_string(),
            months: table.months.clone(),
            counts: table.counts_per_status(level),
        }
    }

    /// Counts of the areas with the given ids only (an area's children, or the area itself),
    /// so the chart of one residential group is about that group and nothing else.
    pub fn for_areas(scope: &str, table: &StatusTable, ids: &[&str]) -> StatusChart {
        let mut counts = vec![[0u32; 5]; table.months.len()];
        for a in table
            .areas
            .iter()
            .filter(|a| ids.contains(&a.area_id.as_str()))
        {
            for (i, s) in a.months.iter().enumerate() {
                counts[i][s.status.index()] += 1;
            }
        }
        StatusChart {
            scope: scope.to_string(),
            months: table.months.clone(),
            counts,
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let n = self.months.len();
        let Some(&first) = self.months.first() else {
            return Err(ChartError::Empty("no months"));
        };
        let total = self
            .counts
            .iter()
            .map(|c| c.iter().sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let (w, _) = root.dim_in_pixel();
        let (main, side) = root.split_horizontally(w.saturating_sub(280));
        let title = format!(
            "{} – {}",
            self.scope,
            t(lang, "số địa bàn theo trạng thái", "areas per status")
        );
        let mut chart = ChartBuilder::on(&main)
            .caption(title, title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(65)
            .build_cartesian_2d(0f64..((n.max(2) - 1) as f64), 0f64..total * 1.05)
            .map_err(plot)?;
        chart
            .configure_mesh()
            .x_labels(12)
            .x_label_formatter(&|x| month_tick(first, *x, lang))
            // Area counts are whole numbers: integer ticks only (one area gave "0 0 0 1 1").
            .y_labels((total as usize + 1).min(11))
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-6 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc(t(lang, "Tháng", "Month"))
            .y_desc(t(lang, "Số địa bàn", "Areas"))
            .axis_desc_style(text_font(17))
            .label_style(text_font(14))
            .draw()
            .map_err(plot)?;

        // Draw the cumulative layers from the top down so each lower band covers the rest.
        for top in (0..ORDER.len()).rev() {
            let layer: Vec<(f64, f64)> = self
                .counts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let v: u32 = ORDER[..=top].iter().map(|s| c[s.index()]).sum();
                    (i as f64, v as f64)
                })
                .collect();
            let color = labels::status_color(ORDER[top]);
            chart
                .draw_series(
                    AreaSeries::new(layer, 0.0, color.filled()).border_style(WHITE.stroke_width(1)),
                )
                .map_err(plot)?;
        }
        let entries: Vec<_> = ORDER
            .iter()
            .rev()
            .map(|s| {
                (
                    labels::status(*s, lang).to_string(),
                    labels::status_color(*s),
                )
            })
            .collect();
        draw_legend(&side, t(lang, "Trạng thái", "Status"), &entries, 70)?;
        Ok(())
    }
}
