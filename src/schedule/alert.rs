//! Alerts for a run that failed after its last try: a command and/or mail
//! through a plain SMTP relay. An alert that cannot be delivered is logged
//! and written into the run's history, never swallowed.

use crate::config::AlertSpec;
use crate::config::SmtpConfig;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The run failed after its last try; nothing was written.
    Failed,
    /// The run wrote its outputs, but something a person must know about
    /// happened (a source without data).
    Warning,
    /// Scheduled runs were not made (older than the catch-up window).
    Skipped,
}

impl Severity {
    fn ja(self) -> &'static str {
        match self {
            Severity::Failed => "失敗",
            Severity::Warning => "警告",
            Severity::Skipped => "未実行",
        }
    }
    fn code(self) -> &'static str {
        match self {
            Severity::Failed => "failed",
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        }
    }
}

/// What the alert says.
#[derive(Debug, Clone)]
pub struct AlertMessage {
    pub severity: Severity,
    pub job: String,
    pub title: String,
    /// `2026-10` or `2026-11-21,2026-11-22`; `-` for an ingest job.
    pub periods: String,
    /// JST, or `manual`.
    pub scheduled_at: String,
    pub attempts: u32,
    pub error: String,
}

impl AlertMessage {
    fn subject(&self) -> String {
        format!(
            "[hokoku] {}: {} ({} {})",
            self.severity.ja(),
            self.title,
            self.job,
            self.periods
        )
    }
    fn body(&self) -> String {
        let outputs = match self.severity {
            Severity::Warning => {
                "出力ファイルは書き込みました。内容（データなしの項目）を確認してください。"
            }
            Severity::Skipped => "これらの回は実行していません。必要なら再実行してください。",
            Severity::Failed if self.error.contains(super::PARTIAL) => {
                "一部の出力ファイルが置き換わっています（エラー欄の一覧）。再実行してください。"
            }
            Severity::Failed => "前回までの正常な出力ファイルは変更していません。",
        };
        let what = match self.severity {
            Severity::Failed => "hokoku のジョブが失敗しました。",
            Severity::Warning => "hokoku のジョブは終わりましたが、確認が必要です。",
            Severity::Skipped => "hokoku のジョブの予定された回が実行されませんでした。",
        };
        let rerun: Vec<String> = rerun_hints(&self.periods)
            .iter()
            .map(|h| format!("  hokoku run {} {h}", self.job))
            .collect();
        format!(
            "{what}\n\nジョブ: {} ({})\n対象期間: {}\n予定時刻: {}\n試行回数: {}\n\n内容:\n{}\n\n{outputs}\n再実行:\n{}\n",
            self.title,
            self.job,
            self.periods,
            self.scheduled_at,
            self.attempts,
            self.error,
            if rerun.is_empty() { format!("  hokoku run {}", self.job) } else { rerun.join("\n") },
        )
    }
}

/// `--date 2026-11-20`, `--week 2026-W47`, `--month 2026-10`: one per period.
fn rerun_hints(periods: &str) -> Vec<String> {
    periods
        .split(',')
        .filter(|p| *p != "-" && !p.is_empty())
        .map(|p| {
            if p.contains("-W") {
                format!("--week {p}")
            } else if p.len() == 7 {
                format!("--month {p}")
            } else {
                format!("--date {p}")
            }
        })
        .collect()
}

/// How long an alert command may take before it is killed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Send the alert; returns one line per delivery that failed.
pub fn send(spec: &AlertSpec, smtp: Option<&SmtpConfig>, msg: &AlertMessage) -> Vec<String> {
    let mut problems = Vec::new();
    if spec.is_empty() {
        problems.push("no alert is configured ([alert] in the job or in site.toml): the failure is only in the log and the history".into());
    }
    if let Some((program, args)) = spec.command.split_first() {
        if let Err(e) = run_command(program, args, msg) {
            problems.push(format!("alert command {program}: {e}"));
        }
    }
    if !spec.mail.is_empty() {
        match smtp {
            Some(s) => {
                if let Err(e) = send_mail(s, &spec.mail, msg) {
                    problems.push(format!("alert mail via {}:{}: {e}", s.host, s.port));
                }
            }
            None => problems.push("alert mail needs [smtp] in site.toml".into()),
        }
    }
    problems
}

fn run_command(program: &str, args: &[String], msg: &AlertMessage) -> Result<(), String> {
    let mut child = Command::new(program)
        .args(args)
        .args([&msg.job, &msg.periods, &msg.error])
        .env("HOKOKU_JOB", &msg.job)
        .env("HOKOKU_STATUS", msg.severity.code())
        .env("HOKOKU_TITLE", &msg.title)
        .env("HOKOKU_PERIOD", &msg.periods)
        .env("HOKOKU_SCHEDULED_AT", &msg.scheduled_at)
        .env("HOKOKU_ATTEMPTS", msg.attempts.to_string())
        .env("HOKOKU_ERROR", &msg.error)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) if s.success() => return Ok(()),
            Some(s) => return Err(format!("ended with {s}")),
            None if start.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "did not finish in {} s and was killed",
                    COMMAND_TIMEOUT.as_secs()
                ));
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn send_mail(smtp: &SmtpConfig, to: &[String], msg: &AlertMessage) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{Message, SmtpTransport, Transport};
    let mut b = Message::builder()
        .from(
            smtp.from
                .parse()
                .map_err(|e| format!("from {:?}: {e}", smtp.from))?,
        )
        .subject(msg.subject());
    for t in to {
        b = b.to(t.parse().map_err(|e| format!("to {t:?}: {e}"))?);
    }
    let mail = b
        .header(ContentType::TEXT_PLAIN)
        .body(msg.body())
        .map_err(|e| e.to_string())?;
    let transport = SmtpTransport::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_seconds)))
        .build();
    transport.send(&mail).map(|_| ()).map_err(|e| e.to_string())
}
