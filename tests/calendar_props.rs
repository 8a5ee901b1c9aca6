//! Property tests of business-minute arithmetic (issue 3): additive over
//! adjacent intervals, never negative, never more than wall-clock minutes,
//! equal to wall-clock minutes for a 24x7 calendar.

use hokoku::calendar::{BusinessDays, Calendar, Days, Holidays, Hours};
use proptest::prelude::*;
use std::sync::OnceLock;

const MIN_MS: i64 = 60_000;

fn rule() -> &'static BusinessDays {
    static R: OnceLock<BusinessDays> = OnceLock::new();
    R.get_or_init(|| {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/jobs/config/syukujitsu.csv"
        ))
        .unwrap();
        BusinessDays::new(Holidays::parse(&bytes, "syukujitsu.csv").unwrap())
    })
}

fn calendars() -> &'static [Calendar] {
    static C: OnceLock<Vec<Calendar>> = OnceLock::new();
    C.get_or_init(|| {
        let r = rule();
        vec![
            Calendar::compile(
                "business",
                Days::Business,
                Hours::parse("09:00-18:00").unwrap(),
                r,
            ),
            Calendar::compile(
                "extended",
                Days::Business,
                Hours::parse("08:30-19:30").unwrap(),
                r,
            ),
            Calendar::compile(
                "daily-hours",
                Days::All,
                Hours::parse("07:00-22:00").unwrap(),
                r,
            ),
            Calendar::always("24x7", r),
        ]
    })
}

/// Instants (naive JST ms) from 2024-01-01 to 2027-12-01, minute or
/// millisecond resolution.
fn instant() -> impl Strategy<Value = i64> {
    let lo = 1_704_067_200_000i64; // 2024-01-01T00:00 (naive JST)
    let hi = 1_827_619_200_000i64; // 2027-12-01T00:00
    prop_oneof![(lo / MIN_MS..hi / MIN_MS).prop_map(|m| m * MIN_MS), lo..hi]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn additive_over_adjacent_intervals(a in instant(), b in instant(), c in instant(), k in 0usize..4) {
        let mut v = [a, b, c];
        v.sort_unstable();
        let cal = &calendars()[k];
        let whole = cal.business_ms(v[0], v[2]).unwrap();
        prop_assert_eq!(whole, cal.business_ms(v[0], v[1]).unwrap() + cal.business_ms(v[1], v[2]).unwrap());
    }

    #[test]
    fn never_negative_never_more_than_wall_clock(a in instant(), b in instant(), k in 0usize..4) {
        let cal = &calendars()[k];
        let m = cal.minutes(a, b).unwrap();
        prop_assert!(m >= 0.0);
        prop_assert!(m <= ((b - a).max(0)) as f64 / MIN_MS as f64);
    }

    #[test]
    fn equals_wall_clock_for_24x7(a in instant(), b in instant()) {
        let cal = &calendars()[3];
        let (t0, t1) = (a.min(b), a.max(b));
        prop_assert_eq!(cal.business_ms(t0, t1).unwrap(), t1 - t0);
    }

    #[test]
    fn deadline_inverts_business_time(a in instant(), need_min in 1i64..20_000, k in 0usize..4) {
        // The deadline is the first instant at which exactly `need` business
        // minutes have run.
        let cal = &calendars()[k];
        let need = need_min * MIN_MS;
        if let Ok(Some(d)) = cal.deadline(a, need, &[]) {
            prop_assert_eq!(cal.business_ms(a, d).unwrap(), need);
            prop_assert!(cal.business_ms(a, d - 1).unwrap() < need);
        }
    }
}
