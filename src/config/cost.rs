//! The cost model (`<config>/cost.toml`, docs/COST.md): unit rates, fixed
//! monthly amounts and the monthly budget of each fiscal year (年度, April →
//! March), plus the confirmed actuals of months closed before hokoku.
//!
//! All amounts are yen. The file is optional: without it every `cost.*`
//! figure is データなし. When it exists every section must be present, so a
//! forgotten section is an error rather than a silent 0.

use crate::vocab::TICKET_KINDS as KINDS;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The cost categories, in report order (`cost.<category>`).
pub const CATEGORIES: [&str; 5] = [
    "labour",
    "telephony",
    "infrastructure",
    "storage",
    "contracts",
];

/// `cost.toml` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostModel {
    /// 人件費: hourly rates.
    pub labour: Labour,
    /// 通信費: per-minute rate and fixed line fees.
    pub telephony: Telephony,
    /// 基盤費: monthly cost per host.
    pub infrastructure: Infrastructure,
    /// ストレージ費: per GiB-month of successful backups.
    pub storage: Storage,
    /// 固定契約費: fixed monthly contract lines, name → 円/月.
    #[serde(default)]
    pub contracts: BTreeMap<String, f64>,
    /// 予算 per fiscal year (`"2026"` = 2026-04 … 2027-03).
    #[serde(default)]
    pub budget: BTreeMap<String, Budget>,
    /// Confirmed actuals of months closed outside hokoku (`"2026-04"`).
    #[serde(default)]
    pub actuals: BTreeMap<String, Amounts>,
}

/// `[labour]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labour {
    /// 円/時 for ticket kinds not in `rates`.
    pub default_rate: f64,
    /// 円/時 of handled call time (talk + wrap).
    pub helpdesk_rate: f64,
    /// 円/時 by ticket kind (canonical code: incident, inquiry, …).
    #[serde(default)]
    pub rates: BTreeMap<String, f64>,
}

impl Labour {
    /// The hourly rate of a ticket kind.
    pub fn rate(&self, kind: &str) -> f64 {
        self.rates.get(kind).copied().unwrap_or(self.default_rate)
    }
}

/// `[telephony]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telephony {
    /// 円/分 of talk time.
    pub per_minute: f64,
    /// Fixed monthly line fees, name → 円/月.
    #[serde(default)]
    pub lines: BTreeMap<String, f64>,
}

/// `[infrastructure]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    /// Host → 円/月.
    #[serde(default)]
    pub hosts: BTreeMap<String, f64>,
}

/// `[storage]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// 円 per GiB-month.
    pub per_gib_month: f64,
}

/// One fiscal year's budget: twelve monthly amounts per category, April first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub labour: Vec<f64>,
    pub telephony: Vec<f64>,
    pub infrastructure: Vec<f64>,
    pub storage: Vec<f64>,
    pub contracts: Vec<f64>,
}

impl Budget {
    /// The twelve amounts of a category.
    pub fn category(&self, c: &str) -> &[f64] {
        match c {
            "labour" => &self.labour,
            "telephony" => &self.telephony,
            "infrastructure" => &self.infrastructure,
            "storage" => &self.storage,
            _ => &self.contracts,
        }
    }
}

/// One amount per category (a closed month's actuals).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amounts {
    pub labour: f64,
    pub telephony: f64,
    pub infrastructure: f64,
    pub storage: f64,
    pub contracts: f64,
}

impl Amounts {
    /// The amount of a category.
    pub fn category(&self, c: &str) -> f64 {
        match c {
            "labour" => self.labour,
            "telephony" => self.telephony,
            "infrastructure" => self.infrastructure,
            "storage" => self.storage,
            _ => self.contracts,
        }
    }
}

impl CostModel {
    /// The budget of a category for the month `year-month` (None = none set).
    pub fn monthly_budget(&self, year: i32, month: u32, category: &str) -> Option<f64> {
        let fy = if month >= 4 { year } else { year - 1 };
        let idx = ((month + 8) % 12) as usize; // April → 0 … March → 11
        self.budget
            .get(&fy.to_string())
            .and_then(|b| b.category(category).get(idx).copied())
    }

    /// Every problem in the model; `at(key)` names the place.
    pub fn check(&self, at: &dyn Fn(&str) -> String) -> Vec<String> {
        let mut errors = Vec::new();
        let mut amount = |key: String, v: f64| {
            if !v.is_finite() || v < 0.0 {
                errors.push(format!(
                    "{}: an amount in yen ≥ 0 is required, got {v}",
                    at(&key)
                ));
            }
        };
        amount("labour.default_rate".into(), self.labour.default_rate);
        amount("labour.helpdesk_rate".into(), self.labour.helpdesk_rate);
        for (k, v) in &self.labour.rates {
            amount(format!("labour.rates.{k}"), *v);
        }
        amount("telephony.per_minute".into(), self.telephony.per_minute);
        for (k, v) in &self.telephony.lines {
            amount(format!("telephony.lines.{k}"), *v);
        }
        for (k, v) in &self.infrastructure.hosts {
            amount(format!("infrastructure.hosts.{k}"), *v);
        }
        amount("storage.per_gib_month".into(), self.storage.per_gib_month);
        for (k, v) in &self.contracts {
            amount(format!("contracts.{k}"), *v);
        }
        for (fy, b) in &self.budget {
            for c in CATEGORIES {
                for (i, v) in b.category(c).iter().enumerate() {
                    amount(format!("budget.{fy}.{c}[{i}]"), *v);
                }
            }
        }
        for (m, a) in &self.actuals {
            for c in CATEGORIES {
                amount(format!("actuals.{m}.{c}"), a.category(c));
            }
        }
        for k in self.labour.rates.keys() {
            if !KINDS.iter().any(|e| e.code == k) {
                let known: Vec<&str> = KINDS.iter().map(|e| e.code).collect();
                errors.push(format!(
                    "{}: unknown ticket kind {k:?} (known: {})",
                    at("labour.rates"),
                    known.join(", ")
                ));
            }
        }
        for (fy, b) in &self.budget {
            if !(fy.len() == 4 && fy.parse::<i32>().is_ok_and(|y| (2000..=2100).contains(&y))) {
                errors.push(format!("{}: a fiscal year is written as its first year, e.g. \"2026\" for 2026-04 … 2027-03", at(&format!("budget.{fy}"))));
            }
            for c in CATEGORIES {
                let n = b.category(c).len();
                if n != 12 {
                    errors.push(format!(
                        "{}: 12 monthly amounts (April … March) are required, got {n}",
                        at(&format!("budget.{fy}.{c}"))
                    ));
                }
            }
        }
        for m in self.actuals.keys() {
            if crate::time::Period::parse_month(m).is_err() || m.len() != 7 {
                errors.push(format!(
                    "{}: months are written YYYY-MM",
                    at(&format!("actuals.{m}"))
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(extra: &str) -> Result<CostModel, toml::de::Error> {
        toml::from_str(&format!(
            "[labour]\ndefault_rate = 4000\nhelpdesk_rate = 3000\n[telephony]\nper_minute = 5\n[infrastructure]\n[storage]\nper_gib_month = 2\n{extra}"
        ))
    }

    #[test]
    fn budget_months_run_april_to_march() {
        let m = model("[budget.2026]\nlabour = [1,2,3,4,5,6,7,8,9,10,11,12]\ntelephony = [0,0,0,0,0,0,0,0,0,0,0,0]\ninfrastructure = [0,0,0,0,0,0,0,0,0,0,0,0]\nstorage = [0,0,0,0,0,0,0,0,0,0,0,0]\ncontracts = [0,0,0,0,0,0,0,0,0,0,0,0]\n").unwrap();
        assert_eq!(m.monthly_budget(2026, 4, "labour"), Some(1.0));
        assert_eq!(m.monthly_budget(2026, 12, "labour"), Some(9.0));
        assert_eq!(m.monthly_budget(2027, 1, "labour"), Some(10.0));
        assert_eq!(m.monthly_budget(2027, 3, "labour"), Some(12.0));
        assert_eq!(
            m.monthly_budget(2027, 4, "labour"),
            None,
            "FY2027 has no budget"
        );
        assert_eq!(
            m.monthly_budget(2026, 3, "labour"),
            None,
            "March 2026 belongs to FY2025"
        );
        assert!(m.check(&|k| k.to_string()).is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let m = model("[budget.26]\nlabour = [1]\ntelephony = []\ninfrastructure = [0,0,0,0,0,0,0,0,0,0,0,0]\nstorage = [0,0,0,0,0,0,0,0,0,0,0,0]\ncontracts = [0,0,0,0,0,0,0,0,0,0,0,-1]\n[contracts]\nx = -5\n").unwrap();
        let e = m.check(&|k| k.to_string());
        assert!(
            e.iter()
                .any(|e| e.starts_with("budget.26:") && e.contains("first year")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|e| e.starts_with("budget.26.labour:") && e.contains("got 1")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|e| e.starts_with("budget.26.telephony:") && e.contains("got 0")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|e| e.starts_with("budget.26.contracts[11]:")),
            "{e:?}"
        );
        assert!(e.iter().any(|e| e.starts_with("contracts.x:")), "{e:?}");
        let m = model("[labour.rates]\nincidnet = 5000\n");
        // Unknown keys inside [labour] are rejected by serde; a misspelt kind by check().
        let e = m.unwrap().check(&|k| k.to_string());
        assert!(
            e.iter()
                .any(|e| e.contains("unknown ticket kind \"incidnet\"")),
            "{e:?}"
        );
        assert!(
            toml::from_str::<CostModel>("[labour]\ndefault_rate = 1\nhelpdesk_rate = 1\n").is_err(),
            "a missing section is an error"
        );
    }
}
