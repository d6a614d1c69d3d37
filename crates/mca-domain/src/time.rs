//! Time: [`Timestamp`] is UTC unix seconds everywhere (stored as a 64-bit
//! integer on both backends); [`Clock`] is injected so tests can move time.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

/// A point in time: seconds since the unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Seconds since the unix epoch.
    pub fn secs(self) -> i64 {
        self.0
    }

    /// This instant moved by `secs` (negative moves back).
    pub fn plus(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 in UTC), for protocols that want
    /// text timestamps (e.g. signed SMS-gateway requests).
    pub fn rfc3339(self) -> String {
        let (days, secs) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }

    /// The civil date (year, month, day) of this instant in China Standard
    /// Time (UTC+8), the calendar resident ID numbers are written in.
    pub fn china_date(self) -> (i32, u32, u32) {
        civil_from_days((self.0 + 8 * 3600).div_euclid(86_400))
    }

    /// `YYYY-MM-DD HH:MM:SS` in Beijing time (UTC+8, no daylight saving):
    /// what people in China read on a clock.
    pub fn beijing(self) -> String {
        let local = self.0 + 8 * 3600;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// The source of "now" for every rule that depends on time (code expiry,
/// rate limits, request freshness, birth-date plausibility).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(start.0)))
    }

    /// Moves the clock forward by `secs` (backward if negative).
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

impl Timestamp {
    /// Parses RFC 3339 text with seconds (`2026-11-24T09:30:00Z`,
    /// `2026-11-24T17:30:00+08:00`; a fraction is dropped). `None` for
    /// anything else: a time the caller meant cannot be guessed.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let shape = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && matches!(b[10], b'T' | b't')
            && b[13] == b':'
            && b[16] == b':';
        if !shape {
            return None;
        }
        let num = |r: std::ops::Range<usize>| digits(text.get(r)?);
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = text.get(19..)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &frac[digits..];
        }
        let offset = match rest.as_bytes() {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (oh, om) = (digits(rest.get(1..3)?)?, digits(rest.get(4..6)?)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let secs = oh * 3600 + om * 60;
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return None,
        };
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days_in_month = match mo {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if !(1..=days_in_month).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        Some(Timestamp(
            days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset,
        ))
    }
}

/// A run of ASCII digits as a number (no sign, no spaces).
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// (year, month, day) → days since 1970-01-01, the inverse of
/// [`civil_from_days`] (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Serde for a [`Timestamp`] as RFC 3339 text on the wire
/// (`#[serde(with = "crate::time::rfc3339")]`). Reading also takes the
/// unix seconds this field was stored as before, so nothing stored
/// becomes unreadable; an API that must refuse integers checks first.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Timestamp;

    /// Writes RFC 3339 UTC text.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.rfc3339())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Text(String),
        Seconds(i64),
    }

    /// Reads RFC 3339 text (or stored unix seconds).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Seconds(s) => Ok(Timestamp(s)),
            Wire::Text(t) => Timestamp::parse_rfc3339(&t)
                .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {t:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // 2026-11-24T00:00:00Z
        assert_eq!(Timestamp(1_795_478_400).china_date(), (2026, 11, 24));
        // 16:00 UTC is already the next day in China.
        assert_eq!(
            Timestamp(1_795_478_400 + 16 * 3600).china_date(),
            (2026, 11, 25)
        );
    }

    #[test]
    fn rfc3339_in_utc() {
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_795_478_400 + 3661).rfc3339(),
            "2026-11-24T01:01:01Z"
        );
        assert_eq!(Timestamp(-1).rfc3339(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn rfc3339_reads_back_and_beijing_time_is_eight_hours_ahead() {
        for t in [0, -1, 951_782_400, 1_795_478_400 + 3661, 4_102_444_799] {
            let text = Timestamp(t).rfc3339();
            assert_eq!(
                Timestamp::parse_rfc3339(&text),
                Some(Timestamp(t)),
                "{text}"
            );
        }
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24 01:01:01Z",
            "1795478400",
            "２026-11-24T01:01:01Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
        // 16:30 UTC is half past midnight of the next day in Beijing.
        assert_eq!(
            Timestamp(1_795_478_400 + 16 * 3600 + 1800).beijing(),
            "2026-11-25 00:30:00"
        );
    }

    #[test]
    fn rfc3339_parses_utc_and_offsets() {
        let t = |s: &str| Timestamp::parse_rfc3339(s).map(Timestamp::secs);
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2026-11-24T01:01:01Z"), Some(1_795_478_400 + 3661));
        assert_eq!(t("2026-11-24T09:01:01+08:00"), Some(1_795_478_400 + 3661));
        assert_eq!(
            t("2026-11-23T23:01:01.250-02:00"),
            Some(1_795_478_400 + 3661)
        );
        assert_eq!(t("2024-02-29T00:00:00z"), Some(1_709_164_800));
        for bad in [
            "2026-11-24T00:00:00",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-24 00:00:00Z",
            "2026-11-24T00:00:00.Z",
            "2026-11-24T00:00:00+24:00",
            "2026-11-24T00:00:00+0800",
            "1795478400",
            "",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        for secs in [0, -1, 1_795_478_400 + 3661] {
            assert_eq!(t(&Timestamp(secs).rfc3339()), Some(secs));
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp(1000));
        let shared = clock.clone();
        assert_eq!(clock.now(), Timestamp(1000));
        shared.advance(301);
        assert_eq!(clock.now(), Timestamp(1301));
        clock.set(Timestamp(5));
        assert_eq!(shared.now(), Timestamp(5));
    }
}
