//! Masking: phone numbers, emails and sensitive custom fields are shown as
//! 138****5678 to users whose role or relation to the record does not
//! entitle them to the full value. The store's reads for an actor apply it
//! (see `Store::customer`) and this module is private to the store, so the
//! full value never leaves the store, let alone the server, for them.

use crate::customers::Customer;
use crate::fields::FieldDefinition;
use crate::history::HistoryEntry;
use crate::records::Contact;
use kehu_core::email::Email;
use kehu_core::phone::Phone;
use kehu_core::Actor;
use serde_json::Value;

pub fn phone(value: &str) -> String {
    Phone::parse(value)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "****".to_owned())
}

pub fn email(value: &str) -> String {
    Email::parse(value)
        .map(|e| e.masked())
        .unwrap_or_else(|_| "***".to_owned())
}

fn mask_opt(value: &mut Option<String>, how: fn(&str) -> String) {
    if let Some(v) = value.as_mut() {
        *v = how(v);
    }
}

/// How one named field is masked, if it is masked at all.
fn masker(field: &str, defs: &[FieldDefinition]) -> Option<fn(&str) -> String> {
    match field {
        "mobile" | "phone" => Some(phone),
        "email" => Some(email),
        // A custom field is masked when it is sensitive, or when its
        // definition is gone and nobody can tell any more whether it was.
        f => f
            .strip_prefix("custom.")
            .filter(|key| !defs.iter().any(|d| d.key == *key && !d.sensitive))
            .map(|_| (|_: &str| "******".to_owned()) as fn(&str) -> String),
    }
}

pub fn customer(actor: &Actor, defs: &[FieldDefinition], c: &mut Customer) {
    // Values of deleted definitions stay in the record (and its history)
    // but are not shown: their definition no longer says who may see them.
    c.custom
        .0
        .retain(|key, _| defs.iter().any(|d| d.key == *key));
    if actor.sees_contact_details(c.owner_id.map(kehu_core::UserId)) {
        return;
    }
    mask_opt(&mut c.mobile, phone);
    mask_opt(&mut c.phone, phone);
    mask_opt(&mut c.email, email);
    for def in defs.iter().filter(|d| d.sensitive) {
        if let Some(v) = c.custom.0.get_mut(&def.key) {
            *v = Value::String("******".to_owned());
        }
    }
}

/// Contacts are masked like the customer they belong to.
pub fn contact(actor: &Actor, owner: Option<i64>, c: &mut Contact) {
    if actor.sees_contact_details(owner.map(kehu_core::UserId)) {
        return;
    }
    mask_opt(&mut c.mobile, phone);
    mask_opt(&mut c.phone, phone);
    mask_opt(&mut c.email, email);
}

/// History shows old and new values, so they are masked like the record.
pub fn history(
    actor: &Actor,
    owner: Option<i64>,
    defs: &[FieldDefinition],
    rows: &mut [HistoryEntry],
) {
    if actor.sees_contact_details(owner.map(kehu_core::UserId)) {
        return;
    }
    for row in rows {
        if let Some(how) = masker(&row.field, defs) {
            mask_opt(&mut row.old_value, how);
            mask_opt(&mut row.new_value, how);
        }
    }
}
