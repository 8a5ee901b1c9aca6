//! Which runs a job makes in a span (cron narrowed by business-day rules)
//! and which periods each run reports on.

use super::Job;
use crate::calendar::BusinessDays;
use crate::report::ReportKind;
use crate::time::CalPeriod;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Asia::Tokyo;

/// Labels joined with `,` (`2026-11-21,2026-11-22`); `-` for none.
pub fn periods_label(periods: &[CalPeriod]) -> String {
    if periods.is_empty() {
        return "-".into();
    }
    periods
        .iter()
        .map(CalPeriod::label)
        .collect::<Vec<_>>()
        .join(",")
}

/// One scheduled run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub job: String,
    /// Scheduled time, JST.
    pub at: NaiveDateTime,
    /// What it reports on, oldest first (empty for an ingest job).
    pub periods: Vec<CalPeriod>,
}

impl Job {
    /// Runs in `[first, end_day)` (JST), in order. A business-day rule needs
    /// the holiday list; a date outside it is an error.
    pub fn runs_between(
        &self,
        first: NaiveDate,
        end_day: NaiveDate,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<NaiveDateTime>, String> {
        let start = first.and_hms_opt(0, 0, 0).expect("midnight") - Duration::seconds(1);
        let end = end_day.and_hms_opt(0, 0, 0).expect("midnight") - Duration::seconds(1);
        Ok(self
            .occurrences(start, end, days)?
            .into_iter()
            .map(|o| o.at)
            .collect())
    }

    /// Runs with `after < at <= until` (JST), in order, with the periods
    /// each reports on.
    pub fn occurrences(
        &self,
        after: NaiveDateTime,
        until: NaiveDateTime,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<Occurrence>, String> {
        let Some(from) = after.and_local_timezone(Tokyo).single() else {
            return Err("invalid start".into());
        };
        let mut out = Vec::new();
        let needs_days =
            self.business_day.is_some() || self.business_days_only || self.after_period;
        if needs_days && days.is_none() {
            return Err(format!(
                "job {}: a business-day rule needs the holiday list",
                self.id
            ));
        }
        for t in self.cron.iter_after(from) {
            let t = t.naive_local();
            if t > until {
                break;
            }
            let d = t.date();
            if let Some(b) = days {
                if (self.business_days_only || self.after_period)
                    && !b.is_business_day(d).map_err(|e| e.to_string())?
                {
                    continue;
                }
                if let Some(n) = self.business_day {
                    if b.nth_of_month(d, n).map_err(|e| e.to_string())? != Some(d) {
                        continue;
                    }
                }
            }
            let periods = self.periods_at(d, days)?;
            if self.after_period && periods.is_empty() {
                continue;
            }
            out.push(Occurrence {
                job: self.id.clone(),
                at: t,
                periods,
            });
        }
        Ok(out)
    }

    /// The periods a run on `d` reports on: the one before `d`, or with
    /// `after_period` every period whose first business day after it is `d`
    /// (a Tuesday after a Monday holiday reports Friday to Monday).
    pub fn periods_at(
        &self,
        d: NaiveDate,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<CalPeriod>, String> {
        let Some(kind) = self.period else {
            return Ok(Vec::new());
        };
        let yesterday = d - Duration::days(1);
        let mut p = CalPeriod::containing(kind.grain(), yesterday);
        if p.period().end_day > d {
            p = p.previous();
        }
        if !self.after_period {
            return Ok(vec![p]);
        }
        let b =
            days.ok_or_else(|| format!("job {}: after_period needs the holiday list", self.id))?;
        let mut out = Vec::new();
        while b
            .next_business_day(p.period().end_day)
            .map_err(|e| e.to_string())?
            == d
        {
            out.push(p);
            p = p.previous();
        }
        out.reverse();
        Ok(out)
    }

    /// The reports of one run, in the order of `reports`, oldest period first.
    pub fn report_kinds(&self, periods: &[CalPeriod]) -> Vec<ReportKind> {
        periods
            .iter()
            .flat_map(|p| {
                self.reports
                    .iter()
                    .filter_map(|r| ReportKind::new(*r, *p).ok())
            })
            .collect()
    }
}
