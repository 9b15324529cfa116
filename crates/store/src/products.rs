//! The product catalogue (产品目录): what opportunities and orders are
//! made of. Everyone who works with customers reads it; administrators and
//! managers keep it. Products are deactivated rather than deleted, so old
//! orders keep pointing at them.

use kehu_core::entry::Patch;
use kehu_core::money::Money;
use kehu_core::{schema, ProductId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::write::{Ctx, Table};
use crate::{Error, Result, Store};

const PRODUCTS: Table = Table {
    table: "products",
    entity: "product",
    specs: schema::PRODUCT,
};

/// Most products one page of the catalogue lists.
pub const MAX_PAGE: i64 = 500;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: Option<String>,
    /// `{"amount": "1200.50", "currency": "CNY"}`: the amount is a string,
    /// exact to the cent (and to four places for unit prices).
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub price: Price,
    pub description: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: Time,
    pub updated_at: Time,
}

/// A price as stored (`1200.50 CNY`), read back exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Price(pub Money);

impl TryFrom<String> for Price {
    type Error = kehu_core::Code;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        Money::parse(&s).map(Price)
    }
}

/// Which products to list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Also the inactive ones.
    pub all: bool,
    /// Part of the code or the name.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const COLUMNS: &str =
    "id, code, name, unit, price, description, active, version, created_at, updated_at";

impl Store {
    /// Managers and administrators.
    pub async fn create_product(&self, ctx: &Ctx, patch: Patch) -> Result<Product> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let id = PRODUCTS.insert(&mut tx, &patch, vec![], ctx).await?;
        tx.commit().await?;
        self.product(ProductId(id)).await
    }

    /// Everyone signed in reads the catalogue.
    pub async fn product(&self, id: ProductId) -> Result<Product> {
        self.db
            .optional(
                q(format!(
                    "SELECT {COLUMNS} FROM products WHERE id = $1 AND deleted_at IS NULL"
                ))
                .bind(id.get()),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// Managers and administrators; with `version`, a product changed by
    /// someone else since is a conflict.
    pub async fn update_product(
        &self,
        ctx: &Ctx,
        id: ProductId,
        patch: Patch,
        version: Option<i64>,
    ) -> Result<Product> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        PRODUCTS
            .update(&mut tx, id.get(), &patch, vec![], ctx, version)
            .await?;
        tx.commit().await?;
        self.product(id).await
    }

    /// A page of the catalogue by code, and how many match in all.
    /// Everyone signed in reads the catalogue.
    pub async fn products(&self, filter: &ProductFilter) -> Result<(Vec<Product>, i64)> {
        let pattern = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.to_lowercase()));
        let cond = format!(
            "deleted_at IS NULL{}{}",
            if filter.all { "" } else { " AND active" },
            if pattern.is_some() {
                " AND (LOWER(code) LIKE $1 OR LOWER(name) LIKE $1)"
            } else {
                ""
            }
        );
        let first = if pattern.is_some() { 2 } else { 1 };
        let mut count = q(format!("SELECT COUNT(*) FROM products WHERE {cond}"));
        let mut page = q(format!(
            "SELECT {COLUMNS} FROM products WHERE {cond} ORDER BY code, id \
             LIMIT ${first} OFFSET ${}",
            first + 1
        ));
        if let Some(p) = &pattern {
            count = count.bind(p.as_str());
            page = page.bind(p.as_str());
        }
        let (total,): (i64,) = self.db.one(count).await?;
        let rows = self
            .db
            .all(
                page.bind(filter.limit.clamp(1, MAX_PAGE))
                    .bind(filter.offset.max(0)),
            )
            .await?;
        Ok((rows, total))
    }
}
