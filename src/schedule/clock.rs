//! Time for the scheduler, injectable: the daemon uses the system clock;
//! tests (and rehearsals with `--pretend-now`) use a clock they control, so
//! no test sleeps for real.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Asia::Tokyo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A stop request (SIGTERM, SIGINT) shared by the daemon and its runs.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }
    /// Ask every waiting run to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// The flag, for `signal_hook::flag::register`.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

/// Where the scheduler reads the time and how it waits.
pub trait Clock: Send + Sync {
    /// Now, UTC.
    fn now(&self) -> DateTime<Utc>;
    /// Wait `d`; `false` when `cancel` fired first.
    fn sleep(&self, d: Duration, cancel: &Cancel) -> bool;
    /// Now in Japan (JST, no offset): the time every schedule is read in.
    fn now_jst(&self) -> NaiveDateTime {
        jst(self.now())
    }
}

/// A UTC instant as a JST wall-clock time.
pub fn jst(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&Tokyo).naive_local()
}

/// A JST wall-clock time as a UTC instant.
pub fn from_jst(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_local_timezone(Tokyo)
        .single()
        .expect("JST has no gaps")
        .with_timezone(&Utc)
}

/// The system clock, optionally shifted (`hokoku serve --pretend-now`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock {
    offset: chrono::Duration,
}

impl SystemClock {
    /// A clock that reads `start` now and runs at real speed from there.
    pub fn pretending(start: DateTime<Utc>) -> Self {
        SystemClock {
            offset: start - Utc::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
    fn sleep(&self, d: Duration, cancel: &Cancel) -> bool {
        let end = std::time::Instant::now() + d;
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}

type SleepHook = Box<dyn FnMut(DateTime<Utc>) + Send>;

/// A clock that only moves when slept on: each sleep advances it at once
/// and is recorded; a hook may act at each sleep (change a file, cancel).
pub struct FakeClock {
    now: Mutex<DateTime<Utc>>,
    sleeps: Mutex<Vec<Duration>>,
    hook: Mutex<Option<SleepHook>>,
}

impl FakeClock {
    pub fn at_jst(t: NaiveDateTime) -> Self {
        FakeClock {
            now: Mutex::new(from_jst(t)),
            sleeps: Mutex::new(Vec::new()),
            hook: Mutex::new(None),
        }
    }
    /// Move to a later (or earlier) JST time.
    pub fn set_jst(&self, t: NaiveDateTime) {
        *self.now.lock().expect("clock") = from_jst(t);
    }
    /// Every sleep so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().expect("clock").clone()
    }
    /// Call `f` with the new time after each sleep.
    pub fn on_sleep(&self, f: impl FnMut(DateTime<Utc>) + Send + 'static) {
        *self.hook.lock().expect("clock") = Some(Box::new(f));
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock")
    }
    fn sleep(&self, d: Duration, cancel: &Cancel) -> bool {
        if cancel.is_cancelled() {
            return false;
        }
        let now = {
            let mut n = self.now.lock().expect("clock");
            *n += chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
            *n
        };
        self.sleeps.lock().expect("clock").push(d);
        if let Some(h) = self.hook.lock().expect("clock").as_mut() {
            h(now);
        }
        !cancel.is_cancelled()
    }
}
