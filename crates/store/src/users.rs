//! Users and teams. Users are written only by admins (checked here, so no
//! route can forget) and every change to one is kept in history.

use kehu_core::entry::{Mode, Patch, Stored};
use kehu_core::{schema, Actor, Code, Invalid, Lang, Role, TeamId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::hash_password;
use crate::db::q;
use crate::time::Time;
use crate::write::{Ctx, Table};
use crate::{Error, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub team_id: Option<i64>,
    pub active: bool,
    pub lang: Option<String>,
    /// Signs in with a second factor (TOTP).
    pub two_factor: bool,
    pub created_at: Time,
    pub updated_at: Time,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: UserId(self.id),
            // The CHECK constraint keeps roles valid; fall back to the least
            // privileged one rather than fail if it ever is not.
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
            team_id: self.team_id.map(TeamId),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub created_at: Time,
    pub updated_at: Time,
}

pub(crate) const USER_COLUMNS: &str =
    "users.id, users.email, users.name, users.role, users.team_id, users.active, users.lang, \
     users.totp_enabled_at IS NOT NULL AS two_factor, users.created_at, users.updated_at";

const USERS: Table = Table {
    table: "users",
    entity: "user",
    specs: schema::USER,
};

/// Sign-in names compare without case.
fn email_key(patch: &mut Patch) {
    for (name, value) in &mut patch.set {
        if *name == "email" {
            if let Some(Stored::Text(s)) = value {
                *s = s.to_lowercase();
            }
        }
    }
}

fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < schema::PASSWORD_MIN {
        return Err(Invalid::one(
            "password",
            Code::TooShort {
                min: schema::PASSWORD_MIN,
            },
        ));
    }
    if n > schema::PASSWORD_MAX {
        return Err(Invalid::one(
            "password",
            Code::TooLong {
                max: schema::PASSWORD_MAX,
            },
        ));
    }
    Ok(())
}

impl Store {
    /// Creates a user. `ctx` is `None` only when the command line creates
    /// the first administrator.
    pub async fn create_user(
        &self,
        ctx: Option<&Ctx>,
        mut patch: Patch,
        password: Option<&str>,
    ) -> Result<User> {
        if let Some(ctx) = ctx {
            crate::admin_only(&ctx.actor)?;
        }
        email_key(&mut patch);
        let hash = match password {
            Some(p) => {
                check_password(p)?;
                Some(hash_password(p).await?)
            }
            None => None,
        };
        let mut tx = self.db.begin().await?;
        check_team(&mut tx, patch.get("team_id")).await?;
        let system = Ctx::system(kehu_core::ChangeSource::Api);
        let ctx = ctx.unwrap_or(&system);
        let id = USERS
            .insert(&mut tx, &patch, vec![("password_hash", hash.into())], ctx)
            .await?;
        tx.commit().await?;
        self.user(UserId(id)).await
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        self.db
            .optional(q(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id.get()))
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        self.db
            .optional(
                q(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
                    .bind(email.trim().to_lowercase()),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        self.db
            .all(q(format!("SELECT {USER_COLUMNS} FROM users ORDER BY id")))
            .await
    }

    pub async fn count_users(&self) -> Result<i64> {
        let (n,): (i64,) = self.db.one(q("SELECT COUNT(*) FROM users")).await?;
        Ok(n)
    }

    /// Updates a user; deactivating one ends their sessions at once.
    pub async fn update_user(&self, ctx: &Ctx, id: UserId, mut patch: Patch) -> Result<User> {
        crate::admin_only(&ctx.actor)?;
        email_key(&mut patch);
        if id == ctx.actor.user_id
            && (patch.get("active") == Some(&Some(Stored::Bool(false)))
                || patch.text("role").is_some_and(|r| r != "admin"))
        {
            // An admin locking themselves out leaves nobody to undo it.
            return Err(Invalid::one("role", Code::ReadOnly).into());
        }
        let mut tx = self.db.begin().await?;
        check_team(&mut tx, patch.get("team_id")).await?;
        let changes = USERS
            .update(&mut tx, id.get(), &patch, vec![], ctx, None)
            .await?;
        if changes.iter().any(|c| c.field == "team_id") {
            // A rep's customers follow them to the new team, so the new
            // manager sees them and the old one no longer does.
            tx.execute(
                q(
                    "UPDATE customers SET team_id = (SELECT team_id FROM users WHERE id = $1) \
                   WHERE owner_id = $1 AND deleted_at IS NULL",
                )
                .bind(id.get()),
            )
            .await?;
        }
        if patch.get("active") == Some(&Some(Stored::Bool(false))) {
            tx.execute(q("DELETE FROM sessions WHERE user_id = $1").bind(id.get()))
                .await?;
        }
        tx.commit().await?;
        self.user(id).await
    }

    /// Remembers the language a user reads kehu in. A display preference,
    /// so no history is kept.
    pub async fn set_own_lang(&self, user: UserId, lang: Lang) -> Result<()> {
        let n = self
            .db
            .execute(
                q("UPDATE users SET lang = $1, updated_at = $2 WHERE id = $3")
                    .bind(lang.tag())
                    .bind(crate::now_ms())
                    .bind(user.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// Changes the actor's own display name (`None` clears it), with
    /// history like any change to a user.
    pub async fn set_own_name(&self, ctx: &Ctx, name: Option<&str>) -> Result<User> {
        let object = serde_json::json!({ "name": name });
        let patch = kehu_core::entry::parse_object(
            object.as_object().expect("an object literal"),
            schema::USER,
            &[],
            Mode::Update,
        )?;
        let id = ctx.actor.user_id;
        let mut tx = self.db.begin().await?;
        USERS
            .update(&mut tx, id.get(), &patch, vec![], ctx, None)
            .await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub async fn set_password(&self, ctx: Option<&Ctx>, id: UserId, password: &str) -> Result<()> {
        if let Some(ctx) = ctx {
            if ctx.actor.user_id != id {
                crate::admin_only(&ctx.actor)?;
            }
        }
        check_password(password)?;
        let hash = hash_password(password).await?;
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                q("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                    .bind(hash)
                    .bind(crate::now_ms())
                    .bind(id.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        // A new password signs out every browser that knew the old one.
        tx.execute(q("DELETE FROM sessions WHERE user_id = $1").bind(id.get()))
            .await?;
        tx.commit().await
    }

    pub async fn create_team(&self, ctx: &Ctx, name: &str) -> Result<Team> {
        crate::admin_only(&ctx.actor)?;
        let name = parse_team_name(name)?;
        let now = crate::now_ms();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO teams (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id")
                    .bind(name)
                    .bind(now),
            )
            .await?;
        tx.commit().await?;
        self.team(TeamId(id)).await
    }

    pub async fn team(&self, id: TeamId) -> Result<Team> {
        self.db
            .optional(
                q("SELECT id, name, created_at, updated_at FROM teams WHERE id = $1")
                    .bind(id.get()),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn teams(&self) -> Result<Vec<Team>> {
        self.db
            .all(q(
                "SELECT id, name, created_at, updated_at FROM teams ORDER BY name",
            ))
            .await
    }

    pub async fn rename_team(&self, ctx: &Ctx, id: TeamId, name: &str) -> Result<Team> {
        crate::admin_only(&ctx.actor)?;
        let name = parse_team_name(name)?;
        let n = self
            .db
            .execute(
                q("UPDATE teams SET name = $1, updated_at = $2 WHERE id = $3")
                    .bind(name)
                    .bind(crate::now_ms())
                    .bind(id.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        self.team(id).await
    }

    /// Deletes a team nobody belongs to and no record is assigned to.
    pub async fn delete_team(&self, ctx: &Ctx, id: TeamId) -> Result<()> {
        crate::admin_only(&ctx.actor)?;
        let mut tx = self.db.begin().await?;
        let (members,): (i64,) = tx
            .one(
                q("SELECT (SELECT COUNT(*) FROM users WHERE team_id = $1) + \
                   (SELECT COUNT(*) FROM (SELECT 1 FROM customers WHERE team_id = $1 LIMIT 1) t)")
                .bind(id.get()),
            )
            .await?;
        if members > 0 {
            return Err(Error::Conflict("team_in_use"));
        }
        let n = tx
            .execute(q("DELETE FROM teams WHERE id = $1").bind(id.get()))
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await
    }
}

fn parse_team_name(name: &str) -> Result<String, Invalid> {
    let object = serde_json::json!({ "name": name });
    let patch = kehu_core::entry::parse_object(
        object.as_object().expect("an object literal"),
        schema::TEAM,
        &[],
        Mode::Create,
    )?;
    Ok(patch.text("name").unwrap_or_default().to_owned())
}

/// A team a patch refers to must exist; a missing one is a field error.
pub(crate) async fn check_team(
    tx: &mut crate::db::Tx,
    team: Option<&Option<Stored>>,
) -> Result<()> {
    if let Some(Some(Stored::Int(team))) = team {
        let found: Option<(i64,)> = tx
            .optional(q("SELECT id FROM teams WHERE id = $1").bind(*team))
            .await?;
        if found.is_none() {
            return Err(Invalid::one("team_id", Code::NotFound).into());
        }
    }
    Ok(())
}
