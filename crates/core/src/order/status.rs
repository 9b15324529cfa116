//! Where an order is and what happens to it: its statuses and events, the
//! steps allowed between them, their labels, and why a step is refused.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Code, Lang};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Confirmed,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    Refunded,
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Confirm,
    /// Payments now cover the total (a partial payment changes no status).
    PaidInFull,
    Ship,
    Deliver,
    Complete,
    Cancel,
    Refund,
}

impl OrderStatus {
    pub const ALL: &'static [OrderStatus] = &[
        OrderStatus::Draft,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Result<OrderStatus, Code> {
        OrderStatus::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == s.trim())
            .ok_or(Code::InvalidChoice)
    }

    /// The status `event` leads to, or `None` where it is not allowed: an
    /// order is confirmed before it is paid, paid before it ships, and
    /// delivered before it completes; it is cancelled only before any money
    /// came in (`paid_anything`), and refunded only after it was paid.
    pub fn after(self, event: OrderEvent, paid_anything: bool) -> Option<OrderStatus> {
        use OrderEvent as E;
        use OrderStatus as S;
        match (self, event) {
            (S::Draft, E::Confirm) => Some(S::Confirmed),
            (S::Confirmed, E::PaidInFull) => Some(S::Paid),
            (S::Paid, E::Ship) => Some(S::Shipped),
            (S::Shipped, E::Deliver) => Some(S::Delivered),
            (S::Delivered, E::Complete) => Some(S::Completed),
            (S::Draft | S::Confirmed, E::Cancel) if !paid_anything => Some(S::Cancelled),
            (S::Paid | S::Shipped | S::Delivered, E::Refund) => Some(S::Refunded),
            _ => None,
        }
    }

    /// No event moves an order on from here.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Completed | OrderStatus::Cancelled | OrderStatus::Refunded
        )
    }
}

impl OrderStatus {
    /// The status as the order pages name it.
    pub fn label(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self {
            OrderStatus::Draft => {
                if zh {
                    "草稿"
                } else {
                    "Draft"
                }
            }
            OrderStatus::Confirmed => {
                if zh {
                    "已确认"
                } else {
                    "Confirmed"
                }
            }
            OrderStatus::Paid => {
                if zh {
                    "已付款"
                } else {
                    "Paid"
                }
            }
            OrderStatus::Shipped => {
                if zh {
                    "已发货"
                } else {
                    "Shipped"
                }
            }
            OrderStatus::Delivered => {
                if zh {
                    "已签收"
                } else {
                    "Delivered"
                }
            }
            OrderStatus::Completed => {
                if zh {
                    "已完成"
                } else {
                    "Completed"
                }
            }
            OrderStatus::Cancelled => {
                if zh {
                    "已取消"
                } else {
                    "Cancelled"
                }
            }
            OrderStatus::Refunded => {
                if zh {
                    "已退款"
                } else {
                    "Refunded"
                }
            }
        }
    }

    /// Counts as a purchase in the customer's figures: the money came in
    /// and was not given back.
    pub fn is_purchase(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Shipped
                | OrderStatus::Delivered
                | OrderStatus::Completed
        )
    }
}

impl OrderEvent {
    /// The events a person triggers by name (being paid in full follows
    /// from recording payments).
    pub const NAMED: &'static [OrderEvent] = &[
        OrderEvent::Confirm,
        OrderEvent::Ship,
        OrderEvent::Deliver,
        OrderEvent::Complete,
        OrderEvent::Cancel,
        OrderEvent::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Confirm => "confirm",
            OrderEvent::PaidInFull => "pay",
            OrderEvent::Ship => "ship",
            OrderEvent::Deliver => "deliver",
            OrderEvent::Complete => "complete",
            OrderEvent::Cancel => "cancel",
            OrderEvent::Refund => "refund",
        }
    }

    /// The verb, as a button says it.
    pub fn label(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self {
            OrderEvent::Confirm => {
                if zh {
                    "确认"
                } else {
                    "Confirm"
                }
            }
            OrderEvent::PaidInFull => {
                if zh {
                    "收款"
                } else {
                    "Record payment"
                }
            }
            OrderEvent::Ship => {
                if zh {
                    "发货"
                } else {
                    "Ship"
                }
            }
            OrderEvent::Deliver => {
                if zh {
                    "确认签收"
                } else {
                    "Mark delivered"
                }
            }
            OrderEvent::Complete => {
                if zh {
                    "完成"
                } else {
                    "Complete"
                }
            }
            OrderEvent::Cancel => {
                if zh {
                    "取消"
                } else {
                    "Cancel"
                }
            }
            OrderEvent::Refund => {
                if zh {
                    "退款"
                } else {
                    "Refund"
                }
            }
        }
    }
}

/// Why `event` cannot happen to an order in `status`, in words a user can
/// act on.
pub fn refusal(status: OrderStatus, event: OrderEvent, paid_anything: bool, lang: Lang) -> String {
    use OrderEvent as E;
    use OrderStatus as S;
    let zh = lang == Lang::ZhCn;
    let hint = match (status, event) {
        (S::Draft | S::Confirmed, E::Cancel) if paid_anything => {
            if zh {
                "已有回款：请先退款。"
            } else {
                "Money came in: refund it instead."
            }
        }
        (S::Draft, E::PaidInFull) => {
            if zh {
                "请先确认订单再收款。"
            } else {
                "Confirm the order before recording payments."
            }
        }
        (S::Confirmed, E::Ship) | (S::Draft, E::Ship) => {
            if zh {
                "货款收齐后才能发货。"
            } else {
                "An order ships once it is paid in full."
            }
        }
        (S::Draft | S::Confirmed, E::Refund) => {
            if zh {
                "尚未付清的订单不能退款。"
            } else {
                "Only a paid order can be refunded."
            }
        }
        (s, _) if s.is_final() => {
            if zh {
                "订单已结束。"
            } else {
                "The order is closed."
            }
        }
        _ => "",
    };
    let mut out = if zh {
        format!(
            "订单当前为“{}”，不能{}。",
            status.label(lang),
            event.label(lang)
        )
    } else {
        format!(
            "An order that is {} cannot be {}.",
            status.label(lang).to_lowercase(),
            past_participle(event)
        )
    };
    if !hint.is_empty() {
        if !zh {
            out.push(' ');
        }
        out.push_str(hint);
    }
    out
}

fn past_participle(event: OrderEvent) -> &'static str {
    match event {
        OrderEvent::Confirm => "confirmed",
        OrderEvent::PaidInFull => "paid",
        OrderEvent::Ship => "shipped",
        OrderEvent::Deliver => "marked delivered",
        OrderEvent::Complete => "completed",
        OrderEvent::Cancel => "cancelled",
        OrderEvent::Refund => "refunded",
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
