//! Customers: create, read, update, delete with history, visibility by
//! role, tags, custom fields and search keys. Creating and changing one
//! (by hand or over the API) writes the `customer.created` and
//! `customer.updated` webhook events in the same transaction.

use kehu_core::company::company_core;
use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::field::FieldDef;
use kehu_core::search::pinyin_of;
use kehu_core::webhook::Event;
use kehu_core::{schema, Actor, Code, CustomerId, Invalid, Scope};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::{q, Arg, Backend, Tx};
use crate::search::{terms, Searchable};
use crate::time::Time;
use crate::vault::values::{
    blind_match, hide_custom, index_custom, open_custom, seal_changes, seal_custom, text_of,
};
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

/// The text of a custom field inside the `custom` JSON column.
pub(crate) fn custom_expr(backend: Backend, alias: &str, key: &str) -> String {
    // Keys are checked by FieldKey::parse ([a-z][a-z0-9_]*), so they are
    // safe to place in SQL.
    match backend {
        Backend::Sqlite => format!("CAST(json_extract({alias}.custom, '$.{key}') AS TEXT)"),
        Backend::Postgres => format!("(({alias}.custom)::jsonb ->> '{key}')"),
    }
}

/// A record's custom-field values, stored as a JSON object in a TEXT column
/// on both backends.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct CustomValues(pub Map<String, Value>);

impl TryFrom<String> for CustomValues {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(CustomValues)
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

    /// A customer the actor may see.
    pub async fn customer(&self, actor: &Actor, id: CustomerId) -> Result<Customer> {
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
        self.customer(&ctx.actor, id).await?;
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

    /// Fills in the tags of the given customers with one query.
    pub(crate) async fn load_tags(&self, customers: &mut [Customer]) -> Result<()> {
        if customers.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = customers.iter().map(|c| c.id.to_string()).collect();
        let rows: Vec<(i64, String)> = self
            .db
            .all(q(format!(
                "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
                 WHERE ct.customer_id IN ({}) ORDER BY t.name",
                ids.join(", ")
            ))
            .once())
            .await?;
        for (id, tag) in rows {
            if let Some(c) = customers.iter_mut().find(|c| c.id == id) {
                c.tags.push(tag);
            }
        }
        Ok(())
    }
}

/// Applies a change to a live customer the actor may see, inside `tx`:
/// owner and team, fields, custom values and tags, each real change
/// recorded in history. Returns the changes; none when every value was
/// already as asked. The caller has checked that the actor may write.
pub(crate) async fn update_in(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[FieldDef],
    id: CustomerId,
    input: CustomerInput,
    expected_version: Option<i64>,
) -> Result<Vec<Change>> {
    let mut patch = input.patch;
    // Every decision below is made from the row as it is inside this
    // transaction (locked on PostgreSQL), not from an earlier read.
    let current = locked(tx, &ctx.actor, id).await?;
    crate::locale::check_move(&patch, &current)?;
    let mut extra = Vec::new();
    if patch.get("owner_id").is_some() || patch.get("team_id").is_some() {
        let (owner, team) = assign_owner(tx, &ctx.actor, &patch, Some(&current)).await?;
        extra.push(("owner_id", Kind::Id, owner.map(Stored::Int)));
        extra.push(("team_id", Kind::Id, team.map(Stored::Int)));
        patch
            .set
            .retain(|(n, _)| *n != "owner_id" && *n != "team_id");
    }
    if let Some(name) = patch.text("name") {
        extra.push((
            "sort_key",
            Kind::Text(0),
            Some(Stored::Text(sort_key(name))),
        ));
    }
    if let Some(company) = patch.get("company") {
        let core = company.as_ref().and_then(Stored::as_text).map(company_core);
        extra.push(("company_core", Kind::Text(0), core.map(Stored::Text)));
    }
    let mut changes = CUSTOMERS
        .update(tx, id.get(), &patch, extra, ctx, expected_version)
        .await?;
    if let Some(values) = input.custom {
        let merged = merge_custom(defs, &current.custom.0, &values)?;
        check_unique_custom(tx, defs, &merged, Some(id.get())).await?;
        let custom_changes = custom_changes(&current.custom.0, &merged);
        if !custom_changes.is_empty() {
            let now = now_ms();
            let vault = tx.vault.clone();
            let mut sealed = merged.clone();
            seal_custom(&vault, defs, &mut sealed)?;
            tx.execute(
                q(
                    "UPDATE customers SET custom = $1, updated_at = $2, updated_by = $3, \
                   version = version + 1 WHERE id = $4",
                )
                .bind(Value::Object(sealed).to_string())
                .bind(now)
                .bind(ctx.by())
                .bind(id.get()),
            )
            .await?;
            index_custom(tx, id.get(), defs, &merged).await?;
            let recorded = seal_changes(&vault, defs, &custom_changes)?;
            crate::write::write_history(tx, "customer", id.get(), &recorded, ctx, now).await?;
            changes.extend(custom_changes);
        }
    }
    if let Some(tags) = input.tags {
        if set_tags(tx, id.get(), &tags, ctx, true).await? {
            changes.push(Change {
                field: "tags".into(),
                old: None,
                new: None,
            });
        }
    }
    let searchable = ["name", "company", "mobile", "phone", "email"];
    if changes
        .iter()
        .any(|c| searchable.contains(&c.field.as_str()))
    {
        index_customer(tx, id.get()).await?;
    }
    Ok(changes)
}

/// Writes a new customer inside `tx`: owner and team as the actor may give
/// them, custom fields checked, tags and search keys written. Returns its id.
pub(crate) async fn insert_customer(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[kehu_core::field::FieldDef],
    input: CustomerInput,
) -> Result<i64> {
    let custom = kehu_core::field::validate_custom(defs, &input.custom.unwrap_or_default())?;
    let mut patch = input.patch;
    let (owner, team) = assign_owner(tx, &ctx.actor, &patch, None).await?;
    patch
        .set
        .retain(|(n, _)| *n != "owner_id" && *n != "team_id");
    check_unique_custom(tx, defs, &custom, None).await?;
    let name = patch.text("name").unwrap_or_default().to_owned();
    let company = patch.text("company").map(str::to_owned);
    let mut sealed = custom.clone();
    seal_custom(&tx.vault.clone(), defs, &mut sealed)?;
    let extra = vec![
        ("owner_id", Arg::from(owner)),
        ("team_id", Arg::from(team)),
        ("custom", Value::Object(sealed).to_string().into()),
        ("sort_key", sort_key(&name).into()),
        ("company_core", company.as_deref().map(company_core).into()),
    ];
    let id = CUSTOMERS.insert(tx, &patch, extra, ctx).await?;
    index_custom(tx, id, defs, &custom).await?;
    if let Some(tags) = input.tags {
        set_tags(tx, id, &tags, ctx, false).await?;
    }
    index_customer(tx, id).await?;
    outbox::emit_customer(tx, Event::CustomerCreated, CustomerId(id), defs).await?;
    Ok(id)
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

pub(crate) fn sort_key(name: &str) -> String {
    let pinyin = pinyin_of(name);
    if pinyin.is_empty() {
        kehu_core::text::match_key(name)
    } else {
        pinyin
    }
}

/// Decides owner and team for a new or changed customer. Sales reps,
/// service agents and marketers keep records they create; only managers
/// and admins hand records to others (or to the pool).
pub(crate) async fn assign_owner(
    tx: &mut Tx,
    actor: &Actor,
    patch: &Patch,
    current: Option<&Customer>,
) -> Result<(Option<i64>, Option<i64>)> {
    let current = current.map(|c| (c.owner_id, c.team_id));
    let requested = requested_owner(actor, patch, current);
    let owner_team = match requested {
        Some(owner) => {
            let row: Option<(Option<i64>,)> = tx
                .optional(q("SELECT team_id FROM users WHERE id = $1 AND active").bind(owner))
                .await?;
            row.map(|(team,)| team)
        }
        None => None,
    };
    if patch.get("team_id").is_some() && actor.is_admin() {
        crate::users::check_team(tx, patch.get("team_id")).await?;
    }
    Ok(decide_owner(actor, patch, current, requested, owner_team)?)
}

/// The owner a write asks for: the patch's, else the current one, else
/// the writer (kehu itself, user 0, owns nothing: it writes to the pool).
pub(crate) fn requested_owner(
    actor: &Actor,
    patch: &Patch,
    current: Option<(Option<i64>, Option<i64>)>,
) -> Option<i64> {
    let me = Some(actor.user_id.get()).filter(|id| *id > 0);
    match patch.get("owner_id") {
        Some(v) => v.as_ref().and_then(Stored::as_int),
        None => current.map_or(me, |(owner, _)| owner),
    }
}

/// [`assign_owner`]'s decision, given `current` (owner, team) and the team
/// of the requested owner (`None`: no such active user). A team in the
/// patch has been checked to exist.
pub(crate) fn decide_owner(
    actor: &Actor,
    patch: &Patch,
    current: Option<(Option<i64>, Option<i64>)>,
    requested: Option<i64>,
    owner_team: Option<Option<i64>>,
) -> Result<(Option<i64>, Option<i64>), Invalid> {
    let me = Some(actor.user_id.get()).filter(|id| *id > 0);
    let changes_owner = current.map_or(requested != me, |(owner, _)| owner != requested);
    if changes_owner && !actor.may_assign_owner() {
        return Err(Invalid::one("owner_id", Code::ReadOnly));
    }
    let mut team = match requested {
        Some(_) => owner_team.ok_or_else(|| Invalid::one("owner_id", Code::NotFound))?,
        None => current
            .and_then(|(_, team)| team)
            .or(actor.team_id.map(|t| t.get())),
    };
    if let Some(Some(Stored::Int(t))) = patch.get("team_id") {
        if !actor.is_admin() {
            return Err(Invalid::one("team_id", Code::ReadOnly));
        }
        team = Some(*t);
    }
    if let Scope::Team(mine) = actor.scope() {
        if requested.is_some() && team != mine.map(|t| t.get()) {
            // A manager hands records only within the team.
            return Err(Invalid::one("owner_id", Code::ReadOnly));
        }
    }
    Ok((requested, team))
}

/// Applies a custom-field patch to the stored values: keys present are set
/// (null clears), keys absent stay.
fn merge_custom(
    defs: &[FieldDef],
    current: &Map<String, Value>,
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    let mut merged = current.clone();
    let mut invalid = Invalid::default();
    for (key, value) in values {
        let field = format!("custom.{key}");
        match defs.iter().find(|d| d.key.as_str() == key) {
            None => invalid.push(field, Code::UnknownField),
            Some(def) => match def.validate(value) {
                Ok(Value::Null) => {
                    merged.remove(key);
                }
                Ok(v) => {
                    merged.insert(key.clone(), v);
                }
                Err(code) => invalid.push(field, code),
            },
        }
    }
    invalid.into_result().map(|()| merged)
}

fn custom_changes(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Change> {
    let text = |v: Option<&Value>| {
        v.map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| Change {
            field: format!("custom.{k}"),
            old: text(old.get(k)),
            new: text(new.get(k)),
        })
        .collect()
}

/// The database cannot index inside JSON portably, so custom fields marked
/// unique are checked here, inside the writing transaction.
pub(crate) async fn check_unique_custom(
    tx: &mut Tx,
    defs: &[FieldDef],
    custom: &Map<String, Value>,
    except: Option<i64>,
) -> Result<()> {
    let mut invalid = Invalid::default();
    for def in defs.iter().filter(|d| d.rules.unique) {
        let Some(value) = custom.get(def.key.as_str()) else {
            continue;
        };
        let Some(text) = text_of(value) else {
            continue;
        };
        // A sensitive value is sealed with a fresh nonce each time: equal
        // values are found by their blind index, never by decrypting.
        let select = "SELECT c.id FROM customers c WHERE c.deleted_at IS NULL AND c.id <> $1 AND";
        let query = if def.sensitive {
            let blind = blind_match(&tx.vault, "c", def.key.as_str(), &text)?;
            q(format!("{select} {blind} LIMIT 1")).bind(except.unwrap_or(0))
        } else {
            let expr = custom_expr(tx.backend(), "c", def.key.as_str());
            q(format!("{select} {expr} = $2 LIMIT 1"))
                .bind(except.unwrap_or(0))
                .bind(text)
        };
        let found: Option<(i64,)> = tx.optional(query).await?;
        if found.is_some() {
            invalid.push(format!("custom.{}", def.key.as_str()), Code::NotUnique);
        }
    }
    invalid.into_result().map_err(Error::from)
}

/// A customer's tag names, sorted in Rust's order (the database's
/// collation may differ).
pub(crate) async fn tags_of(tx: &mut Tx, id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .all(
            q(
                "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
               WHERE ct.customer_id = $1",
            )
            .bind(id),
        )
        .await?;
    let mut tags: Vec<String> = rows.into_iter().map(|(n,)| n).collect();
    tags.sort();
    Ok(tags)
}

/// Replaces a customer's tags, creating tags that do not exist yet.
/// Returns whether anything changed.
async fn set_tags(
    tx: &mut Tx,
    id: i64,
    names: &[String],
    ctx: &Ctx,
    bump_version: bool,
) -> Result<bool> {
    let mut wanted = Vec::new();
    for name in names {
        let name = match crate::tags::tag_name(name) {
            Ok(name) => name,
            Err(Code::Required) => continue,
            Err(code) => return Err(Invalid::one("tags", code).into()),
        };
        if !wanted.contains(&name) {
            wanted.push(name);
        }
    }
    if wanted.len() > 100 {
        return Err(Invalid::one("tags", Code::TooLong { max: 100 }).into());
    }
    wanted.sort();
    let old = tags_of(tx, id).await?;
    if old == wanted {
        return Ok(false);
    }
    let now = now_ms();
    tx.execute(q("DELETE FROM customer_tags WHERE customer_id = $1").bind(id))
        .await?;
    for name in &wanted {
        tx.execute(
            q("INSERT INTO tags (name, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(now),
        )
        .await?;
        tx.execute(
            q("INSERT INTO customer_tags (customer_id, tag_id) SELECT $1, id FROM tags WHERE name = $2")
                .bind(id)
                .bind(name),
        )
        .await?;
    }
    let change = Change {
        field: "tags".into(),
        old: Some(old.join(", ")).filter(|s| !s.is_empty()),
        new: Some(wanted.join(", ")).filter(|s| !s.is_empty()),
    };
    crate::write::write_history(tx, "customer", id, &[change], ctx, now).await?;
    if !bump_version {
        return Ok(true);
    }
    tx.execute(
        q("UPDATE customers SET updated_at = $1, updated_by = $2, version = version + 1 WHERE id = $3")
            .bind(now)
            .bind(ctx.by())
            .bind(id),
    )
    .await?;
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct SearchFields {
    name: String,
    company: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Rewrites a customer's search keys from its stored fields.
pub(crate) async fn index_customer(tx: &mut Tx, id: i64) -> Result<()> {
    let f: SearchFields = tx
        .one(q("SELECT name, company, mobile, phone, email FROM customers WHERE id = $1").bind(id))
        .await?;
    tx.execute(q("DELETE FROM customer_search WHERE customer_id = $1").bind(id))
        .await?;
    let keys = terms(&Searchable {
        name: &f.name,
        company: f.company.as_deref(),
        mobile: f.mobile.as_deref(),
        phone: f.phone.as_deref(),
        email: f.email.as_deref(),
    });
    insert_terms(tx, keys.iter().map(|k| (k.as_str(), id))).await
}

/// Inserts search keys.
pub(crate) async fn insert_terms<'a>(
    tx: &mut Tx,
    rows: impl Iterator<Item = (&'a str, i64)>,
) -> Result<()> {
    let rows = rows
        .flat_map(|(term, id)| [term.into(), id.into()])
        .collect();
    tx.insert_rows("customer_search", &["term", "customer_id"], rows, true)
        .await
}
