//! The second step of signing in on the pages: the code from the
//! authenticator app (or a recovery code), or, when the administrators'
//! policy requires two-factor sign-in of an account that has none yet,
//! setting it up on the spot. Also the pieces the account page shares:
//! the QR code and the page of recovery codes.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kehu_core::Lang;
use kehu_store::sign_in::Outcome;
use kehu_store::two_factor::Enrolment;

use super::login::{login_page, signed_in, throttled};
use super::{assets, next_path, page_lang, read_form, render, PageError, T};
use crate::client_ip::ClientAddress;
use crate::extract::session_cookie;
use crate::AppState;
use kehu_store::auth::SESSION_TTL_MS;

/// A secret being set up, as the page shows it.
pub(super) struct Setup {
    pub secret: String,
    pub otpauth_uri: String,
    /// The `otpauth://` URI as a QR code: an SVG `data:` URI for an `img`.
    pub qr: String,
}

impl Setup {
    pub(super) fn new(enrolment: Enrolment) -> Setup {
        Setup {
            qr: qr_data_uri(&enrolment.otpauth_uri),
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
        }
    }
}

/// The QR code drawn on the server as SVG; empty if the text is too long
/// for one (an `otpauth://` URI never is).
fn qr_data_uri(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build();
            format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
        }
        Err(_) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    t: T,
    css: &'static str,
    challenge: String,
    next: String,
    error: Option<String>,
    setup: Option<Setup>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(super) struct RecoveryCodesPage {
    pub t: T,
    pub css: &'static str,
    pub codes: Vec<String>,
    /// Where "continue" goes.
    pub next: String,
}

fn code_page(
    t: T,
    challenge: String,
    next: &str,
    error: Option<String>,
    setup: Option<Setup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut response = render(&CodePage {
        t,
        css: assets::CSS.url(),
        challenge,
        next: next_path(next).unwrap_or("/customers").to_owned(),
        error,
        setup,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// What follows a right password (or a right code): the session, or the
/// code step.
pub(super) async fn after_password(
    state: &AppState,
    headers: &HeaderMap,
    t: T,
    next: &str,
    outcome: Outcome,
    error: Option<String>,
) -> Result<Response, PageError> {
    match outcome {
        Outcome::SignedIn {
            session,
            recovery_codes,
            ..
        } if recovery_codes.is_empty() => Ok(signed_in(state, headers, next, &session)),
        Outcome::SignedIn {
            session,
            recovery_codes,
            ..
        } => {
            // Just enrolled: the codes are shown now and never again.
            let mut response = render(&RecoveryCodesPage {
                t,
                css: assets::CSS.url(),
                codes: recovery_codes,
                next: next_path(next).unwrap_or("/customers").to_owned(),
            })?;
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(state, headers, &session, SESSION_TTL_MS / 1000),
            );
            Ok(response)
        }
        Outcome::NeedsCode {
            challenge: Some(challenge),
        } => code_page(t, challenge, next, error, None, StatusCode::OK),
        Outcome::NeedsSetup {
            challenge: Some(challenge),
            enrolment: Some(enrolment),
        } => code_page(
            t,
            challenge,
            next,
            error,
            Some(Setup::new(enrolment)),
            StatusCode::OK,
        ),
        _ => Err(PageError::Internal(
            "sign-in step without a challenge".into(),
        )),
    }
}

/// The code step's form.
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
    let challenge = fields.get("challenge").unwrap_or_default().to_owned();
    let code = fields.get("code").unwrap_or_default();
    let next = fields.get("next").unwrap_or("/customers");
    let now = kehu_store::now_ms();
    let user = match state.store.challenge_user(&challenge, &address, now).await {
        Ok(user) => user,
        Err(kehu_store::Error::NotFound) => {
            // Too late, or forged: start again from the password.
            let page = login_page(t, String::new(), next, Some("login.expired"));
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    };
    // Someone setting up sees their new secret again after a mistake.
    let setup = || async {
        if user.two_factor {
            Ok::<_, PageError>(None)
        } else {
            Ok(state
                .store
                .pending_two_factor(kehu_core::UserId(user.id))
                .await?
                .map(Setup::new))
        }
    };
    if code.is_empty() {
        let error = Some(t.s("login.code_required").to_owned());
        return code_page(
            t,
            challenge,
            next,
            error,
            setup().await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match state
        .store
        .finish_sign_in(&challenge, code, &address, now, &state.sign_in_limits)
        .await
    {
        Ok(outcome) => after_password(&state, &headers, t, next, outcome, None).await,
        Err(kehu_store::Error::WrongCode) => {
            let error = Some(t.s("login.wrong_code").to_owned());
            code_page(
                t,
                challenge,
                next,
                error,
                setup().await?,
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(kehu_store::Error::Throttled { retry_after_s }) => {
            let error = Some(throttled(t, retry_after_s));
            let mut response = code_page(
                t,
                challenge,
                next,
                error,
                setup().await?,
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}
