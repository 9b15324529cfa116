//! Display helpers shared by the customer pages (and other pages): people
//! by name, flash texts, choices, labels and how stored values are shown.

use std::collections::HashMap;

use kehu_core::country::Country;
use kehu_core::field::FieldKind;
use kehu_core::region::Province;
use kehu_store::fields::FieldDefinition;
use kehu_store::users::User;
use serde_json::Value;

use crate::pages::{PageError, T};
use crate::AppState;

/// People by id, for showing owners and authors by name.
pub(crate) struct People(HashMap<i64, String>);

impl People {
    pub(crate) fn new(users: &[User]) -> People {
        People(
            users
                .iter()
                // Not the email: every role sees these names.
                .map(|u| (u.id, u.name.clone().unwrap_or_else(|| format!("#{}", u.id))))
                .collect(),
        )
    }

    pub(crate) fn name(&self, t: T, id: Option<i64>) -> String {
        match id {
            Some(id) => self.0.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            None => t.s("common.system").to_owned(),
        }
    }
}

/// The confirmation named by `flash=` (and `n=`), if it is one of ours.
pub fn flash(t: T, params: &[(String, String)]) -> Option<String> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let key = format!("flash.{}", get("flash")?);
    if !crate::pages::i18n::has(&key) {
        return None;
    }
    let n = get("n").and_then(|n| n.parse().ok()).unwrap_or(0);
    Some(t.count(&key, n))
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The active users as choices (an owner to give something to), with
/// `selected` chosen.
pub(crate) async fn user_choices(
    state: &AppState,
    selected: Option<i64>,
) -> Result<Vec<Choice>, PageError> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| Choice {
            selected: Some(u.id) == selected,
            value: u.id.to_string(),
            // Owner pickers are on every role's pages: names, not emails.
            label: u.name.clone().unwrap_or_else(|| format!("#{}", u.id)),
        })
        .collect())
}

pub(crate) fn choices(values: &[&str], t: T, list: &str, selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: t.choice(list, v),
            selected: *v == selected,
        })
        .collect()
}

pub(super) fn column_label(t: T, key: &str, defs: &[FieldDefinition]) -> String {
    match key.strip_prefix("custom.") {
        Some(k) => defs
            .iter()
            .find(|d| d.key == k)
            .map(|d| label_of(t, d))
            .unwrap_or_else(|| k.to_owned()),
        None => t.field(key).to_owned(),
    }
}

pub fn label_of(t: T, d: &FieldDefinition) -> String {
    if t.is_zh() {
        d.label_zh.clone()
    } else {
        d.label_en.clone()
    }
}

/// A stored number as people of the record's country read it (national at
/// home, international otherwise); masked values are shown as they are.
pub fn phone_shown(stored: &Option<String>, country: &str) -> String {
    let country = Country::from_code(country).unwrap_or(Country::CN);
    stored
        .as_deref()
        .map(|s| kehu_core::phone::display(s, country))
        .unwrap_or_default()
}

/// The country's name in the user's language.
pub fn country_shown(t: T, code: &str) -> String {
    Country::from_code(code).map_or_else(|| code.to_owned(), |c| c.name(t.0).to_owned())
}

/// A custom field's value as people write it: money as "12.30 CNY", a
/// date-time in China time (`input` for a datetime-local input).
pub fn custom_text(defs: &[FieldDefinition], key: &str, v: &Value, input: bool) -> String {
    let kind = defs.iter().find(|d| d.key == key).map(|d| &d.kind);
    match (kind, v) {
        (Some(FieldKind::Money), Value::Object(m)) => format!(
            "{} {}",
            m.get("amount").map(value_text).unwrap_or_default(),
            m.get("currency").map(value_text).unwrap_or_default()
        ),
        (Some(FieldKind::DateTime), Value::String(s)) => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(at) => {
                    let format = if input {
                        "%Y-%m-%dT%H:%M"
                    } else {
                        "%Y-%m-%d %H:%M"
                    };
                    crate::pages::frame::local(at.timestamp_millis())
                        .format(format)
                        .to_string()
                }
                Err(_) => s.clone(),
            }
        }
        _ => value_text(v),
    }
}

/// A JSON value as one line of text.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub fn province_choices(t: T, selected: &str) -> Vec<Choice> {
    Province::ALL
        .iter()
        .map(|p| Choice {
            value: p.name().to_owned(),
            label: if t.is_zh() {
                p.name().to_owned()
            } else {
                p.english_name().to_owned()
            },
            selected: p.name() == selected,
        })
        .collect()
}
