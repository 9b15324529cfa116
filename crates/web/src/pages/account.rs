//! One's own account: who one is, changing one's password, and turning
//! two-factor sign-in on and off.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::{Code, FieldError, UserId};

use kehu_store::two_factor::Status;

use super::frame::{Frame, Section};
use super::second_factor::{RecoveryCodesPage, Setup};
use super::{assets, render, render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    f: Frame,
    email: String,
    role: String,
    errors: Errors,
    two_factor: Status,
}

/// Setting up two-factor sign-in: the new secret, then its first code.
#[derive(Template)]
#[template(path = "account_two_factor.html")]
struct EnrolPage {
    f: Frame,
    setup: Setup,
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
        two_factor: state.store.two_factor_status(UserId(user.id)).await?,
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

async fn enrol_page(
    state: &AppState,
    viewer: &Viewer,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let me = UserId(viewer.me.user.id);
    let enrolment = match state.store.pending_two_factor(me).await? {
        Some(e) => e,
        None => state.store.begin_two_factor(me).await?,
    };
    let t = viewer.t();
    let page = EnrolPage {
        f: Frame::new(state, viewer, Section::Account, t.s("two_factor.title")).await?,
        setup: Setup::new(enrolment),
        errors: Errors::new(t, errors),
    };
    render_refused(&page, !errors.is_empty())
}

/// Starts setting up two-factor sign-in: a new secret to scan.
pub async fn begin_two_factor(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    state
        .store
        .begin_two_factor(UserId(posted.viewer.me.user.id))
        .await?;
    enrol_page(&state, &posted.viewer, &[]).await
}

/// The first code turns it on; the recovery codes are shown once.
pub async fn confirm_two_factor(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let code = fields.get("code").unwrap_or_default();
    match state
        .store
        .confirm_two_factor(UserId(viewer.me.user.id), code)
        .await
    {
        Ok(codes) => render(&RecoveryCodesPage {
            t: viewer.t(),
            css: assets::CSS.url(),
            codes,
            next: "/account".into(),
        }),
        Err(kehu_store::Error::WrongCode) => {
            enrol_page(&state, &viewer, &[FieldError::new("code", Code::WrongCode)]).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Turns it off with a current code (or a recovery code).
pub async fn disable_two_factor(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let code = fields.get("code").unwrap_or_default();
    match state
        .store
        .disable_two_factor(UserId(viewer.me.user.id), code)
        .await
    {
        Ok(()) => Ok(see_other("/account")),
        Err(kehu_store::Error::WrongCode) => {
            account_page(&state, &viewer, &[FieldError::new("code", Code::WrongCode)]).await
        }
        Err(e) => Err(e.into()),
    }
}
