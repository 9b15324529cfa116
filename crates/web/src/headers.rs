//! Security headers on every response that did not set its own: a
//! Content-Security-Policy (pages set a stricter one of their own; the
//! Swagger UI gets one that lets it run; everything else, JSON and files,
//! may load nothing at all), and `Strict-Transport-Security` whenever the
//! request came over HTTPS, so a browser never again tries kehu over plain
//! HTTP where a session cookie could be read on the way.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The API documentation (Swagger UI): its own script and styles, which
/// it applies as inline style attributes, and images as data URLs.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// Anything else (JSON, downloads): nothing to run, nothing to frame it.
const NOTHING_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// A year, the usual minimum for HSTS; subdomains are left alone (other
/// services of the business may live there on HTTP).
const HSTS: &str = "max-age=31536000";

pub async fn security(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = crate::extract::over_https(state.secure_cookies, req.headers());
    let docs = req.uri().path().starts_with("/api/v1/docs");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if docs { DOCS_CSP } else { NOTHING_CSP };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}
