//! Figures: the values a report states, keyed as in figures.md, each a
//! value, データなし or 対象なし. The KPI engine produces them, the report
//! model carries them, the renderers write them. A leaf: it depends on
//! nothing.

use std::collections::BTreeMap;

/// A figure: its value, or why it has none (kpis.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fig {
    /// A value.
    Value(f64),
    /// データなし: the source is absent, does not cover the period, or lacks
    /// the column the figure needs. A reader concludes collection failed.
    NoData,
    /// 対象なし: the source covers the period but there is nothing to
    /// measure (a rate whose denominator is 0, a mean of no values).
    NoPopulation,
}

impl Fig {
    /// The value, if any.
    pub fn value(self) -> Option<f64> {
        match self {
            Fig::Value(v) => Some(v),
            _ => None,
        }
    }
    /// From a value that is `None` because the source has no data.
    pub fn or_no_data(v: Option<f64>) -> Fig {
        v.map_or(Fig::NoData, Fig::Value)
    }
    /// From a value that is `None` because there is nothing to measure.
    pub fn or_no_population(v: Option<f64>) -> Fig {
        v.map_or(Fig::NoPopulation, Fig::Value)
    }
    /// Combine two figures into one computed from both (a change between
    /// periods): データなし if either has no data, else 対象なし if either
    /// has nothing to measure.
    pub fn zip_with(self, other: Fig, f: impl Fn(f64, f64) -> f64) -> Fig {
        match (self, other) {
            (Fig::Value(a), Fig::Value(b)) => Fig::Value(f(a, b)),
            (Fig::NoData, _) | (_, Fig::NoData) => Fig::NoData,
            _ => Fig::NoPopulation,
        }
    }
}

impl serde::Serialize for Fig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fig::Value(v) => s.serialize_f64(*v),
            _ => s.serialize_none(),
        }
    }
}

/// Flat map of figure key → figure. The JSON writes a value or `null`
/// (データなし and 対象なし alike; the report's `items` tell them apart).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures(pub BTreeMap<String, Fig>);

impl Figures {
    /// Set a figure (rounded to 6 decimals so documents and JSON agree
    /// exactly); `None` = データなし.
    pub fn set(&mut self, key: impl Into<String>, v: Option<f64>) {
        self.put(key, Fig::or_no_data(v));
    }
    /// Set a figure of a source that covers the period; `None` = 対象なし
    /// (nothing to measure: a zero denominator, no values).
    pub fn measured(&mut self, key: impl Into<String>, v: Option<f64>) {
        self.put(key, Fig::or_no_population(v));
    }
    /// Set a figure as it is.
    pub fn put(&mut self, key: impl Into<String>, v: Fig) {
        let v = match v {
            Fig::Value(x) => Fig::Value(round6(x)),
            other => other,
        };
        self.0.insert(key.into(), v);
    }
    /// Set a count.
    pub fn count(&mut self, key: impl Into<String>, v: Option<usize>) {
        self.set(key, v.map(|n| n as f64));
    }
    /// A figure's value; `None` when absent, データなし or 対象なし.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(|f| f.value())
    }
    /// A figure; データなし when absent.
    pub fn fig(&self, key: &str) -> Fig {
        self.0.get(key).copied().unwrap_or(Fig::NoData)
    }
    /// Merge another set of figures.
    pub fn extend(&mut self, other: Figures) {
        self.0.extend(other.0);
    }
}

/// Round to 6 decimals.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The unit of a figure key, for the 単位 column of the workbook's 指標一覧
/// (総務省 machine-readable rules: the value alone in its cell, the unit
/// beside it). Derived from the key's naming rules (figures.md): `_pct` and
/// rates are %, `_min` minutes, `_s` seconds, `cost.*` yen; a change of a
/// percentage (`mom.`, `wow.`) is in points; runs and reruns are 回.
/// Anything else is a count (件).
pub fn unit_of_key(key: &str) -> &'static str {
    let mut k = key;
    let mut change = false;
    loop {
        if let Some(rest) = k.strip_prefix("mom.").or_else(|| k.strip_prefix("wow.")) {
            change = true;
            k = rest;
        } else if let Some(rest) = k.strip_prefix("previous.") {
            k = rest;
        } else if let Some(rest) = k.strip_prefix("trend.").or_else(|| k.strip_prefix("days.")) {
            k = rest.split_once('.').map_or(rest, |x| x.1);
        } else {
            break;
        }
    }
    let last = k.rsplit('.').next().unwrap_or(k);
    let pct = last.ends_with("_pct")
        || last == "pct"
        || matches!(
            k,
            "calls.answer_rate" | "calls.abandon_rate" | "calls.service_level"
        );
    if pct {
        return if change { "pt" } else { "%" };
    }
    if k.starts_with("capacity.") && matches!(last, "mean" | "p95" | "max") {
        let metric = k.rsplit_once('.').map(|x| x.0).unwrap_or("");
        let metric = metric.split('@').next().unwrap_or(metric);
        return if metric.ends_with("_pct") {
            if change {
                "pt"
            } else {
                "%"
            }
        } else if metric.ends_with("_mbps") {
            "Mbps"
        } else {
            ""
        };
    }
    if k.starts_with("cost.quantity.") {
        return match last {
            "gib" => "GiB",
            "days" => "日",
            _ => "分",
        };
    }
    if k.starts_with("cost.") && last == "days" {
        return "日";
    }
    if k.starts_with("cost.fy.months_actual") || k.starts_with("cost.fy.forecast_basis_months") {
        return "か月";
    }
    if k.starts_with("cost.inputs.") {
        return "件";
    }
    if k.starts_with("cost.unit.per_ticket_resolved") {
        return "円/件";
    }
    if k.starts_with("cost.unit.per_call_answered") {
        return "円/呼";
    }
    if k.starts_with("cost.unit.per_job_run") {
        return "円/回";
    }
    if last.ends_with("_min") || last.ends_with("_minutes") {
        "分"
    } else if last.ends_with("_s") {
        "秒"
    } else if k.starts_with("cost.") {
        "円"
    } else if k.starts_with("calls.staffing.") {
        "人"
    } else if matches!(last, "runs" | "reruns") {
        "回"
    } else {
        "件"
    }
}

#[cfg(test)]
mod tests {
    use super::unit_of_key;

    #[test]
    fn figure_units_follow_the_key_rules() {
        assert_eq!(unit_of_key("calls.answer_rate"), "%");
        assert_eq!(unit_of_key("mom.calls.answer_rate"), "pt");
        assert_eq!(unit_of_key("trend.2026-03.availability.SYS_A.pct"), "%");
        assert_eq!(unit_of_key("days.2026-04-01.calls.offered"), "件");
        assert_eq!(unit_of_key("previous.calls.asa_s"), "秒");
        assert_eq!(unit_of_key("sla.response.incident.p1.mean_min"), "分");
        assert_eq!(unit_of_key("capacity.db01.disk_pct@/data.p95"), "%");
        assert_eq!(unit_of_key("capacity.web01.net_mbps.max"), "Mbps");
        assert_eq!(
            unit_of_key("capacity.db01.disk_pct@/data.warn_minutes"),
            "分"
        );
        assert_eq!(unit_of_key("capacity.db01.disk_pct@/data.count"), "件");
        assert_eq!(unit_of_key("cost.total"), "円");
        assert_eq!(unit_of_key("cost.variance_pct"), "%");
        assert_eq!(
            unit_of_key("cost.fy.by_category.labour.forecast_variance_pct"),
            "%"
        );
        assert_eq!(
            unit_of_key("cost.quantity.labour_tickets.incident.work_min"),
            "分"
        );
        assert_eq!(unit_of_key("cost.quantity.storage.backups.gib"), "GiB");
        assert_eq!(unit_of_key("cost.quantity.contracts.保守.days"), "日");
        assert_eq!(unit_of_key("cost.unit.per_call_answered"), "円/呼");
        assert_eq!(
            unit_of_key("cost.inputs.tickets_without_work_minutes"),
            "件"
        );
        assert_eq!(unit_of_key("cost.fy.months.2026-04.actual"), "円");
        assert_eq!(unit_of_key("calls.staffing.09.agents"), "人");
        assert_eq!(unit_of_key("jobs.instances"), "件");
        assert_eq!(unit_of_key("jobs.reruns"), "回");
        assert_eq!(unit_of_key("schedule.next_month.jobs.daily.runs"), "回");
    }
}
