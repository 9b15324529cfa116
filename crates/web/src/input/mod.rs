//! Input parsing shared by the JSON API and the HTML forms: a body or a
//! form becomes the store's input types here, with every bad value
//! reported at once, so both edges accept and refuse the same things.

pub(crate) mod customers;
pub(crate) mod imports;
pub(crate) mod lookups;
pub(crate) mod opportunities;
pub(crate) mod records;
pub(crate) mod settings;
pub(crate) mod webhooks;

/// A JSON array of strings.
pub(crate) fn strings(items: Vec<serde_json::Value>) -> Result<Vec<String>, kehu_core::Code> {
    items
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(kehu_core::Code::WrongType),
        })
        .collect()
}
