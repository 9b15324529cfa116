//! What a caller hands a bulk write: customers with what hangs off them,
//! and what each customer's row stores beside its fields.

use kehu_core::entry::Patch;

pub use kehu_core::search::Derived;

/// A customer with what hangs off it, each part already parsed.
#[derive(Debug, Clone, Default)]
pub struct BulkCustomer {
    /// Customer fields (schema::CUSTOMER), including owner_id and team_id.
    pub patch: Patch,
    pub tags: Vec<String>,
    /// Custom-field values, already validated.
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// Contact fields (schema::CONTACT); customer_id is filled in.
    pub contacts: Vec<Patch>,
    /// Interaction fields (schema::INTERACTION); customer_id is filled in.
    /// A next step with a date becomes a task for `author`.
    pub interactions: Vec<Patch>,
    /// When the customer was created, if not now (for migrated data).
    pub created_at: Option<i64>,
    pub author: Option<i64>,
    /// What its row stores beside the fields, when the caller worked it
    /// out already (on another thread); worked out here otherwise.
    pub derived: Option<Derived>,
}
