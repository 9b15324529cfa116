//! `/api/v1/opportunities` and `/api/v1/pipelines`: opportunities (商机) on
//! pipelines of stages, the board, the forecast, and orders made from an
//! opportunity.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::entry::Mode;
use kehu_core::opportunity::ForecastRow;
use kehu_core::{Code, Invalid, OpportunityId};
use kehu_store::history::HistoryEntry;
use kehu_store::opportunities::{
    Column, Opportunity, OpportunityFilter, Pipeline, Stage, StageChange, StageInput, StageStay,
};
use kehu_store::orders::Order;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::input::opportunities::{forecast_by, forecast_range, opportunity_input};
use crate::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    pipeline_id: Option<i64>,
    stage_id: Option<i64>,
    status: Option<String>,
    owner_id: Option<i64>,
    team_id: Option<i64>,
    customer_id: Option<i64>,
    close_from: Option<String>,
    close_to: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

impl ListQuery {
    fn filter(self) -> Result<OpportunityFilter> {
        let mut invalid = Invalid::default();
        let status = self.status.filter(|s| !s.is_empty());
        if status
            .as_deref()
            .is_some_and(|s| !matches!(s, "open" | "won" | "lost"))
        {
            invalid.push("status", Code::InvalidChoice);
        }
        let mut date = |field: &str, v: Option<String>| {
            let v = v.filter(|s| !s.is_empty())?;
            invalid.check(
                field,
                kehu_core::date::parse_date(&v).map(|d| d.format("%Y-%m-%d").to_string()),
            )
        };
        let close_from = date("close_from", self.close_from);
        let close_to = date("close_to", self.close_to);
        invalid.into_result()?;
        Ok(OpportunityFilter {
            pipeline_id: self.pipeline_id,
            stage_id: self.stage_id,
            status,
            owner_id: self.owner_id,
            team_id: self.team_id,
            customer_id: self.customer_id,
            close_from,
            close_to,
            before: self.before,
            limit: super::page_limit(self.limit, 50, kehu_store::opportunities::MAX_PAGE)?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct OpportunityPage {
    /// Newest first.
    pub opportunities: Vec<Opportunity>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/opportunities", tag = "opportunities",
    params(("pipeline_id" = Option<i64>, Query), ("stage_id" = Option<i64>, Query),
           ("status" = Option<String>, Query, description = "open, won or lost"),
           ("owner_id" = Option<i64>, Query), ("team_id" = Option<i64>, Query), ("customer_id" = Option<i64>, Query),
           ("close_from" = Option<String>, Query, description = "Expected to close on or after (YYYY-MM-DD)"),
           ("close_to" = Option<String>, Query), ("before" = Option<i64>, Query), ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, body = OpportunityPage), (status = 422)))]
/// The opportunities the caller may see, newest first.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<OpportunityPage>> {
    let filter = query.filter()?;
    let limit = filter.limit;
    let opportunities = state.store.opportunities(&me.actor, &filter).await?;
    let next_before = (opportunities.len() as i64 == limit)
        .then(|| opportunities.last().map(|o| o.id))
        .flatten();
    Ok(Json(OpportunityPage {
        opportunities,
        next_before,
    }))
}

#[utoipa::path(post, path = "/api/v1/opportunities", tag = "opportunities",
    request_body(content = Object, description = "`{\"customer_id\": 1, \"name\": \"年度采购\", \"amount\": \"120000\", \"expected_close\": \"2026-12-20\", \"probability\": 30, \"stage_id\": 3, \"lines\": [...]}`: customer_id and name are required; lines (as for orders) set the amount; the stage defaults to the default pipeline's first, the probability to the stage's"),
    responses((status = 201, body = Opportunity), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Opportunity>)> {
    let i = opportunity_input(body, Mode::Create)?;
    let o = state
        .store
        .create_opportunity(&me.ctx(), i.patch, i.probability, i.lines)
        .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}", tag = "opportunities",
    params(("id" = i64, Path)), responses((status = 200, body = Opportunity), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Opportunity>> {
    Ok(Json(
        state
            .store
            .opportunity(&me.actor, OpportunityId(id))
            .await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/opportunities/{id}", tag = "opportunities",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "name, amount, expected_close, probability, source, notes, customer_id, lines; the stage moves through `POST …/stage`"),
    responses((status = 200, body = Opportunity), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Opportunity>> {
    let i = opportunity_input(body, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_opportunity(
                &me.ctx(),
                OpportunityId(id),
                i.patch,
                i.probability,
                i.lines,
                i.version,
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveBody {
    stage_id: i64,
    /// Required when the stage is a lost one.
    lost_reason: Option<String>,
    version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/stage", tag = "opportunities",
    params(("id" = i64, Path)), request_body = MoveBody,
    responses((status = 200, body = Opportunity), (status = 404), (status = 409), (status = 422, description = "`stage_id` not_found (not of this pipeline), `lost_reason` required")))]
/// Moves an opportunity to a stage of its pipeline: won and lost stages
/// close it, an open stage reopens it.
pub async fn move_stage(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<MoveBody>,
) -> Result<Json<Opportunity>> {
    Ok(Json(
        state
            .store
            .move_opportunity(
                &me.ctx(),
                OpportunityId(id),
                body.stage_id,
                body.lost_reason,
                body.version,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/stages", tag = "opportunities",
    params(("id" = i64, Path)), responses((status = 200, body = [StageStay]), (status = 404)))]
/// Each stay in a stage, oldest first, with the time spent there.
pub async fn stages(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<StageStay>>> {
    Ok(Json(
        state
            .store
            .opportunity_stages(&me.actor, OpportunityId(id))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/history", tag = "opportunities",
    params(("id" = i64, Path)), responses((status = 200, body = [HistoryEntry]), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        state
            .store
            .opportunity_history(&me.actor, OpportunityId(id), 500)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/order", tag = "opportunities",
    params(("id" = i64, Path)), responses((status = 201, body = Order), (status = 404), (status = 422)))]
/// A draft order from the opportunity's products (or one line for its
/// amount).
pub async fn order(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Order>)> {
    let order = state
        .store
        .order_from_opportunity(&me.ctx(), OpportunityId(id))
        .await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[derive(Deserialize)]
pub struct BoardQuery {
    pipeline_id: Option<i64>,
    owner_id: Option<i64>,
    team_id: Option<i64>,
    per_column: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/opportunities/board", tag = "opportunities",
    params(("pipeline_id" = Option<i64>, Query, description = "The default pipeline when left out"),
           ("owner_id" = Option<i64>, Query), ("team_id" = Option<i64>, Query),
           ("per_column" = Option<i64>, Query, description = "Cards per column, 50 by default")),
    responses((status = 200, body = [Column])))]
/// A column per stage: its cards, count, total and weighted total per
/// currency.
pub async fn board(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<BoardQuery>,
) -> Result<Json<Vec<Column>>> {
    let pipeline = match query.pipeline_id {
        Some(p) => p,
        None => default_pipeline(&state).await?,
    };
    let filter = OpportunityFilter {
        owner_id: query.owner_id,
        team_id: query.team_id,
        ..Default::default()
    };
    Ok(Json(
        state
            .store
            .board(&me.actor, pipeline, &filter, query.per_column.unwrap_or(50))
            .await?,
    ))
}

pub(crate) async fn default_pipeline(state: &AppState) -> Result<i64> {
    let pipelines = state.store.pipelines().await?;
    pipelines
        .first()
        .map(|p| p.id)
        .ok_or(crate::error::ApiError::NotFound)
}

#[derive(Deserialize)]
pub struct ForecastQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/forecast", tag = "opportunities",
    params(("from" = Option<String>, Query, description = "YYYY-MM; this month by default"),
           ("to" = Option<String>, Query, description = "YYYY-MM; five months after `from` by default"),
           ("by" = Option<String>, Query, description = "owner (default), team or all")),
    responses((status = 200, body = [Object], description = "Rows of month, group (user or team id; empty for all), currency, count, expected, weighted, won"), (status = 422)))]
/// Expected and weighted revenue by month: open opportunities by their
/// expected close, weighted by their probability; won ones in the month
/// they were won.
pub async fn forecast(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<ForecastQuery>,
) -> Result<Json<Vec<ForecastRow>>> {
    let (from, to) = forecast_range(query.from.as_deref(), query.to.as_deref())?;
    let by = forecast_by(query.by.as_deref())?;
    Ok(Json(state.store.forecast(&me.actor, &from, &to, by).await?))
}

#[utoipa::path(get, path = "/api/v1/pipelines", tag = "opportunities",
    responses((status = 200, body = [Pipeline])))]
/// Every pipeline with its stages, the default first.
pub async fn pipelines(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<Pipeline>>> {
    Ok(Json(state.store.pipelines().await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PipelineBody {
    name: String,
    stages: Vec<StageInput>,
}

#[utoipa::path(post, path = "/api/v1/pipelines", tag = "opportunities", request_body = PipelineBody,
    responses((status = 201, body = Pipeline), (status = 403), (status = 422, description = "`name` not_unique; `stages` required (an open, a won and a lost stage)")))]
/// Adds a pipeline (administrators).
pub async fn create_pipeline(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<PipelineBody>,
) -> Result<(StatusCode, Json<Pipeline>)> {
    let p = state
        .store
        .create_pipeline(&me.ctx(), &body.name, &body.stages)
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(post, path = "/api/v1/pipelines/{id}/stages", tag = "opportunities",
    params(("id" = i64, Path)), request_body = StageInput,
    responses((status = 201, body = Stage), (status = 403), (status = 404), (status = 422)))]
/// Adds a stage at the end of a pipeline (administrators).
pub async fn add_stage(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<StageInput>,
) -> Result<(StatusCode, Json<Stage>)> {
    let s = state.store.add_stage(&me.ctx(), id, &body).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

#[utoipa::path(patch, path = "/api/v1/stages/{id}", tag = "opportunities",
    params(("id" = i64, Path)), request_body = StageChange,
    responses((status = 200, body = Stage), (status = 403), (status = 404), (status = 409, description = "`stage_in_use`: retiring a stage that holds opportunities"), (status = 422)))]
/// Renames a stage, changes its default probability or place, or retires
/// it (administrators).
pub async fn update_stage(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<StageChange>,
) -> Result<Json<Stage>> {
    Ok(Json(state.store.update_stage(&me.ctx(), id, &body).await?))
}
