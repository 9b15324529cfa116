//! Signing in: the password, then a second factor for those who have one,
//! behind limits an attacker cannot turn against an account's owner.
//!
//! Failures are counted per client address and per address and account
//! over a sliding window, in the database so that every kehu process sees
//! the same counts. Someone spraying one password over many accounts hits
//! the per-address limit, someone guessing one account's password the
//! per-account one; the owner signing in from their own address is held
//! back by neither. An attempt refused by a limit is not recorded, so
//! hammering a locked door does not keep it locked: it opens when the
//! oldest counted failure leaves the window.

use kehu_core::UserId;

use crate::auth::{open_session, secret_hash, verify_password};
use crate::db::{q, Tx};
use crate::two_factor::{self, use_second_factor, Enrolment};
use crate::users::User;
use crate::{Error, Result, Store};

/// How long the second step of a page sign-in may take.
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;

/// How many failures are allowed, and over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures for one account from one address.
    pub per_account: i64,
    /// Failures from one address, whatever the accounts (an office behind
    /// one address shares it, so it is higher).
    pub per_address: i64,
    pub window_ms: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_account: 5,
            per_address: 20,
            window_ms: 15 * 60 * 1000,
        }
    }
}

/// One sign-in attempt as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address (behind trusted proxies, the visitor's).
    pub address: &'a str,
    /// A TOTP or recovery code, when the client sent one.
    pub code: Option<&'a str>,
    /// Open a challenge for a second step (pages) rather than expect the
    /// code with the password (the API).
    pub challenge: bool,
    pub now: i64,
}

#[derive(Debug)]
pub enum Outcome {
    SignedIn {
        user: User,
        /// The session secret for the cookie.
        session: String,
        /// Set when this sign-in finished an enrolment: shown once.
        recovery_codes: Vec<String>,
    },
    /// The password was right; a code is needed. The challenge (when asked
    /// for) carries the second step.
    NeedsCode { challenge: Option<String> },
    /// The policy requires a second factor this user has not set up; the
    /// challenge's second step enrols them.
    NeedsSetup {
        challenge: Option<String>,
        /// The new secret to show, with the challenge.
        enrolment: Option<Enrolment>,
    },
}

fn clean_email(email: &str) -> String {
    // No address is longer than 254 characters; a longer one is wrong, but
    // must not be stored whole.
    kehu_core::text::clean(email)
        .to_lowercase()
        .chars()
        .take(254)
        .collect()
}

/// Counts a failure before the secret is checked, so that parallel
/// guesses are counted too; it is taken back if the attempt succeeds.
/// Refuses (and records nothing) when a limit is already reached.
async fn count_attempt(
    store: &Store,
    limits: &Limits,
    address: &str,
    email: &str,
    now: i64,
) -> Result<i64> {
    let since = now - limits.window_ms;
    let mut tx = store.db.begin().await?;
    // Old rows are useless: the table never holds more than a window.
    tx.execute(q("DELETE FROM login_failures WHERE at <= $1").bind(since))
        .await?;
    let id = tx
        .insert(
            q("INSERT INTO login_failures (address, email, at) VALUES ($1, $2, $3) RETURNING id")
                .bind(address)
                .bind(email)
                .bind(now),
        )
        .await?;
    let mut retry_at = None;
    for (per_account, limit) in [(true, limits.per_account), (false, limits.per_address)] {
        if let Some(at) =
            blocked_until(&mut tx, per_account, limit, address, email, id, since).await?
        {
            retry_at = retry_at.max(Some(at + limits.window_ms));
        }
    }
    if let Some(retry_at) = retry_at {
        tx.execute(q("DELETE FROM login_failures WHERE id = $1").bind(id))
            .await?;
        tx.commit().await?;
        let retry_after_s = ((retry_at - now + 999) / 1000).max(1);
        tracing::warn!(
            email,
            address,
            retry_after_s,
            "sign-in refused: too many failures"
        );
        return Err(Error::Throttled { retry_after_s });
    }
    tx.commit().await?;
    Ok(id)
}

/// When a limit is reached (not counting the attempt `own`), the time of
/// the failure whose leaving the window lets the next attempt in.
async fn blocked_until(
    tx: &mut Tx,
    per_account: bool,
    limit: i64,
    address: &str,
    email: &str,
    own: i64,
    since: i64,
) -> Result<Option<i64>> {
    // Per account: this address and email; per address: every email.
    let email = per_account.then_some(email);
    let filter = "address = $1 AND ($2 IS NULL OR email = $2) AND at > $3 AND id <> $4";
    let (n,): (i64,) = tx
        .one(
            q(format!(
                "SELECT COUNT(*) FROM login_failures WHERE {filter}"
            ))
            .bind(address)
            .bind(email)
            .bind(since)
            .bind(own),
        )
        .await?;
    if n < limit {
        return Ok(None);
    }
    let (at,): (i64,) = tx
        .one(
            q(format!(
                "SELECT at FROM login_failures WHERE {filter} ORDER BY at LIMIT 1 OFFSET $5"
            ))
            .bind(address)
            .bind(email)
            .bind(since)
            .bind(own)
            .bind(n - limit),
        )
        .await?;
    Ok(Some(at))
}

async fn forget_attempt(store: &Store, id: i64) -> Result<()> {
    store
        .db
        .execute(q("DELETE FROM login_failures WHERE id = $1").bind(id))
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: i64,
    role: String,
    password_hash: Option<String>,
    active: bool,
    two_factor: bool,
}

impl Store {
    /// Checks an attempt's password (and code) and opens a session, or
    /// says what the second step needs.
    pub async fn sign_in(&self, attempt: &Attempt<'_>, limits: &Limits) -> Result<Outcome> {
        let email = clean_email(attempt.email);
        let address = attempt.address;
        let counted = count_attempt(self, limits, address, &email, attempt.now).await?;
        let found: Option<Credentials> = self
            .db
            .optional(
                q("SELECT id, role, password_hash, active, totp_enabled_at IS NOT NULL AS two_factor \
                   FROM users WHERE email = $1")
                .bind(&email),
            )
            .await?;
        let ok = match &found {
            Some(c) if c.active => match &c.password_hash {
                Some(hash) => verify_password(attempt.password, hash).await,
                None => false,
            },
            _ => {
                // Spend the same time as a real check so timing does not tell
                // which addresses have accounts.
                let _ = crate::auth::hash_password(attempt.password).await;
                false
            }
        };
        let Some(user) = found.filter(|_| ok) else {
            tracing::warn!(email, address, "sign-in failed: wrong email or password");
            return Err(Error::BadCredentials);
        };
        let id = UserId(user.id);
        let mut tx = self.db.begin().await?;
        let required = two_factor::policy(&mut tx).await?.requires(&user.role);
        if user.two_factor {
            match attempt.code {
                Some(code) => {
                    if !use_second_factor(&mut tx, id, code, attempt.now).await? {
                        tx.commit().await?;
                        tracing::warn!(email, address, "sign-in failed: wrong second-factor code");
                        return Err(Error::WrongCode);
                    }
                }
                None => {
                    let challenge = self.challenge(&mut tx, attempt, id).await?;
                    tx.commit().await?;
                    forget_attempt(self, counted).await?;
                    return Ok(Outcome::NeedsCode { challenge });
                }
            }
        } else if required {
            let challenge = self.challenge(&mut tx, attempt, id).await?;
            let enrolment = match challenge {
                Some(_) => Some(two_factor::begin(&mut tx, id).await?),
                None => None,
            };
            tx.commit().await?;
            forget_attempt(self, counted).await?;
            return Ok(Outcome::NeedsSetup {
                challenge,
                enrolment,
            });
        }
        let session = open_session(&mut tx, id, attempt.now).await?;
        succeed(&mut tx, address, &email).await?;
        tx.commit().await?;
        Ok(Outcome::SignedIn {
            user: self.user(id).await?,
            session,
            recovery_codes: Vec::new(),
        })
    }

    async fn challenge(
        &self,
        tx: &mut Tx,
        attempt: &Attempt<'_>,
        user: UserId,
    ) -> Result<Option<String>> {
        if !attempt.challenge {
            return Ok(None);
        }
        let secret = crate::auth::new_secret("");
        tx.execute(q("DELETE FROM sign_in_challenges WHERE expires_at < $1").bind(attempt.now))
            .await?;
        tx.execute(
            q(
                "INSERT INTO sign_in_challenges (token_hash, user_id, address, expires_at) \
               VALUES ($1, $2, $3, $4)",
            )
            .bind(secret_hash(&secret))
            .bind(user.get())
            .bind(attempt.address)
            .bind(attempt.now + CHALLENGE_TTL_MS),
        )
        .await?;
        Ok(Some(secret))
    }

    /// The user a page sign-in's second step belongs to, while it is open
    /// and asked from the address the password came from.
    pub async fn challenge_user(&self, challenge: &str, address: &str, now: i64) -> Result<User> {
        let (id,): (i64,) = self
            .db
            .optional(
                q("SELECT user_id FROM sign_in_challenges \
                   WHERE token_hash = $1 AND address = $2 AND expires_at > $3")
                .bind(secret_hash(challenge))
                .bind(address)
                .bind(now),
            )
            .await?
            .ok_or(Error::NotFound)?;
        self.user(UserId(id)).await
    }

    /// The second step of a page sign-in: the code for the challenge, or,
    /// for a user the policy makes enrol, the first code of their new
    /// secret (then the recovery codes come back with the session).
    pub async fn finish_sign_in(
        &self,
        challenge: &str,
        code: &str,
        address: &str,
        now: i64,
        limits: &Limits,
    ) -> Result<Outcome> {
        let user = self.challenge_user(challenge, address, now).await?;
        let id = UserId(user.id);
        count_attempt(self, limits, address, &user.email, now).await?;
        let mut tx = self.db.begin().await?;
        let recovery_codes = if user.two_factor {
            if !use_second_factor(&mut tx, id, code, now).await? {
                tx.commit().await?;
                tracing::warn!(
                    email = user.email,
                    address,
                    "sign-in failed: wrong second-factor code"
                );
                return Err(Error::WrongCode);
            }
            Vec::new()
        } else {
            match two_factor::confirm(&mut tx, id, code, now).await {
                Ok(codes) => codes,
                Err(e) => {
                    drop(tx);
                    tracing::warn!(
                        email = user.email,
                        address,
                        "sign-in failed: wrong code while enrolling"
                    );
                    return Err(e);
                }
            }
        };
        tx.execute(
            q("DELETE FROM sign_in_challenges WHERE token_hash = $1").bind(secret_hash(challenge)),
        )
        .await?;
        let session = open_session(&mut tx, id, now).await?;
        succeed(&mut tx, address, &user.email).await?;
        tx.commit().await?;
        Ok(Outcome::SignedIn {
            user: self.user(id).await?,
            session,
            recovery_codes,
        })
    }
}

/// A complete sign-in forgets this account's failures from this address
/// (the owner's typos), never the address's failures on other accounts.
async fn succeed(tx: &mut Tx, address: &str, email: &str) -> Result<()> {
    tx.execute(
        q("DELETE FROM login_failures WHERE address = $1 AND email = $2")
            .bind(address)
            .bind(email),
    )
    .await?;
    Ok(())
}
