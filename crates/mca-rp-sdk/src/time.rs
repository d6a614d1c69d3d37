//! Times on the wire. The RP API's JSON times are RFC 3339 text
//! (`2026-05-01T08:00:00Z`); this SDK writes that, and reads it as well as
//! unix-seconds integers (older servers). Everything here is unix seconds
//! (`i64`).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serializer};

/// This machine's clock, unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        // A clock before 1970 is broken; 0 makes every check fail closed.
        .unwrap_or(0)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireTime {
    Seconds(i64),
    Text(String),
}

/// Deserializes a unix-seconds integer or RFC 3339 UTC text.
pub(crate) fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match WireTime::deserialize(d)? {
        WireTime::Seconds(s) => Ok(s),
        WireTime::Text(t) => parse_rfc3339(&t).ok_or_else(|| {
            serde::de::Error::custom("time is neither unix seconds nor RFC 3339 UTC")
        }),
    }
}

/// Serializes unix seconds as RFC 3339 UTC text.
pub(crate) fn ser_time<S: Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*secs))
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// [`de_time`] for an optional (or null) field.
pub(crate) fn de_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "de_time")] i64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` → unix seconds (the
/// fraction is dropped). Other offsets are refused rather than guessed.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    if !matches!(rest, "Z" | "z" | "+00:00") {
        return None;
    }
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_utc_parses_to_unix_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-24T00:00:00Z"), Some(1_795_478_400));
        assert_eq!(
            parse_rfc3339("2024-02-29T12:34:56.789+00:00"),
            Some(1_709_210_096)
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
        for bad in [
            "2026-11-24T00:00:00",
            "2026-11-24T00:00:00+08:00",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-24 00:00:00Z",
            "2026-11-24T00:00:00.Z",
            "+026-11-24T00:00:00Z",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_is_written_in_utc_and_reads_back() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_795_478_400 + 3661), "2026-11-24T01:01:01Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        for t in [0, -1, 1_709_210_096, 1_795_478_400] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
    }

    #[test]
    fn wire_times_are_integers_or_rfc3339() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "de_time")]
            a: i64,
            #[serde(default, deserialize_with = "de_opt_time")]
            b: Option<i64>,
        }
        let t: T = serde_json::from_str(r#"{"a":1795478400,"b":"1970-01-01T00:01:00Z"}"#).unwrap();
        assert_eq!((t.a, t.b), (1_795_478_400, Some(60)));
        let t: T = serde_json::from_str(r#"{"a":"2026-11-24T00:00:00Z","b":null}"#).unwrap();
        assert_eq!((t.a, t.b), (1_795_478_400, None));
        let t: T = serde_json::from_str(r#"{"a":0}"#).unwrap();
        assert_eq!(t.b, None);
        assert!(serde_json::from_str::<T>(r#"{"a":"yesterday"}"#).is_err());
    }
}
