//! Dates and times as Chinese users write them. A time without an offset is
//! China Standard Time (UTC+8, no daylight saving), where kehu's users are.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

use crate::text::fold_width;
use crate::Code;

/// Older dates are typos; later ones are far beyond any contract's term.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2200;
/// Dates without a zone are read, and shown, in China time (UTC+8).
pub const CHINA_OFFSET_SECS: i32 = 8 * 3600;

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)?;
    (MIN_YEAR..=MAX_YEAR).contains(&date.year()).then_some(date)
}

fn date_of(s: &str) -> Option<NaiveDate> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return ymd(&s[..4], &s[4..6], &s[6..]);
    }
    if let Some((y, rest)) = s.split_once('年') {
        let (m, d) = rest.split_once('月')?;
        let d = d.strip_suffix(['日', '号']).unwrap_or(d);
        return ymd(y.trim(), m.trim(), d.trim());
    }
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let mut parts = s.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    ymd(y, m, d)
}

/// Reads 2024-03-01, 2024-3-1, 2024/3/1, 2024.3.1, 2024年3月1日 or 20240301,
/// in full-width digits too.
pub fn parse_date(s: &str) -> Result<NaiveDate, Code> {
    date_of(fold_width(s).trim()).ok_or(Code::InvalidDate)
}

/// "9:30", "09:30:15" or "09:30:15.250".
fn time_of(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let h = parts.next()?;
    let m = parts.next()?;
    let sec = parts.next();
    if parts.next().is_some() || !(1..=2).contains(&h.len()) || m.len() != 2 {
        return None;
    }
    if sec.is_some_and(|x| x.len() != 2) || (sec.is_none() && frac.is_some()) {
        return None;
    }
    let nanos = match frac {
        Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    let sec = sec.map_or(Some(0), digits)?;
    NaiveTime::from_hms_nano_opt(digits(h)?, digits(m)?, sec, nanos)
}

/// Reads RFC 3339 ("2024-03-01T09:30:00+08:00", "…Z"), or a date in any
/// form [`parse_date`] takes followed by a time without offset, which is
/// taken as China time: "2024-03-01 09:30", "2024-03-01T09:30:00".
pub fn parse_datetime(s: &str) -> Result<DateTime<Utc>, Code> {
    let bad = Code::InvalidDateTime;
    let folded = fold_width(s);
    let s = folded.trim();
    let in_range = |t: DateTime<Utc>| (MIN_YEAR..=MAX_YEAR).contains(&t.year());
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let t = t.with_timezone(&Utc);
        return if in_range(t) { Ok(t) } else { Err(bad) };
    }
    let (date, time) = s.split_once(['T', 't', ' ']).ok_or(bad.clone())?;
    let date = date_of(date.trim()).ok_or(bad.clone())?;
    let time = time_of(time.trim()).ok_or(bad.clone())?;
    let china = FixedOffset::east_opt(CHINA_OFFSET_SECS).ok_or(bad.clone())?;
    let t = china
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or(bad.clone())?
        .with_timezone(&Utc);
    if in_range(t) {
        Ok(t)
    } else {
        Err(bad)
    }
}

/// The China calendar month (`YYYY-MM`) of a moment in milliseconds since
/// the Unix epoch.
pub fn china_month(ms: i64) -> String {
    let offset = FixedOffset::east_opt(CHINA_OFFSET_SECS).unwrap_or_else(|| Utc.fix());
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .format("%Y-%m")
        .to_string()
}

/// Today's date in China time.
pub fn china_today() -> NaiveDate {
    let offset = FixedOffset::east_opt(CHINA_OFFSET_SECS).unwrap_or_else(|| Utc.fix());
    Utc::now().with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_common_forms() {
        for s in [
            "2024-03-01",
            "2024-3-1",
            "2024/3/1",
            "2024/03/01",
            "2024.3.1",
            "2024年3月1日",
            "2024年03月01日",
            "2024 年 3 月 1 日",
            "2024年3月1号",
            "2024年3月1",
            "20240301",
            "２０２４－０３－０１",
            "２０２４年３月１日",
            " 2024-03-01 ",
        ] {
            assert_eq!(parse_date(s), Ok(d(2024, 3, 1)), "{s}");
        }
        assert_eq!(parse_date("2024-02-29"), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("1900-01-01"), Ok(d(1900, 1, 1)));
        assert_eq!(parse_date("2200-12-31"), Ok(d(2200, 12, 31)));
    }

    #[test]
    fn bad_dates_are_refused() {
        for s in [
            "",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "1899-12-31",
            "2201-01-01",
            "2024-3/1",
            "2024-03-01-01",
            "24-03-01",
            "2024-003-01",
            "2024--01",
            "202403",
            "2024030",
            "2024年3月",
            "2024年3月1日日",
            "March 1, 2024",
            "2024-03-01T09:30",
            "+2024-03-01",
        ] {
            assert_eq!(parse_date(s), Err(Code::InvalidDate), "{s}");
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn date_times() {
        let want = utc("2024-03-01T01:30:00Z");
        for s in [
            "2024-03-01T09:30:00+08:00",
            "2024-03-01T01:30:00Z",
            "2024-03-01t01:30:00z",
            "2024-03-01 01:30:00Z",
            "2024-03-01T03:30:00+02:00",
            "2024-03-01 09:30",
            "2024-03-01 09:30:00",
            "2024-03-01T09:30",
            "2024-03-01T09:30:00",
            "2024/3/1 9:30",
            "2024年3月1日 09:30",
            "２０２４－０３－０１　０９：３０",
        ] {
            assert_eq!(parse_datetime(s), Ok(want), "{s}");
        }
        assert_eq!(
            parse_datetime("2024-03-01 09:30:00.25"),
            Ok(utc("2024-03-01T01:30:00.25Z"))
        );
        assert_eq!(
            parse_datetime("2024-03-01 00:00"),
            Ok(utc("2024-02-29T16:00:00Z"))
        );
    }

    #[test]
    fn bad_date_times_are_refused() {
        for s in [
            "",
            "2024-03-01",
            "09:30",
            "2024-03-01 24:00",
            "2024-03-01 09:60",
            "2024-03-01 09:30:61",
            "2024-03-01 9",
            "2024-03-01 09:3",
            "2024-03-01 09:30.5",
            "2024-03-01 09:30:00.",
            "2024-03-01 09:30:00.1234567890",
            "2023-02-29 09:30",
            "1899-12-31T23:59:59Z",
            "2024-03-01T09:30:00+25:00",
            "2024-03-01 09:30 +08:00",
        ] {
            assert_eq!(parse_datetime(s), Err(Code::InvalidDateTime), "{s}");
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = parse_date(&s);
            let _ = parse_datetime(&s);
        }

        #[test]
        fn date_like_junk_never_panics(s in "[0-9年月日号:./ T+Z-]{0,24}") {
            let _ = parse_date(&s);
            let _ = parse_datetime(&s);
        }

        #[test]
        fn every_spelling_of_a_date_agrees(y in 1900i32..=2200, m in 1u32..=12, day in 1u32..=31) {
            let Some(date) = NaiveDate::from_ymd_opt(y, m, day) else { return Ok(()) };
            for s in [
                format!("{y}-{m:02}-{day:02}"),
                format!("{y}-{m}-{day}"),
                format!("{y}/{m}/{day}"),
                format!("{y}.{m}.{day}"),
                format!("{y}年{m}月{day}日"),
                format!("{y}{m:02}{day:02}"),
                date.format("%Y-%m-%d").to_string(),
            ] {
                prop_assert_eq!(parse_date(&s), Ok(date));
            }
        }

        #[test]
        fn rfc3339_output_parses_back(secs in -2_208_988_800i64..7_258_118_400i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(parse_datetime(&t.to_rfc3339()), Ok(t));
            let china = t.with_timezone(&FixedOffset::east_opt(CHINA_OFFSET_SECS).unwrap());
            let local = china.format("%Y-%m-%d %H:%M:%S").to_string();
            if (MIN_YEAR..=MAX_YEAR).contains(&t.year()) {
                prop_assert_eq!(parse_datetime(&local), Ok(t));
            }
        }
    }
}
