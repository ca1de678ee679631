//! Calendar time steps (day, week, month, quarter, year) over local civil dates.
//!
//! Analyses bucket reports by the *local* date of `observed_at`; a step is identified by its
//! first day, and step indices count whole steps from a start date.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Length of one time step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeStep {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    #[default]
    Month,
    Quarter,
    Year,
}

impl TimeStep {
    /// First day of the step that contains `d`.
    pub fn floor(self, d: NaiveDate) -> NaiveDate {
        match self {
            TimeStep::Day => d,
            TimeStep::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            TimeStep::Month => NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap(),
            TimeStep::Quarter => {
                NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1).unwrap()
            }
            TimeStep::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap(),
        }
    }

    /// Number of whole steps from the step containing `start` to the step containing `d`
    /// (negative when `d` is earlier).
    pub fn index(self, start: NaiveDate, d: NaiveDate) -> i64 {
        let (s, e) = (self.floor(start), self.floor(d));
        match self {
            TimeStep::Day => (e - s).num_days(),
            TimeStep::Week => (e - s).num_days() / 7,
            TimeStep::Month => months(e) - months(s),
            TimeStep::Quarter => (months(e) - months(s)) / 3,
            TimeStep::Year => (e.year() - s.year()) as i64,
        }
    }

    /// First day of step number `i` counted from the step containing `start`.
    pub fn nth(self, start: NaiveDate, i: i64) -> NaiveDate {
        let s = self.floor(start);
        match self {
            TimeStep::Day => s + Duration::days(i),
            TimeStep::Week => s + Duration::days(7 * i),
            TimeStep::Month => from_months(months(s) + i),
            TimeStep::Quarter => from_months(months(s) + 3 * i),
            TimeStep::Year => NaiveDate::from_ymd_opt(s.year() + i as i32, 1, 1).unwrap(),
        }
    }

    /// Every step start from the one containing `first` to the one containing `last`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotspot::timestep::TimeStep;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let steps = TimeStep::Month.range(d(2025, 11, 20), d(2026, 2, 3));
    /// assert_eq!(steps, vec![d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1)]);
    /// ```
    pub fn range(self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        let n = self.index(first, last);
        (0..=n.max(-1)).map(|i| self.nth(first, i)).collect()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimeStep::Day => "day",
            TimeStep::Week => "week",
            TimeStep::Month => "month",
            TimeStep::Quarter => "quarter",
            TimeStep::Year => "year",
        }
    }
}

fn months(d: NaiveDate) -> i64 {
    d.year() as i64 * 12 + d.month0() as i64
}

fn from_months(m: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.div_euclid(12) as i32, m.rem_euclid(12) as u32 + 1, 1).unwrap()
}

impl fmt::Display for TimeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TimeStep {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" => Ok(TimeStep::Day),
            "week" => Ok(TimeStep::Week),
            "month" => Ok(TimeStep::Month),
            "quarter" => Ok(TimeStep::Quarter),
            "year" => Ok(TimeStep::Year),
            _ => Err(format!(
                "unknown time step {s:?}, expected day, week, month, quarter or year"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_index_crosses_years() {
        assert_eq!(TimeStep::Month.index(d(2024, 12, 31), d(2025, 1, 1)), 1);
        assert_eq!(TimeStep::Month.index(d(2025, 3, 15), d(2025, 1, 1)), -2);
        assert_eq!(TimeStep::Month.nth(d(2024, 11, 5), 3), d(2025, 2, 1));
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2025-01-01 is a Wednesday.
        assert_eq!(TimeStep::Week.floor(d(2025, 1, 1)), d(2024, 12, 30));
        assert_eq!(TimeStep::Week.index(d(2025, 1, 1), d(2025, 1, 6)), 1);
    }

    #[test]
    fn quarters_and_years() {
        assert_eq!(TimeStep::Quarter.floor(d(2025, 8, 9)), d(2025, 7, 1));
        assert_eq!(TimeStep::Quarter.index(d(2025, 1, 1), d(2025, 12, 31)), 3);
        assert_eq!(TimeStep::Year.nth(d(2025, 6, 1), 2), d(2027, 1, 1));
    }
}
