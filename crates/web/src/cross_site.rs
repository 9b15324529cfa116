//! Cross-site request forgery: a foreign page cannot make a signed-in
//! user's browser change anything in kehu.
//!
//! The session cookie is `SameSite=Lax`, which keeps it off cross-site
//! POSTs but not off requests from a sibling subdomain (`evil.example.com`
//! is the same *site* as `crm.example.com`), and page forms carry a token
//! that API calls do not. So every request that may change something and is
//! authenticated by the cookie (not by an API token, which a foreign page
//! cannot attach) must show that it comes from kehu's own pages, by one of:
//!
//! - `Sec-Fetch-Site: same-origin` (or `none`: typed by the user), which
//!   every current browser sends and no page can forge;
//! - an `Origin` naming this host (browsers send it on every POST, PUT,
//!   PATCH and DELETE, same-origin or not);
//! - a `Referer` on this host, for browsers that send neither;
//! - the session's CSRF token in `X-Kehu-Csrf` (a header a foreign page
//!   cannot set without a CORS preflight, which kehu never grants), for
//!   scripts that use the cookie.
//!
//! Any signal naming another origin refuses the request outright, whatever
//! the others say; nothing at all refuses it too.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::extract::{bearer, session_secret};

/// The header that carries a session's CSRF token on API calls made with
/// the cookie by something other than kehu's own pages.
pub const CSRF_HEADER: &str = "x-kehu-csrf";

/// Refuses cookie-authenticated state changes that do not come from kehu's
/// own pages (see the module's documentation).
pub async fn guard(req: Request, next: Next) -> Response {
    if changes_state(req.method()) && !allowed(req.headers()) {
        tracing::warn!(
            method = %req.method(),
            path = %req.uri().path(),
            origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or(""),
            "cross-site request refused"
        );
        return refusal(req.uri().path());
    }
    next.run(req).await
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a state-changing request may go on.
fn allowed(headers: &HeaderMap) -> bool {
    // An API token is never sent by a browser on its own; and without the
    // cookie the request acts for nobody (the login form, public forms).
    if bearer(headers).is_some() {
        return true;
    }
    let Some(secret) = session_secret(headers) else {
        return true;
    };
    let mut vouched = false;
    if let Some(site) = text(headers, "sec-fetch-site") {
        match site {
            "same-origin" | "none" => vouched = true,
            _ => return false,
        }
    }
    if let Some(origin) = text(headers, header::ORIGIN.as_str()) {
        if !is_own(origin, headers) {
            return false;
        }
        vouched = true;
    } else if let Some(referer) = text(headers, header::REFERER.as_str()) {
        if !is_own(referer, headers) {
            return false;
        }
        vouched = true;
    }
    if let Some(token) = text(headers, CSRF_HEADER) {
        if !crate::pages::same_secret(token, &crate::pages::csrf_token(secret)) {
            return false;
        }
        vouched = true;
    }
    vouched
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Whether a URL (an `Origin` or a `Referer`) is on the host this request
/// was sent to. Behind a reverse proxy that rewrites `Host`, the browser's
/// host arrives as `X-Forwarded-Host` (which a foreign page cannot set).
pub(crate) fn is_own(url: &str, headers: &HeaderMap) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        // "null" (a sandboxed frame, a file) or garbage.
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let theirs = normalise(scheme, authority);
    [header::HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|h| text(headers, h))
        .filter_map(|v| v.split(',').next())
        .any(|host| normalise(scheme, host.trim()) == theirs)
}

/// A host and port compared without case and without the scheme's default
/// port (`https://crm.example` is `crm.example:443`).
fn normalise(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    match authority.strip_suffix(default) {
        Some(bare) if !default.is_empty() => bare.to_owned(),
        _ => authority,
    }
}

fn refusal(path: &str) -> Response {
    if path.starts_with("/api/") {
        crate::error::ApiError::Explained {
            status: StatusCode::FORBIDDEN,
            code: "cross_site_request",
            zh: "请求来自其他网站，已拒绝。请在 kehu 自己的页面上操作，或使用 API 令牌".into(),
            en: "The request came from another site and was refused. Use kehu's own pages, or an API token".into(),
        }
        .into_response()
    } else {
        crate::pages::PageError::Forbidden.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("crm.example.com"));
        h.insert("cookie", HeaderValue::from_static("kehu_session=s3cret"));
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_own_origin_passes_and_any_other_is_refused() {
        assert!(allowed(&headers(&[("origin", "https://crm.example.com")])));
        assert!(allowed(&headers(&[(
            "origin",
            "https://CRM.example.com:443"
        )])));
        assert!(!allowed(&headers(&[(
            "origin",
            "https://evil.example.com"
        )])));
        assert!(!allowed(&headers(&[(
            "origin",
            "https://crm.example.com.evil.io"
        )])));
        assert!(!allowed(&headers(&[("origin", "null")])));
        assert!(!allowed(&headers(&[(
            "origin",
            "https://crm.example.com:8443"
        )])));
    }

    #[test]
    fn a_sibling_subdomain_is_refused_by_fetch_metadata() {
        assert!(!allowed(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!allowed(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(allowed(&headers(&[("sec-fetch-site", "same-origin")])));
        // A same-origin claim does not outweigh a foreign Origin.
        assert!(!allowed(&headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example.com"),
        ])));
    }

    #[test]
    fn without_any_signal_a_cookie_request_is_refused() {
        assert!(!allowed(&headers(&[])));
        assert!(allowed(&headers(&[(
            "referer",
            "https://crm.example.com/customers/1"
        )])));
        assert!(!allowed(&headers(&[(
            "referer",
            "https://evil.example.com/x"
        )])));
        assert!(!allowed(&headers(&[(
            "referer",
            "https://crm.example.com@evil.example.com/"
        )])));
    }

    #[test]
    fn the_csrf_header_must_hold_the_sessions_token() {
        let token = crate::pages::csrf_token("s3cret");
        assert!(allowed(&headers(&[("x-kehu-csrf", &token)])));
        assert!(!allowed(&headers(&[(
            "x-kehu-csrf",
            "0123456789abcdef0123456789abcdef"
        )])));
    }

    #[test]
    fn tokens_and_anonymous_requests_are_not_concerned() {
        let mut h = headers(&[("origin", "https://evil.example.com")]);
        h.insert("authorization", HeaderValue::from_static("Bearer abc"));
        assert!(allowed(&h));
        let mut h = HeaderMap::new();
        h.insert(
            "origin",
            HeaderValue::from_static("https://evil.example.com"),
        );
        assert!(allowed(&h));
    }

    #[test]
    fn a_proxy_may_pass_the_browsers_host_on() {
        let mut h = headers(&[("origin", "https://crm.example.com")]);
        h.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!allowed(&h));
        h.insert(
            "x-forwarded-host",
            HeaderValue::from_static("crm.example.com"),
        );
        assert!(allowed(&h));
    }
}
