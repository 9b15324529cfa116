//! What a customer list takes and hands out: the filter, its sort and owner
//! choices, where the previous page ended, and a page.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Updated,
    Created,
    Name,
}

impl SortBy {
    pub(super) fn column(self) -> &'static str {
        match self {
            SortBy::Updated => "updated_at",
            SortBy::Created => "created_at",
            SortBy::Name => "sort_key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    User(i64),
    /// Records nobody owns: the shared pool.
    Pool,
}

/// Where the previous page ended: the sort value and id of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum After {
    Int(i64, i64),
    Text(String, i64),
}

/// A parsed list request.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub q: Option<String>,
    pub owner: Option<OwnerFilter>,
    pub team_id: Option<i64>,
    pub tag: Option<String>,
    pub kind: Option<String>,
    pub stage: Option<String>,
    pub source: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// `female`, `male` or `unknown`.
    pub gender: Option<String>,
    /// Born on or before this day (`YYYY-MM-DD`): at least some age.
    pub born_by: Option<String>,
    /// Born after this day: at most some age.
    pub born_after: Option<String>,
    /// A birthday in this month (`01`–`12`).
    pub birth_month: Option<String>,
    pub value_tier: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    pub custom: Vec<(String, String)>,
    pub sort: SortBy,
    pub descending: bool,
    pub limit: u64,
    pub(super) after: Option<After>,
}

/// One page of customers and the cursor for the next, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
