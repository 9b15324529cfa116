//! Customers: create, read, update, delete with history, visibility by
//! role, tags, custom fields and search keys. Creating and changing one
//! (by hand or over the API) writes the `customer.created` and
//! `customer.updated` webhook events in the same transaction.

mod custom;
mod owner;
mod search_keys;
mod tags;
mod writes;

pub use custom::CustomValues;
pub(crate) use custom::{check_unique_custom, custom_expr};
pub(crate) use owner::{assign_owner, decide_owner, requested_owner};
pub(crate) use tags::tags_of;
pub(crate) use writes::{insert_customer, update_in};

use kehu_core::entry::{Patch, Stored};
use kehu_core::webhook::Event;
use kehu_core::{schema, Actor, CustomerId, Scope};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::{q, Backend, Tx};
use crate::time::Time;
use crate::vault::values::{hide_custom, open_custom};
use crate::vault::Vault;
use crate::webhooks::outbox;
use crate::write::{Change, Ctx, Table};
use crate::{now_ms, Error, Result, Store};

pub(crate) const CUSTOMERS: Table = Table {
    table: "customers",
    entity: "customer",
    specs: schema::CUSTOMER,
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Customer {
    pub id: i64,
    pub kind: String,
    pub name: String,
    /// ISO 3166-1 alpha-2; the mobile, phone, province and postal code
    /// follow its entry standards.
    pub country: String,
    pub company: Option<String>,
    pub title: Option<String>,
    /// `female`, `male` or `unknown`.
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// ISO 639 code of the preferred language.
    pub language: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub uscc: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<String>,
    pub website: Option<String>,
    pub stage: String,
    pub source: Option<String>,
    pub value_tier: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub external_id: Option<String>,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub custom: CustomValues,
    #[sqlx(skip)]
    pub tags: Vec<String>,
    pub verified_at: Option<Time>,
    pub verified_by: Option<i64>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    pub updated_by: Option<i64>,
}

impl Customer {
    /// A built-in field (schema::CUSTOMER) as stored; `None` when empty.
    pub fn field(&self, name: &str) -> Option<Stored> {
        let c = self;
        let text = |s: &Option<String>| s.clone().map(Stored::Text);
        match name {
            "kind" => Some(Stored::Text(c.kind.clone())),
            "name" => Some(Stored::Text(c.name.clone())),
            "country" => Some(Stored::Text(c.country.clone())),
            "company" => text(&c.company),
            "title" => text(&c.title),
            "gender" => text(&c.gender),
            "birth_date" => text(&c.birth_date),
            "language" => text(&c.language),
            "mobile" => text(&c.mobile),
            "phone" => text(&c.phone),
            "email" => text(&c.email),
            "uscc" => text(&c.uscc),
            "province" => text(&c.province),
            "city" => text(&c.city),
            "district" => text(&c.district),
            "address" => text(&c.address),
            "postal_code" => text(&c.postal_code),
            "industry" => text(&c.industry),
            "company_size" => text(&c.company_size),
            "website" => text(&c.website),
            "stage" => Some(Stored::Text(c.stage.clone())),
            "source" => text(&c.source),
            "value_tier" => text(&c.value_tier),
            "notes" => text(&c.notes),
            "owner_id" => c.owner_id.map(Stored::Int),
            "team_id" => c.team_id.map(Stored::Int),
            "external_id" => text(&c.external_id),
            _ => None,
        }
    }
}

pub(crate) const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "name",
    "country",
    "company",
    "title",
    "gender",
    "birth_date",
    "language",
    "mobile",
    "phone",
    "email",
    "uscc",
    "province",
    "city",
    "district",
    "address",
    "postal_code",
    "industry",
    "company_size",
    "website",
    "stage",
    "source",
    "value_tier",
    "notes",
    "owner_id",
    "team_id",
    "external_id",
    "custom",
    "verified_at",
    "verified_by",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// The SQL condition that limits `alias` (the customers table) to what the
/// scope may see. Ids are integers, so formatting them in is safe.
pub(crate) fn visible(scope: Scope, alias: &str) -> String {
    match scope {
        Scope::All => "1 = 1".to_owned(),
        Scope::Team(Some(team)) => {
            format!("({alias}.team_id = {team} OR {alias}.owner_id IS NULL)")
        }
        Scope::Team(None) => format!("{alias}.owner_id IS NULL"),
        Scope::Own(user) => format!("({alias}.owner_id = {user} OR {alias}.owner_id IS NULL)"),
    }
}

/// What a client sends to create or change a customer, already parsed.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub patch: Patch,
    pub tags: Option<Vec<String>>,
    pub custom: Option<Map<String, Value>>,
}

impl Store {
    pub async fn create_customer(&self, ctx: &Ctx, input: CustomerInput) -> Result<Customer> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let defs = self.field_defs().await?;
        let mut tx = self.db.begin().await?;
        let id = insert_customer(&mut tx, ctx, &defs, input).await?;
        tx.commit().await?;
        self.customer(&ctx.actor, CustomerId(id)).await
    }

    /// A customer the actor may see, as the actor may see it: contact
    /// details and sensitive fields masked where the actor's role or
    /// relation to the record does not entitle them to the full values
    /// (see [`crate::mask`]). Every read that leaves the store for a person
    /// to see goes through such a door; none hands out the values first
    /// and leaves masking to the caller.
    pub async fn customer(&self, actor: &Actor, id: CustomerId) -> Result<Customer> {
        let mut c = self.customer_unmasked(actor, id).await?;
        crate::mask::customer(actor, &self.field_definitions().await?, &mut c);
        Ok(c)
    }

    /// A customer the actor may see, every value as stored: for the
    /// store's own work on it (merging, checking, access checks), never
    /// for showing.
    pub(crate) async fn customer_unmasked(
        &self,
        actor: &Actor,
        id: CustomerId,
    ) -> Result<Customer> {
        let mut found: Option<Customer> = self
            .db
            .optional(
                q(format!(
                    "SELECT {} FROM customers c WHERE c.id = $1 AND c.deleted_at IS NULL AND {}",
                    columns("c"),
                    visible(actor.scope(), "c")
                ))
                .bind(id.get()),
            )
            .await?;
        if let Some(c) = found.as_mut() {
            reveal(self.vault(), actor, c)?;
            self.load_tags(std::slice::from_mut(c)).await?;
        }
        found.ok_or(Error::NotFound)
    }

    pub async fn update_customer(
        &self,
        ctx: &Ctx,
        id: CustomerId,
        input: CustomerInput,
        expected_version: Option<i64>,
    ) -> Result<Customer> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let defs = self.field_defs().await?;
        let mut tx = self.db.begin().await?;
        let changes = update_in(&mut tx, ctx, &defs, id, input, expected_version).await?;
        if !changes.is_empty() {
            outbox::emit_customer(&mut tx, Event::CustomerUpdated, id, &defs).await?;
        }
        tx.commit().await?;
        self.customer(&ctx.actor, id).await
    }

    /// Moves a customer to the bin; [`Store::restore_customer`] brings it
    /// back. Only those who may assign owners may delete.
    pub async fn delete_customer(&self, ctx: &Ctx, id: CustomerId) -> Result<()> {
        self.customer_unmasked(&ctx.actor, id).await?;
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        CUSTOMERS.delete(&mut tx, id.get(), ctx).await?;
        tx.commit().await
    }

    pub async fn restore_customer(&self, ctx: &Ctx, id: CustomerId) -> Result<Customer> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let (visible_deleted,): (i64,) = self
            .db
            .one(
                q(format!(
                    // An erased record is gone for good: nothing of it to restore.
                    "SELECT COUNT(*) FROM customers c WHERE c.id = $1 AND c.deleted_at IS NOT NULL \
                     AND c.erased_at IS NULL AND {}",
                    visible(ctx.actor.scope(), "c")
                ))
                .bind(id.get()),
            )
            .await?;
        if visible_deleted == 0 {
            return Err(Error::NotFound);
        }
        let mut tx = self.db.begin().await?;
        CUSTOMERS.restore(&mut tx, id.get(), ctx).await?;
        tx.commit().await?;
        self.customer(&ctx.actor, id).await
    }

    /// Stamps the customer as verified (核对) now, by the actor: the stale
    /// clock starts again and its open verification task is done.
    pub async fn verify_customer(&self, ctx: &Ctx, id: CustomerId) -> Result<Customer> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        locked(&mut tx, &ctx.actor, id).await?;
        tx.execute(
            q("UPDATE customers SET verified_at = $2, verified_by = $1, updated_at = $2, updated_by = $1, \
               version = version + 1 WHERE id = $3")
                .bind(ctx.by())
                .bind(now)
                .bind(id.get()),
        )
        .await?;
        let change = Change {
            field: "verified_at".into(),
            old: None,
            new: Some(Time(now).to_rfc3339()),
        };
        crate::write::write_history(&mut tx, "customer", id.get(), &[change], ctx, now).await?;
        crate::quality::complete_verification(&mut tx, ctx, id.get(), now).await?;
        tx.commit().await?;
        self.customer(&ctx.actor, id).await
    }

    /// The oldest visible customer whose `field` (mobile or email) is
    /// exactly `value` (already normalised).
    pub async fn find_customer_by(
        &self,
        actor: &Actor,
        field: &str,
        value: &str,
    ) -> Result<Customer> {
        let condition = match field {
            "mobile" => "c.mobile = $1",
            "email" => "lower(c.email) = lower($1)",
            _ => {
                return Err(Error::internal(format!(
                    "cannot look customers up by {field}"
                )))
            }
        };
        let id: Option<(i64,)> = self
            .db
            .optional(
                q(format!(
                    "SELECT c.id FROM customers c WHERE {condition} AND c.deleted_at IS NULL AND {} \
                     ORDER BY c.id LIMIT 1",
                    visible(actor.scope(), "c")
                ))
                .bind(value),
            )
            .await?;
        self.customer(actor, CustomerId(id.ok_or(Error::NotFound)?.0))
            .await
    }
}

/// A live customer the actor may see, read inside `tx` and, on
/// PostgreSQL, locked until it ends.
pub(crate) async fn locked(tx: &mut Tx, actor: &Actor, id: CustomerId) -> Result<Customer> {
    let lock = if tx.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let mut c: Customer = tx
        .optional(
            q(format!(
                "SELECT {} FROM customers c WHERE c.id = $1 AND c.deleted_at IS NULL AND {}{lock}",
                columns("c"),
                visible(actor.scope(), "c")
            ))
            .bind(id.get()),
        )
        .await?
        .ok_or(Error::NotFound)?;
    // Writers work on clear values; they are sealed again on the way out.
    open_custom(&tx.vault, &mut c.custom.0)?;
    Ok(c)
}

/// Opens a customer's sealed values for a reader entitled to them; for
/// one who would see them masked they are hidden without being opened.
pub(crate) fn reveal(vault: &Vault, actor: &Actor, c: &mut Customer) -> Result<()> {
    if actor.sees_contact_details(c.owner_id.map(kehu_core::UserId)) {
        open_custom(vault, &mut c.custom.0)
    } else {
        hide_custom(&mut c.custom.0);
        Ok(())
    }
}

pub(crate) fn columns(alias: &str) -> String {
    CUSTOMER_COLUMNS
        .iter()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) use kehu_core::search::sort_key;
