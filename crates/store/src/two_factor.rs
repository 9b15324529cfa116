//! Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238, the
//! codes authenticator apps show) and one-time recovery codes, optional for
//! every user and required by the administrators' policy for some roles.

use kehu_core::{Role, UserId};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};
use utoipa::ToSchema;

use crate::db::{q, Tx};
use crate::write::Ctx;
use crate::{Error, Result, Store};

/// How many recovery codes a user gets when they enrol.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "kehu";

/// Who must use two-factor sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
// Named apart from the import's `Policy` in the OpenAPI document, where
// two schemas of one name would replace each other.
#[schema(as = TwoFactorPolicy)]
pub enum Policy {
    /// Nobody must; everyone may.
    Optional,
    /// Administrators must.
    Admins,
    Everyone,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Optional, Policy::Admins, Policy::Everyone];

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Optional => "optional",
            Policy::Admins => "admins",
            Policy::Everyone => "everyone",
        }
    }

    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether a user with `role` must sign in with a second factor.
    pub fn requires(self, role: &str) -> bool {
        match self {
            Policy::Optional => false,
            Policy::Admins => Role::parse(role) == Ok(Role::Admin),
            Policy::Everyone => true,
        }
    }
}

/// A secret waiting for its first code, as an authenticator app takes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    /// Base32, for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for a QR code.
    pub otpauth_uri: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub enabled: bool,
    /// The administrators' policy requires it of this user.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// What TOTP secrets are sealed for (see [`crate::vault::Secret`]): they
/// are stored sealed in `users.totp_secret`, and the vault's sweeps bring
/// them under a new key when keys rotate.
pub(crate) const SECRET_PURPOSE: &str = "totp";

fn totp(secret_b32: &str, email: &str) -> Result<Totp> {
    let bytes = Secret::try_from_base32(secret_b32)
        .map_err(|e| Error::internal(format!("stored TOTP secret unreadable: {e:?}")))?;
    Builder::new()
        .with_secret(bytes)
        .with_account_name(email)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| Error::internal(format!("TOTP setup failed: {e:?}")))
}

/// Digits and letters as people type them: spaces and dashes dropped,
/// lower case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .take(64)
        .collect()
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise(code).as_bytes()))
}

/// Ten random characters shown as `xxxxx-xxxxx` (about 50 bits).
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

#[derive(sqlx::FromRow)]
struct TotpRow {
    email: String,
    role: String,
    totp_secret: Option<String>,
    totp_enabled_at: Option<i64>,
    totp_last_step: Option<i64>,
}

/// The user's two-factor state, the secret opened.
async fn totp_row(tx: &mut Tx, user: UserId) -> Result<TotpRow> {
    let mut row: TotpRow = tx
        .one(
            q("SELECT email, role, totp_secret, totp_enabled_at, totp_last_step FROM users WHERE id = $1")
                .bind(user.get()),
        )
        .await?;
    if let Some(stored) = &row.totp_secret {
        row.totp_secret = Some(crate::vault::Secret::open(
            &tx.vault,
            SECRET_PURPOSE,
            stored,
        )?);
    }
    Ok(row)
}

/// Whether `code` is the user's current TOTP code (never one already used)
/// or one of their unused recovery codes, which is then spent.
pub(crate) async fn use_second_factor(
    tx: &mut Tx,
    user: UserId,
    code: &str,
    now_ms: i64,
) -> Result<bool> {
    let row = totp_row(tx, user).await?;
    let (Some(secret), Some(_)) = (&row.totp_secret, row.totp_enabled_at) else {
        return Ok(false);
    };
    let code = normalise(code);
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        return accept_totp(tx, user, &row, secret, &code, now_ms).await;
    }
    let spent = tx
        .execute(
            q("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
                .bind(user.get())
                .bind(code_hash(&code)),
        )
        .await?;
    if spent > 0 {
        tracing::info!(user = user.get(), "recovery code used to sign in");
    }
    Ok(spent > 0)
}

/// Checks a TOTP code and remembers its time step, so it works only once.
async fn accept_totp(
    tx: &mut Tx,
    user: UserId,
    row: &TotpRow,
    secret: &str,
    code: &str,
    now_ms: i64,
) -> Result<bool> {
    let now_s = u64::try_from(now_ms / 1000).unwrap_or_default();
    let Some(step) = totp(secret, &row.email)?.check(code, now_s) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if row.totp_last_step.is_some_and(|last| step <= last) {
        return Ok(false);
    }
    tx.execute(
        q("UPDATE users SET totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(user.get()),
    )
    .await?;
    Ok(true)
}

/// Starts (or restarts) an enrolment: a new secret waiting for its first
/// code.
pub(crate) async fn begin(tx: &mut Tx, user: UserId) -> Result<Enrolment> {
    let row = totp_row(tx, user).await?;
    if row.totp_enabled_at.is_some() {
        return Err(Error::Conflict("two_factor_enabled"));
    }
    let mut bytes = vec![0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    let secret = Secret::from(bytes).to_base32();
    let sealed = crate::vault::Secret::seal(&tx.vault, SECRET_PURPOSE, &secret)?;
    tx.execute(
        q("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
            .bind(sealed)
            .bind(user.get()),
    )
    .await?;
    enrolment(&secret, &row.email)
}

fn enrolment(secret: &str, email: &str) -> Result<Enrolment> {
    let otpauth_uri = totp(secret, email)?
        .to_url()
        .map_err(|e| Error::internal(format!("otpauth URI: {e:?}")))?;
    Ok(Enrolment {
        secret: secret.to_owned(),
        otpauth_uri,
    })
}

/// Turns two-factor sign-in on when `code` matches the waiting secret, and
/// returns the recovery codes (shown once; only hashes are kept).
pub(crate) async fn confirm(
    tx: &mut Tx,
    user: UserId,
    code: &str,
    now_ms: i64,
) -> Result<Vec<String>> {
    let row = totp_row(tx, user).await?;
    if row.totp_enabled_at.is_some() {
        return Err(Error::Conflict("two_factor_enabled"));
    }
    let Some(secret) = &row.totp_secret else {
        return Err(Error::Conflict("two_factor_not_started"));
    };
    if !accept_totp(tx, user, &row, secret, &normalise(code), now_ms).await? {
        return Err(Error::WrongCode);
    }
    tx.execute(
        q("UPDATE users SET totp_enabled_at = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(user.get()),
    )
    .await?;
    tx.execute(q("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.get()))
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for code in &codes {
        tx.execute(
            q("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
                .bind(user.get())
                .bind(code_hash(code))
                .bind(now_ms),
        )
        .await?;
    }
    tracing::info!(user = user.get(), "two-factor sign-in enabled");
    Ok(codes)
}

pub(crate) async fn policy(tx: &mut Tx) -> Result<Policy> {
    let (p,): (String,) = tx
        .one(q("SELECT two_factor FROM security_settings WHERE id = 1"))
        .await?;
    parse_policy(&p)
}

pub(crate) fn parse_policy(p: &str) -> Result<Policy> {
    Policy::parse(p).ok_or_else(|| Error::internal(format!("unknown policy {p:?}")))
}

impl Store {
    /// The policy in force. A plain read, outside any transaction: every
    /// request made with an API token asks it, and on SQLite a transaction
    /// takes the write lock (`BEGIN IMMEDIATE`), which would queue every
    /// such request behind every write.
    pub async fn two_factor_policy(&self) -> Result<Policy> {
        let (p,): (String,) = self
            .db
            .one(q("SELECT two_factor FROM security_settings WHERE id = 1"))
            .await?;
        parse_policy(&p)
    }

    /// Administrators only.
    pub async fn set_two_factor_policy(&self, ctx: &Ctx, policy: Policy) -> Result<()> {
        crate::admin_only(&ctx.actor)?;
        self.db
            .execute(
                q("UPDATE security_settings SET two_factor = $1, updated_at = $2 WHERE id = 1")
                    .bind(policy.as_str())
                    .bind(crate::now_ms()),
            )
            .await?;
        tracing::info!(
            by = ctx.actor.user_id.get(),
            policy = policy.as_str(),
            "two-factor policy changed"
        );
        Ok(())
    }

    pub async fn two_factor_status(&self, user: UserId) -> Result<Status> {
        let mut tx = self.db.begin().await?;
        let row = totp_row(&mut tx, user).await?;
        let (left,): (i64,) = tx
            .one(q("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1").bind(user.get()))
            .await?;
        let required = policy(&mut tx).await?.requires(&row.role);
        tx.commit().await?;
        Ok(Status {
            enabled: row.totp_enabled_at.is_some(),
            required,
            recovery_codes_left: left,
        })
    }

    /// A new secret for `user` to add to their app; confirmed by
    /// [`Store::confirm_two_factor`].
    pub async fn begin_two_factor(&self, user: UserId) -> Result<Enrolment> {
        let mut tx = self.db.begin().await?;
        let enrolment = begin(&mut tx, user).await?;
        tx.commit().await?;
        Ok(enrolment)
    }

    /// The enrolment waiting for its first code, if one is.
    pub async fn pending_two_factor(&self, user: UserId) -> Result<Option<Enrolment>> {
        let mut tx = self.db.begin().await?;
        let row = totp_row(&mut tx, user).await?;
        tx.commit().await?;
        match (row.totp_secret, row.totp_enabled_at) {
            (Some(secret), None) => Ok(Some(enrolment(&secret, &row.email)?)),
            _ => Ok(None),
        }
    }

    pub async fn confirm_two_factor(&self, user: UserId, code: &str) -> Result<Vec<String>> {
        let mut tx = self.db.begin().await?;
        let codes = confirm(&mut tx, user, code, crate::now_ms()).await;
        // A refused code changes nothing; the transaction is dropped.
        let codes = codes?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Turns two-factor sign-in off. It takes a current code (or a recovery
    /// code), so a session left open cannot remove it, and the policy may
    /// forbid it.
    pub async fn disable_two_factor(&self, user: UserId, code: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let row = totp_row(&mut tx, user).await?;
        if row.totp_enabled_at.is_none() {
            return Err(Error::Conflict("two_factor_not_enabled"));
        }
        if policy(&mut tx).await?.requires(&row.role) {
            return Err(Error::Conflict("two_factor_required"));
        }
        if !use_second_factor(&mut tx, user, code, crate::now_ms()).await? {
            return Err(Error::WrongCode);
        }
        tx.execute(
            q("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL \
               WHERE id = $1")
            .bind(user.get()),
        )
        .await?;
        tx.execute(q("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.get()))
            .await?;
        tx.commit().await?;
        tracing::info!(user = user.get(), "two-factor sign-in disabled");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_who_must_use_a_second_factor() {
        assert!(!Policy::Optional.requires("admin"));
        assert!(Policy::Admins.requires("admin"));
        assert!(!Policy::Admins.requires("sales"));
        assert!(Policy::Everyone.requires("viewer"));
        assert_eq!(Policy::parse("admins"), Some(Policy::Admins));
        assert_eq!(Policy::parse("all"), None);
    }

    #[test]
    fn recovery_codes_compare_as_typed_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            code_hash(&code),
            code_hash(&code.replace('-', " ").to_uppercase())
        );
    }
}
