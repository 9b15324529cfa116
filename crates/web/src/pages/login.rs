//! Signing in and out, and the language switch.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kehu_core::{Lang, UserId};
use kehu_store::auth::SESSION_TTL_MS;
use kehu_store::sign_in::Attempt;
use serde::Deserialize;

use super::second_factor;
use super::{
    assets, local_path, next_path, page_lang, read_form, render, see_other, PageError, Posted,
    Viewer, T,
};
use crate::client_ip::ClientAddress;
use crate::extract::session_cookie;
use crate::extract::session_secret;
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    t: T,
    css: &'static str,
    notice: Option<&'static str>,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
    /// `password` after one's password was changed.
    done: Option<String>,
}

pub(super) fn login_page(
    t: T,
    email: String,
    next: &str,
    error: Option<&'static str>,
) -> LoginPage {
    LoginPage {
        t,
        css: assets::CSS.url(),
        notice: None,
        email,
        next: next_path(next).unwrap_or("/customers").to_owned(),
        error: error.map(|key| t.s(key).to_owned()),
    }
}

/// The login page; `?lang=en` shows it in another language than the
/// browser asks for (choosing changes nothing stored).
pub async fn form(
    viewer: Option<Viewer>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let next = query.next.as_deref().unwrap_or("/customers");
    if viewer.is_some() {
        return Ok(see_other(next_path(next).unwrap_or("/customers")));
    }
    let t = T(page_lang(query.lang.as_deref(), &headers));
    let mut page = login_page(t, String::new(), next, None);
    if query.done.as_deref() == Some("password") {
        page.notice = Some(t.s("login.password_changed"));
    }
    render(&page)
}

/// The password step. Accounts with two-factor sign-in go on to the code
/// step; the policy sends those without it to set it up there.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    req: Request,
) -> Result<Response, PageError> {
    if !super::same_origin(req.headers()) {
        return Err(PageError::Forbidden);
    }
    let lang = page_lang(None, req.headers());
    let headers = req.headers().clone();
    let fields = read_form(req, &state).await?;
    let t = T(fields.get("lang").and_then(Lang::from_tag).unwrap_or(lang));
    let email = fields.get("email").unwrap_or_default().to_owned();
    // Passwords are taken as typed, spaces included.
    let password = fields
        .0
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let next = fields.get("next").unwrap_or("/customers");
    let failed = |status: StatusCode, error: String| -> Result<Response, PageError> {
        let mut page = login_page(t, email.clone(), next, None);
        page.error = Some(error);
        let mut response = render(&page)?;
        *response.status_mut() = status;
        Ok(response)
    };
    if email.is_empty() || password.is_empty() {
        return failed(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.s("login.required").into(),
        );
    }
    let attempt = Attempt {
        email: &email,
        password,
        address: &address,
        code: None,
        challenge: true,
        now: kehu_store::now_ms(),
    };
    match state.store.sign_in(&attempt, &state.sign_in_limits).await {
        Ok(outcome) => {
            second_factor::after_password(&state, &headers, t, next, outcome, None).await
        }
        Err(kehu_store::Error::BadCredentials) => {
            failed(StatusCode::UNAUTHORIZED, t.s("login.failed").into())
        }
        Err(kehu_store::Error::Throttled { retry_after_s }) => {
            let mut response = failed(StatusCode::TOO_MANY_REQUESTS, throttled(t, retry_after_s))?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// "Try again in N minutes", in the page's language.
pub(super) fn throttled(t: T, retry_after_s: i64) -> String {
    t.count("login.rate_limited", (retry_after_s + 59) / 60)
}

/// Signs the browser in: the cookie, and on to where it was going.
pub(super) fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    secret: &str,
) -> Response {
    let mut response = see_other(next_path(next).unwrap_or("/customers"));
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(state, headers, secret, SESSION_TTL_MS / 1000),
    );
    response
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _posted: Posted,
) -> Result<Response, PageError> {
    if let Some(secret) = session_secret(&headers) {
        state.store.logout(secret).await?;
    }
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &headers, "", 0));
    Ok(response)
}

/// Stores the user's language and goes back to the page they were on.
pub async fn switch_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted,
) -> Result<Response, PageError> {
    let lang = posted
        .fields
        .get("lang")
        .and_then(Lang::from_tag)
        .ok_or(PageError::BadRequest)?;
    state
        .store
        .set_own_lang(UserId(posted.viewer.me.user.id), lang)
        .await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(local_path)
        .unwrap_or("/customers");
    Ok(see_other(back).into_response())
}
