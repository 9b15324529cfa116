//! Points in time as stored (milliseconds since the Unix epoch) and as
//! shown (RFC 3339, UTC).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Time(pub i64);

impl Time {
    pub fn now() -> Time {
        Time(crate::now_ms())
    }

    /// As people in China read it: `2026-12-01 03:51` (UTC+8).
    pub fn to_china(self) -> String {
        let china = chrono::FixedOffset::east_opt(kehu_core::date::CHINA_OFFSET_SECS)
            .expect("UTC+8 is a valid offset");
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .with_timezone(&china)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

/// Reads back what [`Serialize`] wrote (kept reports are stored as JSON).
impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Time(t.timestamp_millis()))
            .map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Time {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl utoipa::ToSchema for Time {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_rfc3339_utc() {
        assert_eq!(Time(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Time(1_700_000_000_123).to_rfc3339(),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(Time(1_700_000_000_123).to_china(), "2023-11-15 06:13");
        let back: Time = serde_json::from_str("\"2023-11-14T22:13:20.123Z\"").unwrap();
        assert_eq!(back, Time(1_700_000_000_123));
    }
}
