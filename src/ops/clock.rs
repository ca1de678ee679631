//! The programme clock: one time zone and one "as of" date for the CLI and the server.
//!
//! Wards and districts report by local calendar months (Asia/Ho_Chi_Minh, +07:00). Before
//! this clock the CLI took "today" at +07:00 and the server in the machine's own zone, so the
//! same progress question could be answered for two different days around midnight UTC.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::timestep::TimeStep;

/// The programme's zone and evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Zone in which dates and months are counted (`--tz`, default +07:00).
    pub tz: FixedOffset,
    /// Evaluate as of this date instead of today (`--as-of`), for reproducible answers and
    /// for looking back.
    pub as_of: Option<NaiveDate>,
}

/// Vietnam's zone, +07:00: the programme's default.
pub fn programme_tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            tz: programme_tz(),
            as_of: None,
        }
    }
}

impl Clock {
    /// A clock in `tz`, optionally fixed to `as_of`.
    pub fn new(tz: FixedOffset, as_of: Option<NaiveDate>) -> Self {
        Clock { tz, as_of }
    }

    /// Local wall-clock time now, in the programme's zone.
    pub fn now(&self) -> NaiveDateTime {
        Utc::now().with_timezone(&self.tz).naive_local()
    }

    /// The evaluation date: `as_of` when set, else today in the programme's zone.
    pub fn today(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(|| self.now().date())
    }

    /// The first day of the evaluation month.
    pub fn month(&self) -> NaiveDate {
        TimeStep::Month.floor(self.today())
    }

    /// The date data are evaluated up to: `as_of` when set; otherwise the last day with data
    /// (when the data stop before today, months after it would count as "clean" only because
    /// nothing was reported yet), and today when there are no data.
    pub fn data_as_of(&self, last_data: Option<NaiveDate>) -> NaiveDate {
        match (self.as_of, last_data) {
            (Some(d), _) => d,
            (None, Some(last)) => last.min(self.today()),
            (None, None) => self.today(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn as_of_wins_over_the_wall_clock() {
        let c = Clock::new(programme_tz(), Some(d("2026-10-19")));
        assert_eq!(c.today(), d("2026-10-19"));
        assert_eq!(c.month(), d("2026-10-01"));
        assert_eq!(c.data_as_of(Some(d("2026-11-30"))), d("2026-10-19"));
    }

    #[test]
    fn without_as_of_data_stop_the_clock_but_never_past_today() {
        let c = Clock::default();
        let today = c.today();
        assert_eq!(c.data_as_of(Some(d("2020-01-05"))), d("2020-01-05"));
        assert_eq!(
            c.data_as_of(Some(today + chrono::Duration::days(30))),
            today
        );
        assert_eq!(c.data_as_of(None), today);
    }

    #[test]
    fn today_is_counted_in_the_programme_zone() {
        // 23:30 UTC is already the next day at +07:00.
        let utc = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap()
            .and_utc();
        let local = utc.with_timezone(&programme_tz()).date_naive();
        assert_eq!(local, d("2026-03-02"));
    }
}
