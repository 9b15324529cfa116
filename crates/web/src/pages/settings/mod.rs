//! Settings for administrators: custom fields and their rules beside the
//! built-in entry standards; users, teams and roles.

mod fields;
mod teams;
mod users;

use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

use super::customers::flash;
use super::frame::{Frame, Section};
use super::{PageError, Viewer};
use crate::AppState;

use fields::{create_field, delete_field, edit_field, fields, set_locale, update_field};
use teams::{create_team, delete_team, rename_team, teams};
use users::{create_user, reset_password, set_two_factor_policy, update_user, users};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/fields") }),
        )
        .route("/settings/fields", get(fields).post(create_field))
        .route("/settings/fields/{id}", get(edit_field).post(update_field))
        .route("/settings/fields/{id}/delete", post(delete_field))
        .route("/settings/users", get(users).post(create_user))
        .route("/settings/users/{id}", post(update_user))
        .route("/settings/users/{id}/password", post(reset_password))
        .route("/settings/two-factor", post(set_two_factor_policy))
        .route("/settings/locale", post(set_locale))
        .route("/settings/teams", get(teams).post(create_team))
        .route("/settings/teams/{id}", post(rename_team))
        .route("/settings/teams/{id}/delete", post(delete_team))
}

/// Settings are for administrators only; others get 403 on every page.
pub(super) fn admin_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.me.actor.is_admin() {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

pub(super) async fn frame(
    state: &AppState,
    viewer: &Viewer,
    title_key: &str,
    params: &[(String, String)],
) -> Result<Frame, PageError> {
    let t = viewer.t();
    Ok(Frame::new(state, viewer, Section::Settings, t.s(title_key))
        .await?
        .with_flash(flash(t, params)))
}
