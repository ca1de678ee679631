//! The displacement job: which reports fall in the response area, its buffer and the control
//! area before and after a clean-up, and the Weighted Displacement Quotient of those counts.
use crate::analysis::AnalysisError;
use crate::analysis::displacement::{Counts, Wdq, Zones, wdq};
use crate::analysis::period::{Period, disjoint};
use crate::model::{Area, Report};
use geo::MultiPolygon;
use rayon::prelude::*;

/// What the job needs besides the reports.
#[derive(Debug, Clone)]
pub struct DisplacementInput<'a> {
    pub response: &'a MultiPolygon<f64>,
    pub control: &'a MultiPolygon<f64>,
    pub buffer_m: f64,
    pub before: Period,
    pub after: Period,
}

/// Counts the reports per zone and period and computes the WDQ.
///
/// Errors: overlapping periods (named `after`), a bad buffer, an empty polygon, or a control
/// area with no report in one of the periods (named `control`).
pub fn displacement(reports: &[Report], input: &DisplacementInput) -> Result<Wdq, AnalysisError> {
    disjoint(&input.before, &input.after, "after")?;
    let zones = Zones::new(input.response, input.control, input.buffer_m)?;
    let counts = reports
        .par_iter()
        .fold(Counts::default, |mut c, r| {
            let after = if input.before.contains(r.observed_at) {
                false
            } else if input.after.contains(r.observed_at) {
                true
            } else {
                return c;
            };
            c.add(zones.place(r.coord()), after);
            c
        })
        .reduce(Counts::default, Counts::merge);
    wdq(&counts)
}

/// The response area `response_id` and its control: `control_id`, or else the response
/// area's parent. Errors name `response` or `control`.
pub fn response_and_control<'a>(
    areas: &'a [Area],
    response_id: &str,
    control_id: Option<&str>,
) -> Result<(&'a Area, &'a Area), AnalysisError> {
    let find = |name: &'static str, id: &str| {
        areas
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| AnalysisError::Parameter {
                name,
                expected: "the id of a stored area",
                value: id.to_string(),
            })
    };
    let response = find("response", response_id)?;
    let control = control_area(areas, Some(response), control_id)?;
    Ok((response, control))
}

/// The control area: `control_id`, or else the parent of `response` (when known).
pub fn control_area<'a>(
    areas: &'a [Area],
    response: Option<&Area>,
    control_id: Option<&str>,
) -> Result<&'a Area, AnalysisError> {
    let id = match (control_id, response.and_then(|r| r.parent_id.as_deref())) {
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => {
            return Err(AnalysisError::Parameter {
                name: "control",
                expected: "a control area id (the response area has no parent area to default to)",
                value: "nothing".into(),
            });
        }
    };
    areas
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AnalysisError::Parameter {
            name: "control",
            expected: "the id of a stored area",
            value: id.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::displacement::Reading;
    use crate::model::{AreaLevel, ReportKind};
    use geo::polygon;

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x0, y: y0),
            (x: x0 + side, y: y0),
            (x: x0 + side, y: y0 + side),
            (x: x0, y: y0 + side),
        ]])
    }

    fn report(x: f64, y: f64, date: &str) -> Report {
        Report {
            id: format!("{x},{y},{date}"),
            lon: x,
            lat: y,
            kind: ReportKind::Use,
            observed_at: date
                .parse::<chrono::NaiveDate>()
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn counts_zones_and_periods() {
        let r = square(107.59, 16.46, 0.01);
        let c = square(107.55, 16.42, 0.1);
        let mut reports = Vec::new();
        let add = |v: &mut Vec<Report>, n, x, y, d| {
            for _ in 0..n {
                v.push(report(x, y, d));
            }
        };
        // Before: 4 in R, 1 in D, 10 in C. After: 2 in R, 2 in D, 10 in C.
        add(&mut reports, 4, 107.595, 16.465, "2025-03-01");
        add(&mut reports, 1, 107.595, 16.472, "2025-03-01");
        add(&mut reports, 10, 107.56, 16.43, "2025-06-30");
        add(&mut reports, 2, 107.595, 16.465, "2025-07-01");
        add(&mut reports, 2, 107.595, 16.472, "2025-12-31");
        add(&mut reports, 10, 107.56, 16.43, "2025-09-01");
        // Outside both periods and outside everything: ignored.
        add(&mut reports, 3, 107.595, 16.465, "2026-01-01");
        add(&mut reports, 3, 108.0, 17.0, "2025-03-01");
        let input = DisplacementInput {
            response: &r,
            control: &c,
            buffer_m: 300.0,
            before: Period::parse("before", "2025-01-01/2025-07-01").unwrap(),
            after: Period::parse("after", "2025-07-01/2026-01-01").unwrap(),
        };
        let w = displacement(&reports, &input).unwrap();
        assert_eq!(
            w.counts,
            Counts {
                rb: 4,
                ra: 2,
                db: 1,
                da: 2,
                cb: 10,
                ca: 10
            }
        );
        // SM = 2/10 − 4/10 = −0.2, BDM = 2/10 − 1/10 = 0.1, WDQ = −0.5: displacement.
        assert_eq!(w.reading, Reading::Displacement);
        assert!((w.wdq.unwrap() + 0.5).abs() < 1e-12);

        let overlapping = DisplacementInput {
            after: Period::parse("after", "2025-06-01/2026-01-01").unwrap(),
            ..input.clone()
        };
        assert!(matches!(
            displacement(&reports, &overlapping),
            Err(AnalysisError::Parameter { name: "after", .. })
        ));
        let empty_control = DisplacementInput {
            control: &r,
            ..input
        };
        // The control square = R: every report in it is in R, so Cb = Ca = 0.
        assert!(matches!(
            displacement(&reports, &empty_control),
            Err(AnalysisError::Parameter {
                name: "control",
                ..
            })
        ));
    }

    #[test]
    fn control_defaults_to_the_parent() {
        let area = |id: &str, parent: Option<&str>| Area {
            id: id.into(),
            name: id.into(),
            level: AreaLevel::ResidentialGroup,
            parent_id: parent.map(str::to_string),
            geometry: square(0.0, 0.0, 1.0),
        };
        let areas = vec![
            area("ward", None),
            area("g1", Some("ward")),
            area("g2", Some("ward")),
        ];
        let (r, c) = response_and_control(&areas, "g1", None).unwrap();
        assert_eq!((r.id.as_str(), c.id.as_str()), ("g1", "ward"));
        let (_, c) = response_and_control(&areas, "g1", Some("g2")).unwrap();
        assert_eq!(c.id, "g2");
        for (resp, ctl, name) in [
            ("nope", None, "response"),
            ("ward", None, "control"),
            ("g1", Some("nope"), "control"),
        ] {
            match response_and_control(&areas, resp, ctl).unwrap_err() {
                AnalysisError::Parameter { name: n, .. } => assert_eq!(n, name),
                e => panic!("{e:?}"),
            }
        }
    }
}
