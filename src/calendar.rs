//! Business calendars (営業日・営業時間) and business-minute arithmetic.
//!
//! Business days are Monday–Friday minus the Japanese public holidays of the
//! Cabinet Office list (内閣府「国民の祝日」CSV, bundled as
//! `jobs/config/syukujitsu.csv`), minus the government closing days 12/29–1/3,
//! with extra closed or working days from config. A [`Calendar`] adds
//! business hours (e.g. 09:00–18:00) or runs every day (`days = "all"`,
//! e.g. 24x7).
//!
//! Asking about a year the holiday list does not cover is an error
//! ([`CalendarError::OutOfRange`]), never a silent "no holidays".
//!
//! Arithmetic: a compiled calendar keeps, per day of the covered range, the
//! business milliseconds before that day. The *position* `F(t)` of an
//! instant is the business time from the start of the range to `t`; business
//! time between `t0` and `t1` is `F(t1) − F(t0)`, so it is exactly additive
//! over adjacent intervals, and [`Calendar::instant_at`] inverts `F` (used for
//! SLA deadlines). Instants are naive JST milliseconds (see [`crate::time`]).

use crate::time::{day_start_ms, ms_to_dt, MS_PER_MIN};
use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

const DAY_MS: i64 = 86_400_000;

/// A calendar question the data cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date lies outside the years of the holiday list.
    #[error("no public-holiday data for {date}: the holiday list covers {first}–{last}; update the holiday CSV (docs/CONFIG.md, 祝日データの更新)")]
    OutOfRange {
        date: NaiveDate,
        first: i32,
        last: i32,
    },
}

/// The public holidays of the Cabinet Office list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holidays {
    /// First year covered.
    pub first_year: i32,
    /// Last year covered.
    pub last_year: i32,
    /// Holiday name by date.
    pub names: BTreeMap<NaiveDate, String>,
}

impl Holidays {
    /// Parse the Cabinet Office CSV: Shift_JIS (UTF-8 also accepted), a
    /// header line, then `YYYY/M/D,name` per line. `file` names the source in
    /// messages. Returns every bad line.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Holidays, Vec<String>> {
        let (text, _) = crate::encoding::decode(bytes, None)
            .map_err(|(l, r)| vec![format!("{file}:{l}: {r}")])?;
        let mut names = BTreeMap::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if i == 0 || line.is_empty() {
                continue; // header
            }
            let (d, name) = line.split_once(',').unwrap_or((line, ""));
            match NaiveDate::parse_from_str(d.trim(), "%Y/%m/%d") {
                Ok(date) => {
                    names.insert(date, name.trim().to_string());
                }
                // The line itself is not quoted: an error never echoes what
                // a file holds.
                Err(_) => errors.push(format!(
                    "{file}:{}: not a date in YYYY/M/D form (a holiday list line is `YYYY/M/D,name`)",
                    i + 1
                )),
            }
        }
        let (Some(first), Some(last)) = (names.keys().next(), names.keys().next_back()) else {
            errors.push(format!("{file}: no holidays listed"));
            return Err(errors);
        };
        let (first_year, last_year) = (first.year(), last.year());
        if errors.is_empty() {
            Ok(Holidays {
                first_year,
                last_year,
                names,
            })
        } else {
            Err(errors)
        }
    }

    /// Whether `d` is a public holiday (error outside the covered years).
    pub fn is_holiday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.check(d)?;
        Ok(self.names.contains_key(&d))
    }

    fn check(&self, d: NaiveDate) -> Result<(), CalendarError> {
        if d.year() < self.first_year || d.year() > self.last_year {
            return Err(CalendarError::OutOfRange {
                date: d,
                first: self.first_year,
                last: self.last_year,
            });
        }
        Ok(())
    }
}

/// Why a day is not a business day (for display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// Saturday or Sunday.
    Weekend,
    /// A public holiday, with its name.
    Holiday(String),
    /// 12/29–1/3.
    YearEnd,
    /// Closed by config.
    Extra,
}

/// The business-day rule: weekdays minus holidays, closing days and extra
/// closed days, plus extra working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessDays {
    pub holidays: Holidays,
    /// Apply the government closing days 12/29–1/3.
    pub year_end_closing: bool,
    pub extra_closed: BTreeSet<NaiveDate>,
    pub extra_working: BTreeSet<NaiveDate>,
}

impl BusinessDays {
    /// Default rule over a holiday list (closing days on, no extras).
    pub fn new(holidays: Holidays) -> Self {
        BusinessDays {
            holidays,
            year_end_closing: true,
            extra_closed: BTreeSet::new(),
            extra_working: BTreeSet::new(),
        }
    }

    /// `None` for a business day, else why it is closed.
    pub fn closed(&self, d: NaiveDate) -> Result<Option<Closed>, CalendarError> {
        self.holidays.check(d)?;
        if self.extra_working.contains(&d) {
            return Ok(None);
        }
        if self.extra_closed.contains(&d) {
            return Ok(Some(Closed::Extra));
        }
        if self.year_end_closing
            && ((d.month() == 12 && d.day() >= 29) || (d.month() == 1 && d.day() <= 3))
        {
            return Ok(Some(Closed::YearEnd));
        }
        if let Some(n) = self.holidays.names.get(&d) {
            return Ok(Some(Closed::Holiday(n.clone())));
        }
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return Ok(Some(Closed::Weekend));
        }
        Ok(None)
    }

    /// Whether `d` is a business day (営業日).
    pub fn is_business_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.closed(d)?.is_none())
    }

    /// The first business day on or after `d`.
    pub fn next_business_day(&self, mut d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        while !self.is_business_day(d)? {
            d = d.succ_opt().expect("date in range");
        }
        Ok(d)
    }

    /// The business day of `d`'s month at `n` (1 = 第1営業日); a negative
    /// `n` counts from the end (−1 = 最終営業日). `None` when the month has
    /// fewer business days.
    pub fn nth_of_month(&self, d: NaiveDate, n: i32) -> Result<Option<NaiveDate>, CalendarError> {
        let first = d.with_day(1).expect("day 1");
        let mut days = Vec::new();
        for x in first.iter_days().take_while(|x| x.month() == first.month()) {
            if self.is_business_day(x)? {
                days.push(x);
            }
        }
        let idx = if n > 0 {
            usize::try_from(n - 1).ok()
        } else {
            days.len().checked_sub(n.unsigned_abs() as usize)
        };
        Ok(idx.and_then(|i| days.get(i)).copied())
    }

    /// Business days in `[first, end)`.
    pub fn count(&self, first: NaiveDate, end: NaiveDate) -> Result<usize, CalendarError> {
        let mut n = 0;
        for d in first.iter_days().take_while(|d| *d < end) {
            n += usize::from(self.is_business_day(d)?);
        }
        Ok(n)
    }
}

/// Which days a calendar is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// Business days only.
    Business,
    /// Every day.
    All,
}

/// Daily opening hours `[start, end)` in minutes after midnight (end ≤ 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub start_min: i64,
    pub end_min: i64,
}

impl Hours {
    /// The whole day.
    pub const ALL_DAY: Hours = Hours {
        start_min: 0,
        end_min: 1440,
    };

    /// Parse `"09:00-18:00"` (end may be `24:00`).
    pub fn parse(s: &str) -> Result<Hours, String> {
        let bad = || {
            format!("bad hours {s:?}: expected \"HH:MM-HH:MM\" with start before end, e.g. \"09:00-18:00\" or \"00:00-24:00\"")
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let hm = |t: &str| -> Option<i64> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
            ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440)
                .then_some(h * 60 + m)
        };
        let (start_min, end_min) = (hm(a).ok_or_else(bad)?, hm(b).ok_or_else(bad)?);
        if start_min >= end_min {
            return Err(bad());
        }
        Ok(Hours { start_min, end_min })
    }

    /// Display form `09:00–18:00`.
    pub fn label(&self) -> String {
        format!(
            "{:02}:{:02}–{:02}:{:02}",
            self.start_min / 60,
            self.start_min % 60,
            self.end_min / 60,
            self.end_min % 60
        )
    }
}

/// A compiled calendar: open days × opening hours, over the years of the
/// holiday list.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Name in config (`business`, `24x7`, …).
    pub name: String,
    pub days: Days,
    pub hours: Hours,
    first_day: NaiveDate,
    day0_ms: i64,
    /// `cum[i]` = business ms before day `i`; `len = days + 1`.
    cum: Vec<i64>,
    open: Vec<bool>,
    first_year: i32,
    last_year: i32,
}

impl Calendar {
    /// Compile a calendar over every year of the holiday list.
    pub fn compile(name: &str, days: Days, hours: Hours, rule: &BusinessDays) -> Calendar {
        let (fy, ly) = (rule.holidays.first_year, rule.holidays.last_year);
        let first_day = NaiveDate::from_ymd_opt(fy, 1, 1).expect("year in range");
        let end_day = NaiveDate::from_ymd_opt(ly + 1, 1, 1).expect("year in range");
        let per_day = (hours.end_min - hours.start_min) * MS_PER_MIN;
        let mut cum = vec![0i64];
        let mut open = Vec::new();
        for d in first_day.iter_days().take_while(|d| *d < end_day) {
            let is_open = match days {
                Days::All => true,
                Days::Business => rule.is_business_day(d).expect("within the holiday years"),
            };
            open.push(is_open);
            let last = *cum.last().expect("non-empty");
            cum.push(last + if is_open { per_day } else { 0 });
        }
        Calendar {
            name: name.to_string(),
            days,
            hours,
            first_day,
            day0_ms: day_start_ms(first_day),
            cum,
            open,
            first_year: fy,
            last_year: ly,
        }
    }

    /// A 24x7 calendar (every day, all day).
    pub fn always(name: &str, rule: &BusinessDays) -> Calendar {
        Calendar::compile(name, Days::All, Hours::ALL_DAY, rule)
    }

    /// Human description: `営業日 09:00–18:00` or `毎日 00:00–24:00`.
    pub fn describe(&self) -> String {
        let d = match self.days {
            Days::Business => "営業日",
            Days::All => "毎日",
        };
        format!("{d} {}", self.hours.label())
    }

    fn out_of_range(&self, t_ms: i64) -> CalendarError {
        CalendarError::OutOfRange {
            date: ms_to_dt(t_ms).date(),
            first: self.first_year,
            last: self.last_year,
        }
    }

    /// Business milliseconds of one open day.
    fn per_day(&self) -> i64 {
        (self.hours.end_min - self.hours.start_min) * MS_PER_MIN
    }

    /// Whether the calendar is open on `d`. A calendar open every day
    /// needs no holiday list: any date is answered.
    pub fn is_open_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if self.days == Days::All {
            return Ok(true);
        }
        let i = (d - self.first_day).num_days();
        if i < 0 || i as usize >= self.open.len() {
            return Err(self.out_of_range(day_start_ms(d)));
        }
        Ok(self.open[i as usize])
    }

    /// `F(t)`: business milliseconds from the start of the covered range to `t`.
    /// A calendar open every day (24x7, or every day within hours) is the
    /// same each day, so any instant has a position, before or after the
    /// holiday list's years (negative before its first day).
    pub fn position(&self, t_ms: i64) -> Result<i64, CalendarError> {
        let rel = t_ms - self.day0_ms;
        if self.days == Days::All {
            let (day, m) = (rel.div_euclid(DAY_MS), rel.rem_euclid(DAY_MS));
            let (s, e) = (
                self.hours.start_min * MS_PER_MIN,
                self.hours.end_min * MS_PER_MIN,
            );
            return Ok(day * self.per_day() + m.clamp(s, e) - s);
        }
        let i = rel.div_euclid(DAY_MS);
        let n = self.open.len() as i64;
        if rel < 0 || i > n || (i == n && rel.rem_euclid(DAY_MS) != 0) {
            return Err(self.out_of_range(t_ms));
        }
        let i = i as usize;
        if i == self.open.len() {
            return Ok(self.cum[i]);
        }
        let within = if self.open[i] {
            let m = rel.rem_euclid(DAY_MS);
            m.clamp(
                self.hours.start_min * MS_PER_MIN,
                self.hours.end_min * MS_PER_MIN,
            ) - self.hours.start_min * MS_PER_MIN
        } else {
            0
        };
        Ok(self.cum[i] + within)
    }

    /// Business milliseconds in `[t0, t1)` (0 when `t1 ≤ t0`).
    pub fn business_ms(&self, t0: i64, t1: i64) -> Result<i64, CalendarError> {
        if t1 <= t0 {
            return Ok(0);
        }
        Ok(self.position(t1)? - self.position(t0)?)
    }

    /// Business minutes in `[t0, t1)`.
    pub fn minutes(&self, t0: i64, t1: i64) -> Result<f64, CalendarError> {
        Ok(self.business_ms(t0, t1)? as f64 / MS_PER_MIN as f64)
    }

    /// The earliest instant `t` with `F(t) ≥ pos`: where a clock that needs
    /// `pos` business milliseconds from the range start runs out.
    pub fn instant_at(&self, pos: i64) -> Result<i64, CalendarError> {
        if self.days == Days::All && self.per_day() > 0 {
            // Largest day i with i × per_day < pos holds the instant.
            let per = self.per_day();
            let i = (pos - 1).div_euclid(per);
            return Ok(self.day0_ms
                + i * DAY_MS
                + self.hours.start_min * MS_PER_MIN
                + (pos - i * per));
        }
        if pos <= 0 {
            return Ok(self.day0_ms);
        }
        let last = *self.cum.last().expect("non-empty");
        if pos > last {
            let end = self.day0_ms + self.open.len() as i64 * DAY_MS;
            return Err(self.out_of_range(end));
        }
        // Largest i with cum[i] < pos: day i holds the instant.
        let i = self.cum.partition_point(|&c| c < pos) - 1;
        Ok(self.day0_ms
            + i as i64 * DAY_MS
            + self.hours.start_min * MS_PER_MIN
            + (pos - self.cum[i]))
    }

    /// The instant at which a clock started at `start` has run `need_ms`
    /// business milliseconds, not counting the `pauses` (sorted, disjoint
    /// `[a, b)` intervals; `b = None` = never resumed). `None` when a pause
    /// never ends before the clock runs out.
    pub fn deadline(
        &self,
        start: i64,
        need_ms: i64,
        pauses: &[(i64, Option<i64>)],
    ) -> Result<Option<i64>, CalendarError> {
        let mut remaining = need_ms.max(0);
        let mut cur = start;
        for &(a, b) in pauses {
            if b.is_some_and(|b| b <= cur) {
                continue;
            }
            let a = a.max(cur);
            let run = self.business_ms(cur, a)?;
            if run >= remaining {
                break;
            }
            remaining -= run;
            match b {
                Some(b) => cur = b,
                None => return Ok(None),
            }
        }
        Ok(Some(
            self.instant_at(self.position(cur)? + remaining)?.max(cur),
        ))
    }

    /// Business milliseconds of the union of `intervals` clipped to `[lo, hi)`.
    pub fn measure_union(
        &self,
        intervals: &[(i64, i64)],
        lo: i64,
        hi: i64,
    ) -> Result<i64, CalendarError> {
        let mut total = 0;
        for (a, b) in merge(intervals) {
            total += self.business_ms(a.max(lo), b.min(hi))?;
        }
        Ok(total)
    }
}

/// Merge overlapping or touching `[a, b)` intervals (empty ones dropped),
/// sorted by start.
pub fn merge(intervals: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = intervals.iter().copied().filter(|(a, b)| b > a).collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `a − b` for merged, sorted interval lists.
pub fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(mut s, e) in a {
        for &(bs, be) in b {
            if be <= s || bs >= e {
                continue;
            }
            if bs > s {
                out.push((s, bs));
            }
            s = s.max(be);
            if s >= e {
                break;
            }
        }
        if s < e {
            out.push((s, e));
        }
    }
    out
}

/// Named calendars of a site.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    pub by_name: BTreeMap<String, Calendar>,
    /// The business-day rule behind them (None when the holiday list could
    /// not be loaded).
    pub rule: Option<BusinessDays>,
}

impl Calendars {
    /// A calendar by name.
    pub fn get(&self, name: &str) -> Option<&Calendar> {
        self.by_name.get(name)
    }

    /// The last day the holiday list covers (31 December of its last year).
    pub fn holidays_until(&self) -> Option<NaiveDate> {
        let r = self.rule.as_ref()?;
        NaiveDate::from_ymd_opt(r.holidays.last_year, 12, 31)
    }

    /// Days from `today` to the end of the holiday list, when it ends within
    /// 90 days (or has ended: negative).
    pub fn horizon_days(&self, today: NaiveDate) -> Option<i64> {
        let until = self.holidays_until()?;
        let left = (until - today).num_days();
        (left < 90).then_some(left)
    }

    /// The warning from 90 days before the holiday list ends.
    pub fn horizon_warning(&self, today: NaiveDate) -> Option<String> {
        let left = self.horizon_days(today)?;
        let until = self.holidays_until()?;
        Some(if left < 0 {
            format!("the holiday list ended on {until}: business days after it cannot be told, and the jobs and reports that need them fail; put the Cabinet Office's new syukujitsu.csv in the config folder (docs/CONFIG.md)")
        } else {
            format!("the holiday list ends on {until} (in {left} days): put the Cabinet Office's new syukujitsu.csv in the config folder before then (docs/CONFIG.md), or the runs after it fail")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::dt_to_ms;
    use chrono::NaiveDateTime;

    #[test]
    fn nth_and_last_business_day_of_month() {
        let b = bundled();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // November 2026: 11/2 (Mon) is the 1st business day; 11/3 文化の日;
        // 11/4, 11/5, 11/6 follow, so the 5th is 11/6 (Fri)... counted:
        // 2, 4, 5, 6 → the 4th is 11/6, the 5th 11/9 (Mon).
        assert_eq!(
            b.nth_of_month(d(2026, 11, 20), 1).unwrap(),
            Some(d(2026, 11, 2))
        );
        assert_eq!(
            b.nth_of_month(d(2026, 11, 1), 5).unwrap(),
            Some(d(2026, 11, 9))
        );
        // Last business day: 11/23 勤労感謝の日 is Monday; 11/30 is Monday.
        assert_eq!(
            b.nth_of_month(d(2026, 11, 1), -1).unwrap(),
            Some(d(2026, 11, 30))
        );
        // January 2027: 1/1–1/3 closing days, 1/4 (Mon) is the 1st.
        assert_eq!(
            b.nth_of_month(d(2027, 1, 15), 1).unwrap(),
            Some(d(2027, 1, 4))
        );
        // December 2026: 12/28 (Mon) is the last (12/29–31 closed).
        assert_eq!(
            b.nth_of_month(d(2026, 12, 1), -1).unwrap(),
            Some(d(2026, 12, 28))
        );
        assert_eq!(b.nth_of_month(d(2026, 12, 1), 40).unwrap(), None);
        assert_eq!(b.nth_of_month(d(2026, 12, 1), 0).unwrap(), None);
    }

    fn bundled() -> BusinessDays {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/jobs/config/syukujitsu.csv"
        ))
        .unwrap();
        BusinessDays::new(Holidays::parse(&bytes, "syukujitsu.csv").unwrap())
    }

    fn ms(s: &str) -> i64 {
        dt_to_ms(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bundled_holiday_list() {
        let r = bundled();
        assert_eq!((r.holidays.first_year, r.holidays.last_year), (1955, 2027));
        // スポーツの日 2026-10-12 (Mon); 2026-10-13 is a normal Tuesday.
        assert_eq!(
            r.closed(d(2026, 10, 12)).unwrap(),
            Some(Closed::Holiday("スポーツの日".into()))
        );
        assert!(r.is_business_day(d(2026, 10, 13)).unwrap());
        // 振替休日 2027-03-22 (春分の日 falls on Sunday 3/21).
        assert!(!r.is_business_day(d(2027, 3, 22)).unwrap());
        // Closing days 12/29–1/3: 2026-12-28 (Mon) open, 12/29 (Tue) closed,
        // 2027-01-04 (Mon) open again.
        assert!(r.is_business_day(d(2026, 12, 28)).unwrap());
        assert_eq!(r.closed(d(2026, 12, 29)).unwrap(), Some(Closed::YearEnd));
        assert_eq!(r.closed(d(2027, 1, 1)).unwrap(), Some(Closed::YearEnd));
        assert!(r.is_business_day(d(2027, 1, 4)).unwrap());
        // Business days in December 2026: 23 weekdays − 12/29, 12/30, 12/31 = 20.
        assert_eq!(r.count(d(2026, 12, 1), d(2027, 1, 1)).unwrap(), 20);
        // A year the list does not cover is an error.
        assert!(matches!(
            r.is_business_day(d(2028, 1, 5)),
            Err(CalendarError::OutOfRange { .. })
        ));
        assert!(r.is_business_day(d(1954, 6, 1)).is_err());
    }

    #[test]
    fn extra_days() {
        let mut r = bundled();
        r.extra_closed.insert(d(2026, 10, 14));
        r.extra_working.insert(d(2026, 10, 17)); // a Saturday
        assert_eq!(r.closed(d(2026, 10, 14)).unwrap(), Some(Closed::Extra));
        assert!(r.is_business_day(d(2026, 10, 17)).unwrap());
    }

    #[test]
    fn business_minutes_across_a_holiday_weekend() {
        let r = bundled();
        let cal = Calendar::compile(
            "business",
            Days::Business,
            Hours::parse("09:00-18:00").unwrap(),
            &r,
        );
        // Fri 2026-10-09 17:50 → Tue 10-13 09:30: 10 min on Friday; Sat, Sun
        // and Mon 10/12 (スポーツの日) closed; 30 min on Tuesday = 40.
        assert_eq!(
            cal.minutes(ms("2026-10-09 17:50"), ms("2026-10-13 09:30"))
                .unwrap(),
            40.0
        );
        // Night-time intervals count nothing.
        assert_eq!(
            cal.minutes(ms("2026-10-13 19:00"), ms("2026-10-14 08:59"))
                .unwrap(),
            0.0
        );
        // A 60-minute target started Fri 17:50 runs out Tue 09:50 (10 + 50).
        let start = ms("2026-10-09 17:50");
        assert_eq!(
            cal.deadline(start, 60 * MS_PER_MIN, &[]).unwrap(),
            Some(ms("2026-10-13 09:50"))
        );
        // 10 business minutes run out exactly at Friday 18:00.
        assert_eq!(
            cal.deadline(start, 10 * MS_PER_MIN, &[]).unwrap(),
            Some(ms("2026-10-09 18:00"))
        );
        // A pause Tue 09:00–09:20 moves that deadline 20 minutes.
        let pause = [(ms("2026-10-13 09:00"), Some(ms("2026-10-13 09:20")))];
        assert_eq!(
            cal.deadline(start, 60 * MS_PER_MIN, &pause).unwrap(),
            Some(ms("2026-10-13 10:10"))
        );
        // A pause that never ends: no deadline.
        assert_eq!(
            cal.deadline(start, 60 * MS_PER_MIN, &[(ms("2026-10-09 17:55"), None)])
                .unwrap(),
            None
        );
        let a = Calendar::always("24x7", &r);
        // 24x7: 370 min to Saturday 00:00 + 3 × 1440 + 570 on Tuesday = 5260.
        assert_eq!(
            a.minutes(ms("2026-10-09 17:50"), ms("2026-10-13 09:30"))
                .unwrap(),
            5_260.0
        );
        assert_eq!(a.describe(), "毎日 00:00–24:00");
    }

    #[test]
    fn an_every_day_calendar_needs_no_holiday_list() {
        let ms = |s: &str| dt_to_ms(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap());
        // A holiday list of 2026 only.
        let h = Holidays::parse("2026/1/1,元日\n2026/11/3,文化の日\n".as_bytes(), "h.csv").unwrap();
        let r = BusinessDays::new(h);
        let a = Calendar::always("24x7", &r);
        // 2028 is outside the list: 2028-01-01 00:00 → 01-02 06:00 is 30 h.
        assert_eq!(
            a.minutes(ms("2028-01-01 00:00"), ms("2028-01-02 06:00"))
                .unwrap(),
            1_800.0
        );
        // Across the end of the list: 2026-12-31 23:00 + 4 h = 2027-01-01 03:00,
        // and before its start: 2025-12-31 22:00 + 3 h = 2026-01-01 01:00.
        assert_eq!(
            a.deadline(ms("2026-12-31 23:00"), 240 * MS_PER_MIN, &[])
                .unwrap(),
            Some(ms("2027-01-01 03:00"))
        );
        assert_eq!(
            a.deadline(ms("2025-12-31 22:00"), 180 * MS_PER_MIN, &[])
                .unwrap(),
            Some(ms("2026-01-01 01:00"))
        );
        // Every day 08:00–20:00 (12 h a day): from 2028-03-01 19:00, 2 h
        // runs 1 h on the 1st and 1 h on the 2nd → 2028-03-02 09:00.
        let d = Calendar::compile("daily", Days::All, Hours::parse("08:00-20:00").unwrap(), &r);
        assert_eq!(
            d.deadline(ms("2028-03-01 19:00"), 120 * MS_PER_MIN, &[])
                .unwrap(),
            Some(ms("2028-03-02 09:00"))
        );
        assert_eq!(
            d.minutes(ms("2028-03-01 19:00"), ms("2028-03-02 09:00"))
                .unwrap(),
            120.0
        );
        // Exactly the end of a day's hours: 12 h from 08:00 is 20:00.
        assert_eq!(
            d.deadline(ms("2028-03-01 08:00"), 720 * MS_PER_MIN, &[])
                .unwrap(),
            Some(ms("2028-03-01 20:00"))
        );
        // A business-day calendar still refuses a year it has no holidays for.
        let b = Calendar::compile(
            "business",
            Days::Business,
            Hours::parse("09:00-18:00").unwrap(),
            &r,
        );
        assert!(b
            .minutes(ms("2028-01-05 10:00"), ms("2028-01-05 11:00"))
            .is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(
            merge(&[(5, 8), (1, 3), (2, 4), (8, 9), (10, 10)]),
            vec![(1, 4), (5, 9)]
        );
        assert_eq!(
            subtract(&[(0, 10), (20, 30)], &[(2, 4), (8, 22)]),
            vec![(0, 2), (4, 8), (22, 30)]
        );
        assert_eq!(subtract(&[(0, 10)], &[]), vec![(0, 10)]);
        assert_eq!(subtract(&[(0, 10)], &[(0, 10)]), Vec::<(i64, i64)>::new());
    }

    #[test]
    fn hours_parse() {
        assert_eq!(
            Hours::parse("08:30-19:30"),
            Ok(Hours {
                start_min: 510,
                end_min: 1170
            })
        );
        assert_eq!(Hours::parse("00:00-24:00"), Ok(Hours::ALL_DAY));
        for bad in ["18:00-09:00", "9-18", "09:00-24:30", "09:00-09:00", "ab"] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }
}
