//! Possible duplicates at entry (查重): while a customer is typed in, the
//! records that already have the same mobile, email or credit code, or a
//! name that sounds the same at the same company. Records the actor cannot
//! see are reported too, as one "exists, someone else's" hit without id,
//! name or owner, so a rep does not enter a second copy of a colleague's
//! customer yet learns nothing that would find or identify it. A mobile or
//! email probed is a counted lookup ([`crate::lookups`]).

use kehu_core::company::company_core;
use kehu_core::{Actor, CustomerId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::{sort_key, visible};
use crate::db::{q, Arg};
use crate::lookups::WholeValue;
use crate::{Result, Store};

pub const MAX_HITS: usize = 10;

/// What to look for: values already normalised the way they are stored
/// (`13812345678`, `zhang@example.com`); `None` for what is not known yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateProbe {
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub uscc: Option<String>,
    pub name: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DuplicateHit {
    /// The record's id, only when it is visible.
    pub customer_id: Option<i64>,
    /// Whether the actor may open the record. All records the actor may
    /// not see are one hit, with no id, name or owner.
    pub visible: bool,
    /// The record's name, only when it is visible.
    pub name: Option<String>,
    /// Who owns it (name, or email), only when it is visible; none for the
    /// shared pool.
    pub owner_name: Option<String>,
    /// What matched: `mobile`, `email`, `uscc` or `name_company`.
    #[schema(value_type = Vec<String>)]
    pub reasons: Vec<&'static str>,
}

const REASONS: &[&str] = &["mobile", "email", "uscc", "name_company"];

#[derive(sqlx::FromRow)]
struct Match {
    id: i64,
    reason: String,
    name: String,
    owner_name: Option<String>,
    seen: i64,
}

impl Store {
    /// At most [`MAX_HITS`] live customers (other than `exclude`) that the
    /// probe may duplicate, those matching on most counts first. Each
    /// match is an exact lookup on an index: mobile (of the customer or of
    /// one of its contacts), lower-cased email, credit code, company core
    /// narrowed by the name's sort key.
    pub async fn possible_duplicates(
        &self,
        actor: &Actor,
        probe: &DuplicateProbe,
        exclude: Option<CustomerId>,
    ) -> Result<Vec<DuplicateHit>> {
        let live = "c.deleted_at IS NULL AND c.id <> $1";
        let mut args: Vec<Arg> = vec![exclude.map_or(0, CustomerId::get).into()];
        let mut branches = Vec::new();
        let mut branch = |reason: &str, from: &str, condition: &str, values: Vec<String>| {
            let mut condition = condition.to_owned();
            for (i, value) in values.into_iter().enumerate() {
                args.push(value.into());
                condition = condition.replace(&format!("${{{i}}}"), &format!("${}", args.len()));
            }
            branches.push(format!(
                "SELECT * FROM (SELECT c.id, '{reason}' AS reason {from} WHERE {live} AND {condition} \
                 LIMIT {}) t{}",
                MAX_HITS + 1,
                branches.len()
            ));
        };
        let customers = "FROM customers c";
        if let Some(mobile) = &probe.mobile {
            branch("mobile", customers, "c.mobile = ${0}", vec![mobile.clone()]);
            branch(
                "mobile",
                "FROM contacts x JOIN customers c ON c.id = x.customer_id",
                "x.deleted_at IS NULL AND x.mobile = ${0}",
                vec![mobile.clone()],
            );
        }
        if let Some(email) = &probe.email {
            branch(
                "email",
                customers,
                "lower(c.email) = ${0}",
                vec![email.to_lowercase()],
            );
        }
        if let Some(uscc) = &probe.uscc {
            branch("uscc", customers, "c.uscc = ${0}", vec![uscc.clone()]);
        }
        if let (Some(name), Some(company)) = (&probe.name, &probe.company) {
            let (name, core) = (sort_key(name), company_core(company));
            if !name.is_empty() && !core.is_empty() {
                branch(
                    "name_company",
                    customers,
                    "c.company_core = ${0} AND c.sort_key = ${1}",
                    vec![core, name],
                );
            }
        }
        if branches.is_empty() {
            return Ok(Vec::new());
        }
        let mut lookups = Vec::new();
        let values = [
            probe.mobile.clone().map(WholeValue::Mobile),
            probe
                .email
                .as_deref()
                .map(|e| WholeValue::Email(e.to_lowercase())),
        ];
        for value in values.iter().flatten() {
            lookups.extend(self.count_lookup(actor, value).await?);
        }
        let mut stmt = q(format!(
            "SELECT m.id, m.reason, c.name, COALESCE(u.name, u.email) AS owner_name, \
             CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT) AS seen \
             FROM ({}) m JOIN customers c ON c.id = m.id LEFT JOIN users u ON u.id = c.owner_id",
            visible(actor.scope(), "c"),
            branches.join(" UNION ALL ")
        ));
        for arg in args {
            stmt = stmt.bind(arg);
        }
        let matches: Vec<Match> = self.db.all(stmt).await?;
        let hits = hits(matches);
        for counted in lookups {
            self.log_lookup(actor, counted, "check", hits.len() as i64)
                .await?;
        }
        Ok(hits)
    }
}

/// One hit per visible customer with all its reasons, most reasons
/// first, and one for all those the actor may not see.
fn hits(matches: Vec<Match>) -> Vec<DuplicateHit> {
    let mut found: Vec<(i64, DuplicateHit)> = Vec::new();
    for m in matches {
        let Some(reason) = REASONS.iter().find(|r| **r == m.reason) else {
            continue;
        };
        let visible = m.seen != 0;
        // Hidden records are told apart by nothing, not even their number.
        let id = if visible { m.id } else { 0 };
        let i = match found.iter().position(|(at, _)| *at == id) {
            Some(i) => i,
            None => {
                found.push((
                    id,
                    DuplicateHit {
                        customer_id: visible.then_some(m.id),
                        visible,
                        name: visible.then_some(m.name),
                        owner_name: m.owner_name.filter(|_| visible),
                        reasons: Vec::new(),
                    },
                ));
                found.len() - 1
            }
        };
        if !found[i].1.reasons.contains(reason) {
            found[i].1.reasons.push(reason);
        }
    }
    for (_, h) in &mut found {
        h.reasons
            .sort_by_key(|r| REASONS.iter().position(|x| x == r));
    }
    found
        .sort_by(|(a_id, a), (b_id, b)| b.reasons.len().cmp(&a.reasons.len()).then(a_id.cmp(b_id)));
    found.truncate(MAX_HITS);
    found.into_iter().map(|(_, h)| h).collect()
}
