//! Customer lists: search, filters, sorting and cursor pages. No page
//! counts the whole table; the next page is found from the last row of this
//! one, so page 1,000 costs what page 1 does.
//!
//! The code is split by what it does: `types` (the filter, its sort and
//! owner choices, and the page handed out), `params` (reading a list
//! request or a saved query, walks, and the page cursor) and `query`
//! (finding one page).

mod params;
mod query;
#[cfg(test)]
mod tests;
mod types;

pub use types::{CustomerFilter, OwnerFilter, Page, SortBy};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;
/// Each search word and custom-field filter is one more condition.
pub const MAX_WORDS: usize = 8;
pub const MAX_CUSTOM_FILTERS: usize = 10;
