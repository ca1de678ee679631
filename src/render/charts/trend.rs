//! Chart (a): monthly reports per kind for one area, its status phases shaded behind.

use super::labels::{self, Lang, t};
use super::{ChartError, draw_legend, month_tick, plot, text_font, title_font};
use crate::lifecycle::StatusTable;
use crate::model::{AreaStatus, KIND_COUNT, Report, ReportKind};
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Monthly report counts per kind of one area, with its computed status per month.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendChart {
    pub area_name: String,
    /// First day of each month.
    pub months: Vec<NaiveDate>,
    /// Per month, indexed by [`ReportKind::index`].
    pub counts: Vec<[u32; KIND_COUNT]>,
    /// Per month (same length as `months`), or empty to draw no phases.
    pub statuses: Vec<AreaStatus>,
}

impl TrendChart {
    /// The chart of area `area_index` of a status table, counting its assigned reports.
    pub fn from_table(
        area_name: &str,
        table: &StatusTable,
        area_index: usize,
        reports: &[Report],
    ) -> TrendChart {
        let months = table.months.clone();
        let mut counts = vec![[0u32; KIND_COUNT]; months.len()];
        for &ri in &table.assigned[area_index] {
            let r = &reports[ri as usize];
            let m = crate::timestep::TimeStep::Month.floor(r.observed_at.date());
            if let Ok(i) = months.binary_search(&m) {
                counts[i][r.kind.index()] += 1;
            }
        }
        TrendChart {
            area_name: area_name.to_string(),
            months,
            counts,
            statuses: table.areas[area_index]
                .months
                .iter()
                .map(|s| s.status)
                .collect(),
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
        let max_total = self
            .counts
            .iter()
            .map(|c| c.iter().sum::<u32>())
            .max()
            .unwrap_or(0);
        let ymax = ((max_total as f64) * 1.15).ceil().max(4.0);
        let (w, _) = root.dim_in_pixel();
        let (main, side) = root.split_horizontally(w.saturating_sub(280));
        let title = format!(
            "{} – {}",
            self.area_name,
            labels::term("reports_per_month", lang)
        );
        let mut chart = ChartBuilder::on(&main)
            .caption(title, title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(65)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..ymax)
            .map_err(plot)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&|x| month_tick(first, *x, lang))
            .y_labels((ymax as usize + 1).min(11))
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-6 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc(t(lang, "Tháng", "Month"))
            .y_desc(labels::term("reports_title", lang))
            .axis_desc_style(text_font(17))
            .label_style(text_font(14))
            .draw()
            .map_err(plot)?;

        // Status phases behind the bars.
        let mut i = 0;
        while i < self.statuses.len().min(n) {
            let s = self.statuses[i];
            let mut j = i;
            while j + 1 < self.statuses.len().min(n) && self.statuses[j + 1] == s {
                j += 1;
            }
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i as f64 - 0.5, 0.0), (j as f64 + 0.5, ymax)],
                    labels::status_color(s).mix(0.22).filled(),
                )))
                .map_err(plot)?;
            i = j + 1;
        }

        // Stacked bars, one segment per kind.
        for (i, c) in self.counts.iter().enumerate() {
            let mut base = 0.0;
            for k in ReportKind::ALL {
                let v = c[k.index()] as f64;
                if v > 0.0 {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(i as f64 - 0.38, base), (i as f64 + 0.38, base + v)],
                            labels::kind_color(*k).filled(),
                        )))
                        .map_err(plot)?;
                    base += v;
                }
            }
        }

        let kinds: Vec<_> = ReportKind::ALL
            .iter()
            .map(|k| (labels::kind(*k, lang).to_string(), labels::kind_color(*k)))
            .collect();
        let y = draw_legend(&side, labels::term("report_kind", lang), &kinds, 70)?;
        if !self.statuses.is_empty() {
            let statuses: Vec<_> = AreaStatus::ALL
                .iter()
                .filter(|s| self.statuses.contains(s))
                .map(|s| {
                    let c = labels::status_color(*s);
                    // The legend shows the shade as it appears behind the bars.
                    let m = |v: u8| (255.0 - (255.0 - v as f64) * 0.22) as u8;
                    (
                        labels::status(*s, lang).to_string(),
                        RGBColor(m(c.0), m(c.1), m(c.2)),
                    )
                })
                .collect();
            draw_legend(
                &side,
                t(lang, "Trạng thái (nền)", "Status (shading)"),
                &statuses,
                y,
            )?;
        }
        Ok(())
    }
}
