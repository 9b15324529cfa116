//! The browser UI: server-rendered pages over the same store and rules as
//! the API. Templates live in `crates/web/templates` and escape every value
//! (askama); the small script in `static/app.js` only enhances forms that
//! work without it.
//!
//! Every page is reached with the session cookie (API tokens are for
//! scripts), every state change is a POST carrying the session's CSRF
//! token, and every response carries a strict Content-Security-Policy.

mod account;
mod assets;
mod backups;
mod customers;
mod duplicates;
mod form;
mod frame;
mod i18n;
mod imports;
mod lead_form;
mod leads;
mod login;
mod lookups;
mod opportunities;
mod orders;
mod pipelines;
mod privacy;
mod products;
pub(crate) mod quality;
mod quality_rules;
mod second_factor;
mod settings;
mod tasks;
mod webhooks;

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kehu_core::Lang;
use sha2::{Digest, Sha256};

use crate::error::{request_lang, ApiError};
use crate::extract::{session_secret, CurrentUser};
use crate::AppState;

pub use frame::Frame;
pub use i18n::T;

pub fn router() -> Router<AppState> {
    use customers as c;
    Router::new()
        .route("/", get(home))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/code", post(second_factor::submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::switch_lang))
        .route("/customers", get(c::list))
        .route("/customers/new", get(c::new_form).post(c::create))
        .route("/customers/bulk", post(c::bulk))
        .route("/customers/views", post(c::save_view))
        .route("/customers/views/{id}/delete", post(c::delete_view))
        .route("/customers/{id}", get(c::show))
        .route("/customers/{id}/edit", get(c::edit_form).post(c::update))
        .route("/customers/{id}/follow-up", post(c::follow_up))
        .route("/customers/{id}/contacts", post(c::add_contact))
        .route("/customers/{id}/verify", post(c::verify))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/two-factor", post(account::begin_two_factor))
        .route(
            "/account/two-factor/confirm",
            post(account::confirm_two_factor),
        )
        .route(
            "/account/two-factor/disable",
            post(account::disable_two_factor),
        )
        .route("/tasks", get(tasks::page))
        .route("/tasks/{id}/done", post(tasks::done))
        .route("/tasks/{id}/reschedule", post(tasks::reschedule))
        .merge(settings::router())
        .merge(lookups::router())
        .merge(imports::router())
        .merge(duplicates::router())
        .merge(products::router())
        .merge(orders::router())
        .merge(opportunities::router())
        .merge(leads::router())
        .merge(pipelines::router())
        .merge(quality::router())
        .merge(quality_rules::router())
        .merge(backups::router())
        .merge(webhooks::router())
        .merge(privacy::router())
        .layer(middleware::from_fn(page_headers))
        .route("/static/{file}", get(assets::serve))
        .merge(lead_form::router())
}

/// `/`: the customer list when signed in, else the login page.
async fn home(user: Option<Viewer>) -> Redirect {
    match user {
        Some(_) => Redirect::to("/customers"),
        None => Redirect::to("/login"),
    }
}

/// The policy every page is served under: scripts and styles only from
/// kehu itself (no inline script, no CDN), no framing, forms only to kehu.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Headers for every page: the CSP, and `no-store` because pages show
/// personal data that must not stay in shared caches or the back button's
/// cache after logout. Static files set their own caching.
async fn page_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The signed-in user of a page request, with the session's CSRF token and
/// the language the page speaks. Only the session cookie counts here: API
/// tokens do not open pages.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub me: CurrentUser,
    pub csrf: String,
    pub lang: Lang,
}

impl Viewer {
    pub fn t(&self) -> T {
        T(self.lang)
    }
}

/// The CSRF token of a session: derived from its secret, so it needs no
/// storage, cannot be guessed without the HttpOnly cookie, and dies with
/// the session.
pub fn csrf_token(session_secret: &str) -> String {
    let digest = Sha256::digest(format!("kehu-csrf\0{session_secret}").as_bytes());
    hex::encode(&digest[..16])
}

/// Equal without revealing, by timing, how much of a guess was right.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The language for a page: the user's choice, else the browser's.
fn page_lang(user_lang: Option<&str>, headers: &HeaderMap) -> Lang {
    user_lang.and_then(Lang::from_tag).unwrap_or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default()
    })
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            PageError::SignIn(next.to_owned())
        };
        let Some(secret) = session_secret(&parts.headers) else {
            return Err(to_login());
        };
        let Some(user) = state.store.session_user(secret).await? else {
            return Err(to_login());
        };
        let lang = page_lang(user.lang.as_deref(), &parts.headers);
        Ok(Viewer {
            csrf: csrf_token(secret),
            me: CurrentUser {
                actor: user.actor(),
                user,
                via_token: false,
            },
            lang,
        })
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, PageError> {
        match <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(v) => Ok(Some(v)),
            Err(PageError::SignIn(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A submitted form's fields, in order; a name may repeat (check boxes).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Whether a request that may come without the session cookie (signing
/// in, an upload's first bytes) names no foreign `Origin`; requests with
/// the cookie have been through [`crate::cross_site::guard`] already.
fn same_origin(headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|origin| crate::cross_site::is_own(origin, headers))
}

/// A form POST from a signed-in user, its CSRF token checked.
pub struct Posted {
    pub viewer: Viewer,
    pub fields: Fields,
}

impl FromRequest<AppState> for Posted {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let viewer = <Viewer as FromRequestParts<AppState>>::from_request_parts(&mut parts, state)
            .await
            .map_err(|e| match e {
                // A POST cannot be replayed after signing in: go back to
                // where the form was, or the start.
                PageError::SignIn(_) => PageError::SignIn(
                    parts
                        .headers
                        .get(header::REFERER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(local_path)
                        .unwrap_or("/")
                        .to_owned(),
                ),
                e => e,
            })?;
        let fields = read_form(Request::from_parts(parts, body), state).await?;
        let token = fields.get("_csrf").unwrap_or_default();
        if !same_secret(token, &viewer.csrf) {
            return Err(PageError::Forbidden);
        }
        Ok(Posted { viewer, fields })
    }
}

/// Where to go after signing in: a path on this site, never a full URL or
/// anything a browser would read as another host (`//host`, `/\host`).
pub fn next_path(next: &str) -> Option<&str> {
    next.starts_with('/').then(|| local_path(next)).flatten()
}

/// The path of a URL on this site (a `Referer`), or `None` for anything
/// that could lead elsewhere.
pub fn local_path(url: &str) -> Option<&str> {
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => url,
    };
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control);
    safe.then_some(path)
}

pub async fn read_form(req: Request, state: &AppState) -> Result<Fields, PageError> {
    let form = axum::Form::<Vec<(String, String)>>::from_request(req, state)
        .await
        .map_err(|_| PageError::BadRequest)?;
    Ok(Fields(form.0))
}

/// A refused form's messages by field, in the page's language.
#[derive(Debug, Default)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    pub fn new(t: T, errors: &[kehu_core::FieldError]) -> Errors {
        Errors(
            errors
                .iter()
                .map(|e| {
                    let l = e.localize(t.0);
                    (l.field, l.message)
                })
                .collect(),
        )
    }

    /// The messages for field `name` and its parts (`rules.max` under
    /// `rules`), joined.
    pub fn of(&self, name: &str) -> String {
        self.0
            .iter()
            .filter(|(f, _)| {
                f == name
                    || f.strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, each after its field's name.
    pub fn line(&self) -> String {
        self.0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Every message, without field names.
    pub fn messages(&self) -> String {
        self.0
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The field errors of a refused write, to show in its form; any other
/// failure becomes an error page.
pub fn invalid_of(e: ApiError) -> Result<Vec<kehu_core::FieldError>, PageError> {
    match e {
        ApiError::Invalid(invalid) => Ok(invalid.0),
        e => Err(e.into()),
    }
}

/// The first value of a query parameter.
pub fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Renders a template into a page response.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    let html = template
        .render()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// A page answering a form: 422 when the form was refused, so that
/// scripts and tests see nothing was saved.
pub fn render_refused(template: &impl Template, refused: bool) -> Result<Response, PageError> {
    let mut response = render(template)?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// A redirect after a successful POST (303, so the browser follows with
/// GET and a reload does not submit twice).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: to the login page, then back to this path.
    SignIn(String),
    NotFound,
    Forbidden,
    BadRequest,
    Conflict,
    /// A refusal the API explains in both languages (a limit reached, a
    /// file refused): the page says the same.
    Explained {
        status: StatusCode,
        zh: String,
        en: String,
    },
    Internal(String),
}

impl From<kehu_store::Error> for PageError {
    fn from(e: kehu_store::Error) -> PageError {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        match e {
            ApiError::NotFound => PageError::NotFound,
            ApiError::Forbidden => PageError::Forbidden,
            ApiError::Unauthorized => PageError::SignIn("/".into()),
            ApiError::Conflict(_) => PageError::Conflict,
            ApiError::Internal(e) => PageError::Internal(e.to_string()),
            ApiError::Explained { status, zh, en, .. } => PageError::Explained { status, zh, en },
            _ => PageError::BadRequest,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: T,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key) = match self {
            PageError::SignIn(next) => {
                let to = if next == "/" || next.starts_with("/login") {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", crate::text::url_encode(&next))
                };
                return Redirect::to(&to).into_response();
            }
            PageError::NotFound => (StatusCode::NOT_FOUND, "error.not_found"),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden"),
            PageError::BadRequest => (StatusCode::BAD_REQUEST, "error.bad_request"),
            PageError::Conflict => (StatusCode::CONFLICT, "error.conflict"),
            PageError::Explained { status, zh, en } => {
                let text = ErrorText(status, Message::Text(zh.into(), en.into()));
                let mut response = (status, text.clone()).into_response();
                response.extensions_mut().insert(text);
                return response;
            }
            PageError::Internal(e) => {
                tracing::error!(error = %e, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
            }
        };
        // The language is set by `error_lang` from the request, which this
        // conversion cannot see; Chinese until then.
        let text = ErrorText(status, Message::Key(key));
        let mut response = (status, text.clone()).into_response();
        response.extensions_mut().insert(text);
        response
    }
}

/// What an error page says: a catalogue entry, or a text given in both
/// languages.
#[derive(Debug, Clone)]
enum Message {
    Key(&'static str),
    Text(std::sync::Arc<str>, std::sync::Arc<str>),
}

/// An error page waiting for the request's language.
#[derive(Debug, Clone)]
struct ErrorText(StatusCode, Message);

impl IntoResponse for ErrorText {
    fn into_response(self) -> Response {
        error_page(&self, Lang::default())
    }
}

fn error_page(ErrorText(status, message): &ErrorText, lang: Lang) -> Response {
    let t = T(lang);
    let status = *status;
    let message = match message {
        Message::Key(key) => t.s(key).to_owned(),
        Message::Text(zh, en) => match lang {
            Lang::ZhCn => zh.to_string(),
            Lang::En => en.to_string(),
        },
    };
    let page = ErrorPage {
        message,
        status: status.as_u16(),
        t,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// Renders error pages in the language the request asked for.
pub async fn error_lang(req: Request, next: Next) -> Response {
    let lang = request_lang(&req);
    let response = next.run(req).await;
    match response.extensions().get::<ErrorText>() {
        Some(e) => {
            let mut page = error_page(e, lang);
            for (name, value) in response.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    page.headers_mut().insert(name, value.clone());
                }
            }
            page
        }
        None => response,
    }
}
