//! Finding one page of customers: the search, the filters, the sort and
//! the cursor turned into one SELECT, and what the page shows the actor.

use kehu_core::search::ranges;
use kehu_core::{Actor, Role};
use sea_query::{Alias, Expr, Order, Query, SimpleExpr};

use super::params::encode_cursor;
use super::types::After;
use super::{CustomerFilter, OwnerFilter, Page, SortBy};
use crate::customers::{columns, custom_expr, visible, Customer};
use crate::db::{Backend, Q};
use crate::lookups::WholeValue;
use crate::{Result, Store};

/// From this many matching keys on, a search word is "common": walking the
/// list's ordered index and checking each row against the collected ids
/// finds a page sooner than looking every match up and sorting them
/// (measured at a million customers: bench/RESULTS.md).
const COMMON_MATCHES: i64 = 3_000;

fn c(col: &str) -> Expr {
    Expr::col((Alias::new("c"), Alias::new(col)))
}

impl Store {
    /// A page of the customers the actor may see, as the actor may see
    /// them (masked as [`Store::customer`] masks).
    pub async fn list_customers(
        &self,
        actor: &Actor,
        f: &CustomerFilter,
    ) -> Result<Page<Customer>> {
        // A word that matches many customers is best checked row by row
        // while walking the list's ordered index; a rare one is best looked
        // up first. Counting (up to a cap) tells which is which.
        let mut common = Vec::new();
        for (low, high) in f.q.as_deref().and_then(ranges).unwrap_or_default() {
            let (n,): (i64,) = self
                .db
                .one(
                    crate::db::q(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM customer_search \
                         WHERE term >= $1 AND term < $2 LIMIT $3) t",
                    )
                    .bind(low)
                    .bind(high)
                    .bind(COMMON_MATCHES),
                )
                .await?;
            common.push(n >= COMMON_MATCHES);
        }
        // A whole number or address may find a record the actor sees it
        // masked on: counted and limited before the search runs, logged
        // with what it found after.
        let mut lookups = Vec::new();
        for (low, _) in f.q.as_deref().and_then(ranges).unwrap_or_default() {
            if let Some(value) = WholeValue::of_key(&low) {
                lookups.extend(self.count_lookup(actor, &value).await?);
            }
        }
        // Sensitive fields are stored sealed: a filter on one matches by
        // blind index.
        let defs = self.field_definitions().await?;
        let sensitive: Vec<String> = defs
            .iter()
            .filter(|d| d.sensitive)
            .map(|d| d.key.clone())
            .collect();
        let query = list_query(
            self.db.backend(),
            actor,
            f,
            &common,
            (self.vault(), &sensitive),
        )?;
        let mut items: Vec<Customer> = self.db.all(query).await?;
        for c in &mut items {
            crate::customers::reveal(self.vault(), actor, c)?;
        }
        for counted in lookups {
            let hits = items.len().min(f.limit as usize) as i64;
            self.log_lookup(actor, counted, "search", hits).await?;
        }
        let next_cursor = if items.len() as u64 > f.limit {
            items.truncate(f.limit as usize);
            items.last().map(|last| {
                encode_cursor(&match f.sort {
                    SortBy::Updated => After::Int(last.updated_at.0, last.id),
                    SortBy::Created => After::Int(last.created_at.0, last.id),
                    SortBy::Name => After::Text(crate::customers::sort_key(&last.name), last.id),
                })
            })
        } else {
            None
        };
        self.load_tags(&mut items).await?;
        // Shown as the actor may see them (see `Store::customer`).
        for c in &mut items {
            crate::mask::customer(actor, &defs, c);
        }
        Ok(Page { items, next_cursor })
    }
}

/// The SELECT for one page (plus one row, to know whether another follows).
fn list_query(
    backend: Backend,
    actor: &Actor,
    f: &CustomerFilter,
    common: &[bool],
    (vault, sensitive): (&crate::Vault, &[String]),
) -> Result<Q> {
    let mut s = Query::select();
    s.expr(Expr::cust(columns("c")))
        .from_as(Alias::new("customers"), Alias::new("c"))
        .and_where(Expr::cust("c.deleted_at IS NULL"))
        .and_where(Expr::cust(visible(actor.scope(), "c")));
    if let Some(words) = f.q.as_deref().and_then(ranges) {
        let term = || Expr::col((Alias::new("s"), Alias::new("term")));
        // The matching customers' ids are collected first either way. For a
        // rare word, each is then looked up and the few found are sorted.
        // For a common one, `+c.id` keeps the id from being used as a
        // lookup key, so the planner walks the list's ordered index instead
        // and stops at the first page of rows found in the collected set.
        let key_match = |matches: SimpleExpr, common: bool| -> SimpleExpr {
            let mut keys = Query::select();
            keys.column((Alias::new("s"), Alias::new("customer_id")))
                .from_as(Alias::new("customer_search"), Alias::new("s"))
                .and_where(matches);
            if common {
                Expr::expr(Expr::cust("+c.id")).in_subquery(keys)
            } else {
                c("id").in_subquery(keys)
            }
        };
        for (n, (low, high)) in words.into_iter().enumerate() {
            let fragment = key_match(
                term().gte(low.clone()).and(term().lt(high.clone())),
                common.get(n).copied().unwrap_or(false),
            );
            if actor.sees_contact_details(None) {
                s.and_where(fragment);
                continue;
            }
            // Phone numbers and emails shown masked must not be readable
            // through search either: on records whose details the actor
            // sees masked (everything for a viewer, the shared pool for
            // others), a name or company word matches as usual, but a
            // mobile or email only as a whole value, never a fragment that
            // would reveal hidden digits or letters one by one. A digit
            // word only ever starts phone numbers (or numeric emails), and
            // email keys are the only ones holding '@'.
            let digits = low.chars().all(|c| c.is_ascii_digit());
            let mut masked = match WholeValue::of_key(&low) {
                Some(WholeValue::Mobile(m)) => c("mobile").eq(m),
                Some(WholeValue::Email(e)) => Expr::expr(Expr::cust("lower(c.email)")).eq(e),
                None => Expr::cust("1 = 0"),
            };
            if !digits {
                masked = masked.or(key_match(
                    term()
                        .gte(low)
                        .and(term().lt(high))
                        .and(term().not_like("%@%")),
                    common.get(n).copied().unwrap_or(false),
                ));
            }
            let condition = if actor.role == Role::Viewer {
                masked
            } else {
                fragment.and(c("owner_id").is_not_null()).or(masked)
            };
            s.and_where(condition);
        }
    }
    match &f.owner {
        Some(OwnerFilter::User(id)) => {
            s.and_where(c("owner_id").eq(*id));
        }
        Some(OwnerFilter::Pool) => {
            s.and_where(c("owner_id").is_null());
        }
        None => {}
    }
    if let Some(team) = f.team_id {
        s.and_where(c("team_id").eq(team));
    }
    if let Some(tag) = &f.tag {
        let tags = |col: &str| Expr::col((Alias::new("t"), Alias::new(col)));
        s.and_where(
            c("id").in_subquery(
                Query::select()
                    .column((Alias::new("ct"), Alias::new("customer_id")))
                    .from_as(Alias::new("customer_tags"), Alias::new("ct"))
                    .join_as(
                        sea_query::JoinType::InnerJoin,
                        Alias::new("tags"),
                        Alias::new("t"),
                        tags("id").equals((Alias::new("ct"), Alias::new("tag_id"))),
                    )
                    .and_where(tags("name").eq(tag.clone()))
                    .to_owned(),
            ),
        );
    }
    for (col, value) in [
        ("kind", &f.kind),
        ("stage", &f.stage),
        ("source", &f.source),
        ("province", &f.province),
        ("city", &f.city),
        ("country", &f.country),
        ("gender", &f.gender),
        ("value_tier", &f.value_tier),
    ] {
        if let Some(v) = value {
            s.and_where(c(col).eq(v.clone()));
        }
    }
    // Birth dates are stored as `YYYY-MM-DD`, which sorts as text.
    if let Some(day) = &f.born_by {
        s.and_where(c("birth_date").lte(day.clone()));
    }
    if let Some(day) = &f.born_after {
        s.and_where(c("birth_date").gt(day.clone()));
    }
    if let Some(month) = &f.birth_month {
        s.and_where(Expr::expr(Expr::cust("substr(c.birth_date, 6, 2)")).eq(month.clone()));
    }
    for (col, from, to) in [
        ("created_at", f.created_from, f.created_to),
        ("updated_at", f.updated_from, f.updated_to),
    ] {
        if let Some(from) = from {
            s.and_where(c(col).gte(from));
        }
        if let Some(to) = to {
            s.and_where(c(col).lt(to));
        }
    }
    for (key, value) in &f.custom {
        if sensitive.contains(key) {
            let blind = crate::vault::values::blind_match(vault, "c", key, value)?;
            s.and_where(Expr::cust(blind));
        } else {
            s.and_where(Expr::expr(Expr::cust(custom_expr(backend, "c", key))).eq(value.clone()));
        }
    }
    let col = f.sort.column();
    let last: Option<(sea_query::Value, i64)> = match &f.after {
        Some(After::Int(v, id)) => Some(((*v).into(), *id)),
        Some(After::Text(v, id)) => Some((v.clone().into(), *id)),
        None => None,
    };
    if let Some((value, id)) = last {
        let row = Expr::tuple([SimpleExpr::from(c(col)), c("id").into()]);
        let bound = Expr::tuple([Expr::val(value).into(), Expr::val(id).into()]);
        s.and_where(if f.descending {
            row.lt(bound)
        } else {
            row.gt(bound)
        });
    }
    let order = if f.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    s.order_by_expr(c(col).into(), order.clone())
        .order_by_expr(c("id").into(), order)
        .limit(f.limit + 1);
    Q::built(backend, &s)
}
