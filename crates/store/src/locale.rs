//! Where an instance's customers are: the country a record takes when it
//! is entered without one (China unless an administrator changes it), and
//! the country of a record about to be changed, whose rules its new values
//! are read by.

use kehu_core::country::{self, Country};
use kehu_core::entry::Patch;
use kehu_core::{Actor, Code, CustomerId, Invalid};

use crate::customers::{visible, Customer};
use crate::db::q;
use crate::{admin_only, now_ms, Error, Result, Store};

impl Store {
    /// The country of records entered without one.
    pub async fn default_country(&self) -> Result<Country> {
        let (code,): (String,) = self
            .db
            .one(q(
                "SELECT default_country FROM locale_settings WHERE id = 1",
            ))
            .await?;
        Ok(Country::from_code(&code).unwrap_or(Country::CN))
    }

    pub async fn set_default_country(&self, actor: &Actor, country: Country) -> Result<()> {
        admin_only(actor)?;
        self.db
            .execute(
                q(
                    "UPDATE locale_settings SET default_country = $1, updated_by = $2, \
                   updated_at = $3 WHERE id = 1",
                )
                .bind(country.code())
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    /// The country of a live customer the actor may see: a change to it is
    /// read by that country's rules unless it moves the record.
    pub async fn customer_country(&self, actor: &Actor, id: CustomerId) -> Result<Country> {
        let found: Option<(String,)> = self
            .db
            .optional(
                q(format!(
                    "SELECT c.country FROM customers c WHERE c.id = $1 AND c.deleted_at IS NULL \
                     AND {}",
                    visible(actor.scope(), "c")
                ))
                .bind(id.get()),
            )
            .await?;
        let (code,) = found.ok_or(Error::NotFound)?;
        Ok(Country::from_code(&code).unwrap_or(Country::CN))
    }
}

/// An entry standard that follows the country.
type Check = fn(Country, &str) -> std::result::Result<String, Code>;

/// A change that moves a record to another country must leave its region
/// and postal code right for the new one: those the change does not set
/// are checked again, and a value wrong for the new country refuses the
/// change with a message naming it. Phone numbers are stored in forms that
/// hold in any country, so they stay.
pub(crate) fn check_move(patch: &Patch, current: &Customer) -> Result<()> {
    let Some(code) = patch.text("country") else {
        return Ok(());
    };
    if code == current.country {
        return Ok(());
    }
    let country =
        Country::from_code(code).ok_or_else(|| Invalid::one("country", Code::InvalidCountry))?;
    let mut invalid = Invalid::default();
    let checks: [(&str, &Option<String>, Check); 2] = [
        ("province", &current.province, country::region),
        ("postal_code", &current.postal_code, country::postal_code),
    ];
    for (field, value, check) in checks {
        if patch.get(field).is_some() {
            continue;
        }
        if let Some(value) = value {
            if let Err(code) = check(country, value) {
                invalid.push(field, code);
            }
        }
    }
    invalid.into_result().map_err(Into::into)
}
