//! `/api/v1/leads`: leads (线索), the shared pool (公海) and its rules, and
//! the public web forms that capture leads.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::entry::{parse_object, parse_object_in, Mode};
use kehu_core::{schema, Code, CustomerId, Invalid, LeadId};
use kehu_store::leads::{
    Assign, Conversion, Converted, Lead, LeadFilter, LeadFollowup, LeadForm, PoolRule,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    /// Only the pool's.
    pool: Option<bool>,
    owner_id: Option<i64>,
    status: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    pub next_before: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/leads", tag = "leads",
    params(("pool" = Option<bool>, Query, description = "Only the shared pool's (unowned, open) leads"),
           ("owner_id" = Option<i64>, Query), ("status" = Option<String>, Query, description = "new, contacted, qualified, converted or disqualified"),
           ("before" = Option<i64>, Query),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, body = LeadPage), (status = 422),
        (status = 429, description = "`list_limit`: the caller's list pages have shown more rows in the last hour than the administrator allows (`list_rows_per_hour` of the export limits)")))]
/// The leads the caller may see (their own, the team's for a manager, and
/// the pool's), newest first; pool leads have phones and emails masked.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<LeadPage>> {
    let status = query.status.filter(|s| !s.is_empty());
    if status
        .as_deref()
        .is_some_and(|s| !schema::LEAD_STATUSES.contains(&s))
    {
        return Err(Invalid::one("status", Code::InvalidChoice).into());
    }
    let limit = super::page_limit(query.limit, 50, kehu_store::leads::MAX_PAGE)?;
    let filter = LeadFilter {
        pool: query.pool.unwrap_or(false),
        owner_id: query.owner_id,
        status,
        before: query.before,
        limit,
    };
    let leads = state.store.browse_leads(&me.actor, &filter).await?;
    let next_before = (leads.len() as i64 == limit)
        .then(|| leads.last().map(|l| l.id))
        .flatten();
    Ok(Json(LeadPage { leads, next_before }))
}

#[utoipa::path(post, path = "/api/v1/leads", tag = "leads",
    request_body(content = Object, description = "`{\"name\": \"王经理\", \"company\": \"…\", \"mobile\": \"…\", \"email\": \"…\", \"province\": \"浙江\", \"source\": \"展会\", \"campaign\": \"2026 春季展\", \"message\": \"…\"}`; name is required. The lead is the caller's, or `owner_id`'s (managers), or, with `\"assign\": \"pool\" | \"region\" | \"round_robin\"` (and `team_id` for round robin), assigned so. The duplicate check's finds come back as duplicate_lead_id and duplicate_customer_id."),
    responses((status = 201, body = Lead), (status = 422)))]
/// Captures a lead from another system or by hand.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<Lead>)> {
    let mut invalid = Invalid::default();
    let assign = body.take_string("assign", &mut invalid);
    let team = match body.take("team_id") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => invalid.check("team_id", v.as_i64().ok_or(Code::WrongType)),
    };
    let assign = match assign.as_deref() {
        None => Some(Assign::AsGiven),
        Some(a) => invalid.check("assign", Assign::parse(a, team)),
    };
    let home = state.store.default_country().await?;
    let patch = match parse_object_in(&body.0, schema::LEAD, &[], Mode::Create, home) {
        Ok(p) => Some(p),
        Err(e) => {
            invalid.0.extend(e.0);
            None
        }
    };
    invalid.into_result()?;
    let (Some(patch), Some(assign)) = (patch, assign) else {
        return Err(Invalid::one("name", Code::Required).into());
    };
    let lead = state.store.capture_lead(&me.ctx(), patch, assign).await?;
    // Given to someone else, the lead is no longer the caller's to see:
    // they get back what they typed, without the duplicates found.
    let lead = match state.store.lead(&me.actor, LeadId(lead.id)).await {
        Ok(seen) => seen,
        Err(kehu_store::Error::NotFound) => Lead {
            duplicate_lead_id: None,
            duplicate_customer_id: None,
            ..lead
        },
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(lead)))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads",
    params(("id" = i64, Path)), responses((status = 200, body = Lead), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Lead>> {
    Ok(Json(state.store.lead(&me.actor, LeadId(id)).await?))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}/followups", tag = "leads",
    params(("id" = i64, Path)), responses((status = 200, body = [LeadFollowup]), (status = 404)))]
pub async fn followups(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<LeadFollowup>>> {
    Ok(Json(
        state.store.lead_followups(&me.actor, LeadId(id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/followups", tag = "leads",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{\"channel\": \"call\", \"content\": \"…\", \"next_step\": \"发资料\", \"next_step_at\": \"2026-12-02T10:00:00+08:00\"}`: a next step with a date becomes a task"),
    responses((status = 201, body = Lead), (status = 404), (status = 409, description = "`lead_in_pool`: claim it first"), (status = 422)))]
/// Records a follow-up of a lead one holds; a new lead becomes contacted.
pub async fn follow_up(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<(StatusCode, Json<Lead>)> {
    let patch = parse_object(&body.0, schema::LEAD_FOLLOWUP, &[], Mode::Create)?;
    let lead = state
        .store
        .follow_up_lead(&me.ctx(), LeadId(id), patch)
        .await?;
    Ok((StatusCode::CREATED, Json(lead)))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusBody {
    /// new (from disqualified), contacted, qualified or disqualified.
    status: String,
    /// Why it was disqualified (required then).
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/status", tag = "leads",
    params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = Lead), (status = 404), (status = 409, description = "`lead_status`: not a move from its status"), (status = 422)))]
pub async fn set_status(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<StatusBody>,
) -> Result<Json<Lead>> {
    Ok(Json(
        state
            .store
            .set_lead_status(&me.ctx(), LeadId(id), &body.status, body.reason)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/claim", tag = "leads",
    params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 404), (status = 409, description = "`claim_cap` (holding as many as the team allows) or `already_claimed`")))]
/// Takes a lead from the pool.
pub async fn claim(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Lead>> {
    Ok(Json(state.store.claim_lead(&me.ctx(), LeadId(id)).await?))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/release", tag = "leads",
    params(("id" = i64, Path)), responses((status = 200, body = Lead), (status = 404)))]
/// Puts a lead one holds back in the pool.
pub async fn release(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Lead>> {
    Ok(Json(state.store.release_lead(&me.ctx(), LeadId(id)).await?))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/claim", tag = "leads",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "`claim_cap` or `already_claimed`")))]
/// Takes a customer from the pool.
pub async fn claim_customer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .claim_customer(&me.ctx(), CustomerId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ConvertBody {
    /// company or individual.
    kind: String,
    /// Link to this customer rather than create one.
    customer_id: Option<i64>,
    /// Create a customer even though the duplicate check found one.
    #[serde(default)]
    force_new: bool,
    /// Also create an opportunity.
    opportunity: Option<OpportunitySeed>,
}

#[derive(Deserialize, ToSchema)]
pub struct OpportunitySeed {
    name: String,
    amount: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads",
    params(("id" = i64, Path)), request_body = ConvertBody,
    responses((status = 200, body = Converted), (status = 404), (status = 409, description = "`lead_not_qualified`"), (status = 422)))]
/// Converts a qualified lead into a customer (or links it to the one its
/// duplicate check found), a contact, and optionally an opportunity.
pub async fn convert(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<ConvertBody>,
) -> Result<Json<Converted>> {
    let conversion = Conversion {
        kind: body.kind,
        customer_id: body.customer_id,
        force_new: body.force_new,
        opportunity: body.opportunity.map(|o| (o.name, o.amount)),
    };
    Ok(Json(
        state
            .store
            .convert_lead(&me.ctx(), LeadId(id), conversion)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/pool-rules", tag = "leads",
    responses((status = 200, body = [PoolRule])))]
/// The pool's rules: the default (no team) first, then each team's.
pub async fn pool_rules(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<PoolRule>>> {
    Ok(Json(state.store.pool_rules().await?))
}

#[utoipa::path(put, path = "/api/v1/pool-rules", tag = "leads", request_body = PoolRule,
    responses((status = 204), (status = 403), (status = 422)))]
/// Sets a team's pool rules, or the default's without `team_id`
/// (administrators).
pub async fn set_pool_rule(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(rule): Json<PoolRuleBody>,
) -> Result<StatusCode> {
    let rule = PoolRule {
        team_id: rule.team_id,
        max_held: rule.max_held,
        protect_days: rule.protect_days.unwrap_or(0),
        return_days: rule.return_days,
    };
    state.store.set_pool_rule(&me.ctx(), &rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PoolRuleBody {
    team_id: Option<i64>,
    max_held: Option<i64>,
    protect_days: Option<i64>,
    return_days: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct RegionRuleBody {
    province: String,
    /// Who gets the province's leads; null removes the rule.
    user_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/region-rules", tag = "leads", request_body = RegionRuleBody,
    responses((status = 204), (status = 403), (status = 422)))]
/// Sends leads from a province to a user (administrators).
pub async fn set_region_rule(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<RegionRuleBody>,
) -> Result<StatusCode> {
    state
        .store
        .set_region_rule(&me.ctx(), &body.province, body.user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/lead-forms", tag = "leads",
    responses((status = 200, body = [LeadForm]), (status = 403)))]
/// The public forms (administrators).
pub async fn lead_forms(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<LeadForm>>> {
    if !me.actor.is_admin() {
        return Err(crate::error::ApiError::Forbidden);
    }
    Ok(Json(state.store.lead_forms().await?))
}

#[derive(Deserialize, ToSchema)]
pub struct LeadFormBody {
    name: String,
    source: Option<String>,
    campaign: Option<String>,
    /// round_robin (needs team_id), region or pool.
    assign: String,
    team_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/lead-forms", tag = "leads", request_body = LeadFormBody,
    responses((status = 201, body = LeadForm), (status = 403), (status = 422)))]
/// Adds a public form; put `<iframe src="https://YOUR-KEHU/f/{key}">` on
/// the website (administrators).
pub async fn create_lead_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<LeadFormBody>,
) -> Result<(StatusCode, Json<LeadForm>)> {
    let form = state
        .store
        .create_lead_form(
            &me.ctx(),
            &body.name,
            body.source.as_deref(),
            body.campaign.as_deref(),
            &body.assign,
            body.team_id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(form)))
}
