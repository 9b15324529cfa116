//! Contacts, interactions (跟进记录) and tasks: records that hang off a
//! customer and are visible exactly when their customer is.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{
    schema, Actor, Code, ContactId, CustomerId, InteractionId, Invalid, Scope, TaskId,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::{visible, Customer};
use crate::db::{q, Arg, Row, Tx};
use crate::time::Time;
use crate::write::{Ctx, Table};
use crate::{now_ms, Error, Result, Store};

pub(crate) const CONTACTS: Table = Table {
    table: "contacts",
    entity: "contact",
    specs: schema::CONTACT,
};
const INTERACTIONS: Table = Table {
    table: "interactions",
    entity: "interaction",
    specs: schema::INTERACTION,
};
const TASKS: Table = Table {
    table: "tasks",
    entity: "task",
    specs: schema::TASK,
};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    /// ISO 3166-1 alpha-2; the customer's unless given.
    pub country: String,
    pub title: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub language: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    pub updated_by: Option<i64>,
}

pub(crate) const CONTACT_COLUMNS: &str = "x.id, x.customer_id, x.name, x.country, x.title, x.gender, \
    x.birth_date, x.language, x.mobile, x.phone, x.email, x.notes, x.is_primary, x.version, x.created_at, x.created_by, x.updated_at, x.updated_by";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Interaction {
    pub id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub channel: String,
    pub content: String,
    pub occurred_at: Time,
    pub next_step: Option<String>,
    pub next_step_at: Option<Time>,
    /// The task created for the next step, if there is one.
    pub task_id: Option<i64>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    pub updated_by: Option<i64>,
}

const INTERACTION_COLUMNS: &str = "x.id, x.customer_id, x.contact_id, x.channel, x.content, \
    x.occurred_at, x.next_step, x.next_step_at, \
    (SELECT MIN(t.id) FROM tasks t WHERE t.interaction_id = x.id AND t.deleted_at IS NULL) AS task_id, \
    x.version, x.created_at, x.created_by, x.updated_at, x.updated_by";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Task {
    pub id: i64,
    pub customer_id: Option<i64>,
    pub interaction_id: Option<i64>,
    pub title: String,
    pub notes: Option<String>,
    pub due_at: Time,
    pub remind_at: Option<Time>,
    pub assignee_id: Option<i64>,
    pub status: String,
    pub completed_at: Option<Time>,
    /// `verify`: a verification task the stale-record sweep gave the owner
    /// (marking the customer verified completes it); `None` for tasks
    /// people create.
    pub purpose: Option<String>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    pub updated_by: Option<i64>,
}

const TASK_COLUMNS: &str = "x.id, x.customer_id, x.interaction_id, x.title, x.notes, x.due_at, \
    x.remind_at, x.assignee_id, x.status, x.completed_at, x.purpose, x.version, x.created_at, \
    x.created_by, x.updated_at, x.updated_by";

/// Records of `table` (aliased `x`) whose customer the actor may see.
fn through_customer(table: &str, columns: &str, actor: &Actor, condition: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} x JOIN customers c ON c.id = x.customer_id \
         WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {} AND {condition}",
        visible(actor.scope(), "c")
    )
}

/// Tasks the actor may see: their own, and those of customers they see.
fn visible_tasks(actor: &Actor, condition: &str) -> String {
    let me = actor.user_id.get();
    let scope = match actor.scope() {
        Scope::All => "1 = 1".to_owned(),
        scope => format!(
            "(x.assignee_id = {me} OR x.created_by = {me} OR (c.id IS NOT NULL AND c.deleted_at IS NULL AND {}))",
            visible(scope, "c")
        ),
    };
    format!(
        "SELECT {TASK_COLUMNS} FROM tasks x LEFT JOIN customers c ON c.id = x.customer_id \
         WHERE x.deleted_at IS NULL AND {scope} AND {condition}"
    )
}

fn writer(ctx: &Ctx) -> Result<()> {
    if ctx.actor.may_write_records() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// An id given in a patch, if any.
fn id_in(patch: &Patch, field: &str) -> Option<i64> {
    patch.get(field)?.as_ref()?.as_int()
}

/// A customer id the actor may attach records to; a hidden or missing one
/// is reported under `field` as not found.
async fn check_customer(store: &Store, actor: &Actor, id: i64, field: &str) -> Result<()> {
    match store.customer_unmasked(actor, CustomerId(id)).await {
        Ok(_) => Ok(()),
        Err(Error::NotFound) => Err(Invalid::one(field, Code::NotFound).into()),
        Err(e) => Err(e),
    }
}

fn read_only(patch: &Patch, field: &'static str) -> Result<()> {
    if patch.get(field).is_some() {
        return Err(Invalid::one(field, Code::ReadOnly).into());
    }
    Ok(())
}

impl Store {
    async fn one_of<T: Row>(&self, sql: String, id: i64) -> Result<T> {
        self.db
            .optional(q(sql).bind(id))
            .await?
            .ok_or(Error::NotFound)
    }

    // ----- contacts -----

    pub async fn create_contact(&self, ctx: &Ctx, patch: Patch) -> Result<Contact> {
        writer(ctx)?;
        let customer = id_in(&patch, "customer_id").unwrap_or_default();
        check_customer(self, &ctx.actor, customer, "customer_id").await?;
        let mut tx = self.db.begin().await?;
        let id = CONTACTS.insert(&mut tx, &patch, vec![], ctx).await?;
        tx.commit().await?;
        self.contact(&ctx.actor, ContactId(id)).await
    }

    /// A contact of a customer the actor may see, masked like its
    /// customer (see [`Store::customer`]).
    pub async fn contact(&self, actor: &Actor, id: ContactId) -> Result<Contact> {
        let mut c = self.contact_unmasked(actor, id).await?;
        let (owner,): (Option<i64>,) = self
            .db
            .one(q("SELECT owner_id FROM customers WHERE id = $1").bind(c.customer_id))
            .await?;
        crate::mask::contact(actor, owner, &mut c);
        Ok(c)
    }

    /// A contact the actor may see, every value as stored: for access
    /// checks and the store's own work, never for showing.
    pub(crate) async fn contact_unmasked(&self, actor: &Actor, id: ContactId) -> Result<Contact> {
        self.one_of(
            through_customer("contacts", CONTACT_COLUMNS, actor, "x.id = $1"),
            id.get(),
        )
        .await
    }

    /// The contacts of a customer the actor has read, and so may see,
    /// masked like it.
    pub async fn contacts_of(&self, actor: &Actor, customer: &Customer) -> Result<Vec<Contact>> {
        let mut rows: Vec<Contact> = self
            .db
            .all(
                q(format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts x WHERE x.customer_id = $1 \
                     AND x.deleted_at IS NULL ORDER BY x.is_primary DESC, x.id"
                ))
                .bind(customer.id),
            )
            .await?;
        for c in &mut rows {
            crate::mask::contact(actor, customer.owner_id, c);
        }
        Ok(rows)
    }

    pub async fn update_contact(
        &self,
        ctx: &Ctx,
        id: ContactId,
        patch: Patch,
        version: Option<i64>,
    ) -> Result<Contact> {
        writer(ctx)?;
        read_only(&patch, "customer_id")?;
        self.contact_unmasked(&ctx.actor, id).await?;
        let mut tx = self.db.begin().await?;
        CONTACTS
            .update(&mut tx, id.get(), &patch, vec![], ctx, version)
            .await?;
        tx.commit().await?;
        self.contact(&ctx.actor, id).await
    }

    pub async fn delete_contact(&self, ctx: &Ctx, id: ContactId) -> Result<()> {
        writer(ctx)?;
        self.contact(&ctx.actor, id).await?;
        let mut tx = self.db.begin().await?;
        CONTACTS.delete(&mut tx, id.get(), ctx).await?;
        tx.commit().await
    }

    // ----- interactions -----

    /// Records a follow-up. A next step with a date becomes a task for the
    /// author, in the same transaction.
    pub async fn create_interaction(&self, ctx: &Ctx, mut patch: Patch) -> Result<Interaction> {
        writer(ctx)?;
        let customer = id_in(&patch, "customer_id").unwrap_or_default();
        check_customer(self, &ctx.actor, customer, "customer_id").await?;
        let mut tx = self.db.begin().await?;
        if let Some(contact) = id_in(&patch, "contact_id") {
            check_contact_of(&mut tx, contact, customer).await?;
        }
        if patch.get("occurred_at").and_then(Option::as_ref).is_none() {
            patch.set.retain(|(n, _)| *n != "occurred_at");
            patch.set.push(("occurred_at", Some(Stored::Int(now_ms()))));
        }
        let id = INTERACTIONS.insert(&mut tx, &patch, vec![], ctx).await?;
        if let Some(due) = id_in(&patch, "next_step_at") {
            let title = patch
                .text("next_step")
                .map(str::to_owned)
                .unwrap_or_else(|| summary(patch.text("content").unwrap_or_default()));
            let task = Patch {
                set: vec![
                    ("customer_id", Some(Stored::Int(customer))),
                    ("title", Some(Stored::Text(title))),
                    ("due_at", Some(Stored::Int(due))),
                    ("assignee_id", Some(Stored::Int(ctx.actor.user_id.get()))),
                ],
            };
            TASKS
                .insert(&mut tx, &task, vec![("interaction_id", Arg::from(id))], ctx)
                .await?;
        }
        tx.commit().await?;
        self.interaction(&ctx.actor, InteractionId(id)).await
    }

    pub async fn interaction(&self, actor: &Actor, id: InteractionId) -> Result<Interaction> {
        self.one_of(
            through_customer("interactions", INTERACTION_COLUMNS, actor, "x.id = $1"),
            id.get(),
        )
        .await
    }

    /// The follow-ups of a customer the caller has read, newest first.
    pub async fn interactions_of(&self, customer: &Customer) -> Result<Vec<Interaction>> {
        self.db
            .all(
                q(format!(
                    "SELECT {INTERACTION_COLUMNS} FROM interactions x WHERE x.customer_id = $1 \
                     AND x.deleted_at IS NULL ORDER BY x.occurred_at DESC, x.id DESC LIMIT 500"
                ))
                .bind(customer.id),
            )
            .await
    }

    pub async fn update_interaction(
        &self,
        ctx: &Ctx,
        id: InteractionId,
        patch: Patch,
        version: Option<i64>,
    ) -> Result<Interaction> {
        writer(ctx)?;
        read_only(&patch, "customer_id")?;
        let current = self.interaction(&ctx.actor, id).await?;
        let mut tx = self.db.begin().await?;
        if let Some(contact) = id_in(&patch, "contact_id") {
            check_contact_of(&mut tx, contact, current.customer_id).await?;
        }
        INTERACTIONS
            .update(&mut tx, id.get(), &patch, vec![], ctx, version)
            .await?;
        tx.commit().await?;
        self.interaction(&ctx.actor, id).await
    }

    pub async fn delete_interaction(&self, ctx: &Ctx, id: InteractionId) -> Result<()> {
        writer(ctx)?;
        self.interaction(&ctx.actor, id).await?;
        let mut tx = self.db.begin().await?;
        INTERACTIONS.delete(&mut tx, id.get(), ctx).await?;
        tx.commit().await
    }

    // ----- tasks -----

    pub async fn create_task(&self, ctx: &Ctx, mut patch: Patch) -> Result<Task> {
        writer(ctx)?;
        if let Some(customer) = id_in(&patch, "customer_id") {
            check_customer(self, &ctx.actor, customer, "customer_id").await?;
        }
        let me = ctx.actor.user_id.get();
        match id_in(&patch, "assignee_id") {
            None => {
                patch.set.retain(|(n, _)| *n != "assignee_id");
                patch.set.push(("assignee_id", Some(Stored::Int(me))));
            }
            Some(other) if other != me => self.check_assignee(ctx, other).await?,
            Some(_) => {}
        }
        let done = patch.text("status") == Some("done");
        let mut tx = self.db.begin().await?;
        let extra = if done {
            vec![("completed_at", Arg::from(now_ms()))]
        } else {
            vec![]
        };
        let id = TASKS.insert(&mut tx, &patch, extra, ctx).await?;
        tx.commit().await?;
        self.task(&ctx.actor, TaskId(id)).await
    }

    async fn check_assignee(&self, ctx: &Ctx, user: i64) -> Result<()> {
        if !ctx.actor.may_assign_owner() {
            return Err(Invalid::one("assignee_id", Code::ReadOnly).into());
        }
        let found: Option<(i64,)> = self
            .db
            .optional(q("SELECT id FROM users WHERE id = $1 AND active").bind(user))
            .await?;
        found
            .map(|_| ())
            .ok_or_else(|| Invalid::one("assignee_id", Code::NotFound).into())
    }

    pub async fn task(&self, actor: &Actor, id: TaskId) -> Result<Task> {
        self.one_of(visible_tasks(actor, "x.id = $1"), id.get())
            .await
    }

    /// Tasks assigned to `assignee` (the actor's own by default), by due
    /// date; `status` narrows to open, done or cancelled.
    pub async fn tasks(
        &self,
        actor: &Actor,
        assignee: Option<i64>,
        status: Option<&str>,
        customer: Option<CustomerId>,
        limit: i64,
    ) -> Result<Vec<Task>> {
        let mut condition = String::from("1 = 1");
        let mut args: Vec<Arg> = Vec::new();
        if let Some(customer) = customer {
            args.push(customer.get().into());
            condition.push_str(&format!(" AND x.customer_id = ${}", args.len()));
        } else {
            args.push(assignee.unwrap_or(actor.user_id.get()).into());
            condition.push_str(&format!(" AND x.assignee_id = ${}", args.len()));
        }
        if let Some(status) = status {
            args.push(status.into());
            condition.push_str(&format!(" AND x.status = ${}", args.len()));
        }
        args.push(limit.clamp(1, 500).into());
        let mut stmt = q(format!(
            "{} ORDER BY x.due_at, x.id LIMIT ${}",
            visible_tasks(actor, &condition),
            args.len()
        ));
        for arg in args {
            stmt = stmt.bind(arg);
        }
        self.db.all(stmt).await
    }

    pub async fn update_task(
        &self,
        ctx: &Ctx,
        id: TaskId,
        mut patch: Patch,
        version: Option<i64>,
    ) -> Result<Task> {
        writer(ctx)?;
        let current = self.task(&ctx.actor, id).await?;
        if let Some(customer) = id_in(&patch, "customer_id") {
            check_customer(self, &ctx.actor, customer, "customer_id").await?;
        }
        if let Some(assignee) = id_in(&patch, "assignee_id") {
            if Some(assignee) != current.assignee_id {
                self.check_assignee(ctx, assignee).await?;
            }
        }
        if patch.get("title") == Some(&None) || patch.get("due_at") == Some(&None) {
            return Err(Invalid::one("title", Code::Required).into());
        }
        let mut extra = Vec::new();
        if let Some(status) = patch.text("status") {
            let completed = (status == "done").then(|| Stored::Int(now_ms()));
            if (status == "done") != (current.status == "done") {
                extra.push(("completed_at", Kind::DateTime, completed));
            }
        }
        patch.set.retain(|(n, _)| *n != "completed_at");
        let mut tx = self.db.begin().await?;
        TASKS
            .update(&mut tx, id.get(), &patch, extra, ctx, version)
            .await?;
        tx.commit().await?;
        self.task(&ctx.actor, id).await
    }

    pub async fn delete_task(&self, ctx: &Ctx, id: TaskId) -> Result<()> {
        writer(ctx)?;
        self.task(&ctx.actor, id).await?;
        let mut tx = self.db.begin().await?;
        TASKS.delete(&mut tx, id.get(), ctx).await?;
        tx.commit().await
    }
}

async fn check_contact_of(tx: &mut Tx, contact: i64, customer: i64) -> Result<()> {
    let found: Option<(i64,)> = tx
        .optional(
            q("SELECT id FROM contacts WHERE id = $1 AND customer_id = $2 AND deleted_at IS NULL")
                .bind(contact)
                .bind(customer),
        )
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| Invalid::one("contact_id", Code::NotFound).into())
}

/// A task title from what was said, when no next step was written.
fn summary(content: &str) -> String {
    let mut s: String = content.chars().take(60).collect();
    if content.chars().count() > 60 {
        s.push('…');
    }
    s
}
