//! `hotspot displacement`: the Weighted Displacement Quotient of a clean-up (response area
//! vs its buffer vs a control area, before vs after).
use super::input::InputArgs;
use super::measure_args::{flag_error, is_geojson_path, load_areas};
use super::output::{OutputArgs, Reporter};
use crate::analysis::period::Period;
use crate::ingest::polygon::read_polygon;
use crate::ops::displacement::{DisplacementInput, control_area, displacement};
use anyhow::Result;
use serde_json::Value;

const FLAGS: &[&str] = &[
    "response", "polygon", "control", "buffer-m", "before", "after",
];

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Response area: the id of a stored area (with --db or --areas).
    #[arg(
        long,
        value_name = "AREA_ID",
        required_unless_present = "polygon",
        conflicts_with = "polygon"
    )]
    pub response: Option<String>,
    /// Response area drawn as a GeoJSON Polygon/MultiPolygon file instead of an area id.
    #[arg(long, value_name = "FILE")]
    pub polygon: Option<String>,
    /// Buffer around the response area, metres of great-circle distance to its boundary.
    #[arg(long, default_value_t = 300.0, value_parser = parse_buffer, allow_hyphen_values = true)]
    pub buffer_m: f64,
    /// Control area: an area id or a GeoJSON polygon file (default: the response area's parent).
    #[arg(long, value_name = "AREA_ID|FILE")]
    pub control: Option<String>,
    /// Areas GeoJSON file to look area ids up in (instead of --db).
    #[arg(long, value_name = "FILE")]
    pub areas: Option<String>,
    /// Before the clean-up: START/END local dates, END exclusive.
    #[arg(long, value_name = "START/END", value_parser = parse_before)]
    pub before: Period,
    /// After the clean-up: START/END local dates, END exclusive.
    #[arg(long, value_name = "START/END", value_parser = parse_after)]
    pub after: Period,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_buffer(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of metres ≥ 0")),
    }
}

fn parse_before(s: &str) -> Result<Period, String> {
    Period::parse("before", s).map_err(|e| e.to_string())
}

fn parse_after(s: &str) -> Result<Period, String> {
    Period::parse("after", s).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> Result<()> {
    let mut rep = Reporter::new("displacement", args.output);
    let needs_areas =
        args.response.is_some() || args.control.as_deref().is_some_and(|c| !is_geojson_path(c));
    let areas = if needs_areas {
        load_areas(args.input.db.as_deref(), args.areas.as_deref())?
    } else {
        Vec::new()
    };
    let response_area = match &args.response {
        Some(id) => Some(areas.iter().find(|a| &a.id == id).ok_or_else(|| {
            flag_error(
                crate::analysis::AnalysisError::Parameter {
                    name: "response",
                    expected: "the id of a stored area",
                    value: id.clone(),
                },
                FLAGS,
            )
        })?),
        None => None,
    };
    let response = match (&args.polygon, response_area) {
        (Some(p), _) => read_polygon(p)?,
        (None, Some(a)) => a.geometry.clone(),
        (None, None) => unreachable!("clap requires --response or --polygon"),
    };
    let (control, control_name) = match args.control.as_deref() {
        Some(c) if is_geojson_path(c) => (read_polygon(c)?, c.to_string()),
        c => {
            let a = control_area(&areas, response_area, c).map_err(|e| flag_error(e, FLAGS))?;
            (a.geometry.clone(), a.id.clone())
        }
    };
    let loaded = rep.time("read", |_| args.input.load(None))?;
    let input = DisplacementInput {
        response: &response,
        control: &control,
        buffer_m: args.buffer_m,
        before: args.before,
        after: args.after,
    };
    let w = rep
        .time("displacement", |_| displacement(&loaded.reports, &input))
        .map_err(|e| flag_error(e, FLAGS))?;

    rep.set("source", loaded.source.as_str());
    rep.set("reports", loaded.reports.len());
    rep.set("control", control_name.as_str());
    rep.set("buffer_m", args.buffer_m);
    rep.set("before", args.before.to_string());
    rep.set("after", args.after.to_string());
    if let Value::Object(m) = serde_json::to_value(w)? {
        for (k, v) in m {
            rep.set(&k, v);
        }
    }
    rep.set("message", w.reading.sentence());
    let c = w.counts;
    rep.say(format!(
        "response {} → {}, buffer {} → {}, control {} ({}) → {}\n\
         SM {:+.4}, BDM {:+.4}, WDQ {}, TNE {:+.1}: {}",
        c.rb,
        c.ra,
        c.db,
        c.da,
        c.cb,
        control_name,
        c.ca,
        w.sm,
        w.bdm,
        w.wdq
            .map_or("— (SM = 0)".to_string(), |q| format!("{q:+.3}")),
        w.tne,
        w.reading.sentence()
    ));
    rep.finish();
    Ok(())
}
