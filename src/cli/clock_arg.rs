//! `--tz` and `--as-of`, declared once: the programme clock ([`Clock`]) of every subcommand
//! that reads times or evaluates "today".

use chrono::{FixedOffset, NaiveDate};

use crate::ingest::parse_tz;
use crate::ops::Clock;

/// `--tz` alone, for commands that read times but evaluate no "today" (analyses, imports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct TzArg {
    /// Programme time zone: times with an offset are converted to it, dates and months are
    /// counted in it.
    #[arg(long, default_value = "+07:00", value_parser = parse_tz, allow_hyphen_values = true)]
    pub tz: FixedOffset,
}

impl Default for TzArg {
    fn default() -> Self {
        TzArg {
            tz: Clock::default().tz,
        }
    }
}

/// `--tz` and `--as-of`; include with `#[command(flatten)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct ClockArgs {
    #[command(flatten)]
    pub tz: TzArg,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today.
    #[arg(long = "as-of", alias = "today", value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
}

impl Default for ClockArgs {
    fn default() -> Self {
        let c = Clock::default();
        ClockArgs {
            tz: TzArg { tz: c.tz },
            as_of: c.as_of,
        }
    }
}

impl ClockArgs {
    pub fn clock(&self) -> Clock {
        Clock::new(self.tz.tz, self.as_of)
    }
}
