//! `/api/v1/products`: the product catalogue (产品目录).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::entry::Mode;
use kehu_core::{schema, ProductId};
use kehu_store::history::HistoryEntry;
use kehu_store::products::{Product, ProductFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::input::records::record_input;
use crate::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    all: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductPage {
    pub products: Vec<Product>,
    /// Products matching the filter in all.
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    params(("q" = Option<String>, Query, description = "Part of the code or the name"),
           ("all" = Option<bool>, Query, description = "Inactive products too"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1–500, default 100"),
           ("offset" = Option<i64>, Query)),
    responses((status = 200, body = ProductPage)))]
/// The catalogue by code; active products unless `all`.
pub async fn list(
    State(state): State<AppState>,
    _me: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<ProductPage>> {
    let filter = ProductFilter {
        all: query.all.unwrap_or(false),
        q: query.q,
        limit: super::page_limit(query.limit, 100, 500)?,
        offset: query.offset.unwrap_or(0),
    };
    let (products, total) = state.store.products(&filter).await?;
    Ok(Json(ProductPage { products, total }))
}

#[utoipa::path(post, path = "/api/v1/products", tag = "products",
    request_body(content = Object, description = "`{\"code\": \"CRM-STD\", \"name\": \"客户管理系统 标准版\", \"unit\": \"套\", \"price\": \"12800.00\"}`: code, name and price are required; price as a string (\"¥12,800\", \"100 USD\") or `{\"amount\": \"12800.00\", \"currency\": \"CNY\"}`, never negative"),
    responses((status = 201, body = Product), (status = 403), (status = 422, description = "`code` not_unique, `price` invalid_money or below_min, …")))]
/// Adds a product. Managers and administrators.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Product>)> {
    let (patch, _) = record_input(body, schema::PRODUCT, Mode::Create)?;
    let product = state.store.create_product(&me.ctx(), patch).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 200, body = Product), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    _me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Product>> {
    Ok(Json(state.store.product(ProductId(id)).await?))
}

#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "Any product field; `\"active\": false` takes it out of the catalogue for new business; `version` guards against overwriting another's change"),
    responses((status = 200, body = Product), (status = 403), (status = 404), (status = 409), (status = 422)))]
/// Managers and administrators.
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Product>> {
    let (patch, version) = record_input(body, schema::PRODUCT, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_product(&me.ctx(), ProductId(id), patch, version)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/products/{id}/history", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 200, body = [HistoryEntry]), (status = 404)))]
/// Every change of a product (its price over time), newest first.
pub async fn history(
    State(state): State<AppState>,
    _me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryEntry>>> {
    state.store.product(ProductId(id)).await?;
    Ok(Json(state.store.product_history(ProductId(id), 200).await?))
}
