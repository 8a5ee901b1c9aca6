//! The scheduler: business-day rules, catch-up, the cross-process lock,
//! retries, alerts, readiness and signals. Time comes from a fake clock, so
//! nothing here sleeps for real (except the two tests that send SIGTERM to a
//! real `hokoku serve`).

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::{root, tmp};
use hokoku::jobs;
use hokoku::schedule::clock::{Cancel, Clock, FakeClock};
use hokoku::schedule::history::{History, Status};
use hokoku::schedule::{self, Ctx, Outcome, RunSpec, Setup, Trigger};
use hokoku::time::CalPeriod as JobPeriod;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, min, 0).unwrap()
}

/// A scratch site: the day fixture's config and inputs, job files written
/// from `jobs` (`{tmp}` replaced by the folder), state under `{tmp}/state`.
struct Site {
    dir: PathBuf,
}

impl Site {
    fn new(name: &str, jobs: &[(&str, &str)]) -> Site {
        let dir = tmp(name);
        for sub in ["jobs", "config", "inputs"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for (from, to) in [("config", "config"), ("inputs", "inputs")] {
            for e in std::fs::read_dir(root().join("tests/fixtures/day").join(from)).unwrap() {
                let e = e.unwrap();
                std::fs::copy(e.path(), dir.join(to).join(e.file_name())).unwrap();
            }
        }
        let mut site = std::fs::read_to_string(dir.join("config/site.toml")).unwrap();
        site.push_str(&format!(
            "\n[scheduler]\nstate_dir = \"{}\"\ncatch_up_days = 7\n",
            dir.join("state").display()
        ));
        std::fs::write(dir.join("config/site.toml"), site).unwrap();
        let s = Site { dir };
        for (id, text) in jobs {
            s.write_job(id, text);
        }
        s
    }
    fn write_job(&self, id: &str, text: &str) {
        std::fs::write(
            self.dir.join("jobs").join(format!("{id}.toml")),
            text.replace("{tmp}", &self.dir.display().to_string()),
        )
        .unwrap();
    }
    fn setup(&self) -> Setup {
        Setup::load(
            &self.dir.join("jobs"),
            &self.dir.join("config"),
            &root().join("templates"),
        )
        .unwrap()
    }
    fn history(&self) -> History {
        History::open(&self.dir.join("state")).unwrap()
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }
}

/// The daily report of the previous day at 02:30, JSON only (fast), with an
/// alert command that writes what it receives to `{tmp}/alert.txt`.
const DAILY: &str = r#"
title = "日次報告の作成"
task = "report"
reports = ["daily"]
period = "previous_day"
[schedule]
cron = "30 2 * * *"
[inputs]
dir = "{tmp}/inputs"
[outputs]
dir = "{tmp}/out"
formats = ["json"]
[retry]
attempts = 3
backoff_seconds = 60
[alert]
command = ["sh", "-c", "printf '%s|%s|%s' \"$1\" \"$2\" \"$3\" > {tmp}/alert.txt; echo \"$HOKOKU_JOB $HOKOKU_ATTEMPTS $HOKOKU_SCHEDULED_AT\" > {tmp}/alert-env.txt", "alert"]
"#;

fn job_with(id: &str, cron: &str, extra: &str) -> jobs::Job {
    let dir = tmp(&format!("job-{id}"));
    std::fs::write(dir.join(format!("{id}.toml")), format!("title = \"t\"\ntask = \"report\"\nreports = [\"monthly\"]\nperiod = \"previous_month\"\n[schedule]\ncron = \"{cron}\"\n{extra}\n")).unwrap();
    jobs::load(&dir).unwrap().remove(0)
}

fn business_days() -> hokoku::calendar::BusinessDays {
    let cfg = hokoku::config::load(&root().join("jobs/config")).unwrap();
    cfg.calendars.rule.unwrap()
}

#[test]
fn first_business_day_of_january_2027_is_the_4th() {
    let b = business_days();
    let job = job_with("m1", "0 6 * * *", "business_day = 1");
    // 1/1 元日 and 1/2–1/3 are closed (12/29–1/3), 1/4 is a Monday.
    assert_eq!(
        job.runs_between(d(2027, 1, 1), d(2027, 2, 1), Some(&b))
            .unwrap(),
        [t(2027, 1, 4, 6, 0)]
    );
    // May 2027 opens on Sat 1, Sun 2, then 憲法記念日 3, みどりの日 4,
    // こどもの日 5: the first business day is Thursday 5/6.
    assert_eq!(
        job.runs_between(d(2027, 5, 1), d(2027, 6, 1), Some(&b))
            .unwrap(),
        [t(2027, 5, 6, 6, 0)]
    );
    // The run on 2027-01-04 reports on December 2026.
    let o = job
        .occurrences(t(2027, 1, 1, 0, 0), t(2027, 1, 31, 0, 0), Some(&b))
        .unwrap();
    assert_eq!(o[0].periods, [JobPeriod::Month(d(2026, 12, 1))]);
}

#[test]
fn last_business_day_of_a_month_ending_on_a_weekend() {
    let b = business_days();
    let job = job_with("m2", "0 18 * * *", "business_day = -1");
    // January 2027 ends on Sunday 1/31: 最終営業日 is Friday 1/29.
    assert_eq!(
        job.runs_between(d(2027, 1, 1), d(2027, 2, 1), Some(&b))
            .unwrap(),
        [t(2027, 1, 29, 18, 0)]
    );
    // October 2026 ends on Saturday 10/31: Friday 10/30.
    assert_eq!(
        job.runs_between(d(2026, 10, 1), d(2026, 11, 1), Some(&b))
            .unwrap(),
        [t(2026, 10, 30, 18, 0)]
    );
    // December 2026: 12/29–12/31 are closing days, so Monday 12/28.
    assert_eq!(
        job.runs_between(d(2026, 12, 1), d(2027, 1, 1), Some(&b))
            .unwrap(),
        [t(2026, 12, 28, 18, 0)]
    );
}

#[test]
fn the_first_business_day_after_the_period() {
    let b = business_days();
    let dir = tmp("after-period");
    let weekly = "title = \"w\"\ntask = \"report\"\nreports = [\"weekly\"]\nperiod = \"previous_week\"\n[schedule]\ncron = \"0 3 * * *\"\nafter_period = true\n";
    let daily = "title = \"d\"\ntask = \"report\"\nreports = [\"daily\"]\nperiod = \"previous_day\"\n[schedule]\ncron = \"0 7 * * *\"\nafter_period = true\n";
    std::fs::write(dir.join("w.toml"), weekly).unwrap();
    std::fs::write(dir.join("d.toml"), daily).unwrap();
    let all = jobs::load(&dir).unwrap();
    let (d_job, w_job) = (&all[0], &all[1]);
    // Week 2026-W47 (11/16–11/22) is followed by 勤労感謝の日 on Monday
    // 11/23: its report runs on Tuesday 11/24.
    let w = w_job
        .occurrences(t(2026, 11, 22, 0, 0), t(2026, 11, 30, 0, 0), Some(&b))
        .unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].at, w[0].periods.clone()),
        (
            t(2026, 11, 24, 3, 0),
            vec![JobPeriod::Week(d(2026, 11, 16))]
        )
    );
    // The daily job on Tuesday 11/24 reports Friday 20 to Monday 23, oldest
    // first (Friday's first business day after it is Tuesday too); on
    // Wednesday only Tuesday; nothing runs on 11/21–11/23.
    let runs = d_job
        .occurrences(t(2026, 11, 20, 12, 0), t(2026, 11, 25, 12, 0), Some(&b))
        .unwrap();
    let got: Vec<(NaiveDateTime, String)> = runs
        .iter()
        .map(|o| (o.at, jobs::periods_label(&o.periods)))
        .collect();
    assert_eq!(
        got,
        [
            (
                t(2026, 11, 24, 7, 0),
                "2026-11-20,2026-11-21,2026-11-22,2026-11-23".to_string()
            ),
            (t(2026, 11, 25, 7, 0), "2026-11-24".to_string())
        ]
    );
}

#[test]
fn cron_is_standard_five_field_with_day_fields_or_ed() {
    let b = business_days();
    // Day 1 of the month OR Mondays, as in standard cron: in November 2026,
    // Sunday 11/1 and the Mondays 2, 9, 16, 23, 30.
    let job = job_with("or", "0 6 1 * MON", "");
    let days: Vec<u32> = job
        .runs_between(d(2026, 11, 1), d(2026, 12, 1), Some(&b))
        .unwrap()
        .iter()
        .map(|x| chrono::Datelike::day(&x.date()))
        .collect();
    assert_eq!(days, [1, 2, 9, 16, 23, 30]);
    // tokio-cron-scheduler ANDs the day fields, so it gets the two halves.
    assert_eq!(
        jobs::scheduler_exprs("0 6 1 * MON"),
        ["0 0 6 1 * *", "0 0 6 * * MON"]
    );
    assert_eq!(jobs::scheduler_exprs("30 2 * * *"), ["0 30 2 * * *"]);
    // A misplaced field count is explained, not guessed.
    let e = jobs::parse_cron("6 * * *").unwrap_err();
    assert!(
        e.contains("minute hour day-of-month month day-of-week"),
        "{e}"
    );
}

fn run_spec(job: &str, at: Option<NaiveDateTime>, day: NaiveDate) -> RunSpec {
    RunSpec {
        job: job.into(),
        at,
        periods: vec![JobPeriod::Day(day)],
        trigger: if at.is_some() {
            Trigger::Schedule
        } else {
            Trigger::Manual
        },
    }
}

#[test]
fn catch_up_after_three_days_down_runs_each_missed_run_once_oldest_first() {
    let site = Site::new("catchup", &[("daily", DAILY)]);
    let setup = site.setup();
    let clock = FakeClock::at_jst(t(2026, 10, 14, 12, 0));
    let cancel = Cancel::new();
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    // First start: nothing was missed (the job did not exist before).
    assert!(schedule::tick(&ctx).unwrap().is_empty());
    // 10/15 02:31: the 02:30 run reports 10/14.
    clock.set_jst(t(2026, 10, 15, 2, 31));
    let done = schedule::tick(&ctx).unwrap();
    assert_eq!(done.len(), 1);
    // Down from 10/15 03:00 until 10/18 09:00: three runs were missed.
    clock.set_jst(t(2026, 10, 18, 9, 0));
    let done = schedule::tick(&ctx).unwrap();
    let ran: Vec<(NaiveDateTime, String)> = done
        .iter()
        .map(|(o, _)| (o.at, jobs::periods_label(&o.periods)))
        .collect();
    assert_eq!(
        ran,
        [
            (t(2026, 10, 16, 2, 30), "2026-10-15".to_string()),
            (t(2026, 10, 17, 2, 30), "2026-10-16".to_string()),
            (t(2026, 10, 18, 2, 30), "2026-10-17".to_string()),
        ]
    );
    assert!(
        done.iter().all(|(_, o)| matches!(
            o,
            Ok(Outcome::Ran {
                status: Status::Succeeded | Status::Warning,
                ..
            })
        )),
        "{done:?}"
    );
    // Each once: a second start finds nothing to do.
    assert!(schedule::tick(&ctx).unwrap().is_empty());
    let rows = site.history().list(Some("daily"), 10).unwrap();
    assert_eq!(rows.len(), 4);
    let triggers: Vec<&str> = rows.iter().rev().map(|r| r.trigger.as_str()).collect();
    assert_eq!(triggers, ["schedule", "catch-up", "catch-up", "catch-up"]);
    // The 10/15 report (the fixture day, one row set aside) is a warning.
    let r15 = rows.iter().find(|r| r.periods == "2026-10-15").unwrap();
    assert_eq!(r15.status, Status::Warning);
    assert!(site
        .path("out/daily/2026/10/daily-2026-10-15.json")
        .is_file());
    // Runs older than the catch-up window are not run: down 10 days.
    let _ = std::fs::remove_file(site.path("alert.txt"));
    clock.set_jst(t(2026, 10, 28, 9, 0));
    let done = schedule::tick(&ctx).unwrap();
    // The window is (10/21 09:00, 10/28 09:00]: 10/22 … 10/28 at 02:30 are
    // made; 10/19, 10/20 and 10/21 are not — but reported: each a
    // `skipped` row, one alert listing them.
    let status_of = |o: &Result<Outcome, anyhow::Error>| match o {
        Ok(Outcome::Ran { status, .. }) => Some(*status),
        _ => None,
    };
    let skipped: Vec<NaiveDateTime> = done
        .iter()
        .filter(|(_, o)| status_of(o) == Some(Status::Skipped))
        .map(|(o, _)| o.at)
        .collect();
    assert_eq!(
        skipped,
        [
            t(2026, 10, 19, 2, 30),
            t(2026, 10, 20, 2, 30),
            t(2026, 10, 21, 2, 30)
        ]
    );
    let made: Vec<NaiveDateTime> = done
        .iter()
        .filter(|(_, o)| status_of(o) != Some(Status::Skipped))
        .map(|(o, _)| o.at)
        .collect();
    assert_eq!((made.len(), made[0]), (7, t(2026, 10, 22, 2, 30)));
    let alert = std::fs::read_to_string(site.path("alert-env.txt")).unwrap_or_default();
    assert!(alert.starts_with("daily "), "one alert: {alert}");
    let rows = site.history().list(Some("daily"), 20).unwrap();
    assert_eq!(
        rows.iter().filter(|r| r.status == Status::Skipped).count(),
        3
    );
    // Reported once: the next tick has nothing more to skip.
    let again = schedule::tick(&ctx).unwrap();
    assert!(again
        .iter()
        .all(|(_, o)| status_of(o) != Some(Status::Skipped)));
}

#[test]
fn a_run_left_running_by_a_crash_is_marked_interrupted_and_run_again() {
    let site = Site::new("crash", &[("daily", DAILY)]);
    let setup = site.setup();
    let clock = FakeClock::at_jst(t(2026, 10, 15, 12, 0));
    let h = site.history();
    h.first_seen("daily", t(2026, 10, 15, 12, 0)).unwrap();
    // A process died mid-run: its row says running, and no lock is held.
    let dead = h
        .begin(
            "daily",
            Some(t(2026, 10, 16, 2, 30)),
            "2026-10-15",
            "schedule",
            t(2026, 10, 16, 2, 30),
        )
        .unwrap();
    clock.set_jst(t(2026, 10, 16, 8, 0));
    let cancel = Cancel::new();
    let done = schedule::tick(&Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    })
    .unwrap();
    assert_eq!(done.len(), 1);
    let old = h.get(dead).unwrap().unwrap();
    assert_eq!(old.status, Status::Interrupted);
    assert!(old.error.unwrap().contains("crash"));
    assert!(matches!(
        done[0].1,
        Ok(Outcome::Ran {
            status: Status::Warning,
            ..
        })
    ));
}

#[test]
fn a_job_beyond_the_holiday_list_does_not_stop_the_others() {
    let monthly = DAILY
        .replace("reports = [\"daily\"]", "reports = [\"monthly\"]")
        .replace("previous_day", "previous_month")
        .replace(
            "cron = \"30 2 * * *\"",
            "cron = \"0 6 * * *\"\nbusiness_day = 1",
        );
    let site = Site::new("beyond", &[("daily", DAILY), ("monthly", &monthly)]);
    let setup = site.setup();
    // The holiday list ends in 2027; in January 2028 the 第1営業日 rule
    // cannot be decided, but the daily job still runs.
    let h = site.history();
    for j in ["daily", "monthly"] {
        h.first_seen(j, t(2028, 1, 5, 0, 0)).unwrap();
    }
    let (clock, cancel) = (FakeClock::at_jst(t(2028, 1, 5, 7, 0)), Cancel::new());
    let schedule::Due {
        runs: due,
        problems,
        ..
    } = schedule::due(&setup, &h, clock.now_jst()).unwrap();
    assert_eq!(
        due.iter().map(|o| o.job.as_str()).collect::<Vec<_>>(),
        ["daily"]
    );
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].0 == "monthly" && problems[0].1.contains("2028"),
        "{problems:?}"
    );
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let done = schedule::tick(&ctx).unwrap();
    // The daily run is made; the monthly job is a failed run, alerted and
    // in the history — never only a log line.
    assert_eq!(done.len(), 2);
    let monthly = done.iter().find(|(o, _)| o.job == "monthly").unwrap();
    assert!(matches!(
        monthly.1,
        Ok(Outcome::Ran {
            status: Status::Failed,
            ..
        })
    ));
    let rows = h.list(Some("monthly"), 10).unwrap();
    assert_eq!((rows.len(), rows[0].status), (1, Status::Failed));
    let error = rows[0].error.as_deref().unwrap();
    assert!(
        error.starts_with("cannot list the runs of this job"),
        "{error}"
    );
    assert!(!error.contains("alert:"), "the alert went out: {error}");
    // The problem stands all day: one alert a day, not one a tick.
    std::fs::remove_file(site.path("alert.txt")).unwrap();
    let again = schedule::tick(&ctx).unwrap();
    let monthly = again.iter().find(|(o, _)| o.job == "monthly").unwrap();
    assert!(matches!(monthly.1, Ok(Outcome::AlreadyDone)));
    assert!(!site.path("alert.txt").exists());
}

#[test]
fn a_retry_that_succeeds() {
    let site = Site::new("retry", &[("daily", DAILY)]);
    let setup = site.setup();
    // The inputs folder is not there yet (a copy from the file server is
    // late); it appears during the first wait.
    let inputs = site.path("inputs");
    let parked = site.path("inputs-late");
    std::fs::rename(&inputs, &parked).unwrap();
    let clock = FakeClock::at_jst(t(2026, 10, 16, 2, 30));
    clock.on_sleep(move |_| {
        if parked.exists() {
            std::fs::rename(&parked, &inputs).unwrap();
        }
    });
    let cancel = Cancel::new();
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let out = schedule::run_job(
        &ctx,
        &run_spec("daily", Some(t(2026, 10, 16, 2, 30)), d(2026, 10, 15)),
    )
    .unwrap();
    let Outcome::Ran {
        id,
        status,
        outputs,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        status,
        Status::Warning,
        "written, with the fixture's one set-aside row"
    );
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(60)],
        "one wait of backoff_seconds"
    );
    assert_eq!(site.history().get(id).unwrap().unwrap().attempts, 2);
    assert!(outputs.iter().any(|p| p.ends_with("daily-2026-10-15.json")));
    assert!(
        !site.path("alert.txt").exists(),
        "no alert for a run that succeeded"
    );
}

#[test]
fn a_final_failure_calls_the_alert_and_leaves_the_previous_outputs_untouched() {
    let site = Site::new("fail", &[("daily", DAILY)]);
    let setup = site.setup();
    // A good report from an earlier run.
    let cancel = Cancel::new();
    let clock = FakeClock::at_jst(t(2026, 10, 16, 2, 30));
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    schedule::run_job(&ctx, &run_spec("daily", None, d(2026, 10, 15))).unwrap();
    let json = site.path("out/daily/2026/10/daily-2026-10-15.json");
    let manifest = site.path("out/daily/2026/10/daily-2026-10-15.manifest.json");
    let before = (
        std::fs::read(&json).unwrap(),
        std::fs::read(&manifest).unwrap(),
    );
    // Now the tickets export is broken beyond repair (a stray binary file):
    // every try fails.
    std::fs::write(
        site.path("inputs/tickets.csv"),
        [0xff, 0xfe, 0x00, 0x01, 0x02],
    )
    .unwrap();
    let out = schedule::run_job(&ctx, &run_spec("daily", None, d(2026, 10, 15))).unwrap();
    let Outcome::Ran {
        id,
        status,
        outputs,
        error,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(status, Status::Failed);
    assert!(outputs.is_empty());
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(60), Duration::from_secs(120)],
        "backoff doubles"
    );
    let row = site.history().get(id).unwrap().unwrap();
    assert_eq!(row.attempts, 3);
    let error = error.unwrap();
    assert!(error.contains("tickets.csv"), "{error}");
    // The alert got the job, the period and the error.
    let alert = std::fs::read_to_string(site.path("alert.txt")).unwrap();
    assert_eq!(alert, format!("daily|2026-10-15|{error}"));
    assert_eq!(
        std::fs::read_to_string(site.path("alert-env.txt"))
            .unwrap()
            .trim(),
        "daily 3 manual"
    );
    // Fail closed: the previous report is byte for byte what it was.
    assert_eq!(
        (
            std::fs::read(&json).unwrap(),
            std::fs::read(&manifest).unwrap()
        ),
        before
    );
}

#[test]
fn a_broken_alert_is_recorded_in_the_history() {
    // An alert command that is not there: the scheduler refuses to start.
    let missing = DAILY.replace(r#"command = ["sh""#, r#"command = ["{tmp}/no-such-alert""#);
    let site = Site::new("bad-alert", &[("daily", &missing)]);
    let e = Setup::load(
        &site.path("jobs"),
        &site.path("config"),
        &root().join("templates"),
    )
    .err()
    .unwrap();
    assert!(
        format!("{e:#}").contains("no-such-alert not found"),
        "{e:#}"
    );
    // One that is there but fails: the run's history says so.
    site.write_job(
        "daily",
        &DAILY.replace("attempts = 3", "attempts = 1").replace(
            r#"command = ["sh", "-c", "printf"#,
            r#"command = ["sh", "-c", "exit 7; printf"#,
        ),
    );
    std::fs::remove_dir_all(site.path("inputs")).unwrap();
    let setup = site.setup();
    let (clock, cancel) = (FakeClock::at_jst(t(2026, 10, 16, 2, 30)), Cancel::new());
    let out = schedule::run_job(
        &Ctx {
            setup: &setup,
            clock: &clock,
            cancel: &cancel,
        },
        &run_spec("daily", None, d(2026, 10, 15)),
    )
    .unwrap();
    let Outcome::Ran {
        id,
        status: Status::Failed,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    let e = site.history().get(id).unwrap().unwrap().error.unwrap();
    assert!(
        e.contains("inputs folder")
            && e.contains("alert: alert command sh: ended with exit status: 7"),
        "{e}"
    );
}

#[test]
fn readiness_times_out_then_fails_or_proceeds_as_the_job_says() {
    let waiting = DAILY.replace(
        "[outputs]",
        "ready = [\"exports/tickets-*.csv\"]\nsettle_seconds = 0\nwait_minutes = 30\n[outputs]",
    );
    let site = Site::new(
        "ready",
        &[
            ("daily", &waiting),
            (
                "daily_proceed",
                &waiting.replace(
                    "wait_minutes = 30",
                    "wait_minutes = 30\non_timeout = \"proceed\"",
                ),
            ),
        ],
    );
    let setup = site.setup();
    let cancel = Cancel::new();
    let clock = FakeClock::at_jst(t(2026, 10, 16, 2, 30));
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let out = schedule::run_job(
        &ctx,
        &run_spec("daily", Some(t(2026, 10, 16, 2, 30)), d(2026, 10, 15)),
    )
    .unwrap();
    let Outcome::Ran { status, error, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(status, Status::Failed);
    let error = error.unwrap();
    assert!(
        error.starts_with("inputs not ready after 30 minutes: no file matches"),
        "{error}"
    );
    // Checked every 30 s for 30 minutes, in fake time; then no retry.
    assert_eq!(
        clock.sleeps().iter().sum::<Duration>(),
        Duration::from_secs(30 * 60)
    );
    assert!(std::fs::read_to_string(site.path("alert.txt"))
        .unwrap()
        .contains("inputs not ready"));
    assert!(!site.path("out").exists(), "nothing written");
    // The deadline counts from the scheduled time: a run caught up at 09:00
    // for 02:30 checks once and does not wait again.
    let late = FakeClock::at_jst(t(2026, 10, 17, 9, 0));
    let ctx_late = Ctx {
        setup: &setup,
        clock: &late,
        cancel: &cancel,
    };
    let out = schedule::run_job(
        &ctx_late,
        &run_spec("daily", Some(t(2026, 10, 17, 2, 30)), d(2026, 10, 16)),
    )
    .unwrap();
    assert!(
        matches!(
            out,
            Outcome::Ran {
                status: Status::Failed,
                ..
            }
        ),
        "{out:?}"
    );
    assert!(late.sleeps().is_empty());
    // on_timeout = "proceed": the report is made, and the run says why it is
    // a warning.
    let out = schedule::run_job(
        &ctx,
        &run_spec(
            "daily_proceed",
            Some(t(2026, 10, 16, 2, 30)),
            d(2026, 10, 15),
        ),
    )
    .unwrap();
    let Outcome::Ran {
        status,
        error,
        outputs,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(status, Status::Warning);
    assert!(error.unwrap().contains("inputs not ready after 30 minutes"));
    assert!(outputs.iter().any(|p| p.ends_with("daily-2026-10-15.json")));
}

#[test]
fn readiness_waits_until_a_file_stops_changing() {
    let job = DAILY.replace(
        "[outputs]",
        "ready = [\"tickets.csv\"]\nsettle_seconds = 120\nwait_minutes = 60\n[outputs]",
    );
    let site = Site::new("settle", &[("daily", &job)]);
    let setup = site.setup();
    // The export was just written (by the clock's time).
    let now = t(2026, 10, 16, 2, 30);
    let f = std::fs::File::options()
        .write(true)
        .open(site.path("inputs/tickets.csv"))
        .unwrap();
    f.set_modified(hokoku::schedule::clock::from_jst(now).into())
        .unwrap();
    let (clock, cancel) = (FakeClock::at_jst(now), Cancel::new());
    let out = schedule::run_job(
        &Ctx {
            setup: &setup,
            clock: &clock,
            cancel: &cancel,
        },
        &run_spec("daily", Some(now), d(2026, 10, 15)),
    )
    .unwrap();
    assert!(
        matches!(
            out,
            Outcome::Ran {
                status: Status::Warning,
                ..
            }
        ),
        "{out:?}"
    );
    // Waited 4 × 30 s until it had been unchanged for 120 s.
    assert_eq!(clock.sleeps(), [Duration::from_secs(30); 4]);
}

#[test]
fn a_job_never_runs_twice_at_once() {
    let site = Site::new("lock", &[("daily", DAILY)]);
    let setup = site.setup();
    let held = hokoku::schedule::lock::try_lock(&site.path("state"), "daily")
        .unwrap()
        .unwrap();
    let (clock, cancel) = (FakeClock::at_jst(t(2026, 10, 16, 2, 30)), Cancel::new());
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    assert_eq!(
        schedule::run_job(&ctx, &run_spec("daily", None, d(2026, 10, 15))).unwrap(),
        Outcome::Busy
    );
    assert!(
        site.history().list(None, 10).unwrap().is_empty(),
        "a busy run leaves no row"
    );
    drop(held);
    assert!(matches!(
        schedule::run_job(&ctx, &run_spec("daily", None, d(2026, 10, 15))).unwrap(),
        Outcome::Ran { .. }
    ));
}

/// `hokoku serve [--once] --pretend-now NOW` on the scratch site.
fn serve_with(site: &Site, once: bool, now: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .arg("serve")
        .args(once.then_some("--once"))
        .args(["--pretend-now", now, "--jobs"])
        .arg(site.path("jobs"))
        .arg("--config")
        .arg(site.path("config"))
        .arg("--templates")
        .arg(root().join("templates"))
        .current_dir(&site.dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_processes_racing_for_the_same_run_make_it_once() {
    let site = Site::new("race", &[("daily", DAILY)]);
    site.history()
        .first_seen("daily", t(2026, 10, 15, 12, 0))
        .unwrap();
    let a = serve_with(&site, true, "2026-10-16T02:31:00");
    let b = serve_with(&site, true, "2026-10-16T02:31:00");
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for o in [&a, &b] {
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let rows = site.history().list(Some("daily"), 10).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].scheduled_at.as_deref(), Some("2026-10-16T02:30:00"));
    assert_eq!(rows[0].status, Status::Warning);
}

fn sigterm(child: &std::process::Child) {
    // The shell's own kill: no procps needed.
    let ok = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Poll the history until `f` holds (real time, at most 60 s).
fn wait_for(site: &Site, what: &str, f: impl Fn(&[hokoku::schedule::history::RunRow]) -> bool) {
    for _ in 0..600 {
        if site.path("state/history.sqlite").exists() {
            if let Ok(rows) = site.history().list(None, 10) {
                if f(&rows) {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn sigterm_while_waiting_for_inputs_stops_cleanly_and_writes_nothing() {
    let job = DAILY.replace(
        "[outputs]",
        "ready = [\"late/*.csv\"]\nsettle_seconds = 0\nwait_minutes = 120\n[outputs]",
    );
    let site = Site::new("sigterm-wait", &[("daily", &job)]);
    site.history()
        .first_seen("daily", t(2026, 10, 15, 12, 0))
        .unwrap();
    let child = serve_with(&site, false, "2026-10-16T02:31:00");
    wait_for(&site, "the run to start", |r| {
        r.iter().any(|r| r.status == Status::Running)
    });
    sigterm(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = site.history().list(None, 10).unwrap();
    assert_eq!(rows[0].status, Status::Interrupted);
    assert!(rows[0]
        .error
        .as_deref()
        .unwrap()
        .contains("waiting for inputs"));
    assert!(!site.path("out").exists());
    assert!(
        !site.path("alert.txt").exists(),
        "an interrupted run is run again, not alerted"
    );
}

#[test]
fn sigterm_during_a_report_either_completes_it_or_leaves_nothing() {
    // All three formats, so the run takes a moment.
    let job = DAILY.replace(
        "formats = [\"json\"]",
        "formats = [\"xlsx\", \"pdf\", \"json\"]",
    );
    let site = Site::new("sigterm-run", &[("daily", &job)]);
    site.history()
        .first_seen("daily", t(2026, 10, 15, 12, 0))
        .unwrap();
    let child = serve_with(&site, false, "2026-10-16T02:31:00");
    wait_for(&site, "the run to start", |r| {
        r.iter().any(|r| r.attempts >= 1)
    });
    sigterm(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = site.history().list(None, 1).unwrap().remove(0);
    let dir = site.path("out/daily/2026/10");
    let written: Vec<String> = std::fs::read_dir(&dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    match row.status {
        // Finished: every file is there and whole (the PDF ends with %%EOF,
        // the manifest lists each file with its SHA-256), no temporary file.
        Status::Warning | Status::Succeeded => {
            let mut names = written.clone();
            names.sort();
            assert_eq!(
                names,
                [
                    "daily-2026-10-15.json",
                    "daily-2026-10-15.manifest.json",
                    "daily-2026-10-15.pdf",
                    "daily-2026-10-15.rejected.csv",
                    "daily-2026-10-15.xlsx"
                ]
            );
            let pdf = std::fs::read(dir.join("daily-2026-10-15.pdf")).unwrap();
            assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
            let m: serde_json::Value = serde_json::from_slice(
                &std::fs::read(dir.join("daily-2026-10-15.manifest.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(m["outputs"].as_array().unwrap().len(), 4);
        }
        Status::Interrupted => assert!(written.is_empty(), "{written:?}"),
        s => panic!("unexpected {s:?}: {row:?}"),
    }
}

#[test]
fn alert_mail_goes_through_the_smtp_relay() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A minimal SMTP relay: answers every command and keeps the message.
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut w = sock.try_clone().unwrap();
        let mut r = BufReader::new(sock);
        let mut data = String::new();
        let mut in_data = false;
        w.write_all(b"220 relay ESMTP\r\n").unwrap();
        let mut line = String::new();
        while r.read_line(&mut line).unwrap() > 0 {
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").unwrap();
                } else {
                    data.push_str(&line);
                }
            } else if line.starts_with("DATA") {
                in_data = true;
                w.write_all(b"354 go ahead\r\n").unwrap();
            } else if line.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").unwrap();
                break;
            } else {
                data.push_str(&line);
                w.write_all(b"250 ok\r\n").unwrap();
            }
            line.clear();
        }
        data
    });
    let smtp = hokoku::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "hokoku@ops.example.go.jp".into(),
        timeout_seconds: 10,
    };
    let spec = jobs::AlertSpec {
        command: vec![],
        mail: vec!["unyo@example.go.jp".into()],
    };
    let msg = hokoku::schedule::alert::AlertMessage {
        severity: hokoku::schedule::alert::Severity::Failed,
        job: "monthly".into(),
        title: "月次報告".into(),
        periods: "2026-10".into(),
        scheduled_at: "2026-11-02 06:00".into(),
        attempts: 3,
        error: "inputs not ready".into(),
    };
    let problems = hokoku::schedule::alert::send(&spec, Some(&smtp), &msg);
    assert!(problems.is_empty(), "{problems:?}");
    let data = server.join().unwrap();
    assert!(
        data.contains("MAIL FROM:<hokoku@ops.example.go.jp>"),
        "{data}"
    );
    assert!(data.contains("RCPT TO:<unyo@example.go.jp>"), "{data}");
    assert!(
        data.contains("Subject: [hokoku] =?utf-8?b?"),
        "the Japanese subject is encoded: {data}"
    );
    // The body is base64 after the blank line; decoded it names the job,
    // the period, the error and the command to run it again.
    use base64::Engine;
    let b64: String = data
        .split("\r\n\r\n")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let body = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap();
    for want in [
        "ジョブ: 月次報告 (monthly)",
        "対象期間: 2026-10",
        "試行回数: 3",
        "inputs not ready",
        "前回までの正常な出力ファイルは変更していません",
        "  hokoku run monthly --month 2026-10",
    ] {
        assert!(body.contains(want), "{want} in {body}");
    }
}

#[test]
fn the_bundled_jobs_validate_and_list_their_next_runs() {
    let o = common::hokoku(&["jobs", "--next", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    for id in ["daily", "ingest", "monthly", "weekly"] {
        assert!(s.lines().any(|l| l.starts_with(&format!("{id}\t"))), "{s}");
    }
    assert!(
        s.contains("第1営業日 06:00") && s.contains("分=0 時=6"),
        "{s}"
    );
    let o = common::hokoku(&["validate"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn validate_names_job_problems() {
    let site = Site::new("validate", &[("bad", "title = \"x\"\ntask = \"report\"\nreports = [\"daily\"]\nperiod = \"previous_day\"\n[schedule]\ncron = \"2 * * *\"\n[outputs]\nformats = [\"docx\"]\n[retry]\nattempts = 0\n")]);
    let o = Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .args(["validate", "--inputs"])
        .arg(site.path("inputs"))
        .arg("--config")
        .arg(site.path("config"))
        .arg("--jobs")
        .arg(site.path("jobs"))
        .current_dir(root())
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{s}");
    assert!(s.contains("bad.toml: cron \"2 * * *\" has 4 fields"), "{s}");
    assert!(
        s.contains("bad.toml: outputs.formats: unknown output format \"docx\""),
        "{s}"
    );
    assert!(s.contains("bad.toml: retry.attempts = 0"), "{s}");
}

#[test]
fn a_run_whose_sources_do_not_cover_its_day_warns_with_an_alert() {
    // The fixture's exports are of 2026-10-15; a run for 2026-10-20 finds
    // files but no data for its day: the report is written, the run is a
    // warning, the alert names the sources, the manifest lists them.
    let site = Site::new("uncovered", &[("daily", DAILY)]);
    let setup = site.setup();
    let (clock, cancel) = (FakeClock::at_jst(t(2026, 10, 21, 2, 30)), Cancel::new());
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let spec = RunSpec {
        job: "daily".into(),
        at: Some(t(2026, 10, 21, 2, 30)),
        periods: vec![JobPeriod::Day(d(2026, 10, 20))],
        trigger: Trigger::Schedule,
    };
    let Outcome::Ran { status, error, .. } = schedule::run_job(&ctx, &spec).unwrap() else {
        panic!("not run")
    };
    assert_eq!(status, Status::Warning);
    let e = error.unwrap();
    assert!(
        e.contains("sources without data")
            && e.contains("tickets (its data does not cover the period)"),
        "{e}"
    );
    let alert = std::fs::read_to_string(site.path("alert.txt")).unwrap();
    assert!(
        alert.starts_with("daily|2026-10-20|sources without data"),
        "{alert}"
    );
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.path("out/daily/2026/10/daily-2026-10-20.manifest.json")).unwrap(),
    )
    .unwrap();
    let unc = m["uncovered_sources"].as_array().unwrap();
    assert_eq!(unc.len(), 5, "{unc:?}");
    assert_eq!(
        (unc[0]["source"].as_str(), unc[0]["reason"].as_str()),
        (Some("tickets"), Some("not_covering"))
    );
}

#[test]
fn a_monthly_run_without_a_source_fails_and_writes_nothing() {
    let monthly = DAILY
        .replace("reports = [\"daily\"]", "reports = [\"monthly\"]")
        .replace("previous_day", "previous_month");
    let site = Site::new("missing-monthly", &[("monthly", &monthly)]);
    // No calls export at all.
    std::fs::remove_file(site.path("inputs/calls.csv")).unwrap();
    let setup = site.setup();
    let (clock, cancel) = (FakeClock::at_jst(t(2026, 11, 2, 6, 0)), Cancel::new());
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let spec = RunSpec {
        job: "monthly".into(),
        at: None,
        periods: vec![JobPeriod::Month(d(2026, 10, 1))],
        trigger: Trigger::Manual,
    };
    let Outcome::Ran { status, error, .. } = schedule::run_job(&ctx, &spec).unwrap() else {
        panic!("not run")
    };
    assert_eq!(status, Status::Failed);
    assert!(error.unwrap().contains("calls (no input file)"));
    assert!(!site.path("out/monthly").exists(), "nothing written");
    // A job may say warn instead.
    site.write_job(
        "monthly",
        &monthly.replace("[outputs]", "on_missing = \"warn\"\n[outputs]"),
    );
    let setup = site.setup();
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let Outcome::Ran { status, .. } = schedule::run_job(&ctx, &spec).unwrap() else {
        panic!("not run")
    };
    assert_eq!(status, Status::Warning);
    assert!(site.path("out/monthly/2026/monthly-2026-10.json").is_file());
}

#[test]
fn the_holiday_list_running_out_is_warned_90_days_ahead() {
    let site = Site::new("horizon", &[("daily", DAILY)]);
    // The bundled list ends with 2027: the report of 10/31 is dated
    // 2027-11-01 02:00, when 60 days are left (11/01 → 12/31).
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .current_dir(root())
        .args([
            "report",
            "daily",
            "--date",
            "2027-10-31",
            "--inputs",
            site.path("inputs").to_str().unwrap(),
            "--config",
            site.path("config").to_str().unwrap(),
            "--out",
            site.path("out").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.path("out/daily/2027/10/daily-2027-10-31.json")).unwrap(),
    )
    .unwrap();
    let note = j["data_quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "holidays_ending")
        .expect("a note in データ品質");
    assert!(
        note["reason"]
            .as_str()
            .unwrap()
            .contains("2027年12月31日までです（あと60日）"),
        "{note}"
    );
    let setup = site.setup();
    let w = setup.cfg.calendars.horizon_warning(d(2027, 11, 1)).unwrap();
    assert!(w.contains("ends on 2027-12-31 (in 60 days)"), "{w}");
    assert!(
        setup.cfg.calendars.horizon_warning(d(2027, 9, 1)).is_none(),
        "quiet before 90 days"
    );
    // `jobs --next` lists what it can and says where the list stops.
    let jobs_dir = site.path("jobs");
    let monthly = DAILY
        .replace("reports = [\"daily\"]", "reports = [\"monthly\"]")
        .replace("previous_day", "previous_month")
        .replace(
            "cron = \"30 2 * * *\"",
            "cron = \"0 6 * * *\"\nbusiness_day = 1",
        );
    site.write_job("monthly", &monthly);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .current_dir(root())
        .args([
            "jobs",
            "--next",
            "40",
            "--jobs",
            jobs_dir.to_str().unwrap(),
            "--config",
            site.path("config").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("the list stops after"),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("    next "),
        "what can be listed is listed: {out}"
    );
}

#[test]
fn pretend_now_takes_minutes() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .current_dir(root())
        .args([
            "serve",
            "--once",
            "--pretend-now",
            "2027-01-04T05:59",
            "--jobs",
            "/nonexistent-jobs",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("--pretend-now"),
        "the time is accepted: {err}"
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .current_dir(root())
        .args(["serve", "--once", "--pretend-now", "yesterday"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected YYYY-MM-DDTHH:MM"));
}

#[test]
fn config_paths_stay_in_the_config_folder_and_errors_never_quote_a_file() {
    let dir = tmp("confined");
    std::fs::write(
        dir.join("secret.txt"),
        "パスワード,hunter2\n2026/1/1,元日\n",
    )
    .unwrap();
    let cfg = dir.join("config");
    std::fs::create_dir_all(&cfg).unwrap();
    for rel in ["../secret.txt", "/etc/passwd"] {
        std::fs::write(
            cfg.join("site.toml"),
            format!("[business_days]\nholidays = {rel:?}\n"),
        )
        .unwrap();
        let e = hokoku::config::load(&cfg).unwrap_err().join("\n");
        assert!(
            e.contains("must name a file inside the config folder"),
            "{e}"
        );
        assert!(!e.contains("hunter2") && !e.contains("root:"), "{e}");
    }
    // A bad line of the holiday list is named, not quoted.
    std::fs::write(
        cfg.join("syukujitsu.csv"),
        "国民の祝日,名称\nhunter2,x\n2026/1/1,元日\n",
    )
    .unwrap();
    std::fs::write(cfg.join("site.toml"), "").unwrap();
    let e = hokoku::config::load(&cfg).unwrap_err().join("\n");
    assert!(e.contains("syukujitsu.csv:2: not a date"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}
