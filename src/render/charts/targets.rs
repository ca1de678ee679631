//! Chart (b): share of child areas drug-free per month against the programme's target steps.

use super::labels::{Lang, t};
use super::{ChartError, draw_legend, month_pos, month_tick, plot, text_font, title_font};
use crate::lifecycle::StatusTable;
use crate::lifecycle::targets::descendants_at;
use crate::model::{Area, AreaLevel, Target};
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Monthly drug-free share of an area's children and the targets to compare it with.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetChart {
    pub area_name: String,
    pub level: AreaLevel,
    /// First day of each month.
    pub months: Vec<NaiveDate>,
    /// Share of children drug-free per month, in [0, 1].
    pub shares: Vec<f64>,
    /// (due date, share) of each target.
    pub targets: Vec<(NaiveDate, f64)>,
}

impl TargetChart {
    /// Shares of `area_id`'s `level` descendants from a status table, with the targets of
    /// that area and level.
    pub fn from_table(
        area: &Area,
        level: AreaLevel,
        table: &StatusTable,
        areas: &[Area],
        targets: &[Target],
    ) -> TargetChart {
        let children = descendants_at(areas, &area.id, level);
        let timelines: Vec<_> = children.iter().filter_map(|c| table.area(&c.id)).collect();
        let shares = (0..table.months.len())
            .map(|i| {
                let free = timelines
                    .iter()
                    .filter(|tl| tl.months[i].status.is_drug_free())
                    .count();
                if children.is_empty() {
                    0.0
                } else {
                    free as f64 / children.len() as f64
                }
            })
            .collect();
        let mut tg: Vec<_> = targets
            .iter()
            .filter(|t| t.area_id == area.id && t.level == level)
            .map(|t| (t.due, t.share))
            .collect();
        tg.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        TargetChart {
            area_name: area.name.clone(),
            level,
            months: table.months.clone(),
            shares,
            targets: tg,
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let Some(&first) = self.months.first() else {
            return Err(ChartError::Empty("no months"));
        };
        let x_of = |d: NaiveDate| month_pos(d) - month_pos(first);
        let mut targets = self.targets.clone();
        targets.sort_by_key(|a| a.0);
        let xmax = targets
            .iter()
            .map(|(d, _)| x_of(*d) + 1.0)
            .fold(self.months.len() as f64, f64::max);
        let (w, _) = root.dim_in_pixel();
        let (main, side) = root.split_horizontally(w.saturating_sub(280));
        let level = crate::render::glossary::level_plural(self.level, lang);
        let title = match lang {
            Lang::Vi => format!(
                "{} – tỷ lệ {level} sạch ma túy so với mục tiêu",
                self.area_name
            ),
            Lang::En => format!("{} – share of {level} drug-free vs target", self.area_name),
        };
        let mut chart = ChartBuilder::on(&main)
            .caption(title, title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..xmax, 0f64..1.05)
            .map_err(plot)?;
        chart
            .configure_mesh()
            .x_labels(12)
            .x_label_formatter(&|x| month_tick(first, *x, lang))
            .y_labels(11)
            .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
            .x_desc(t(lang, "Tháng", "Month"))
            .y_desc(t(lang, "Tỷ lệ sạch ma túy", "Share drug-free"))
            .axis_desc_style(text_font(17))
            .label_style(text_font(14))
            .draw()
            .map_err(plot)?;

        let target_color = RGBColor(215, 48, 39);
        let actual_color = RGBColor(26, 152, 80);
        // Target steps: each requirement applies from the previous due date to its own.
        let mut prev_x = 0.0;
        for (due, share) in &targets {
            let x = x_of(*due);
            chart
                .draw_series(DashedLineSeries::new(
                    [(prev_x, *share), (x, *share)],
                    10,
                    6,
                    target_color.stroke_width(3),
                ))
                .map_err(plot)?;
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (x, *share),
                    9,
                    target_color.filled(),
                )))
                .map_err(plot)?;
            let label = format!(
                "≥ {:.0} % – {}",
                share * 100.0,
                super::labels::month(*due, lang)
            );
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (x, (*share - 0.055).max(0.01)),
                    text_font(14)
                        .color(&target_color)
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Right,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )))
                .map_err(plot)?;
            prev_x = x;
        }
        chart
            .draw_series(LineSeries::new(
                self.shares.iter().enumerate().map(|(i, s)| (i as f64, *s)),
                actual_color.stroke_width(3),
            ))
            .map_err(plot)?;
        chart
            .draw_series(
                self.shares
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Circle::new((i as f64, *s), 3, actual_color.filled())),
            )
            .map_err(plot)?;

        let entries = [
            (
                t(
                    lang,
                    "Thực tế (sạch, giữ sạch)",
                    "Actual (clean, kept clean)",
                )
                .to_string(),
                actual_color,
            ),
            (
                t(lang, "Mục tiêu theo hạn", "Target by due date").to_string(),
                target_color,
            ),
        ];
        draw_legend(&side, t(lang, "Chú giải", "Legend"), &entries, 70)?;
        Ok(())
    }
}
