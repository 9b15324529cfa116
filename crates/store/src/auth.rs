//! Signing in: argon2id passwords, database-held sessions (so any kehu
//! process can serve any request) and API tokens. Session and token secrets
//! are random, shown once, and stored only as SHA-256 hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kehu_core::UserId;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::{q, Tx};
use crate::time::Time;
use crate::users::{User, USER_COLUMNS};
use crate::{now_ms, Error, Result, Store};

/// How long a browser session lasts without being renewed.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Token use is stamped at most this often, so reads stay reads.
const LAST_USED_GRANULARITY_MS: i64 = 60 * 1000;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: Time,
    pub last_used_at: Option<Time>,
    pub revoked_at: Option<Time>,
}

/// A fresh random secret with a recognisable prefix.
pub(crate) fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes off the async threads: argon2 is slow on purpose.
pub(crate) async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))?
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A random password for the first administrator.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[derive(sqlx::FromRow)]
struct Credentials {
    password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TokenUser {
    #[sqlx(flatten)]
    user: User,
    token_id: i64,
    last_used_at: Option<i64>,
    two_factor_policy: String,
}

/// Opens a session for `user` and returns its secret, for the cookie.
pub(crate) async fn open_session(tx: &mut Tx, user: UserId, now: i64) -> Result<String> {
    let secret = new_secret("");
    tx.execute(
        q("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(secret_hash(&secret))
            .bind(user.get())
            .bind(now)
            .bind(now + SESSION_TTL_MS),
    )
    .await?;
    tx.execute(q("DELETE FROM sessions WHERE expires_at < $1").bind(now))
        .await?;
    Ok(secret)
}

impl Store {
    /// Whether `password` is the user's current password.
    pub async fn check_password(&self, user: UserId, password: &str) -> Result<bool> {
        let found: Option<Credentials> = self
            .db
            .optional(q("SELECT password_hash FROM users WHERE id = $1").bind(user.get()))
            .await?;
        Ok(match found.and_then(|c| c.password_hash) {
            Some(hash) => verify_password(password, &hash).await,
            None => false,
        })
    }

    /// The active user a session cookie belongs to, if it is still valid.
    pub async fn session_user(&self, secret: &str) -> Result<Option<User>> {
        self.db
            .optional(
                q(format!(
                    "SELECT {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id \
                     WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 AND users.active"
                ))
                .bind(secret_hash(secret))
                .bind(now_ms()),
            )
            .await
    }

    pub async fn logout(&self, secret: &str) -> Result<()> {
        self.db
            .execute(q("DELETE FROM sessions WHERE token_hash = $1").bind(secret_hash(secret)))
            .await?;
        Ok(())
    }

    /// Creates an API token for `user` and returns it with its secret,
    /// which is never shown again.
    pub async fn create_token(&self, user: UserId, name: &str) -> Result<(ApiToken, String)> {
        let secret = new_secret("kehu_");
        let name = kehu_core::text::clean(name);
        let name = if name.is_empty() {
            "api".to_owned()
        } else {
            name.chars().take(100).collect()
        };
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
                   RETURNING id")
                .bind(user.get())
                .bind(name)
                .bind(secret_hash(&secret))
                .bind(now_ms()),
            )
            .await?;
        tx.commit().await?;
        let token = self
            .db
            .one(q("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE id = $1").bind(id))
            .await?;
        Ok((token, secret))
    }

    pub async fn tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.db
            .all(
                q("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                   WHERE user_id = $1 ORDER BY id")
                .bind(user.get()),
            )
            .await
    }

    pub async fn revoke_token(&self, user: UserId, id: i64) -> Result<()> {
        let n = self
            .db
            .execute(
                q("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                    .bind(now_ms())
                    .bind(id)
                    .bind(user.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// The active user an API token belongs to, if it is not revoked, with
    /// the two-factor policy in force (read in the same query: every API
    /// request asks both).
    pub async fn token_user(
        &self,
        secret: &str,
    ) -> Result<Option<(User, crate::two_factor::Policy)>> {
        let found: Option<TokenUser> = self
            .db
            .optional(
                q(format!(
                    "SELECT {USER_COLUMNS}, api_tokens.id AS token_id, api_tokens.last_used_at, \
                     (SELECT two_factor FROM security_settings WHERE id = 1) AS two_factor_policy \
                     FROM api_tokens JOIN users ON users.id = api_tokens.user_id \
                     WHERE api_tokens.token_hash = $1 AND api_tokens.revoked_at IS NULL AND users.active"
                ))
                .bind(secret_hash(secret)),
            )
            .await?;
        let Some(found) = found else { return Ok(None) };
        let now = now_ms();
        if found
            .last_used_at
            .is_none_or(|t| now - t > LAST_USED_GRANULARITY_MS)
        {
            self.db
                .execute(
                    q("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(found.token_id),
                )
                .await?;
        }
        let policy = crate::two_factor::parse_policy(&found.two_factor_policy)?;
        Ok(Some((found.user, policy)))
    }
}
