//! Settings → data quality (`/settings/quality`, administrators): the
//! required and recommended fields of each record type with their weights,
//! the stale period and the incomplete threshold. Saving re-validates the
//! records and leads to the list of those that now break a rule.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_core::quality::{FieldRule, Level, QualityRules, RecordType};
use kehu_core::{Code, Invalid};

use super::frame::Section;
use super::settings::{admin_only, frame};
use super::{render_refused, see_other, Errors, Fields, PageError, Posted, Viewer};
use crate::extract::QueryPairs;
use crate::AppState;

/// Empty lines offered under each type's rules for adding one.
const BLANK_LINES: usize = 2;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/quality", get(page).post(save))
}

/// One line of the form: a rule as typed.
pub struct Line {
    pub fields: String,
    pub required: bool,
    pub weight: String,
}

/// The lines of one record type.
pub struct Group {
    pub name: &'static str,
    pub label: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "settings/quality.html")]
struct RulesPage {
    f: super::Frame,
    groups: Vec<Group>,
    stale_days: String,
    incomplete_below: String,
    error: Option<String>,
}

fn groups(rules: &QualityRules) -> Vec<Group> {
    RecordType::ALL
        .iter()
        .map(|&record| Group {
            name: record.as_str(),
            label: match record {
                RecordType::Company => "quality.type_company",
                RecordType::Individual => "quality.type_individual",
                RecordType::Contact => "quality.type_contact",
            },
            lines: rules
                .of(record)
                .iter()
                .map(|r| Line {
                    fields: r.label(),
                    required: r.level == Level::Required,
                    weight: r.weight.to_string(),
                })
                .chain((0..BLANK_LINES).map(|_| Line {
                    fields: String::new(),
                    required: false,
                    weight: String::new(),
                }))
                .collect(),
        })
        .collect()
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    rules: &QualityRules,
    error: Option<String>,
) -> Result<Response, PageError> {
    let refused = error.is_some();
    let page = RulesPage {
        f: frame(state, viewer, "settings.quality", params).await?,
        groups: groups(rules),
        stale_days: rules.stale_days.to_string(),
        incomplete_below: rules.incomplete_below.to_string(),
        error,
    };
    render_refused(&page, refused)
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    admin_only(&viewer)?;
    let rules = state.store.quality_rules().await?;
    show(&state, &viewer, &params, &rules, None).await
}

/// A whole number from a form field, or `WrongType` under its name.
fn number(fields: &Fields, name: &str, invalid: &mut Invalid) -> u32 {
    let text = fields.get(name).unwrap_or_default().trim();
    match text.parse() {
        Ok(n) => n,
        Err(_) => {
            invalid.push(name, Code::WrongType);
            0
        }
    }
}

/// Reads the form back into rules. A line without fields is dropped;
/// fields are separated by `|`, commas or spaces.
fn read(fields: &Fields, invalid: &mut Invalid) -> QualityRules {
    let mut rules = QualityRules {
        company: Vec::new(),
        individual: Vec::new(),
        contact: Vec::new(),
        stale_days: number(fields, "stale_days", invalid),
        incomplete_below: number(fields, "incomplete_below", invalid),
    };
    for record in RecordType::ALL {
        let name = record.as_str();
        let list = match record {
            RecordType::Company => &mut rules.company,
            RecordType::Individual => &mut rules.individual,
            RecordType::Contact => &mut rules.contact,
        };
        let keys = [
            format!("{name}.fields"),
            format!("{name}.level"),
            format!("{name}.weight"),
        ];
        let texts: Vec<&str> = fields.all(&keys[0]).collect();
        let levels: Vec<&str> = fields.all(&keys[1]).collect();
        let weights: Vec<&str> = fields.all(&keys[2]).collect();
        for (i, text) in texts.iter().enumerate() {
            let names: Vec<String> = text
                .split(['|', ',', '，', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                continue;
            }
            let weight = weights.get(i).map_or("", |w| w.trim());
            let weight = weight.parse().unwrap_or_else(|_| {
                invalid.push(format!("{name}[{}].weight", list.len()), Code::WrongType);
                0
            });
            list.push(FieldRule {
                fields: names,
                level: if levels.get(i) == Some(&"required") {
                    Level::Required
                } else {
                    Level::Recommended
                },
                weight,
            });
        }
    }
    rules
}

pub async fn save(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let t = posted.viewer.t();
    let mut invalid = Invalid::default();
    let rules = read(&posted.fields, &mut invalid);
    let result = match invalid.into_result() {
        Err(invalid) => Err(kehu_store::Error::Invalid(invalid)),
        Ok(()) => {
            state
                .store
                .set_quality_rules(&posted.viewer.me.ctx(), rules.clone())
                .await
        }
    };
    match result {
        Ok((_, revalidation)) => Ok(see_other(&format!(
            "/quality/revalidations/{}?flash=rules_saved&n={}",
            revalidation.id, revalidation.failing
        ))),
        Err(kehu_store::Error::Invalid(invalid)) => {
            let message = Errors::new(t, &invalid.0).line();
            show(&state, &posted.viewer, &[], &rules, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
