//! The product catalogue page (产品目录): everyone finds products by code
//! or name; managers and administrators add them, change prices and take
//! them out of the catalogue.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, ProductId};
use kehu_store::products::{Product, ProductFilter};
use serde_json::{Map, Value};

use super::customers::flash;
use super::frame::{Frame, Section};
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::extract::QueryPairs;
use crate::AppState;

/// Products one page shows.
const PER_PAGE: i64 = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/products", get(list).post(create))
        .route("/products/{id}", post(update))
}

/// The add form as typed, kept when it is refused.
#[derive(Default)]
pub struct Typed {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    f: Frame,
    products: Vec<Product>,
    total: i64,
    q: String,
    all: bool,
    may_edit: bool,
    typed: Typed,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    typed: Typed,
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| super::param(params, k);
    let filter = ProductFilter {
        all: get("all") == Some("1"),
        q: get("q").map(str::to_owned),
        limit: PER_PAGE,
        offset: 0,
    };
    let (products, total) = state.store.products(&filter).await?;
    let refused = error.is_some();
    let view = ProductsPage {
        f: Frame::new(state, viewer, Section::Products, t.s("nav.products"))
            .await?
            .with_flash(flash(t, params)),
        products,
        total,
        q: filter.q.unwrap_or_default(),
        all: filter.all,
        may_edit: viewer.me.actor.may_assign_owner(),
        typed,
        error,
    };
    render_refused(&view, refused)
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    page(&state, &viewer, &params, Typed::default(), None).await
}

/// The product fields of a form, as the API's JSON.
fn product_json(posted: &Posted, names: &[&str]) -> Map<String, Value> {
    let mut body = Map::new();
    for name in names {
        let value = posted.fields.get(name).unwrap_or_default();
        body.insert((*name).to_owned(), Value::from(value));
    }
    body
}

/// A refused form's message, or the failure to show as a page.
fn refusal(posted: &Posted, e: kehu_store::Error) -> Result<String, PageError> {
    match e {
        kehu_store::Error::Invalid(invalid) => {
            Ok(Errors::new(posted.viewer.t(), &invalid.0).line())
        }
        kehu_store::Error::Conflict(_) => Ok(posted.viewer.t().s("error.conflict").to_owned()),
        e => Err(e.into()),
    }
}

pub async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let body = product_json(&posted, &["code", "name", "unit", "price"]);
    let typed = Typed {
        code: posted.fields.get("code").unwrap_or_default().to_owned(),
        name: posted.fields.get("name").unwrap_or_default().to_owned(),
        unit: posted.fields.get("unit").unwrap_or_default().to_owned(),
        price: posted.fields.get("price").unwrap_or_default().to_owned(),
    };
    let result = match parse_object(&body, schema::PRODUCT, &[], Mode::Create) {
        Ok(patch) => state
            .store
            .create_product(&posted.viewer.me.ctx(), patch)
            .await
            .map(|_| ()),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(()) => Ok(see_other("/products?flash=product_added")),
        Err(e) => {
            let message = refusal(&posted, e)?;
            page(&state, &posted.viewer, &[], typed, Some(message)).await
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let mut body = product_json(&posted, &["name", "unit", "price"]);
    body.insert(
        "active".into(),
        Value::Bool(posted.fields.get("active").is_some()),
    );
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    let result = match parse_object(&body, schema::PRODUCT, &[], Mode::Update) {
        Ok(patch) => state
            .store
            .update_product(&posted.viewer.me.ctx(), ProductId(id), patch, version)
            .await
            .map(|_| ()),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(()) => Ok(see_other("/products?all=1&flash=saved")),
        Err(e) => {
            let message = refusal(&posted, e)?;
            page(&state, &posted.viewer, &[], Typed::default(), Some(message)).await
        }
    }
}
