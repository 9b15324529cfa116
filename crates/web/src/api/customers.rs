//! `/api/v1/customers`: the customer records, their history and what hangs
//! off them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use kehu_core::entry::Mode;
use kehu_core::{Code, CustomerId, Invalid, LocalizedFieldError};
use kehu_store::bulk_change::BulkOutcome;
use kehu_store::customers::Customer;
use kehu_store::duplicates::DuplicateHit;
use kehu_store::history::HistoryEntry;
use kehu_store::list::{CustomerFilter, Page};
use kehu_store::lookups::WholeValue;
use kehu_store::records::{Contact, Interaction, Task};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject, QueryPairs};
use crate::input::customers::{bulk_input, customer_input, probe_of};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(
        ("q" = Option<String>, Query, description = "Search: name, pinyin (zhangsan), initials (zs), company, email, 4+ digits of a phone number. On records whose phone and email the caller sees masked, only a whole mobile number or email address matches them (a counted lookup), never a part"),
        ("owner_id" = Option<String>, Query, description = "A user id, or `none` for the shared pool"),
        ("team_id" = Option<i64>, Query), ("tag" = Option<String>, Query), ("kind" = Option<String>, Query),
        ("stage" = Option<String>, Query), ("source" = Option<String>, Query), ("province" = Option<String>, Query),
        ("city" = Option<String>, Query), ("value_tier" = Option<String>, Query),
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 code or a country's name; `province` is then read as that country's region"),
        ("gender" = Option<String>, Query, description = "female, male or unknown (女/男/M/F … are read too)"),
        ("age_min" = Option<u32>, Query, description = "Customers at least this old today (by birth date)"),
        ("age_max" = Option<u32>, Query, description = "Customers at most this old today"),
        ("birth_month" = Option<String>, Query, description = "1–12, or `this` for birthdays in the current month"),
        ("created_from" = Option<String>, Query), ("created_to" = Option<String>, Query),
        ("updated_from" = Option<String>, Query), ("updated_to" = Option<String>, Query),
        ("sort" = Option<String>, Query, description = "updated_at, created_at or name; prefix - for descending"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "1–500, default 50"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Customer>), (status = 422, description = "Bad parameter"),
        (status = 429, description = "`lookup_limit`: `q` holds a whole mobile number or email address, and the caller has made more such lookups than the administrator allows a minute or a day; `list_limit`: the caller's list pages have shown more rows in the last hour than the administrator allows (`list_rows_per_hour` of the export limits)")))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Page<Customer>>> {
    let filter = CustomerFilter::from_params(&params)?;
    Ok(Json(
        state.store.browse_customers(&me.actor, &filter).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/customers/lookup", tag = "customers",
    params(("mobile" = Option<String>, Query), ("email" = Option<String>, Query)),
    responses((status = 200, body = Customer), (status = 404), (status = 422),
        (status = 429, description = "`lookup_limit`: more whole-value lookups than the administrator allows a minute or a day")))]
/// Finds the customer with exactly this mobile number or email address,
/// among those the caller may see. For callers who see such values masked
/// on some records (viewers; others in the shared pool) each distinct
/// value is a counted lookup: limited per minute and per day, and written
/// to the access log.
pub async fn lookup(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Customer>> {
    let mut invalid = Invalid::default();
    let mut wanted = None;
    // A number is read as the instance's country writes it, or with its
    // country code.
    let home = state.store.default_country().await?;
    for (key, value) in &params {
        match key.as_str() {
            "mobile" => {
                wanted = invalid
                    .check("mobile", kehu_core::phone::mobile_in(home, value))
                    .map(WholeValue::Mobile)
            }
            "email" => {
                wanted = invalid
                    .check("email", kehu_core::email::Email::parse(value))
                    .map(|e| WholeValue::Email(e.match_key()))
            }
            other => invalid.push(other, Code::UnknownField),
        }
    }
    invalid.into_result()?;
    let wanted = wanted.ok_or_else(|| Invalid::one("mobile", Code::Required))?;
    let found = state.store.lookup_customer(&me.actor, &wanted).await?;
    Ok(Json(found))
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    request_body(content = Object, description = "Customer fields; `name` is required"),
    responses((status = 201, body = Customer), (status = 422, description = "Invalid fields")))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Customer>)> {
    let home = state.store.default_country().await?;
    let (input, _) = customer_input(body, Mode::Create, home)?;
    let c = state.store.create_customer(&me.ctx(), input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path)), responses((status = 200, body = Customer),
        (status = 307, description = "Merged into another customer: Location is the survivor"), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let c = match state.store.customer(&me.actor, CustomerId(id)).await {
        // A merged record's id leads to its survivor.
        Err(kehu_store::Error::NotFound) => {
            return match state.store.merged_into(&me.actor, CustomerId(id)).await? {
                Some(to) => Ok(
                    Redirect::temporary(&format!("/api/v1/customers/{}", to.get())).into_response(),
                ),
                None => Err(ApiError::NotFound),
            };
        }
        found => found?,
    };
    Ok(Json(c).into_response())
}

#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "Fields to change; null clears; `version` guards against lost updates"),
    responses((status = 200, body = Customer), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Customer>> {
    let home = state
        .store
        .customer_country(&me.actor, CustomerId(id))
        .await?;
    let (input, version) = customer_input(body, Mode::Update, home)?;
    let c = state
        .store
        .update_customer(&me.ctx(), CustomerId(id), input, version)
        .await?;
    Ok(Json(c))
}

#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_customer(&me.ctx(), CustomerId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/restore", tag = "customers",
    params(("id" = i64, Path)), responses((status = 200, body = Customer), (status = 404)))]
pub async fn restore(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Customer>> {
    let c = state
        .store
        .restore_customer(&me.ctx(), CustomerId(id))
        .await?;
    Ok(Json(c))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/verify", tag = "customers",
    params(("id" = i64, Path)), responses((status = 200, body = Customer), (status = 404)))]
/// Marks the record verified (核对) by the caller, now.
pub async fn verify(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Customer>> {
    let c = state
        .store
        .verify_customer(&me.ctx(), CustomerId(id))
        .await?;
    Ok(Json(c))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/history", tag = "customers",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<HistoryEntry>), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryEntry>>> {
    let customer = state.store.customer(&me.actor, CustomerId(id)).await?;
    Ok(Json(
        state
            .store
            .customer_history(&me.actor, &customer, 1000)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Contact>), (status = 404)))]
pub async fn contacts(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Contact>>> {
    let customer = state.store.customer(&me.actor, CustomerId(id)).await?;
    Ok(Json(state.store.contacts_of(&me.actor, &customer).await?))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/interactions", tag = "interactions",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Interaction>), (status = 404)))]
pub async fn interactions(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Interaction>>> {
    let customer = state.store.customer(&me.actor, CustomerId(id)).await?;
    Ok(Json(state.store.interactions_of(&customer).await?))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/tasks", tag = "tasks",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Task>), (status = 404)))]
pub async fn tasks(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Task>>> {
    state.store.customer(&me.actor, CustomerId(id)).await?;
    Ok(Json(
        state
            .store
            .tasks(&me.actor, None, None, Some(CustomerId(id)), 500)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/customers/bulk", tag = "customers",
    request_body(content = Object, description = "`{\"ids\": [1, 2]}` (at most 10,000) or `{\"filter\": \"stage=lead&q=zs\"}`, plus one of `{\"action\": \"owner\", \"owner_id\": 5}` (null: the shared pool), `{\"action\": \"add_tag\", \"tag\": \"VIP\"}`, `{\"action\": \"remove_tag\", \"tag\": \"VIP\"}`, `{\"action\": \"stage\", \"stage\": \"customer\"}`"),
    responses((status = 200, body = BulkOutcome, description = "How many visible records matched and how many changed"),
              (status = 403), (status = 422, description = "Bad input; nothing changed")))]
/// Changes many customers at once, each with its own history rows. Records
/// the caller cannot see are not matched.
pub async fn bulk(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<Json<BulkOutcome>> {
    let (selection, change) = bulk_input(body)?;
    Ok(Json(
        state
            .store
            .bulk_change(&me.ctx(), selection, change)
            .await?,
    ))
}

/// What `POST /customers/check` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryCheck {
    /// What `POST /customers` would refuse in this body, as `{field, code,
    /// message}` in the user's language.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<LocalizedFieldError>,
    pub duplicates: Vec<DuplicateHit>,
}

#[utoipa::path(post, path = "/api/v1/customers/check", tag = "customers",
    request_body(content = Object, description = "The body `POST /customers` takes, plus the `id` of the record being edited"),
    responses((status = 200, body = EntryCheck), (status = 403, description = "Viewers do not enter records"),
        (status = 429, description = "`lookup_limit`: the body's mobile or email is a whole-value lookup beyond the administrator's limits")))]
/// Live validation while a customer is typed in: the field errors creating
/// it would give, and the records it may duplicate (records the caller may
/// not see are one hit, without id, name or owner). Nothing is written. A
/// mobile or email in the body is a counted lookup for callers who see
/// such values masked on some records.
pub async fn check(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    mut body: JsonObject,
) -> Result<Json<EntryCheck>> {
    // Only for those who enter records: otherwise it would tell anyone
    // which numbers and addresses exist, and whose they are.
    if !me.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let mut errors = Invalid::default();
    let exclude = match body.take("id") {
        None | Some(Value::Null) => None,
        Some(v) => errors.check("id", v.as_i64().map(CustomerId).ok_or(Code::WrongType)),
    };
    let home = match exclude {
        Some(id) => state.store.customer_country(&me.actor, id).await?,
        None => state.store.default_country().await?,
    };
    let probe = probe_of(&body.0, home);
    match customer_input(body, Mode::Create, home) {
        Ok((input, _)) => {
            let mut defs = Vec::new();
            for d in state.store.field_definitions().await? {
                defs.push(d.def()?);
            }
            let custom = input.custom.unwrap_or_default();
            if let Err(e) = kehu_core::field::validate_custom(&defs, &custom) {
                errors.0.extend(e.0);
            }
        }
        Err(ApiError::Invalid(e)) => errors.0.extend(e.0),
        Err(e) => return Err(e),
    }
    let duplicates = state
        .store
        .possible_duplicates(&me.actor, &probe, exclude)
        .await?;
    let lang = super::lang_of(&me, &headers);
    Ok(Json(EntryCheck {
        errors: errors.0.iter().map(|e| e.localize(lang)).collect(),
        duplicates,
    }))
}
