//! `/api/v1/countries`: the countries a record may be in, with the regions
//! its addresses name and the shape of its postal codes, for entry forms
//! and clients; and `/api/v1/settings/locale`, the country records take
//! when entered without one.

use axum::extract::{Path, State};
use axum::Json;
use kehu_core::country::{self, Country};
use kehu_core::{Code, Invalid};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CountryInfo {
    /// ISO 3166-1 alpha-2, as records store it.
    pub code: &'static str,
    /// The name in the caller's language.
    pub name: &'static str,
    /// What a postal code looks like there (`1234`, `A1B 2C3`); absent
    /// where any text is taken.
    pub postal_example: Option<String>,
}

fn info(country: Country, me: &CurrentUser) -> CountryInfo {
    CountryInfo {
        code: country.code(),
        name: country.name(me.lang()),
        postal_example: country::postal_example(country),
    }
}

#[utoipa::path(get, path = "/api/v1/countries", tag = "customers",
    responses((status = 200, body = Vec<CountryInfo>)))]
/// Every ISO 3166-1 country and territory, by code.
pub async fn list(me: CurrentUser) -> Json<Vec<CountryInfo>> {
    Json(Country::all().map(|c| info(c, &me)).collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountryRegions {
    #[serde(flatten)]
    pub country: CountryInfo,
    /// The regions (provinces, states, prefectures …) by the names records
    /// store; for China its 34 provincial divisions.
    pub regions: Vec<&'static str>,
}

#[utoipa::path(get, path = "/api/v1/countries/{code}", tag = "customers",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2, e.g. AU")),
    responses((status = 200, body = CountryRegions), (status = 404)))]
/// One country with its regions.
pub async fn get(me: CurrentUser, Path(code): Path<String>) -> Result<Json<CountryRegions>> {
    let country = Country::from_code(&code.to_ascii_uppercase()).ok_or(ApiError::NotFound)?;
    Ok(Json(CountryRegions {
        country: info(country, &me),
        regions: country::regions(country).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocaleSettings {
    /// The country (ISO 3166-1 alpha-2) of records entered without one.
    pub default_country: &'static str,
}

#[utoipa::path(get, path = "/api/v1/settings/locale", tag = "customers",
    responses((status = 200, body = LocaleSettings)))]
pub async fn locale(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<LocaleSettings>> {
    let country = state.store.default_country().await?;
    Ok(Json(LocaleSettings {
        default_country: country.code(),
    }))
}

#[utoipa::path(put, path = "/api/v1/settings/locale", tag = "customers",
    request_body(content = Object, description = "`{\"default_country\": \"AU\"}`: a code or a name"),
    responses((status = 200, body = LocaleSettings), (status = 403), (status = 422)))]
/// Sets the country of records entered without one (administrators).
pub async fn set_locale(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<LocaleSettings>> {
    let mut invalid = Invalid::default();
    let country = match body.take("default_country") {
        Some(Value::String(s)) => invalid.check("default_country", Country::parse(&s)),
        Some(_) => {
            invalid.push("default_country", Code::WrongType);
            None
        }
        None => {
            invalid.push("default_country", Code::Required);
            None
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let country = country.unwrap_or(Country::CN);
    state.store.set_default_country(&me.actor, country).await?;
    Ok(Json(LocaleSettings {
        default_country: country.code(),
    }))
}
