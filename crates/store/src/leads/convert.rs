//! Converting a qualified lead, in one transaction, into a customer (new
//! or linked), a contact for a company and optionally an opportunity.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{Code, CustomerId, Invalid, LeadId};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Lead, LEADS};
use crate::customers::{insert_customer, CustomerInput};
use crate::db::Tx;
use crate::write::{write_history, Change, Ctx};
use crate::{now_ms, Error, Result, Store};

/// What a conversion makes.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    /// company or individual.
    pub kind: String,
    /// Link to this customer instead of creating one; when `None`, the
    /// customer the duplicate check found is used, if any and visible.
    pub customer_id: Option<i64>,
    /// Create a new customer even though a duplicate was found.
    pub force_new: bool,
    /// An opportunity's name and amount, to create one too.
    pub opportunity: Option<(String, Option<String>)>,
}

/// What a conversion made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Converted {
    pub lead_id: i64,
    pub customer_id: i64,
    /// Whether the customer existed already.
    pub linked: bool,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

impl Store {
    /// Converts a qualified lead the actor holds, in one transaction, into
    /// a customer (or links it to an existing one: the one named, else the
    /// one its duplicate check found, unless `force_new`), a contact for a
    /// company, and, when asked, an opportunity.
    pub async fn convert_lead(&self, ctx: &Ctx, id: LeadId, c: Conversion) -> Result<Converted> {
        let defs = self.field_defs().await?;
        let (mut tx, lead) = self.held_lead(ctx, id).await?;
        if lead.status != "qualified" {
            return Err(Error::Conflict("lead_not_qualified"));
        }
        if !matches!(c.kind.as_str(), "company" | "individual") {
            return Err(Invalid::one("kind", Code::InvalidChoice).into());
        }
        let existing = match (c.customer_id, c.force_new) {
            (Some(cid), _) => Some(cid),
            (None, false) => lead.duplicate_customer_id,
            (None, true) => None,
        };
        let (customer, linked) = match existing {
            Some(cid) => match crate::customers::locked(&mut tx, &ctx.actor, CustomerId(cid)).await
            {
                Ok(found) => (found.id, true),
                Err(Error::NotFound) if c.customer_id.is_some() => {
                    return Err(Invalid::one("customer_id", Code::NotFound).into())
                }
                // A duplicate the actor may not see: a customer of their own.
                Err(Error::NotFound) => (
                    new_customer(&mut tx, ctx, &defs, &lead, &c.kind).await?,
                    false,
                ),
                Err(e) => return Err(e),
            },
            None => (
                new_customer(&mut tx, ctx, &defs, &lead, &c.kind).await?,
                false,
            ),
        };
        let contact = if c.kind == "company" && lead.company.is_some() {
            let mut set: Vec<(&'static str, Option<Stored>)> = vec![
                ("customer_id", Some(Stored::Int(customer))),
                ("name", Some(Stored::Text(lead.name.clone()))),
            ];
            for (field, value) in [
                ("title", &lead.title),
                ("mobile", &lead.mobile),
                ("email", &lead.email),
            ] {
                if let Some(v) = value {
                    set.push((field, Some(Stored::Text(v.clone()))));
                }
            }
            Some(
                crate::records::CONTACTS
                    .insert(&mut tx, &Patch { set }, vec![], ctx)
                    .await?,
            )
        } else {
            None
        };
        let opportunity = match c.opportunity {
            Some((name, amount)) => {
                let mut set = vec![
                    ("customer_id", Some(Stored::Int(customer))),
                    ("name", Some(Stored::Text(name))),
                ];
                if let Some(a) = amount.filter(|a| !a.trim().is_empty()) {
                    let money = kehu_core::money::Money::parse(&a)
                        .map_err(|code| Invalid::one("opportunity_amount", code))?;
                    set.push(("amount", Some(Stored::Text(money.to_string()))));
                }
                if let Some(s) = &lead.source {
                    set.push(("source", Some(Stored::Text(s.clone()))));
                }
                Some(
                    crate::opportunities::insert_opportunity(
                        &mut tx,
                        ctx,
                        Patch { set },
                        None,
                        None,
                    )
                    .await?,
                )
            }
            None => None,
        };
        let now = now_ms();
        let extra = vec![
            (
                "status",
                Kind::Text(20),
                Some(Stored::Text("converted".into())),
            ),
            ("customer_id", Kind::Id, Some(Stored::Int(customer))),
            ("contact_id", Kind::Id, contact.map(Stored::Int)),
            ("opportunity_id", Kind::Id, opportunity.map(Stored::Int)),
            ("converted_at", Kind::DateTime, Some(Stored::Int(now))),
        ];
        LEADS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        if linked {
            let change = Change {
                field: "lead_converted".into(),
                old: None,
                new: Some(id.get().to_string()),
            };
            write_history(&mut tx, "customer", customer, &[change], ctx, now).await?;
        }
        tx.commit().await?;
        Ok(Converted {
            lead_id: id.get(),
            customer_id: customer,
            linked,
            contact_id: contact,
            opportunity_id: opportunity,
        })
    }
}

/// A customer made from a lead, owned by the converting actor.
async fn new_customer(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[kehu_core::field::FieldDef],
    lead: &Lead,
    kind: &str,
) -> Result<i64> {
    let mut set: Vec<(&'static str, Option<Stored>)> = vec![
        ("kind", Some(Stored::Text(kind.into()))),
        ("stage", Some(Stored::Text("prospect".into()))),
    ];
    let name = if kind == "company" {
        lead.company.clone().unwrap_or_else(|| lead.name.clone())
    } else {
        lead.name.clone()
    };
    set.push(("name", Some(Stored::Text(name))));
    let fields: [(&'static str, &Option<String>); 6] = [
        ("company", &lead.company),
        ("province", &lead.province),
        ("city", &lead.city),
        ("source", &lead.source),
        ("phone", &lead.phone),
        ("title", &lead.title),
    ];
    for (field, value) in fields {
        if let Some(v) = value {
            set.push((field, Some(Stored::Text(v.clone()))));
        }
    }
    // An individual is reached on the customer itself; a company through
    // its contact.
    if kind == "individual" {
        for (field, value) in [("mobile", &lead.mobile), ("email", &lead.email)] {
            if let Some(v) = value {
                set.push((field, Some(Stored::Text(v.clone()))));
            }
        }
    }
    let input = CustomerInput {
        patch: Patch { set },
        ..Default::default()
    };
    insert_customer(tx, ctx, defs, input).await
}
