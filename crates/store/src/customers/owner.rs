//! Who owns a new or changed customer, and which team: what the writer
//! may ask for and what they may hand to others.

use kehu_core::entry::{Patch, Stored};
use kehu_core::{Actor, Code, Invalid, Scope};

use super::Customer;
use crate::db::{q, Tx};
use crate::Result;

/// Decides owner and team for a new or changed customer. Sales reps,
/// service agents and marketers keep records they create; only managers
/// and admins hand records to others (or to the pool).
pub(crate) async fn assign_owner(
    tx: &mut Tx,
    actor: &Actor,
    patch: &Patch,
    current: Option<&Customer>,
) -> Result<(Option<i64>, Option<i64>)> {
    let current = current.map(|c| (c.owner_id, c.team_id));
    let requested = requested_owner(actor, patch, current);
    let owner_team = match requested {
        Some(owner) => {
            let row: Option<(Option<i64>,)> = tx
                .optional(q("SELECT team_id FROM users WHERE id = $1 AND active").bind(owner))
                .await?;
            row.map(|(team,)| team)
        }
        None => None,
    };
    if patch.get("team_id").is_some() && actor.is_admin() {
        crate::users::check_team(tx, patch.get("team_id")).await?;
    }
    Ok(decide_owner(actor, patch, current, requested, owner_team)?)
}

/// The owner a write asks for: the patch's, else the current one, else
/// the writer (kehu itself, user 0, owns nothing: it writes to the pool).
pub(crate) fn requested_owner(
    actor: &Actor,
    patch: &Patch,
    current: Option<(Option<i64>, Option<i64>)>,
) -> Option<i64> {
    let me = Some(actor.user_id.get()).filter(|id| *id > 0);
    match patch.get("owner_id") {
        Some(v) => v.as_ref().and_then(Stored::as_int),
        None => current.map_or(me, |(owner, _)| owner),
    }
}

/// [`assign_owner`]'s decision, given `current` (owner, team) and the team
/// of the requested owner (`None`: no such active user). A team in the
/// patch has been checked to exist.
pub(crate) fn decide_owner(
    actor: &Actor,
    patch: &Patch,
    current: Option<(Option<i64>, Option<i64>)>,
    requested: Option<i64>,
    owner_team: Option<Option<i64>>,
) -> Result<(Option<i64>, Option<i64>), Invalid> {
    let me = Some(actor.user_id.get()).filter(|id| *id > 0);
    let changes_owner = current.map_or(requested != me, |(owner, _)| owner != requested);
    if changes_owner && !actor.may_assign_owner() {
        return Err(Invalid::one("owner_id", Code::ReadOnly));
    }
    let mut team = match requested {
        Some(_) => owner_team.ok_or_else(|| Invalid::one("owner_id", Code::NotFound))?,
        None => current
            .and_then(|(_, team)| team)
            .or(actor.team_id.map(|t| t.get())),
    };
    if let Some(Some(Stored::Int(t))) = patch.get("team_id") {
        if !actor.is_admin() {
            return Err(Invalid::one("team_id", Code::ReadOnly));
        }
        team = Some(*t);
    }
    if let Scope::Team(mine) = actor.scope() {
        if requested.is_some() && team != mine.map(|t| t.get()) {
            // A manager hands records only within the team.
            return Err(Invalid::one("owner_id", Code::ReadOnly));
        }
    }
    Ok((requested, team))
}
