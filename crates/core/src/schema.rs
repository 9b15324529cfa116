//! The settable fields of each record type. Field names are also the column
//! names in both databases and the keys in the API, so one list drives
//! parsing, storage, history and masking.

use crate::entry::{Kind, Spec};

pub const CUSTOMER_KINDS: &[&str] = &["company", "individual"];
pub const STAGES: &[&str] = &["lead", "prospect", "customer", "loyal", "churned"];
pub const VALUE_TIERS: &[&str] = &["high", "medium", "low"];
pub const COMPANY_SIZES: &[&str] = &["1-9", "10-49", "50-199", "200-999", "1000+"];
pub const CHANNELS: &[&str] = &["call", "visit", "meeting", "email", "message", "note"];
pub const TASK_STATUSES: &[&str] = &["open", "done", "cancelled"];
pub const ROLES: &[&str] = &[
    "admin",
    "manager",
    "sales",
    "service",
    "marketing",
    "viewer",
];
pub const LANGS: &[&str] = &["zh-CN", "en"];

pub const CUSTOMER: &[Spec] = &[
    Spec::new("kind", Kind::Choice(CUSTOMER_KINDS)).defaulted(),
    Spec::new("name", Kind::Text(200)).required(),
    // First of the fields whose rules follow it.
    Spec::new("country", Kind::Country).defaulted(),
    Spec::new("company", Kind::Text(200)),
    Spec::new("title", Kind::Text(100)),
    // A person's (an individual customer's) own details.
    Spec::new("gender", Kind::Gender),
    Spec::new("birth_date", Kind::BirthDate),
    Spec::new("language", Kind::Language),
    Spec::new("mobile", Kind::Mobile),
    Spec::new("phone", Kind::Phone),
    Spec::new("email", Kind::Email),
    Spec::new("uscc", Kind::Uscc),
    Spec::new("province", Kind::Province),
    Spec::new("city", Kind::Text(50)),
    Spec::new("district", Kind::Text(50)),
    Spec::new("address", Kind::Text(300)),
    Spec::new("postal_code", Kind::PostalCode),
    Spec::new("industry", Kind::Text(100)),
    Spec::new("company_size", Kind::Choice(COMPANY_SIZES)),
    Spec::new("website", Kind::Url),
    Spec::new("stage", Kind::Choice(STAGES)).defaulted(),
    Spec::new("source", Kind::Text(100)),
    Spec::new("value_tier", Kind::Choice(VALUE_TIERS)),
    Spec::new("notes", Kind::Text(5000)),
    Spec::new("owner_id", Kind::Id),
    Spec::new("team_id", Kind::Id),
    // The record's id in another system (a sync source, a bought list),
    // unique among live customers: imports find records again by it.
    Spec::new("external_id", Kind::Text(100)),
];

/// Keys of a customer object handled outside the field list.
pub const CUSTOMER_EXTRA: &[&str] = &["tags", "custom"];

pub const CONTACT: &[Spec] = &[
    Spec::new("customer_id", Kind::Id).required(),
    Spec::new("name", Kind::Text(100)).required(),
    Spec::new("country", Kind::Country).defaulted(),
    Spec::new("title", Kind::Text(100)),
    Spec::new("gender", Kind::Gender),
    Spec::new("birth_date", Kind::BirthDate),
    Spec::new("language", Kind::Language),
    Spec::new("mobile", Kind::Mobile),
    Spec::new("phone", Kind::Phone),
    Spec::new("email", Kind::Email),
    Spec::new("notes", Kind::Text(5000)),
    Spec::new("is_primary", Kind::Bool).defaulted(),
];

/// A product or service in the catalogue (产品目录) that opportunities and
/// orders are made of.
pub const PRODUCT: &[Spec] = &[
    // The code people and finance systems know it by (SKU, 物料编码):
    // unique in the catalogue.
    Spec::new("code", Kind::Text(50)).required(),
    Spec::new("name", Kind::Text(200)).required(),
    // 个, 台, 套, 小时, …
    Spec::new("unit", Kind::Text(20)),
    Spec::new("price", Kind::Money).required(),
    Spec::new("description", Kind::Text(5000)),
    // Inactive products stay on old orders but are not offered for new ones.
    Spec::new("active", Kind::Bool).defaulted(),
];

/// An opportunity's own fields (商机). Its stage is moved, not written;
/// its probability (0–100) is read apart, as a whole number.
pub const OPPORTUNITY: &[Spec] = &[
    Spec::new("customer_id", Kind::Id).required(),
    Spec::new("name", Kind::Text(200)).required(),
    Spec::new("amount", Kind::Money),
    Spec::new("expected_close", Kind::Date),
    Spec::new("pipeline_id", Kind::Id),
    Spec::new("stage_id", Kind::Id),
    // The customer's owner unless a manager or administrator gives it to
    // someone else.
    Spec::new("owner_id", Kind::Id),
    // 展会, 官网, 老客户介绍, …
    Spec::new("source", Kind::Text(100)),
    Spec::new("notes", Kind::Text(5000)),
];

/// Where a lead (线索) is.
pub const LEAD_STATUSES: &[&str] = &["new", "contacted", "qualified", "converted", "disqualified"];

/// A lead's own fields, as a web form, the API or an import gives them.
pub const LEAD: &[Spec] = &[
    Spec::new("name", Kind::Text(100)).required(),
    Spec::new("country", Kind::Country).defaulted(),
    Spec::new("company", Kind::Text(200)),
    Spec::new("title", Kind::Text(100)),
    Spec::new("gender", Kind::Gender),
    Spec::new("birth_date", Kind::BirthDate),
    Spec::new("language", Kind::Language),
    Spec::new("mobile", Kind::Mobile),
    Spec::new("phone", Kind::Phone),
    Spec::new("email", Kind::Email),
    Spec::new("province", Kind::Province),
    Spec::new("city", Kind::Text(50)),
    Spec::new("source", Kind::Text(100)),
    Spec::new("campaign", Kind::Text(100)),
    Spec::new("message", Kind::Text(5000)),
    Spec::new("owner_id", Kind::Id),
];

/// A follow-up of a lead: what was said and the next step.
pub const LEAD_FOLLOWUP: &[Spec] = &[
    Spec::new("channel", Kind::Choice(CHANNELS)).required(),
    Spec::new("content", Kind::Text(20000)).required(),
    Spec::new("occurred_at", Kind::DateTime).defaulted(),
    Spec::new("next_step", Kind::Text(500)),
    Spec::new("next_step_at", Kind::DateTime),
];

/// How a payment (回款) came in.
pub const PAYMENT_METHODS: &[&str] = &[
    "bank_transfer",
    "alipay",
    "wechat_pay",
    "cash",
    "card",
    "cheque",
    "other",
];

/// An order's own fields; its lines, status and sums are set by the order
/// workflow, not written directly.
pub const ORDER: &[Spec] = &[
    Spec::new("customer_id", Kind::Id).required(),
    // The number another system (ERP, online shop) knows the order by.
    Spec::new("external_ref", Kind::Text(100)),
    Spec::new("ordered_on", Kind::Date),
    Spec::new("notes", Kind::Text(5000)),
];

/// A payment received against an order.
pub const PAYMENT: &[Spec] = &[
    Spec::new("amount", Kind::Money).required(),
    Spec::new("method", Kind::Choice(PAYMENT_METHODS)).required(),
    Spec::new("paid_on", Kind::Date).required(),
    // Bank slip, Alipay trade number, …
    Spec::new("reference", Kind::Text(100)),
];

/// What a shipped order carries: who carries it and the number to track it.
pub const SHIPMENT: &[Spec] = &[
    Spec::new("carrier", Kind::Text(100)).required(),
    Spec::new("tracking_no", Kind::Text(100)).required(),
];

/// Why an order was cancelled or refunded.
pub const ORDER_REASON: &[Spec] = &[Spec::new("reason", Kind::Text(500)).required()];

pub const INTERACTION: &[Spec] = &[
    Spec::new("customer_id", Kind::Id).required(),
    Spec::new("contact_id", Kind::Id),
    Spec::new("channel", Kind::Choice(CHANNELS)).required(),
    Spec::new("content", Kind::Text(20000)).required(),
    Spec::new("occurred_at", Kind::DateTime).defaulted(),
    Spec::new("next_step", Kind::Text(500)),
    Spec::new("next_step_at", Kind::DateTime),
];

pub const TASK: &[Spec] = &[
    Spec::new("customer_id", Kind::Id),
    Spec::new("title", Kind::Text(200)).required(),
    Spec::new("notes", Kind::Text(5000)),
    Spec::new("due_at", Kind::DateTime).required(),
    Spec::new("remind_at", Kind::DateTime),
    Spec::new("assignee_id", Kind::Id),
    Spec::new("status", Kind::Choice(TASK_STATUSES)).defaulted(),
];

pub const TAG: &[Spec] = &[
    Spec::new("name", Kind::Text(50)).required(),
    Spec::new("color", Kind::Text(20)),
];

pub const TEAM: &[Spec] = &[Spec::new("name", Kind::Text(100)).required()];

pub const USER: &[Spec] = &[
    Spec::new("email", Kind::Email).required(),
    Spec::new("name", Kind::Text(100)),
    Spec::new("role", Kind::Choice(ROLES)).required(),
    Spec::new("team_id", Kind::Id),
    Spec::new("lang", Kind::Choice(LANGS)),
    Spec::new("active", Kind::Bool).defaulted(),
];

/// Passwords are accepted only on create and reset, never read back.
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 200;
