//! The order types the store hands out: orders, their lines and payments,
//! a customer's purchase figures, the list filter and the workflow steps.

use std::collections::BTreeMap;

use kehu_core::entry::Patch;
use kehu_core::order::{Discount, OrderEvent, OrderStatus};
use serde::Serialize;
use utoipa::ToSchema;

use crate::products::Price;
use crate::time::Time;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    /// The number people quote (SO-000123): the id, padded.
    #[sqlx(skip)]
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// The opportunity (商机) the order was made from.
    pub opportunity_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// draft, confirmed, paid, shipped, delivered, completed, cancelled or
    /// refunded.
    pub status: String,
    /// `{"amount": "1200.50", "currency": "CNY"}`: the sum of the lines.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub total: Price,
    /// What the payments add up to.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub paid: Price,
    /// `total` less `paid`.
    #[sqlx(skip)]
    #[schema(value_type = Object)]
    pub outstanding: Option<Price>,
    pub external_ref: Option<String>,
    pub ordered_on: Option<String>,
    pub notes: Option<String>,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    /// Why it was cancelled or refunded.
    pub reason: Option<String>,
    pub confirmed_at: Option<Time>,
    pub paid_at: Option<Time>,
    pub shipped_at: Option<Time>,
    pub delivered_at: Option<Time>,
    pub completed_at: Option<Time>,
    pub cancelled_at: Option<Time>,
    pub refunded_at: Option<Time>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
    #[sqlx(skip)]
    pub payments: Vec<Payment>,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct OrderLine {
    pub id: i64,
    pub position: i64,
    pub product_id: Option<i64>,
    pub name: String,
    pub unit: Option<String>,
    /// An exact decimal, as a string.
    pub quantity: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub unit_price: Price,
    /// `{"kind": "percent" | "amount", "value": "10"}`, or null.
    #[sqlx(try_from = "Option<String>")]
    #[schema(value_type = Option<Object>)]
    pub discount: StoredDiscount,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub total: Price,
}

/// A line's discount as stored (JSON text), read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StoredDiscount(pub Option<Discount>);

impl TryFrom<Option<String>> for StoredDiscount {
    type Error = serde_json::Error;
    fn try_from(s: Option<String>) -> std::result::Result<Self, Self::Error> {
        s.map(|s| serde_json::from_str(&s))
            .transpose()
            .map(StoredDiscount)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Payment {
    pub id: i64,
    pub order_id: i64,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub amount: Price,
    pub method: String,
    pub paid_on: String,
    pub reference: Option<String>,
    pub created_at: Time,
    pub created_by: Option<i64>,
}

/// What a customer has bought: its orders that were paid and not refunded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CustomerFigures {
    pub purchase_count: i64,
    /// One sum per currency bought in, `{"CNY": "12800.00"}`.
    #[schema(value_type = Object)]
    pub total_spend: BTreeMap<String, String>,
    pub first_purchase_at: Option<Time>,
    pub last_purchase_at: Option<Time>,
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<i64>,
    pub status: Option<OrderStatus>,
    pub owner_id: Option<i64>,
    /// Orders older than this one (the id of the last order of the
    /// previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// One step of the workflow, with what that step needs.
#[derive(Debug, Clone)]
pub enum Step {
    Confirm,
    /// [`schema::SHIPMENT`]: carrier and tracking number.
    ///
    /// [`schema::SHIPMENT`]: kehu_core::schema::SHIPMENT
    Ship(Patch),
    Deliver,
    Complete,
    /// [`schema::ORDER_REASON`].
    ///
    /// [`schema::ORDER_REASON`]: kehu_core::schema::ORDER_REASON
    Cancel(Patch),
    /// [`schema::ORDER_REASON`].
    ///
    /// [`schema::ORDER_REASON`]: kehu_core::schema::ORDER_REASON
    Refund(Patch),
}

impl Step {
    pub(super) fn event(&self) -> OrderEvent {
        match self {
            Step::Confirm => OrderEvent::Confirm,
            Step::Ship(_) => OrderEvent::Ship,
            Step::Deliver => OrderEvent::Deliver,
            Step::Complete => OrderEvent::Complete,
            Step::Cancel(_) => OrderEvent::Cancel,
            Step::Refund(_) => OrderEvent::Refund,
        }
    }
}
