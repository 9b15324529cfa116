//! Writing many customers at once (demo data now, imports later): rows are
//! parsed by the same entry standards as a form, then written in large
//! multi-row statements inside one transaction per batch, so a million
//! customers take a minute or two, not hours, and a batch is all-or-nothing.
//!
//! A batch is first *prepared* ([`PreparedBulk::new`]): every row built and
//! every search key computed. That is CPU work with no database, so a caller
//! can prepare the next batch on another thread while this one is written
//! ([`Store::write_bulk`]).
//!
//! The code is split by what it does: `types` (the customers a caller
//! hands over), `prepare` (a batch's rows built ahead), `write` (writing
//! a prepared batch) and `indexes` (setting indexes aside for a large load
//! and building them again).
//!
//! [`Store::write_bulk`]: crate::Store::write_bulk

mod indexes;
mod prepare;
mod types;
mod write;

pub use prepare::PreparedBulk;
pub use types::{BulkCustomer, Derived};
pub(crate) use write::write_bulk_in;
