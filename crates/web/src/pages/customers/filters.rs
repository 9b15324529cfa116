//! The customer list's filter panel: one input per filter the list
//! understands (owner, team, tag, stage, region, person fields, dates,
//! custom fields), each showing the value in force.

use kehu_core::schema;
use kehu_store::fields::FieldDefinition;
use kehu_store::users::User;
use kehu_store::Store;

use super::display::{choices, label_of, province_choices, Choice, People};
use crate::pages::{PageError, T};

pub struct FilterInput {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    /// Empty for a text input.
    pub options: Vec<Choice>,
    pub input_type: &'static str,
}

/// The filter panel's inputs, each set to its value in `get`.
pub(super) async fn filter_inputs(
    store: &Store,
    t: T,
    users: &[User],
    people: &People,
    defs: &[FieldDefinition],
    get: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<FilterInput>, PageError> {
    let mut filters = vec![owner_filter(t, users, people, &get("owner_id"))];
    let team = get("team_id");
    let teams = store.teams().await?.into_iter().map(|tm| Choice {
        selected: team == tm.id.to_string(),
        value: tm.id.to_string(),
        label: tm.name,
    });
    filters.push(select(
        "team_id",
        t.field("team"),
        &team,
        with_any(t, &team, teams),
    ));
    let tag = get("tag");
    let tags = store.tags().await?.into_iter().map(|tg| Choice {
        selected: tag == tg.name,
        value: tg.name.clone(),
        label: tg.name,
    });
    filters.push(select(
        "tag",
        t.field("tags"),
        &tag,
        with_any(t, &tag, tags),
    ));
    for (name, values) in [
        ("stage", schema::STAGES),
        ("kind", schema::CUSTOMER_KINDS),
        ("value_tier", schema::VALUE_TIERS),
    ] {
        let value = get(name);
        let options = with_any(t, &value, choices(values, t, name, &value));
        filters.push(select(name, t.field(name), &value, options));
    }
    filters.extend(place_filters(t, get));
    filters.extend(person_filters(t, get));
    for name in ["city", "source"] {
        filters.push(text_filter(name, t.field(name), get(name), "text"));
    }
    filters.extend(date_filters(t, get));
    filters.extend(custom_filters(t, defs, get));
    Ok(filters)
}

/// "Any", selected when no value is set, then `options`.
fn with_any(t: T, value: &str, options: impl IntoIterator<Item = Choice>) -> Vec<Choice> {
    let mut all = vec![Choice {
        value: String::new(),
        label: t.s("common.any").to_owned(),
        selected: value.is_empty(),
    }];
    all.extend(options);
    all
}

/// Any owner, the shared pool, or one of the active users.
fn owner_filter(t: T, users: &[User], people: &People, owner: &str) -> FilterInput {
    let pool = Choice {
        value: "none".into(),
        label: t.s("common.pool").to_owned(),
        selected: owner == "none" || owner == "pool",
    };
    let people = users.iter().filter(|u| u.active).map(|u| Choice {
        value: u.id.to_string(),
        label: people.name(t, Some(u.id)),
        selected: owner == u.id.to_string(),
    });
    FilterInput {
        id: "filter-owner".into(),
        ..select(
            "owner_id",
            t.field("owner"),
            owner,
            with_any(t, owner, std::iter::once(pool).chain(people)),
        )
    }
}

/// Country, then the region: a province of China, free text elsewhere.
fn place_filters(t: T, get: &(dyn Fn(&str) -> String + Sync)) -> Vec<FilterInput> {
    let country = get("country");
    let countries = crate::pages::form::country_choices(t)
        .into_iter()
        .map(|mut c| {
            c.selected = c.value == country;
            c
        });
    let mut filters = vec![select(
        "country",
        t.field("country"),
        &country,
        with_any(t, &country, countries),
    )];
    let province = get("province");
    filters.push(if country.is_empty() || country == "CN" {
        let provinces = with_any(t, &province, province_choices(t, &province));
        select("province", t.field("province"), &province, provinces)
    } else {
        text_filter("province", t.field("province"), province, "text")
    });
    filters
}

/// Gender, age and birth month.
fn person_filters(t: T, get: &(dyn Fn(&str) -> String + Sync)) -> Vec<FilterInput> {
    let gender = get("gender");
    let genders = kehu_core::person::GENDERS.iter().map(|g| Choice {
        selected: gender == *g,
        value: (*g).to_owned(),
        label: kehu_core::person::gender_label(g, t.0).to_owned(),
    });
    let mut filters = vec![select(
        "gender",
        t.field("gender"),
        &gender,
        with_any(t, &gender, genders),
    )];
    for name in ["age_min", "age_max"] {
        filters.push(text_filter(
            name,
            t.s(&format!("filter.{name}")),
            get(name),
            "number",
        ));
    }
    let month = get("birth_month");
    let this_month = Choice {
        selected: month == "this",
        value: "this".into(),
        label: t.s("filter.birthday_this_month").into(),
    };
    let months = (1..=12).map(|m| Choice {
        selected: month == m.to_string(),
        value: m.to_string(),
        label: t.s("filter.month_n").replace("{n}", &m.to_string()),
    });
    filters.push(select(
        "birth_month",
        t.s("filter.birth_month"),
        &month,
        with_any(t, &month, std::iter::once(this_month).chain(months)),
    ));
    filters
}

/// Created and updated, from and to.
fn date_filters(t: T, get: &(dyn Fn(&str) -> String + Sync)) -> Vec<FilterInput> {
    [
        ("created_from", "created_at", "common.from"),
        ("created_to", "created_at", "common.to"),
        ("updated_from", "updated_at", "common.from"),
        ("updated_to", "updated_at", "common.to"),
    ]
    .into_iter()
    .map(|(name, field, bound)| {
        let label = format!("{} {}", t.field(field), t.s(bound));
        text_filter(name, &label, get(name), "date")
    })
    .collect()
}

/// One per custom field: a choice among its options, or text.
fn custom_filters(
    t: T,
    defs: &[FieldDefinition],
    get: &(dyn Fn(&str) -> String + Sync),
) -> Vec<FilterInput> {
    defs.iter()
        .map(|d| {
            let name = format!("custom.{}", d.key);
            let value = get(&name);
            let options = d.kind.options().unwrap_or_default();
            if options.is_empty() {
                return text_filter(&name, &label_of(t, d), value, "text");
            }
            let all = options.iter().map(|o| Choice {
                selected: value == *o,
                value: o.clone(),
                label: o.clone(),
            });
            select(&name, &label_of(t, d), &value, with_any(t, &value, all))
        })
        .collect()
}

fn select(name: &str, label: &str, value: &str, options: Vec<Choice>) -> FilterInput {
    FilterInput {
        name: name.to_owned(),
        id: format!("filter-{}", name.replace('.', "-")),
        label: label.to_owned(),
        value: value.to_owned(),
        options,
        input_type: "select",
    }
}

fn text_filter(name: &str, label: &str, value: String, input_type: &'static str) -> FilterInput {
    FilterInput {
        name: name.to_owned(),
        id: format!("filter-{}", name.replace('.', "-")),
        label: label.to_owned(),
        value,
        options: Vec::new(),
        input_type,
    }
}
