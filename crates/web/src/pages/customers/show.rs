//! The customer's own page (360°): details, contacts and the timeline.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kehu_core::{schema, CustomerId, FieldError};
use kehu_store::customers::Customer;
use kehu_store::fields::FieldDefinition;

use super::display::{
    choices, column_label, country_shown, custom_text, flash, label_of, phone_shown, Choice, People,
};
use crate::extract::QueryPairs;
use crate::pages::form::Values;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render_refused, Errors, PageError, Viewer, T};
use crate::AppState;

pub struct Detail {
    pub key: String,
    pub label: String,
    pub value: String,
    pub href: Option<String>,
}

pub struct Event {
    pub at: i64,
    pub when: String,
    pub kind: &'static str,
    pub title: String,
    pub body: Option<String>,
    pub who: String,
    pub changes: Vec<(String, String, String)>,
    pub done: bool,
}

pub struct ContactView {
    pub name: String,
    /// The contact's country, when it is not the customer's.
    pub country: String,
    pub title: String,
    pub mobile: String,
    pub email: String,
    pub primary: bool,
}

#[derive(Template)]
#[template(path = "customers/show.html")]
struct ShowPage {
    f: Frame,
    c: Customer,
    details: Vec<Detail>,
    contacts: Vec<ContactView>,
    timeline: Vec<Event>,
    channels: Vec<Choice>,
    /// Every country for a new contact, the customer's (or the one typed)
    /// chosen.
    contact_countries: Vec<Choice>,
    /// The form posted to this page and refused: its id, values and errors.
    posted: &'static str,
    values: Values,
    errors: Errors,
    verified: Option<String>,
    /// Completeness and what is missing (核对).
    quality: String,
    may_write: bool,
    /// The customer's latest orders and what it has bought.
    orders: Vec<crate::pages::orders::OrderRow>,
    figures: Vec<(&'static str, String)>,
    opportunities: Vec<crate::pages::opportunities::Card>,
}

impl ShowPage {
    /// What was typed into `form`'s field, when that form was refused.
    fn typed(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.values.first(name).to_owned()
        } else {
            String::new()
        }
    }

    fn error(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.errors.of(name)
        } else {
            String::new()
        }
    }
}

/// `1985-03-05（41 岁）`: the date and the age it makes today.
fn birth_shown(t: T, birth: Option<&str>) -> String {
    let Some(birth) = birth else {
        return String::new();
    };
    let Ok(date) = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d") else {
        return birth.to_owned();
    };
    let today = kehu_core::date::china_today();
    let age = kehu_core::person::age(date, today);
    format!(
        "{birth} · {}",
        t.s("person.age").replace("{n}", &age.to_string())
    )
}

fn details(
    t: T,
    c: &Customer,
    defs: &[FieldDefinition],
    people: &People,
    teams: &HashMap<i64, String>,
) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut push = |key: &str, label: String, value: String, href: Option<String>| {
        if !value.is_empty() {
            out.push(Detail {
                key: key.to_owned(),
                label,
                value,
                href,
            });
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    push(
        "kind",
        t.field("kind").into(),
        t.choice("kind", &c.kind),
        None,
    );
    push(
        "country",
        t.field("country").into(),
        country_shown(t, &c.country),
        None,
    );
    for (key, value) in [("company", &c.company), ("title", &c.title)] {
        push(key, t.field(key).into(), text(value), None);
    }
    push(
        "gender",
        t.field("gender").into(),
        c.gender
            .as_deref()
            .map(|v| kehu_core::person::gender_label(v, t.0).to_owned())
            .unwrap_or_default(),
        None,
    );
    push(
        "birth_date",
        t.field("birth_date").into(),
        birth_shown(t, c.birth_date.as_deref()),
        None,
    );
    push(
        "language",
        t.field("language").into(),
        c.language
            .as_deref()
            .map(|v| {
                kehu_core::person::language_name(v, t.0)
                    .unwrap_or(v)
                    .to_owned()
            })
            .unwrap_or_default(),
        None,
    );
    for (key, value) in [("mobile", &c.mobile), ("phone", &c.phone)] {
        push(
            key,
            t.field(key).into(),
            phone_shown(value, &c.country),
            None,
        );
    }
    for (key, value) in [
        ("email", &c.email),
        ("uscc", &c.uscc),
        ("province", &c.province),
        ("city", &c.city),
        ("district", &c.district),
        ("address", &c.address),
        ("postal_code", &c.postal_code),
        ("industry", &c.industry),
        ("company_size", &c.company_size),
    ] {
        push(key, t.field(key).into(), text(value), None);
    }
    let website = text(&c.website);
    let href = (website.starts_with("http://") || website.starts_with("https://"))
        .then(|| website.clone());
    push("website", t.field("website").into(), website, href);
    push(
        "stage",
        t.field("stage").into(),
        t.choice("stage", &c.stage),
        None,
    );
    push("source", t.field("source").into(), text(&c.source), None);
    push(
        "value_tier",
        t.field("value_tier").into(),
        c.value_tier
            .as_deref()
            .map(|v| t.choice("value_tier", v))
            .unwrap_or_default(),
        None,
    );
    push(
        "owner",
        t.field("owner").into(),
        c.owner_id
            .map(|id| people.name(t, Some(id)))
            .unwrap_or_else(|| t.s("common.pool").to_owned()),
        None,
    );
    push(
        "team",
        t.field("team").into(),
        c.team_id
            .and_then(|id| teams.get(&id).cloned())
            .unwrap_or_default(),
        None,
    );
    push("tags", t.field("tags").into(), c.tags.join(", "), None);
    for d in defs {
        let value = c
            .custom
            .0
            .get(&d.key)
            .map(|v| custom_text(defs, &d.key, v, false))
            .unwrap_or_default();
        push(&format!("custom-{}", d.key), label_of(t, d), value, None);
    }
    push("notes", t.field("notes").into(), text(&c.notes), None);
    push(
        "created_at",
        t.field("created_at").into(),
        format!(
            "{} · {}",
            t.time(c.created_at.0),
            people.name(t, c.created_by)
        ),
        None,
    );
    push(
        "updated_at",
        t.field("updated_at").into(),
        format!(
            "{} · {}",
            t.time(c.updated_at.0),
            people.name(t, c.updated_by)
        ),
        None,
    );
    out
}

/// History rows of one save (same time, same author) become one event.
fn history_events(
    t: T,
    rows: &[kehu_store::history::HistoryEntry],
    defs: &[FieldDefinition],
    people: &People,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    let shown = |field: &str, v: &Option<String>| -> String {
        let v = v.clone().unwrap_or_default();
        match field {
            "owner_id" | "verified_by" if !v.is_empty() => people.name(t, v.parse().ok()),
            "stage" => t.choice("stage", &v),
            "kind" => t.choice("kind", &v),
            "value_tier" => t.choice("value_tier", &v),
            _ => v,
        }
    };
    for row in rows {
        let label = match row.field.as_str() {
            "created" | "deleted" | "restored" | "verified_at" => None,
            f => Some(column_label(t, f.trim_end_matches("_id"), defs)),
        };
        let who = people.name(t, row.actor_id);
        let same = events
            .last_mut()
            .filter(|e| e.at == row.at.0 && e.who == who && e.kind == "change");
        let change = label.map(|l| {
            (
                l,
                shown(&row.field, &row.old_value),
                shown(&row.field, &row.new_value),
            )
        });
        match (same, change) {
            (Some(event), Some(change)) => event.changes.push(change),
            (_, change) => events.push(Event {
                at: row.at.0,
                when: t.time(row.at.0),
                kind: "change",
                title: match row.field.as_str() {
                    "created" => t.s("timeline.created").to_owned(),
                    "deleted" => t.s("timeline.deleted").to_owned(),
                    "restored" => t.s("timeline.restored").to_owned(),
                    "verified_at" => t.s("timeline.verified").to_owned(),
                    _ => format!(
                        "{} ({})",
                        t.s("timeline.changed"),
                        t.choice("source", &row.source)
                    ),
                },
                body: None,
                who,
                changes: change.into_iter().collect(),
                done: false,
            }),
        }
    }
    events
}

/// A form of the customer page that was refused: which, what was typed,
/// and why.
pub(super) struct Refused<'a> {
    pub(super) form: &'static str,
    pub(super) values: Values,
    pub(super) errors: &'a [FieldError],
}

pub(super) async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    refused: Option<Refused<'_>>,
    flash_text: Option<String>,
) -> Result<Response, PageError> {
    let (posted, values, errors) = match refused {
        Some(r) => (r.form, r.values, r.errors),
        None => ("", Values::default(), &[][..]),
    };
    let t = viewer.t();
    let actor = viewer.me.actor;
    let store = &state.store;
    let c = match store.customer(&actor, CustomerId(id)).await {
        // A merged record's page is its survivor's.
        Err(kehu_store::Error::NotFound) => {
            return match store.merged_into(&actor, CustomerId(id)).await? {
                Some(to) => Ok(Redirect::to(&format!("/customers/{}", to.get())).into_response()),
                None => Err(kehu_store::Error::NotFound.into()),
            };
        }
        found => found?,
    };
    let defs = store.field_definitions().await?;
    let quality = store.customer_quality(&actor, CustomerId(id)).await?;
    let quality = crate::pages::quality::record_summary(t, &quality, &defs);
    let users = store.users().await?;
    let people = People::new(&users);
    let teams: HashMap<i64, String> = store
        .teams()
        .await?
        .into_iter()
        .map(|tm| (tm.id, tm.name))
        .collect();
    let history = store.customer_history(&actor, &c, 300).await?;
    let contacts = store.contacts_of(&actor, &c).await?;
    let interactions = store.interactions_of(&c).await?;
    let tasks = store
        .tasks(&actor, None, None, Some(CustomerId(id)), 500)
        .await?;

    let mut timeline = history_events(t, &history, &defs, &people);
    for i in &interactions {
        let mut body = i.content.clone();
        if let Some(next) = &i.next_step {
            body.push_str(&format!("\n{}: {next}", t.field("next_step")));
        }
        timeline.push(Event {
            at: i.occurred_at.0,
            when: t.time(i.occurred_at.0),
            kind: "interaction",
            title: t.choice("channel", &i.channel),
            body: Some(body),
            who: people.name(t, i.created_by),
            changes: Vec::new(),
            done: false,
        });
    }
    for task in &tasks {
        timeline.push(Event {
            at: task.due_at.0,
            when: t.time(task.due_at.0),
            kind: "task",
            title: format!("{}: {}", t.s("timeline.task"), task.title),
            body: task.notes.clone(),
            who: people.name(t, task.assignee_id),
            changes: Vec::new(),
            done: task.status != "open",
        });
    }
    let orders = store
        .orders(
            &actor,
            &kehu_store::orders::OrderFilter {
                customer_id: Some(id),
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    for o in &orders {
        timeline.push(Event {
            at: o.created_at.0,
            when: t.time(o.created_at.0),
            kind: "order",
            title: format!("{}: {} · {}", t.s("timeline.order"), o.number, o.total.0),
            body: None,
            who: people.name(t, o.created_by),
            changes: Vec::new(),
            done: false,
        });
        if let (Some(at), Some(carrier)) = (o.shipped_at, &o.carrier) {
            let tracking = o.tracking_no.as_deref().unwrap_or_default();
            timeline.push(Event {
                at: at.0,
                when: t.time(at.0),
                kind: "order",
                title: format!(
                    "{}: {} · {carrier} {tracking}",
                    t.s("timeline.shipment"),
                    o.number
                ),
                body: None,
                who: people.name(t, o.owner_id),
                changes: Vec::new(),
                done: false,
            });
        }
    }
    for p in store.customer_payments(&actor, CustomerId(id), 50).await? {
        timeline.push(Event {
            at: p.created_at.0,
            when: t.time(p.created_at.0),
            kind: "order",
            title: format!(
                "{}: SO-{:06} · {} · {}",
                t.s("timeline.payment"),
                p.order_id,
                p.amount.0,
                t.choice("payment_method", &p.method)
            ),
            body: p.reference.clone(),
            who: people.name(t, p.created_by),
            changes: Vec::new(),
            done: false,
        });
    }
    timeline.sort_by_key(|e| std::cmp::Reverse(e.at));
    let bought = store.customer_figures(&actor, CustomerId(id)).await?;
    let mut figures = Vec::new();
    if bought.purchase_count > 0 {
        let spent = bought
            .total_spend
            .iter()
            .map(|(currency, amount)| format!("{amount} {currency}"))
            .collect::<Vec<_>>()
            .join(" + ");
        figures.push(("orders.spent", spent));
        if let Some(at) = bought.first_purchase_at {
            figures.push(("orders.first_purchase", t.time(at.0)));
        }
        if let Some(at) = bought.last_purchase_at {
            figures.push(("orders.last_purchase", t.time(at.0)));
        }
    }
    let purchase_count = bought.purchase_count;
    let opportunities = store
        .opportunities(
            &actor,
            &kehu_store::opportunities::OpportunityFilter {
                customer_id: Some(id),
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    let opportunities = crate::pages::opportunities::cards(state, t, &opportunities).await?;

    let verified = c
        .verified_at
        .map(|at| format!("{} · {}", t.time(at.0), people.name(t, c.verified_by)));
    let page = ShowPage {
        f: Frame::new(state, viewer, Section::Customers, c.name.clone())
            .await?
            .with_flash(flash_text),
        details: details(t, &c, &defs, &people, &teams),
        contacts: contacts
            .into_iter()
            .map(|k| ContactView {
                title: k.title.unwrap_or_default(),
                mobile: super::display::phone_shown(&k.mobile, &k.country),
                country: if k.country == c.country {
                    String::new()
                } else {
                    super::display::country_shown(t, &k.country)
                },
                name: k.name,
                email: k.email.unwrap_or_default(),
                primary: k.is_primary,
            })
            .collect(),
        timeline,
        channels: choices(schema::CHANNELS, t, "channel", values.first("channel")),
        contact_countries: {
            let typed = values.first("country");
            let chosen = if posted == "contact" && !typed.is_empty() {
                typed.to_owned()
            } else {
                c.country.clone()
            };
            let mut all = crate::pages::form::country_choices(t);
            for o in &mut all {
                o.selected = o.value == chosen;
            }
            all
        },
        errors: Errors::new(t, errors),
        posted,
        values,
        verified,
        quality,
        may_write: actor.may_write_records(),
        orders: crate::pages::orders::rows(t, &orders, &people),
        opportunities,
        figures: if purchase_count > 0 {
            let mut all = vec![("orders.figures", t.count("orders.figures", purchase_count))];
            all.extend(figures);
            all
        } else {
            figures
        },
        c,
    };
    render_refused(&page, !errors.is_empty())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let flash_text = flash(viewer.t(), &params);
    show_page(&state, &viewer, id, None, flash_text).await
}
