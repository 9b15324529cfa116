//! Building the [`Preparer`] that reads a batch's rows (see
//! `kehu_core::transfer::prepare`) from the mapping, the field definitions
//! and the instance's users and teams, and the columns keys are looked up
//! by.

use kehu_core::columns::Target;
use kehu_core::transfer::prepare::{Directory, Preparer};
use kehu_core::transfer::Key;
use kehu_core::{Code, Invalid};

use crate::{Result, Store};

use super::ImportOptions;

/// The SQL expression a key is looked up by (an index exists on each).
pub(super) fn column(key: Key) -> &'static str {
    match key {
        Key::Email => "lower(c.email)",
        Key::Id => "c.id",
        Key::External => "c.external_id",
        Key::Uscc => "c.uscc",
        Key::Mobile => "c.mobile",
    }
}

impl Store {
    /// Everything needed to parse rows for `options`, with the mapping's
    /// keys checked: an unknown field key is an error naming the column.
    pub async fn preparer(&self, options: &ImportOptions) -> Result<Preparer> {
        let defs = self.field_defs().await?;
        let mut invalid = Invalid::default();
        let mut columns = Vec::new();
        for (i, key) in options.mapping.iter().enumerate() {
            match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                None => columns.push(None),
                Some(k) => match Target::parse(k, &defs) {
                    Some(t) => columns.push(Some(t)),
                    None => {
                        let header = options.headers.get(i).cloned().unwrap_or_default();
                        invalid.push(format!("mapping.{header}"), Code::UnknownField);
                        columns.push(None);
                    }
                },
            }
        }
        let mut seen = Vec::new();
        for (i, t) in columns.iter().enumerate() {
            if let Some(t) = t {
                if seen.contains(t) {
                    let header = options.headers.get(i).cloned().unwrap_or_default();
                    invalid.push(format!("mapping.{header}"), Code::NotUnique);
                }
                seen.push(t.clone());
            }
        }
        invalid.into_result()?;
        let mut directory = Directory::default();
        for user in self.users().await?.into_iter().filter(|u| u.active) {
            directory.add_user(user.id, &user.email, user.name, user.team_id);
        }
        for team in self.teams().await? {
            directory.add_team(team.name, team.id);
        }
        Ok(Preparer::new(
            columns,
            defs,
            directory,
            options.kind,
            options.headers.clone(),
            options.strict,
            self.default_country().await?,
        ))
    }
}
