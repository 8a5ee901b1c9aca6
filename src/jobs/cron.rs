//! Cron in Asia/Tokyo: parsing (standard 5 fields, or 6 with seconds), the
//! same schedule as tokio-cron-scheduler expressions, and a schedule in
//! Japanese words.

use super::Job;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

fn cron_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .dom_and_dow(false)
        .build()
}

/// Parse a cron expression: standard 5 fields (`min hour day-of-month month
/// day-of-week`) or 6 with seconds first. As in standard cron, when both day
/// fields are restricted a day matching either runs.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    let n = expr.split_whitespace().count();
    if !(5..=6).contains(&n) {
        return Err(format!("cron {expr:?} has {n} fields: write 5 (minute hour day-of-month month day-of-week), e.g. \"30 2 * * *\" for 02:30 every day"));
    }
    cron_parser().parse(expr).map_err(|e| {
        format!("cron {expr:?}: {e} (fields: minute hour day-of-month month day-of-week)")
    })
}

/// The same schedule as tokio-cron-scheduler 0.15 expressions: seconds
/// first, and split in two when both day fields are restricted, because
/// tokio-cron-scheduler combines them with AND where cron uses OR.
pub fn scheduler_exprs(expr: &str) -> Vec<String> {
    let mut f: Vec<&str> = expr.split_whitespace().collect();
    if f.len() == 5 {
        f.insert(0, "0");
    }
    let free = |x: &str| x == "*" || x == "?";
    if f.len() == 6 && !free(f[3]) && !free(f[5]) {
        let mut a = f.clone();
        a[5] = "*";
        let mut b = f.clone();
        b[3] = "*";
        return vec![a.join(" "), b.join(" ")];
    }
    vec![f.join(" ")]
}

impl Job {
    /// The schedule in words: `毎日 02:30`, `第1営業日 06:00`, `営業日 07:00`,
    /// or the cron expression when it is not a daily time.
    pub fn describe(&self) -> String {
        let mut f: Vec<&str> = self.cron_text.split_whitespace().collect();
        if f.len() == 5 {
            f.insert(0, "0");
        }
        let simple_time = f.len() == 6
            && f[3] == "*"
            && f[4] == "*"
            && [f[0], f[1], f[2]].iter().all(|x| x.parse::<u32>().is_ok());
        let time = simple_time.then(|| {
            format!(
                "{:02}:{:02}",
                f[2].parse::<u32>().unwrap_or(0),
                f[1].parse::<u32>().unwrap_or(0)
            )
        });
        let weekday = f.get(5).copied().unwrap_or("*");
        let day = match (self.business_day, self.business_days_only) {
            _ if self.after_period => "翌営業日".to_string(),
            (Some(-1), _) => "最終営業日".to_string(),
            (Some(n), _) if n < 0 => format!("最終営業日の{}営業日前", -n - 1),
            (Some(n), _) => format!("第{n}営業日"),
            (None, true) => "営業日".to_string(),
            (None, false) if weekday == "*" => "毎日".to_string(),
            (None, false) => format!("曜日 {}", weekday_words(weekday)),
        };
        match time {
            Some(t) => format!("{day} {t}"),
            None if day == "毎日" => format!("cron {}", self.cron_text),
            None => format!("{day}（cron {}）", self.cron_text),
        }
    }
}

fn weekday_words(dow: &str) -> String {
    const JA: [&str; 8] = ["日", "月", "火", "水", "木", "金", "土", "日"];
    let word = |s: &str| match s.to_ascii_uppercase().as_str() {
        "SUN" => "日".to_string(),
        "MON" => "月".to_string(),
        "TUE" => "火".to_string(),
        "WED" => "水".to_string(),
        "THU" => "木".to_string(),
        "FRI" => "金".to_string(),
        "SAT" => "土".to_string(),
        n => n
            .parse::<usize>()
            .ok()
            .and_then(|i| JA.get(i))
            .map_or(s.to_string(), |x| x.to_string()),
    };
    dow.split(',')
        .map(|part| part.split('-').map(word).collect::<Vec<_>>().join("～"))
        .collect::<Vec<_>>()
        .join("・")
}
