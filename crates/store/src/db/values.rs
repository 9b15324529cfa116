//! Values as kehu stores them: JSON text, milliseconds, and loosely typed
//! field values read and bound for any record type.

use kehu_core::entry::{Kind, Stored};
use sqlx::{Postgres, Sqlite};

use super::conn::Exec;
use super::{Arg, Tx, Q};
use crate::Error;

/// A value as the JSON text a TEXT column holds.
pub(crate) fn json(v: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::internal(e.to_string()))
}

/// Milliseconds since the Unix epoch: how kehu stores time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How a column decodes into a [`Stored`] value.
pub(crate) fn decodes_as(kind: Kind) -> Stored {
    match kind {
        Kind::Id | Kind::DateTime => Stored::Int(0),
        Kind::Bool => Stored::Bool(false),
        _ => Stored::Text(String::new()),
    }
}

macro_rules! decode_row {
    ($row:expr, $shapes:expr) => {{
        let row = $row;
        $shapes
            .iter()
            .enumerate()
            .map(|(i, shape)| {
                Ok(match shape {
                    Stored::Int(_) => row.try_get::<Option<i64>, _>(i)?.map(Stored::Int),
                    Stored::Bool(_) => row.try_get::<Option<bool>, _>(i)?.map(Stored::Bool),
                    Stored::Text(_) => row.try_get::<Option<String>, _>(i)?.map(Stored::Text),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
    }};
}

impl Tx {
    /// Reads one row as loosely typed values, decoding column `i` the way
    /// `shapes[i]` says: for code that handles any record type's fields.
    pub async fn values(
        &mut self,
        q: Q,
        shapes: &[Stored],
    ) -> Result<Option<Vec<Option<Stored>>>, Error> {
        use sqlx::Row as _;
        Ok(match self.exec() {
            Exec::Sqlite(e) => {
                let (sql, args) = q.sqlite()?;
                match sqlx::query_with::<Sqlite, _>(&sql, args)
                    .fetch_optional(e)
                    .await?
                {
                    Some(row) => Some(decode_row!(row, shapes)),
                    None => None,
                }
            }
            Exec::Postgres(e) => {
                let (sql, args) = q.postgres()?;
                match sqlx::query_with::<Postgres, _>(&sql, args)
                    .fetch_optional(e)
                    .await?
                {
                    Some(row) => Some(decode_row!(row, shapes)),
                    None => None,
                }
            }
        })
    }
}

/// The argument for a field value; a NULL keeps the column's type, which
/// PostgreSQL needs to accept it.
pub(crate) fn stored_arg(kind: Kind, v: Option<Stored>) -> Arg {
    match (v, decodes_as(kind)) {
        (Some(Stored::Text(s)), _) => Arg::Text(Some(s)),
        (Some(Stored::Int(i)), _) => Arg::Int(Some(i)),
        (Some(Stored::Bool(b)), _) => Arg::Bool(Some(b)),
        (None, Stored::Int(_)) => Arg::Int(None),
        (None, Stored::Bool(_)) => Arg::Bool(None),
        (None, Stored::Text(_)) => Arg::Text(None),
    }
}
