//! Teams: created, renamed and deleted.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::TeamId;
use kehu_store::users::Team;

use super::{admin_only, frame};
use crate::extract::QueryPairs;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

pub struct TeamRow {
    pub team: Team,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "settings/teams.html")]
struct TeamsPage {
    f: Frame,
    rows: Vec<TeamRow>,
    name: String,
    error: Option<String>,
}

async fn teams_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    name: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let users = state.store.users().await?;
    let rows = state
        .store
        .teams()
        .await?
        .into_iter()
        .map(|team| TeamRow {
            members: users.iter().filter(|u| u.team_id == Some(team.id)).count(),
            team,
        })
        .collect();
    let failed = error.is_some();
    let page = TeamsPage {
        f: frame(state, viewer, "settings.teams", params).await?,
        rows,
        name,
        error,
    };
    render_refused(&page, failed)
}

pub(super) async fn teams(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    teams_page(&state, &viewer, &params, String::new(), None).await
}

/// The message for a refused team change, or the error to show as a page.
fn team_error(t: T, e: kehu_store::Error) -> Result<String, PageError> {
    match e {
        kehu_store::Error::Invalid(invalid) => Ok(Errors::new(t, &invalid.0).messages()),
        kehu_store::Error::Conflict(_) => Ok(t.s("settings.team_in_use").to_owned()),
        e => Err(e.into()),
    }
}

pub(super) async fn create_team(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let name = posted.fields.get("name").unwrap_or_default().to_owned();
    match state
        .store
        .create_team(&posted.viewer.me.ctx(), &name)
        .await
    {
        Ok(_) => Ok(see_other("/settings/teams?flash=team_added")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], name, Some(message)).await
        }
    }
}

pub(super) async fn rename_team(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let name = posted.fields.get("name").unwrap_or_default().to_owned();
    match state
        .store
        .rename_team(&posted.viewer.me.ctx(), TeamId(id), &name)
        .await
    {
        Ok(_) => Ok(see_other("/settings/teams?flash=saved")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], String::new(), Some(message)).await
        }
    }
}

pub(super) async fn delete_team(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    match state
        .store
        .delete_team(&posted.viewer.me.ctx(), TeamId(id))
        .await
    {
        Ok(()) => Ok(see_other("/settings/teams?flash=saved")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], String::new(), Some(message)).await
        }
    }
}
