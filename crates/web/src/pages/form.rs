//! Entry forms: what was typed, and the inputs a record type's fields
//! become, with their labels, rules as HTML attributes, and errors.

use std::collections::BTreeMap;

use kehu_core::country::{self, Country};
use kehu_core::entry::Kind;
use kehu_core::field::FieldKind;
use kehu_core::person;
use kehu_core::{schema, FieldError};
use kehu_store::customers::Customer;
use kehu_store::fields::FieldDefinition;
use kehu_store::users::User;
use serde_json::Value;

use super::customers::{custom_text, label_of, province_choices, value_text, Choice};
use super::{Fields, T};

/// Values by field name, as typed (several for a multiple choice).
#[derive(Debug, Clone, Default)]
pub struct Values(BTreeMap<String, Vec<String>>);

impl Values {
    pub fn from_fields(fields: &Fields) -> Values {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &fields.0 {
            if k != "_csrf" {
                map.entry(k.clone()).or_default().push(v.clone());
            }
        }
        Values(map)
    }

    /// A record's values, to edit it.
    pub fn from_customer(c: &Customer, defs: &[FieldDefinition]) -> Values {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Ok(Value::Object(object)) = serde_json::to_value(c) {
            for (k, v) in object {
                match (k.as_str(), v) {
                    ("custom", Value::Object(custom)) => {
                        for (key, value) in custom {
                            let list = match value {
                                Value::Array(items) => items.iter().map(value_text).collect(),
                                other => vec![custom_text(defs, &key, &other, true)],
                            };
                            map.insert(format!("custom.{key}"), list);
                        }
                    }
                    ("tags", _) => {
                        map.insert("tags".into(), vec![c.tags.join(", ")]);
                    }
                    (_, Value::Null) => {}
                    (_, v) => {
                        map.insert(k, vec![value_text(&v)]);
                    }
                }
            }
        }
        Values(map)
    }

    pub fn first(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }

    fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map(Vec::as_slice).unwrap_or_default()
    }
}

/// One labelled control of a form.
pub struct Input {
    /// The form name: `mobile`, `custom.level`.
    pub name: String,
    /// The element id: `f-mobile`, `f-custom-level`; its error box is
    /// `<id>-error`.
    pub id: String,
    pub label: String,
    /// `input`, `textarea` or `select`.
    pub widget: &'static str,
    /// For `input`: text, tel, email, url, date, datetime-local, number.
    pub input_type: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    pub maxlength: Option<usize>,
    pub value: String,
    pub options: Vec<Choice>,
    /// Suggestions for a text input (a `<datalist>`): any text may still
    /// be typed.
    pub suggestions: Vec<String>,
    pub multiple: bool,
    pub required: bool,
    /// Shown but not sent: a value the user may not see in full.
    pub disabled: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub wide: bool,
}

impl Input {
    fn new(name: &str, label: String) -> Input {
        Input {
            id: format!("f-{}", name.replace(['.', '_'], "-")),
            name: name.to_owned(),
            label,
            widget: "input",
            input_type: "text",
            inputmode: "",
            autocomplete: "off",
            maxlength: None,
            value: String::new(),
            options: Vec::new(),
            suggestions: Vec::new(),
            multiple: false,
            required: false,
            disabled: false,
            hint: None,
            error: None,
            wide: false,
        }
    }

    fn select(mut self, options: Vec<Choice>, blank: Option<&str>) -> Input {
        self.widget = "select";
        let mut all = Vec::new();
        if let Some(label) = blank {
            all.push(Choice {
                value: String::new(),
                label: label.to_owned(),
                selected: false,
            });
        }
        all.extend(options);
        self.options = all;
        self
    }

    fn fill(mut self, values: &Values, errors: &[FieldError], t: T) -> Input {
        let all = values.all(&self.name);
        self.value = all.first().cloned().unwrap_or_default();
        for option in &mut self.options {
            option.selected = all.contains(&option.value);
        }
        self.error = errors
            .iter()
            .find(|e| e.field == self.name)
            .map(|e| e.localize(t.0).message);
        self
    }
}

/// The customer form's inputs: built-in fields from the schema (so the
/// form and the API share their rules) and then the admin's custom fields.
/// `home` is the country of a record whose values do not name one (the
/// instance's default for a new record).
pub fn customer_inputs(
    t: T,
    defs: &[FieldDefinition],
    owners: &[User],
    values: &Values,
    errors: &[FieldError],
    masked: bool,
    home: Country,
) -> Vec<Input> {
    let country = Country::parse(values.first("country")).unwrap_or(home);
    let mut inputs = Vec::new();
    // The schema's fields in its order (the team follows the owner), then
    // the tags.
    let names = schema::CUSTOMER.iter().map(|s| s.name).chain(["tags"]);
    for name in names.filter(|n| *n != "team_id") {
        let input = match name {
            "tags" => {
                let mut i = Input::new("tags", t.field("tags").into());
                i.hint = Some(t.s("form.tags_hint").into());
                i
            }
            "owner_id" if owners.is_empty() => continue,
            "owner_id" => Input::new("owner_id", t.field("owner").into()).select(
                owners
                    .iter()
                    // The current owner stays a choice even when deactivated,
                    // so saving does not move the record.
                    .filter(|u| u.active || values.first("owner_id") == u.id.to_string())
                    .map(|u| Choice {
                        value: u.id.to_string(),
                        // Owner pickers are on every role's pages: names, not emails.
                        label: u.name.clone().unwrap_or_else(|| format!("#{}", u.id)),
                        selected: false,
                    })
                    .collect(),
                Some(t.s("common.pool")),
            ),
            _ => {
                let Some(spec) = schema::CUSTOMER.iter().find(|s| s.name == name) else {
                    continue;
                };
                let mut i = builtin(t, spec.name, spec.kind, country);
                i.required = spec.required;
                i.disabled = masked && matches!(name, "mobile" | "phone" | "email");
                i
            }
        };
        let mut input = input.fill(values, errors, t);
        if name == "country" && input.value.is_empty() {
            input.value = country.code().to_owned();
            for o in &mut input.options {
                o.selected = o.value == input.value;
            }
        }
        inputs.push(input);
    }
    for d in defs {
        let mut i = custom(t, d);
        i.disabled = masked && d.sensitive;
        inputs.push(i.fill(values, errors, t));
    }
    inputs
}

/// Every country, named in the user's language: China first (most
/// records are), then the rest by name.
pub fn country_choices(t: T) -> Vec<Choice> {
    let mut all: Vec<(String, Choice)> = Country::all()
        .filter(|c| !c.is_china())
        .map(|c| {
            let label = c.name(t.0).to_owned();
            let key = if t.is_zh() {
                kehu_core::search::pinyin_of(&label)
            } else {
                label.to_lowercase()
            };
            let choice = Choice {
                value: c.code().to_owned(),
                label,
                selected: false,
            };
            (key, choice)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let china = Choice {
        value: "CN".into(),
        label: Country::CN.name(t.0).to_owned(),
        selected: false,
    };
    std::iter::once(china)
        .chain(all.into_iter().map(|(_, c)| c))
        .collect()
}

/// The regions people of `country` choose from; any other may be typed
/// where the country's list is not complete.
pub fn region_suggestions(t: T, country: Country) -> Vec<String> {
    if country.is_china() {
        return province_choices(t, "")
            .into_iter()
            .map(|c| c.value)
            .collect();
    }
    country::regions(country).map(str::to_owned).collect()
}

fn builtin(t: T, name: &str, kind: Kind, country: Country) -> Input {
    let mut i = Input::new(name, t.field(name).into());
    match kind {
        Kind::Text(max) if max > 1000 => {
            i.widget = "textarea";
            i.maxlength = Some(max);
            i.wide = true;
        }
        Kind::Text(max) => i.maxlength = Some(max),
        Kind::Mobile => {
            i.input_type = "tel";
            i.inputmode = "tel";
            i.autocomplete = "tel-national";
            i.hint = Some(t.s("form.mobile_hint").into());
        }
        Kind::Phone => {
            i.input_type = "tel";
            i.inputmode = "tel";
            i.hint = Some(t.s("form.phone_hint").into());
        }
        Kind::Email => {
            i.input_type = "email";
            i.inputmode = "email";
            i.autocomplete = "email";
        }
        Kind::Uscc => {
            i.maxlength = Some(18);
            i.hint = Some(t.s("form.uscc_hint").into());
        }
        Kind::PostalCode => {
            i.maxlength = Some(20);
            // Always there, for the script to fill when the country changes.
            i.hint = Some(
                country::postal_example(country)
                    .map(|e| format!("{} {e}", t.s("form.like")))
                    .unwrap_or_default(),
            );
        }
        Kind::Country => i = i.select(country_choices(t), None),
        Kind::Gender => {
            let options = person::GENDERS
                .iter()
                .map(|v| Choice {
                    value: (*v).to_owned(),
                    label: person::gender_label(v, t.0).to_owned(),
                    selected: false,
                })
                .collect();
            i = i.select(options, Some("—"));
        }
        Kind::Language => {
            let options = person::language_codes()
                .map(|code| Choice {
                    value: code.to_owned(),
                    label: person::language_name(code, t.0).unwrap_or(code).to_owned(),
                    selected: false,
                })
                .collect();
            i = i.select(options, Some("—"));
        }
        Kind::BirthDate => i.input_type = "date",
        Kind::Url => {
            i.input_type = "url";
            i.inputmode = "url";
        }
        Kind::Money => i.inputmode = "decimal",
        Kind::Province => {
            i.suggestions = region_suggestions(t, country);
            i.maxlength = Some(50);
        }
        Kind::Choice(values) => {
            let options = values
                .iter()
                .map(|v| Choice {
                    value: (*v).to_owned(),
                    label: t.choice(name, v),
                    selected: false,
                })
                .collect();
            i = i.select(options, Some("—"));
        }
        Kind::Date => i.input_type = "date",
        Kind::DateTime => i.input_type = "datetime-local",
        Kind::Id | Kind::Bool => {}
    }
    if name == "address" {
        i.wide = true;
    }
    i
}

fn custom(t: T, d: &FieldDefinition) -> Input {
    let mut i = Input::new(&format!("custom.{}", d.key), label_of(t, d));
    i.required = d.rules.required;
    i.maxlength = d.rules.max_length;
    let option_choices = |options: &[String]| {
        options
            .iter()
            .map(|o| Choice {
                value: o.clone(),
                label: o.clone(),
                selected: false,
            })
            .collect::<Vec<_>>()
    };
    match &d.kind {
        FieldKind::LongText => {
            i.widget = "textarea";
            i.wide = true;
        }
        FieldKind::Integer | FieldKind::Decimal | FieldKind::Money => i.inputmode = "decimal",
        FieldKind::Date => i.input_type = "date",
        FieldKind::DateTime => i.input_type = "datetime-local",
        FieldKind::Bool => {
            i = i.select(
                vec![
                    Choice {
                        value: "true".into(),
                        label: t.s("common.yes").into(),
                        selected: false,
                    },
                    Choice {
                        value: "false".into(),
                        label: t.s("common.no").into(),
                        selected: false,
                    },
                ],
                Some("—"),
            )
        }
        FieldKind::Select { options } => i = i.select(option_choices(options), Some("—")),
        FieldKind::MultiSelect { options } => {
            i = i.select(option_choices(options), None);
            i.multiple = true;
        }
        FieldKind::Email => i.input_type = "email",
        FieldKind::Phone => i.input_type = "tel",
        FieldKind::Url => i.input_type = "url",
        FieldKind::Text => {}
    }
    if d.rules.unique {
        i.hint = Some(t.s("form.unique_hint").into());
    }
    i
}
