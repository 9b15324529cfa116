//! The opportunity types the store hands out and takes: pipelines and
//! stages, opportunities, stage stays, board columns, the list filter, the
//! forecast grouping, and the inputs that add or change a stage.

use serde::Serialize;
use utoipa::ToSchema;

use crate::orders::OrderLine;
use crate::products::Price;
use crate::time::Time;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub position: i64,
    /// Set on the stages kehu seeded (qualify, needs, proposal,
    /// negotiation, won, lost): named in the reader's language.
    pub key: Option<String>,
    /// Set on stages an administrator named.
    pub name: Option<String>,
    /// The default win probability, percent.
    pub probability: i64,
    /// open, won or lost.
    pub outcome: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Pipeline {
    pub id: i64,
    pub key: Option<String>,
    pub name: Option<String>,
    pub is_default: bool,
    /// In order, retired ones included (marked inactive).
    #[sqlx(skip)]
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Opportunity {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub name: String,
    /// `{"amount": "120000.00", "currency": "CNY"}`.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub amount: Price,
    /// The amount times the probability.
    #[sqlx(skip)]
    #[schema(value_type = Object)]
    pub weighted: Option<Price>,
    pub expected_close: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub probability: i64,
    /// open, won or lost.
    pub status: String,
    pub lost_reason: Option<String>,
    pub closed_at: Option<Time>,
    pub stage_entered_at: Time,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    /// The products it is for (empty when only an amount was given).
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
}

/// One stay of an opportunity in a stage.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct StageStay {
    pub stage_id: i64,
    pub entered_at: Time,
    /// `None` while it is still there.
    pub left_at: Option<Time>,
    pub moved_by: Option<i64>,
    /// How long it stayed (so far, for the current stay), in milliseconds.
    #[sqlx(skip)]
    pub duration_ms: i64,
}

/// Which opportunities to list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// open, won or lost.
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Expected to close on or after / on or before (YYYY-MM-DD).
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    /// Older than this id (the last of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// One column of the board: a stage, its first cards, and what all its
/// opportunities add up to per currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Column {
    pub stage: Stage,
    pub count: i64,
    /// Per currency, `{"CNY": "250000.00"}`.
    #[schema(value_type = Object)]
    pub total: std::collections::BTreeMap<String, String>,
    #[schema(value_type = Object)]
    pub weighted: std::collections::BTreeMap<String, String>,
    pub cards: Vec<Opportunity>,
}

/// Whom the forecast adds up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastBy {
    Owner,
    Team,
    /// Everyone the actor sees, together.
    All,
}

/// A new stage.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct StageInput {
    pub name: String,
    /// Percent, 0 to 100.
    pub probability: i64,
    /// open (the default), won or lost.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// What to change of a stage; `None` leaves it.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct StageChange {
    pub name: Option<String>,
    pub probability: Option<i64>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}
