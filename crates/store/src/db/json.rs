//! Rows of any table as JSON objects, for code that copies rows out whole
//! without a row type per table.

use sqlx::{Postgres, Sqlite};

use super::{Db, Pool, Q};
use crate::Error;

/// One column of a row of any table, as JSON: integers, reals, booleans,
/// text, and bytes as lower-case hex. For code that copies rows out whole
/// (a data-subject export) without a row type per table.
macro_rules! json_cell {
    ($row:expr, $i:expr) => {{
        let row = $row;
        let i = $i;
        if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<f32>, _>(i) {
            v.map(|f| serde_json::Value::from(f64::from(f)))
        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
            v.map(|b| {
                serde_json::Value::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
            })
        } else {
            None
        }
        .unwrap_or(serde_json::Value::Null)
    }};
}

macro_rules! json_rows {
    ($rows:expr) => {{
        use sqlx::{Column as _, Row as _};
        $rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_owned(), json_cell!(row, i)))
                    .collect::<serde_json::Map<String, serde_json::Value>>()
            })
            .collect::<Vec<_>>()
    }};
}

/// A row of any table, column name to JSON value.
pub(crate) type JsonRow = serde_json::Map<String, serde_json::Value>;

impl Db {
    /// Runs a SELECT of any columns and gives each row as a JSON object.
    pub async fn json_rows(&self, q: Q) -> Result<Vec<JsonRow>, Error> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                let (sql, args) = q.sqlite()?;
                let rows = sqlx::query_with::<Sqlite, _>(&sql, args)
                    .persistent(false)
                    .fetch_all(p)
                    .await?;
                json_rows!(rows)
            }
            Pool::Postgres(p) => {
                let (sql, args) = q.postgres()?;
                let rows = sqlx::query_with::<Postgres, _>(&sql, args)
                    .persistent(false)
                    .fetch_all(p)
                    .await?;
                json_rows!(rows)
            }
        })
    }
}
