//! One's own account: who one is, and changing one's password.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::{Code, FieldError, UserId};

use super::frame::{Frame, Section};
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    f: Frame,
    email: String,
    role: String,
    errors: Errors,
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let t = viewer.t();
    let user = &viewer.me.user;
    let page = AccountPage {
        f: Frame::new(state, viewer, Section::Account, t.s("account.title")).await?,
        email: user.email.clone(),
        role: t.choice("role", &user.role),
        errors: Errors::new(t, errors),
    };
    render_refused(&page, !errors.is_empty())
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    account_page(&state, &viewer, &[]).await
}

/// Changes one's own password: the current one is needed, so a session
/// left open cannot lock its owner out. Every session ends, this one too.
pub async fn change_password(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    // Passwords are taken as typed, spaces included.
    let raw = |name: &str| {
        fields
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let me = UserId(viewer.me.user.id);
    let mut errors = Vec::new();
    if !state
        .store
        .check_password(me, raw("current_password"))
        .await?
    {
        errors.push(FieldError::new("current_password", Code::WrongPassword));
    }
    if raw("password") != raw("password_confirm") {
        errors.push(FieldError::new("password_confirm", Code::Mismatch));
    }
    if errors.is_empty() {
        match state
            .store
            .set_password(Some(&viewer.me.ctx()), me, raw("password"))
            .await
        {
            Ok(()) => return Ok(see_other("/login?done=password")),
            Err(kehu_store::Error::Invalid(invalid)) => errors.extend(invalid.0),
            Err(e) => return Err(e.into()),
        }
    }
    account_page(&state, &viewer, &errors).await
}
