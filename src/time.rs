//! Time handling: every instant is carried as Japan wall-clock time.
//!
//! Japan has observed no daylight saving time since 1951, so Asia/Tokyo is
//! UTC+09:00 for every date this tool handles. Datetimes are therefore stored
//! as *naive JST wall-clock* values (milliseconds since 1970-01-01T00:00 JST)
//! in polars `Datetime(ms)` columns; an input with an explicit offset is
//! converted to JST, an input without one is already JST (inputs.md).
//!
//! This module owns parsing of the input datetime forms, the report periods
//! (day, week, month, fiscal year) and Japanese calendar labels (和暦, 曜日).

use crate::problem::Problem;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// Milliseconds in one minute.
pub const MS_PER_MIN: i64 = 60_000;
/// Seconds of UTC offset of Asia/Tokyo.
const JST_OFFSET_S: i64 = 9 * 3600;

/// Parse one datetime cell in any of the accepted forms and return naive JST
/// milliseconds.
///
/// Accepted: ISO 8601 with offset (`2026-10-01T09:15:00+09:00`, `…Z`,
/// `…+0900`), ISO without offset (`T` or a space between date and time,
/// seconds optional, fraction optional), `YYYY/MM/DD HH:MM[:SS]` and the Excel
/// style `YYYY/M/D H:MM[:SS]`.
pub fn parse_datetime_ms(s: &str) -> Result<i64, Problem> {
    let b = s.trim().as_bytes();
    let mut i = 0usize;
    let year = digits(b, &mut i, 4, 4).ok_or_else(|| bad(s, "year"))?;
    let sep = *b.get(i).ok_or_else(|| bad(s, "date separator"))?;
    if sep != b'-' && sep != b'/' {
        return Err(bad(s, "date separator"));
    }
    i += 1;
    let month = digits(b, &mut i, 1, 2).ok_or_else(|| bad(s, "month"))?;
    if b.get(i) != Some(&sep) {
        return Err(bad(s, "date separator"));
    }
    i += 1;
    let day = digits(b, &mut i, 1, 2).ok_or_else(|| bad(s, "day"))?;
    match b.get(i) {
        Some(b'T') | Some(b' ') => i += 1,
        None => return Err(Problem::value("date_without_time", s)),
        _ => return Err(bad(s, "date/time separator")),
    }
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let hour = digits(b, &mut i, 1, 2).ok_or_else(|| bad(s, "hour"))?;
    if b.get(i) != Some(&b':') {
        return Err(bad(s, "time separator"));
    }
    i += 1;
    let minute = digits(b, &mut i, 2, 2).ok_or_else(|| bad(s, "minute"))?;
    let mut second = 0;
    let mut millis = 0i64;
    if b.get(i) == Some(&b':') {
        i += 1;
        second = digits(b, &mut i, 2, 2).ok_or_else(|| bad(s, "second"))?;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            let mut frac = 0i64;
            while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if i - start < 3 {
                    frac = frac * 10 + i64::from(c - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err(bad(s, "fraction"));
            }
            for _ in (i - start)..3 {
                frac *= 10;
            }
            millis = frac;
        }
    }
    // Optional offset.
    let mut offset_s: Option<i64> = None;
    match b.get(i) {
        None => {}
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => offset_s = Some(0),
        Some(&c @ (b'+' | b'-')) => {
            i += 1;
            let oh = digits(b, &mut i, 2, 2).ok_or_else(|| bad(s, "offset"))?;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let om = digits(b, &mut i, 2, 2).ok_or_else(|| bad(s, "offset"))?;
            if i != b.len() || oh > 23 || om > 59 {
                return Err(bad(s, "offset"));
            }
            let v = i64::from(oh * 3600 + om * 60);
            offset_s = Some(if c == b'-' { -v } else { v });
        }
        _ => return Err(bad(s, "trailing characters")),
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| Problem::value("no_such_datetime", s))?;
    let time = NaiveTime::from_hms_opt(hour, minute, second)
        .ok_or_else(|| Problem::value("no_such_datetime", s))?;
    let local = NaiveDateTime::new(date, time).and_utc().timestamp();
    let jst = match offset_s {
        None => local,
        Some(off) => local - off + JST_OFFSET_S,
    };
    Ok(jst * 1000 + millis)
}

fn bad(s: &str, _what: &str) -> Problem {
    Problem::value("not_datetime", s)
}

fn digits(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v = 0u32;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        v = v * 10 + u32::from(b[*i] - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(v)
}

/// Naive JST milliseconds → `NaiveDateTime`.
pub fn ms_to_dt(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("timestamp in range")
        .naive_utc()
}

/// `NaiveDateTime` (JST wall clock) → naive JST milliseconds.
pub fn dt_to_ms(dt: NaiveDateTime) -> i64 {
    dt.and_utc().timestamp_millis()
}

/// Midnight at the start of `d`, as naive JST milliseconds.
pub fn day_start_ms(d: NaiveDate) -> i64 {
    dt_to_ms(d.and_time(NaiveTime::MIN))
}

/// A half-open report period `[start, end)` in JST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day of the period.
    pub first: NaiveDate,
    /// Day after the last day of the period.
    pub end_day: NaiveDate,
}

impl Period {
    /// One calendar day.
    pub fn day(d: NaiveDate) -> Self {
        Period {
            first: d,
            end_day: d + Duration::days(1),
        }
    }
    /// The calendar month containing `d`.
    pub fn month_of(d: NaiveDate) -> Self {
        let first = d.with_day(1).expect("day 1");
        let end_day = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .expect("valid month");
        Period { first, end_day }
    }
    /// The week (Monday–Sunday) containing `d`.
    pub fn week_of(d: NaiveDate) -> Self {
        let first = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        Period {
            first,
            end_day: first + Duration::days(7),
        }
    }
    /// The fiscal year (年度, April–March) containing `d`.
    pub fn fiscal_year_of(d: NaiveDate) -> Self {
        let y = if d.month() >= 4 {
            d.year()
        } else {
            d.year() - 1
        };
        Period {
            first: NaiveDate::from_ymd_opt(y, 4, 1).expect("valid"),
            end_day: NaiveDate::from_ymd_opt(y + 1, 4, 1).expect("valid"),
        }
    }
    /// Parse `YYYY-MM` into that month.
    pub fn parse_month(s: &str) -> Result<Self, String> {
        let d = NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
            .map_err(|_| format!("not a month: {s:?} (expected YYYY-MM)"))?;
        Ok(Period::month_of(d))
    }
    /// The month before this period's first day.
    pub fn previous_month(&self) -> Self {
        Period::month_of(self.first - Duration::days(1))
    }
    /// `YYYY-MM` of the first day.
    pub fn month_label(&self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }
    /// Start as naive JST ms.
    pub fn start_ms(&self) -> i64 {
        day_start_ms(self.first)
    }
    /// End (exclusive) as naive JST ms.
    pub fn end_ms(&self) -> i64 {
        day_start_ms(self.end_day)
    }
    /// Whether the instant lies in `[start, end)`.
    pub fn contains_ms(&self, ms: i64) -> bool {
        ms >= self.start_ms() && ms < self.end_ms()
    }
    /// Number of calendar days.
    pub fn days(&self) -> i64 {
        (self.end_day - self.first).num_days()
    }
}

/// Parse an ISO week `YYYY-Www` (`2026-W42`) into its Monday–Sunday period.
pub fn parse_week(s: &str) -> Result<Period, String> {
    let bad = || format!("not a week: {s:?} (expected YYYY-Www, e.g. 2026-W42)");
    let (y, w) = s.trim().split_once("-W").ok_or_else(bad)?;
    let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
    let monday = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).ok_or_else(bad)?;
    Ok(Period::week_of(monday))
}

/// The ISO week label of a Monday–Sunday period (`2026-W42`).
pub fn week_label(p: Period) -> String {
    let w = p.first.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

crate::closed_set! {
    /// The length of a calendar period.
    pub enum Grain {
        /// One day.
        Day = "day",
        /// One ISO week, Monday–Sunday.
        Week = "week",
        /// One calendar month.
        Month = "month",
    }
}

/// One calendar period a report or a run is about: a day, an ISO week (by
/// its Monday) or a month (by its first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CalPeriod {
    Day(NaiveDate),
    Week(NaiveDate),
    Month(NaiveDate),
}

impl CalPeriod {
    /// The period of `grain` containing `d`.
    pub fn containing(grain: Grain, d: NaiveDate) -> CalPeriod {
        match grain {
            Grain::Day => CalPeriod::Day(d),
            Grain::Week => CalPeriod::Week(Period::week_of(d).first),
            Grain::Month => CalPeriod::Month(Period::month_of(d).first),
        }
    }
    /// Its grain.
    pub fn grain(&self) -> Grain {
        match self {
            CalPeriod::Day(_) => Grain::Day,
            CalPeriod::Week(_) => Grain::Week,
            CalPeriod::Month(_) => Grain::Month,
        }
    }
    /// As a half-open period.
    pub fn period(&self) -> Period {
        match *self {
            CalPeriod::Day(d) => Period::day(d),
            CalPeriod::Week(d) => Period::week_of(d),
            CalPeriod::Month(d) => Period::month_of(d),
        }
    }
    /// The period before this one.
    pub fn previous(&self) -> CalPeriod {
        CalPeriod::containing(self.grain(), self.period().first - Duration::days(1))
    }
    /// `2026-10-15`, `2026-W42`, `2026-10`.
    pub fn label(&self) -> String {
        match *self {
            CalPeriod::Day(d) => d.format("%Y-%m-%d").to_string(),
            CalPeriod::Week(_) => week_label(self.period()),
            CalPeriod::Month(_) => self.period().month_label(),
        }
    }
}

/// The day or month a file name names: `…2026-10-15…`, `…20261015…`
/// (a day), `…2026-10…`, `…202610…` (a month); the last such date in the
/// name counts. `None` when the name has no valid date.
pub fn period_in_name(name: &str) -> Option<Period> {
    let b = name.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let run = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let num = |a: usize, n: usize| -> Option<u32> { name.get(a..a + n)?.parse().ok() };
        let sep = |k: usize| b.get(k).is_some_and(|c| matches!(c, b'-' | b'_' | b'.'));
        let digits_at = |k: usize, n: usize| {
            b.get(k..k + n)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                && !b.get(k + n).is_some_and(u8::is_ascii_digit)
        };
        let p = match run {
            8 => {
                let (y, m, d) = (num(i, 4)?, num(i + 4, 2)?, num(i + 6, 2)?);
                NaiveDate::from_ymd_opt(y as i32, m, d).map(Period::day)
            }
            6 => {
                let (y, m) = (num(i, 4)?, num(i + 4, 2)?);
                NaiveDate::from_ymd_opt(y as i32, m, 1).map(Period::month_of)
            }
            4 if sep(i + 4) && digits_at(i + 5, 2) => {
                let (y, m) = (num(i, 4)?, num(i + 5, 2)?);
                if sep(i + 7) && digits_at(i + 8, 2) {
                    NaiveDate::from_ymd_opt(y as i32, m, num(i + 8, 2)?).map(Period::day)
                } else {
                    NaiveDate::from_ymd_opt(y as i32, m, 1).map(Period::month_of)
                }
            }
            _ => None,
        };
        if p.is_some() {
            found = p;
        }
        i += run;
    }
    found
}

/// Japanese name of a weekday (月, 火, …).
pub fn weekday_name_ja(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

/// Japanese weekday name (月, 火, …).
pub fn weekday_ja(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

/// Era name and era year for a date (平成 from 1989-01-08, 令和 from 2019-05-01).
pub fn wareki_year(d: NaiveDate) -> (&'static str, i32) {
    let reiwa = NaiveDate::from_ymd_opt(2019, 5, 1).expect("date");
    let heisei = NaiveDate::from_ymd_opt(1989, 1, 8).expect("date");
    if d >= reiwa {
        ("令和", d.year() - 2018)
    } else if d >= heisei {
        ("平成", d.year() - 1988)
    } else {
        ("昭和", d.year() - 1925)
    }
}

fn era_year_label(d: NaiveDate) -> String {
    let (era, y) = wareki_year(d);
    if y == 1 {
        format!("{era}元年")
    } else {
        format!("{era}{y}年")
    }
}

/// `令和8年10月15日（木）`.
pub fn wareki_date_with_weekday(d: NaiveDate) -> String {
    format!(
        "{}{}月{}日（{}）",
        era_year_label(d),
        d.month(),
        d.day(),
        weekday_ja(d)
    )
}

/// `令和8年10月`.
pub fn wareki_month(d: NaiveDate) -> String {
    format!("{}{}月", era_year_label(d), d.month())
}

/// `令和8年11月9日`.
pub fn wareki_date(d: NaiveDate) -> String {
    format!("{}{}月{}日", era_year_label(d), d.month(), d.day())
}

/// `令和8年10月（2026年10月1日～10月31日）` for a month.
pub fn month_label_ja(p: Period) -> String {
    let last = p.end_day.pred_opt().expect("non-empty period");
    format!(
        "{}（{}年{}月{}日～{}月{}日）",
        wareki_month(p.first),
        p.first.year(),
        p.first.month(),
        p.first.day(),
        last.month(),
        last.day()
    )
}

/// `令和8年10月12日（月）～10月18日（日）` for a week (or any span of days).
pub fn span_label_ja(p: Period) -> String {
    let last = p.end_day.pred_opt().expect("non-empty period");
    format!(
        "{}～{}月{}日（{}）",
        wareki_date_with_weekday(p.first),
        last.month(),
        last.day(),
        weekday_ja(last)
    )
}

/// `2026年10月15日 02:00`.
pub fn format_datetime_ja(dt: NaiveDateTime) -> String {
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// `10/15 09:05`, the compact form used in tables.
pub fn format_short(ms: i64) -> String {
    let dt = ms_to_dt(ms);
    format!(
        "{}/{} {:02}:{:02}",
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// ISO 8601 with the +09:00 offset.
pub fn format_iso_jst(dt: NaiveDateTime) -> String {
    format!("{}+09:00", dt.format("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        dt_to_ms(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    #[test]
    fn every_accepted_form() {
        let want = ms("2026-10-01 09:05:00");
        for s in [
            "2026-10-01T09:05:00+09:00",
            "2026-10-01T00:05:00Z",
            "2026-10-01T00:05:00+00:00",
            "2026-10-01T09:05:00+0900",
            "2026-10-01T09:05:00",
            "2026-10-01 09:05:00",
            "2026-10-01T09:05",
            "2026/10/01 09:05",
            "2026/10/01 09:05:00",
            "2026/10/1 9:05",
            "2026/10/1 9:05:00",
            " 2026/10/1 9:05 ",
        ] {
            assert_eq!(parse_datetime_ms(s), Ok(want), "{s}");
        }
        // An offset west of UTC moves the JST wall clock forward:
        // 2026-09-30T20:05-04:00 = 2026-10-01T00:05Z = 09:05 JST.
        assert_eq!(parse_datetime_ms("2026-09-30T20:05:00-04:00"), Ok(want));
        assert_eq!(
            parse_datetime_ms("2026-10-01T09:05:00.250+09:00"),
            Ok(want + 250)
        );
    }

    #[test]
    fn rejects_bad_values() {
        for s in [
            "",
            "2026-13-01 09:00",
            "2026/2/30 9:00",
            "2026-10-01",
            "10/01/2026 09:00",
            "2026-10-01 25:00",
            "2026-10-01T09:00:00+09:00x",
            "yesterday",
        ] {
            assert!(parse_datetime_ms(s).is_err(), "{s}");
        }
    }

    #[test]
    fn dates_in_file_names() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            period_in_name("issues-20261101.csv"),
            Some(Period::day(d(2026, 11, 1)))
        );
        assert_eq!(
            period_in_name("jobs_2026-10-15.csv"),
            Some(Period::day(d(2026, 10, 15)))
        );
        assert_eq!(
            period_in_name("calls-2026-10.csv"),
            Some(Period::month_of(d(2026, 10, 1)))
        );
        assert_eq!(
            period_in_name("export202610.csv"),
            Some(Period::month_of(d(2026, 10, 1)))
        );
        assert_eq!(period_in_name("v2-20261340.csv"), None);
        assert_eq!(period_in_name("tickets.csv"), None);
    }

    #[test]
    fn periods() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(); // Thursday
        let w = Period::week_of(d);
        assert_eq!(
            (w.first.to_string(), w.end_day.to_string()),
            ("2026-10-12".into(), "2026-10-19".into())
        );
        let fy = Period::fiscal_year_of(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert_eq!(
            (fy.first.to_string(), fy.end_day.to_string()),
            ("2026-04-01".into(), "2027-04-01".into())
        );
        assert_eq!(Period::fiscal_year_of(d).first.to_string(), "2026-04-01");
        let m = Period::parse_month("2026-01").unwrap();
        assert_eq!(m.previous_month().month_label(), "2025-12");
        assert_eq!(m.days(), 31);
        assert!(Period::parse_month("2026-13").is_err());
    }

    #[test]
    fn wareki() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
        assert_eq!(wareki_date_with_weekday(d), "令和8年10月15日（木）");
        assert_eq!(
            wareki_month(NaiveDate::from_ymd_opt(2019, 5, 1).unwrap()),
            "令和元年5月"
        );
        assert_eq!(
            wareki_month(NaiveDate::from_ymd_opt(2019, 4, 30).unwrap()),
            "平成31年4月"
        );
    }
}
