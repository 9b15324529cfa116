//! Whole-value lookups (查号): finding a record by a full mobile number or
//! email address that the user sees masked on it. A rep taking a call
//! needs this; but each lookup also says whether a guessed value exists,
//! so trying the 10,000 candidates behind 139****2222 would reveal the
//! number. Lookups are therefore counted per user in the database (every
//! process on one database shares the count), refused beyond an
//! administrator's limits, written to the access log, and users with
//! bursts of them are listed for administrators.
//!
//! Fragments of a masked value never match at all (see `list/query.rs`); only
//! whole values come here.

use kehu_core::country::Country;
use kehu_core::email::Email;
use kehu_core::phone::Mobile;
use kehu_core::{Actor, Code, Invalid};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::q;
use crate::{admin_only, now_ms, Error, Result, Store};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;
/// No limit above this: it would be no limit at all.
const MAX_LIMIT: i64 = 100_000;

/// The limits in force. The day is the last 24 hours, the minute the last
/// 60 seconds: sliding windows, so no burst fits across a boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct LookupLimits {
    pub per_minute: i64,
    pub per_day: i64,
    /// More lookups than this in an hour lists a user for administrators.
    pub burst_per_hour: i64,
}

impl Default for LookupLimits {
    fn default() -> LookupLimits {
        // A rep answering calls looks up a few numbers an hour; a script
        // guessing four hidden digits needs thousands.
        LookupLimits {
            per_minute: 30,
            per_day: 300,
            burst_per_hour: 60,
        }
    }
}

impl LookupLimits {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for (field, value) in [
            ("per_minute", self.per_minute),
            ("per_day", self.per_day),
            ("burst_per_hour", self.burst_per_hour),
        ] {
            if value < 1 {
                invalid.push(field, Code::BelowMin { min: "1".into() });
            } else if value > MAX_LIMIT {
                invalid.push(
                    field,
                    Code::AboveMax {
                        max: MAX_LIMIT.to_string(),
                    },
                );
            }
        }
        invalid.into_result()
    }
}

/// Which limit refused a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupWindow {
    Minute,
    Day,
}

/// A whole value, normalised as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WholeValue {
    Mobile(String),
    /// Lower-cased, as emails are matched.
    Email(String),
}

impl WholeValue {
    /// A search key (as [`kehu_core::search::ranges`] makes them) that is a
    /// whole mobile number or email address.
    pub fn of_key(key: &str) -> Option<WholeValue> {
        if key.contains('@') {
            Email::parse(key)
                .ok()
                .map(|e| WholeValue::Email(e.match_key()))
        } else if !key.is_empty() && key.chars().all(|c| c.is_ascii_digit()) {
            // A mainland mobile, or any country's written with its country
            // code (`61414089598` for +61 414 089 598), as it is stored.
            Mobile::parse(key)
                .ok()
                .map(|m| m.as_str().to_owned())
                .or_else(|| {
                    (8..=15).contains(&key.len()).then(|| {
                        kehu_core::phone::mobile_in(Country::CN, &format!("+{key}")).ok()
                    })?
                })
                .map(WholeValue::Mobile)
        } else {
            None
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            WholeValue::Mobile(_) => "mobile",
            WholeValue::Email(_) => "email",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            WholeValue::Mobile(v) | WholeValue::Email(v) => v,
        }
    }

    /// How it is written to the access log: masked, so the log does not
    /// become a second copy of the numbers (nor of guesses that missed).
    fn logged(&self) -> String {
        let masked = match self {
            WholeValue::Mobile(v) => crate::mask::phone(v),
            WholeValue::Email(v) => crate::mask::email(v),
        };
        format!("{}={masked}", self.field())
    }

    /// A short hash: enough to tell one value from another in a day's
    /// lookups, not meant to keep the value secret from the database.
    fn key(&self) -> String {
        let digest = Sha256::digest(format!("{}:{}", self.field(), self.value()));
        hex::encode(&digest[..8])
    }
}

/// Whether whole-value lookups by this actor are counted: those who see
/// some values masked (viewers everywhere, reps and others in the shared
/// pool). Managers and administrators see every value they can reach.
pub fn counted(actor: &Actor) -> bool {
    !actor.sees_contact_details(None)
}

/// A user with many lookups lately, for administrators.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LookupBurst {
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// Values looked up in the last hour.
    pub last_hour: i64,
    /// Values looked up in the last 24 hours.
    pub last_day: i64,
    /// Times the limits refused them in the last 24 hours (at most one a
    /// minute is recorded).
    pub refused: i64,
    pub last_at: crate::time::Time,
}

/// A lookup allowed and counted: [`Store::log_lookup`] writes it to the
/// access log once its hits are known.
#[derive(Debug)]
#[must_use]
pub struct Counted(String);

impl Store {
    /// The limits in force: the administrator's, else the defaults.
    pub async fn lookup_limits(&self) -> Result<LookupLimits> {
        Ok(self
            .db
            .optional(q(
                "SELECT per_minute, per_day, burst_per_hour FROM lookup_settings WHERE id = 1",
            ))
            .await?
            .unwrap_or_default())
    }

    /// Sets the limits (administrators only).
    pub async fn set_lookup_limits(&self, actor: &Actor, limits: LookupLimits) -> Result<()> {
        admin_only(actor)?;
        limits.check()?;
        self.db
            .execute(
                q("INSERT INTO lookup_settings (id, per_minute, per_day, burst_per_hour, updated_by, updated_at) \
                   VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET per_minute = $1, \
                   per_day = $2, burst_per_hour = $3, updated_by = $4, updated_at = $5")
                .bind(limits.per_minute)
                .bind(limits.per_day)
                .bind(limits.burst_per_hour)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    /// Counts a whole-value lookup by `actor`, before it runs. `Ok(None)`:
    /// not counted (the actor sees every value in full, or looked this
    /// value up within the day); `Ok(Some(_))`: counted, to be logged;
    /// [`Error::TooManyLookups`] beyond the limits.
    pub async fn count_lookup(&self, actor: &Actor, value: &WholeValue) -> Result<Option<Counted>> {
        if !counted(actor) {
            return Ok(None);
        }
        let user = actor.user_id.get();
        let now = now_ms();
        let key = value.key();
        self.db
            .execute(q("DELETE FROM lookup_keys WHERE at <= $1").bind(now - DAY_MS))
            .await?;
        // The row goes in first and the count follows, so processes racing
        // on one database can only refuse each other, never let more
        // through than the limit.
        let fresh = self
            .db
            .execute(
                q(
                    "INSERT INTO lookup_keys (user_id, key, at) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id, key) DO NOTHING",
                )
                .bind(user)
                .bind(&key)
                .bind(now),
            )
            .await?;
        if fresh == 0 {
            return Ok(None);
        }
        let Some(window) = self.over_limit(user, now, 0).await? else {
            return Ok(Some(Counted(value.logged())));
        };
        self.db
            .execute(
                q("DELETE FROM lookup_keys WHERE user_id = $1 AND key = $2")
                    .bind(user)
                    .bind(&key),
            )
            .await?;
        self.log_refusal(actor, value, now).await?;
        Err(Error::TooManyLookups(window))
    }

    /// The window whose limit `user`'s lookups exceed, counting `spare`
    /// more than are recorded.
    async fn over_limit(&self, user: i64, now: i64, spare: i64) -> Result<Option<LookupWindow>> {
        let limits = self.lookup_limits().await?;
        let (minute, day): (i64, i64) = self
            .db
            .one(
                q("SELECT CAST(COALESCE(SUM(CASE WHEN at > $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                   CAST(COUNT(*) AS BIGINT) FROM lookup_keys WHERE user_id = $1 AND at > $3")
                .bind(user)
                .bind(now - MINUTE_MS)
                .bind(now - DAY_MS),
            )
            .await?;
        Ok(if minute + spare > limits.per_minute {
            Some(LookupWindow::Minute)
        } else if day + spare > limits.per_day {
            Some(LookupWindow::Day)
        } else {
            None
        })
    }

    /// Refuses work that will look whole values up (an import's chunk) when
    /// the actor has no lookup left; the refusal is logged as a lookup's
    /// is. The work then charges what it found with [`charge_in`], so one
    /// chunk may go past the limit by the records it finds, no further.
    pub(crate) async fn lookups_left(&self, actor: &Actor, what: &str) -> Result<()> {
        if !counted(actor) {
            return Ok(());
        }
        let now = now_ms();
        let Some(window) = self.over_limit(actor.user_id.get(), now, 1).await? else {
            return Ok(());
        };
        self.log_refusal_of(actor, what, now).await?;
        Err(Error::TooManyLookups(window))
    }

    /// Records a refusal, at most one a minute per user: a script
    /// hammering the limit must not fill the log.
    async fn log_refusal(&self, actor: &Actor, value: &WholeValue, now: i64) -> Result<()> {
        self.log_refusal_of(actor, &value.logged(), now).await
    }

    async fn log_refusal_of(&self, actor: &Actor, what: &str, now: i64) -> Result<()> {
        let user = actor.user_id.get();
        let recent: Option<(i64,)> = self
            .db
            .optional(
                q("SELECT id FROM access_log WHERE actor_id = $1 AND at > $2 \
                   AND action = 'lookup_refused' LIMIT 1")
                .bind(user)
                .bind(now - MINUTE_MS),
            )
            .await?;
        if recent.is_none() {
            self.write_access(actor, "lookup_refused", "customers", what, None, 0)
                .await?;
        }
        Ok(())
    }

    /// Writes a counted lookup to the access log with how many records it
    /// found, and where it was made (`search`, `lookup`, `check`).
    pub async fn log_lookup(
        &self,
        actor: &Actor,
        counted: Counted,
        via: &str,
        hits: i64,
    ) -> Result<()> {
        self.write_access(actor, "lookup", "customers", &counted.0, Some(via), hits)
            .await
    }

    /// The customer with exactly this mobile number or email address among
    /// those the actor may see: a counted lookup, like a search by it.
    pub async fn lookup_customer(
        &self,
        actor: &Actor,
        value: &WholeValue,
    ) -> Result<crate::customers::Customer> {
        let counted = self.count_lookup(actor, value).await?;
        let found = self
            .find_customer_by(actor, value.field(), value.value())
            .await;
        if let Some(counted) = counted {
            let hits = i64::from(found.is_ok());
            self.log_lookup(actor, counted, "lookup", hits).await?;
        }
        found
    }

    /// Users who made more lookups in the last hour than the burst
    /// threshold, or whom the limits refused in the last day; most
    /// lookups first. Administrators only.
    pub async fn lookup_bursts(&self, actor: &Actor) -> Result<Vec<LookupBurst>> {
        admin_only(actor)?;
        let limits = self.lookup_limits().await?;
        let now = now_ms();
        self.db
            .all(
                q("SELECT * FROM (SELECT l.actor_id AS user_id, MAX(COALESCE(u.name, u.email)) AS user_name, \
                   CAST(SUM(CASE WHEN l.action = 'lookup' AND l.at > $1 THEN 1 ELSE 0 END) AS BIGINT) AS last_hour, \
                   CAST(SUM(CASE WHEN l.action = 'lookup' THEN 1 ELSE 0 END) AS BIGINT) AS last_day, \
                   CAST(SUM(CASE WHEN l.action = 'lookup_refused' THEN 1 ELSE 0 END) AS BIGINT) AS refused, \
                   MAX(l.at) AS last_at \
                   FROM access_log l LEFT JOIN users u ON u.id = l.actor_id \
                   WHERE l.at > $2 AND l.action IN ('lookup', 'lookup_refused') \
                   GROUP BY l.actor_id) b \
                   WHERE b.last_hour > $3 OR b.refused > 0 \
                   ORDER BY b.last_hour DESC, b.last_day DESC, b.user_id LIMIT 100")
                .bind(now - HOUR_MS)
                .bind(now - DAY_MS)
                .bind(limits.burst_per_hour),
            )
            .await
    }
}

/// Charges whole values that work inside `tx` found on records the actor
/// sees masked or not at all (an import's rows matching them say so) as
/// lookups: counted against the actor's limits and written to the access
/// log, `via` saying where. A value looked up within the day is not
/// charged again. Nothing is refused here: [`Store::lookups_left`] refuses
/// before the work starts.
pub(crate) async fn charge_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    values: &[WholeValue],
    via: &str,
) -> Result<()> {
    if !counted(actor) {
        return Ok(());
    }
    let user = actor.user_id.get();
    let now = now_ms();
    for value in values {
        let fresh = tx
            .execute(
                q(
                    "INSERT INTO lookup_keys (user_id, key, at) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id, key) DO NOTHING",
                )
                .bind(user)
                .bind(value.key())
                .bind(now),
            )
            .await?;
        if fresh == 0 {
            continue;
        }
        tx.execute(
            q(
                "INSERT INTO access_log (actor_id, action, entity, filter, format, row_count, at) \
               VALUES ($1, 'lookup', 'customers', $2, $3, 1, $4)",
            )
            .bind(Some(user).filter(|id| *id > 0))
            .bind(value.logged())
            .bind(via)
            .bind(now),
        )
        .await?;
    }
    Ok(())
}

/// More mobile numbers than this that show as one masked form
/// (`139****2222`), put in import files by one user who sees numbers
/// masked within a day, refuse the import that brings the next. In a
/// uniformly spread list of a million numbers the most crowded form holds
/// about a dozen; a file guessing the hidden digits holds thousands.
pub(crate) const MASKED_REPEATS: i64 = 20;

/// Remembers, for a day, the mobile numbers an import by `actor` holds
/// under the masked form `actor` would see them in, and refuses
/// ([`Error::MaskedGuess`]) once more than [`MASKED_REPEATS`] share one
/// form: across files too, so trying the hidden digits a few numbers a
/// file is as bounded as trying them all in one. Nothing is remembered of
/// an import that is refused, or for actors who see numbers in full.
pub(crate) async fn note_masked_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    mobiles: impl IntoIterator<Item = String>,
) -> Result<()> {
    if !counted(actor) {
        return Ok(());
    }
    let user = actor.user_id.get();
    let now = now_ms();
    tx.execute(q("DELETE FROM masked_tries WHERE at <= $1").bind(now - DAY_MS))
        .await?;
    let mut forms: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for mobile in mobiles {
        let masked = crate::mask::phone(&mobile);
        forms
            .entry(masked)
            .or_default()
            .insert(WholeValue::Mobile(mobile).key());
    }
    // A chunk's numbers go in a few statements, not one each: this runs
    // on every chunk of every import by a rep.
    let rows: Vec<(&str, String)> = forms
        .iter()
        .flat_map(|(masked, keys)| keys.iter().map(move |k| (masked.as_str(), k.clone())))
        .collect();
    for part in rows.chunks(200) {
        let backend = tx.backend();
        let values = (0..part.len())
            .map(|i| {
                let p = |n: usize| backend.param(4 * i + n);
                format!("({}, {}, {}, {})", p(1), p(2), p(3), p(4))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = q(format!(
            "INSERT INTO masked_tries (user_id, masked, key, at) VALUES {values} \
             ON CONFLICT (user_id, masked, key) DO NOTHING"
        ))
        .once();
        for (masked, key) in part {
            stmt = stmt.bind(user).bind(*masked).bind(key.as_str()).bind(now);
        }
        tx.execute(stmt).await?;
    }
    let masked: Vec<&String> = forms.keys().collect();
    for part in masked.chunks(500) {
        let backend = tx.backend();
        let list = (0..part.len())
            .map(|i| backend.param(i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = q(format!(
            "SELECT masked FROM masked_tries WHERE user_id = {} AND masked IN ({list}) \
             GROUP BY masked HAVING COUNT(*) > {} ORDER BY masked LIMIT 1",
            backend.param(1),
            backend.param(part.len() + 2)
        ))
        .once()
        .bind(user);
        for m in part {
            stmt = stmt.bind(m.as_str());
        }
        let over: Option<(String,)> = tx.optional(stmt.bind(MASKED_REPEATS)).await?;
        if let Some((masked,)) = over {
            return Err(Error::MaskedGuess { masked });
        }
    }
    Ok(())
}
