//! Identifier newtypes, so a `UserId` is never passed where a `CustomerId`
//! belongs. Ids are database-assigned 64-bit integers.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

ids! {
    CustomerId,
    ContactId,
    InteractionId,
    TaskId,
    TagId,
    UserId,
    TeamId,
    FieldDefId,
    TokenId,
    SavedViewId,
    ProductId,
    OrderId,
    OpportunityId,
    LeadId,
    PaymentId,
    WebhookId,
    WebhookDeliveryId,
}
