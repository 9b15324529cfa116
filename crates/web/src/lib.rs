#![forbid(unsafe_code)]
//! kehu over HTTP: the REST API under `/api/v1` with its OpenAPI document
//! and Swagger UI, sessions and API tokens, permissions (values a role
//! may only see masked come masked from the store).

pub mod api;
pub mod client_ip;
pub mod cross_site;
mod duplicates;
pub mod error;
pub mod extract;
mod headers;
pub mod imports;
mod input;
pub mod maintenance;
pub mod pages;
mod text;
pub mod tls;
pub mod webhooks;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Json, Router};
use kehu_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::Problem;

/// Bodies larger than this are refused before they are read.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An upload's body may be as large as the largest file, plus the
/// multipart framing around it; [`crate::imports::MAX_UPLOAD_BYTES`] is
/// checked as it arrives.
pub(crate) const UPLOAD_BODY_LIMIT: usize = imports::MAX_UPLOAD_BYTES as usize + 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// kehu is reached over HTTPS (its own TLS, or a proxy in front):
    /// session cookies are `Secure` and `__Host-` prefixed, responses carry
    /// HSTS.
    pub secure_cookies: bool,
    /// Where uploaded files are kept (`uploads/` below it), created on
    /// demand.
    pub files_dir: std::path::PathBuf,
    /// The imports this server runs.
    pub jobs: imports::Jobs,
    /// Reverse proxies whose `X-Forwarded-For` names the visitor (public
    /// forms count submissions per visitor address).
    pub trusted_proxies: client_ip::TrustedProxies,
    /// How many failed sign-ins an address may make (tests shorten them).
    pub sign_in_limits: kehu_store::sign_in::Limits,
    /// The daily backup, where `kehu serve` takes it; `None` takes none.
    pub backups: Option<maintenance::DailyBackup>,
}

impl AppState {
    pub fn new(store: Store, files_dir: impl Into<std::path::PathBuf>) -> AppState {
        AppState {
            store,
            secure_cookies: false,
            files_dir: files_dir.into(),
            jobs: imports::Jobs::default(),
            trusted_proxies: client_ip::TrustedProxies::default(),
            sign_in_limits: kehu_store::sign_in::Limits::default(),
            backups: None,
        }
    }
}

/// The whole HTTP application, as the binary and the tests run it.
pub fn app(state: AppState) -> Router {
    let api = api::router()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .merge(pages::router())
        .with_state(state.clone())
        .nest("/api/v1", api)
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", api::ApiDoc::openapi()))
        .fallback(not_found)
        .layer(middleware::from_fn(cross_site::guard))
        .layer(middleware::from_fn(error::localize))
        .layer(middleware::from_fn(pages::error_lang))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn(frame_options))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal").into_response()
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
}

/// An unknown address: a problem for API clients, a page for browsers.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        Problem::new(StatusCode::NOT_FOUND, "route_not_found").into_response()
    } else {
        pages::PageError::NotFound.into_response()
    }
}

/// Liveness and readiness: 200 when the database answers.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

/// Marks a response that other sites may show in a frame (the public lead
/// forms); every other response is sent with `X-Frame-Options: DENY`.
#[derive(Debug, Clone, Copy)]
pub struct Embeddable;

async fn frame_options(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(req).await;
    if response.extensions().get::<Embeddable>().is_none() {
        response
            .headers_mut()
            .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// Serves `app` over HTTPS on `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: tls::TlsConfig,
    mut state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    state.secure_cookies = true;
    // `tap_io` gives the peer's address to handlers as for plain TCP.
    let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| {});
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address is known to handlers (public forms count
    // submissions per address).
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
