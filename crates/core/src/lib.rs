#![forbid(unsafe_code)]
//! kehu's domain: the values a CRM record may hold, the rules an entry must
//! follow, and the keys used to find and match records. No I/O happens here.

mod error;
mod lang;

pub mod columns;
pub mod company;
pub mod country;
pub mod crypto;
pub mod date;
pub mod dedupe;
pub mod email;
pub mod entry;
pub mod field;
pub mod ids;
pub mod money;
pub mod opportunity;
pub mod order;
pub mod person;
pub mod phone;
pub mod quality;
pub mod record;
pub mod region;
pub mod resident_id;
pub mod schema;
pub mod search;
pub mod text;
pub mod transfer;
pub mod url;
pub mod uscc;
pub mod webhook;

pub use error::{Code, FieldError, Invalid, LocalizedFieldError};
pub use ids::*;
pub use lang::Lang;
pub use record::{
    Actor, ChangeSource, Channel, CustomerKind, LifecycleStage, Role, Scope, TaskStatus, ValueTier,
};
