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
            .y_label_formatter(&|y| format!("{y:.0}"))
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
