//! One way to run SQL on either backend.
//!
//! Fixed statements are written once with `$1, $2, …` placeholders, which
//! both SQLite and PostgreSQL accept; dynamic ones (list filters) are built
//! with sea-query for the backend at hand. Either way a statement becomes a
//! [`Q`] and runs on a pool ([`Db`]) or in a transaction ([`Tx`]). Row types
//! derive `sqlx::FromRow` once and decode from both backends.
//!
//! The code is split by what it does: `query` (statements, their arguments
//! and list conditions), `conn` (pools, transactions and running
//! statements), `values` (loosely typed field values, JSON text and the
//! clock), `bulk` (multi-row inserts, COPY and bulk settings) and `json`
//! (rows of any table as JSON).

mod bulk;
mod conn;
mod json;
mod query;
mod values;

pub(crate) use conn::{Db, Pool, Row, Tx};
pub(crate) use json::JsonRow;
pub use query::Backend;
pub(crate) use query::{q, Arg, Where, Q};
pub use values::now_ms;
pub(crate) use values::{decodes_as, json, stored_arg};

/// The page cache of a connection writing in bulk, in KiB (1 GiB).
pub(crate) const BULK_CACHE_KIB: u64 = 1_048_576;
