//! The vocabulary of a customer record: kinds, stages, channels, roles, and
//! who may see what. Each enum has a stable wire name used in the API, the
//! database and exports.

use serde::{Deserialize, Serialize};

use crate::{Code, TeamId, UserId};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),* }
            }

            /// Parses the wire name; anything else is `Code::InvalidChoice`.
            pub fn parse(s: &str) -> Result<$name, Code> {
                match s.trim() {
                    $($wire => Ok($name::$variant),)*
                    _ => Err(Code::InvalidChoice),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A customer is a company (with contacts) or an individual.
    CustomerKind { Company = "company", Individual = "individual" }
}

wire_enum! {
    LifecycleStage {
        Lead = "lead",
        Prospect = "prospect",
        Customer = "customer",
        Loyal = "loyal",
        Churned = "churned",
    }
}

wire_enum! {
    ValueTier { High = "high", Medium = "medium", Low = "low" }
}

wire_enum! {
    /// How a follow-up (跟进记录) happened.
    Channel {
        Call = "call",
        Visit = "visit",
        Meeting = "meeting",
        Email = "email",
        Message = "message",
        Note = "note",
    }
}

wire_enum! {
    TaskStatus { Open = "open", Done = "done", Cancelled = "cancelled" }
}

wire_enum! {
    /// Where a change came from, kept in every history row.
    ChangeSource {
        Ui = "ui",
        Api = "api",
        Import = "import",
        Rule = "rule",
        Merge = "merge",
    }
}

wire_enum! {
    Role {
        Admin = "admin",
        Manager = "manager",
        Sales = "sales",
        Service = "service",
        Marketing = "marketing",
        Viewer = "viewer",
    }
}

/// Which customer records a user may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every record.
    All,
    /// Records of one team, and the shared pool.
    Team(Option<TeamId>),
    /// Records the user owns, and the shared pool (公海).
    Own(UserId),
}

/// The signed-in user as the domain sees it: enough to decide visibility
/// and rights without another lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

impl Actor {
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            Role::Manager | Role::Service | Role::Marketing | Role::Viewer => {
                Scope::Team(self.team_id)
            }
            Role::Sales => Scope::Own(self.user_id),
        }
    }

    /// Whether phone numbers, emails and identifiers are shown in full.
    /// Viewers always see them masked; everyone else sees them in full on the
    /// records they own or manage, masked on records in the shared pool.
    pub fn sees_contact_details(&self, owner: Option<UserId>) -> bool {
        match self.role {
            Role::Viewer => false,
            Role::Admin | Role::Manager => true,
            _ => owner.is_some(),
        }
    }

    pub fn may_write_records(&self) -> bool {
        self.role != Role::Viewer
    }

    /// Managers and administrators: who assign owners, merge records and
    /// read the team's figures.
    pub fn is_manager_or_admin(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    /// Assigning owners across the team is a manager's decision.
    pub fn may_assign_owner(&self) -> bool {
        self.is_manager_or_admin()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for stage in LifecycleStage::ALL {
            assert_eq!(LifecycleStage::parse(stage.as_str()), Ok(*stage));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(*role));
        }
        assert_eq!(Role::parse("root"), Err(Code::InvalidChoice));
    }

    #[test]
    fn a_sales_rep_sees_own_records_and_a_manager_the_team() {
        let rep = Actor {
            user_id: UserId(7),
            role: Role::Sales,
            team_id: Some(TeamId(1)),
        };
        assert_eq!(rep.scope(), Scope::Own(UserId(7)));
        let manager = Actor {
            role: Role::Manager,
            ..rep
        };
        assert_eq!(manager.scope(), Scope::Team(Some(TeamId(1))));
        let admin = Actor {
            role: Role::Admin,
            ..rep
        };
        assert_eq!(admin.scope(), Scope::All);
    }

    #[test]
    fn pool_records_are_masked_for_reps_and_everything_for_viewers() {
        let rep = Actor {
            user_id: UserId(7),
            role: Role::Sales,
            team_id: None,
        };
        assert!(rep.sees_contact_details(Some(UserId(7))));
        assert!(!rep.sees_contact_details(None));
        let viewer = Actor {
            role: Role::Viewer,
            ..rep
        };
        assert!(!viewer.sees_contact_details(Some(UserId(7))));
    }
}
