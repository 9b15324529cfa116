//! The stylesheet and script, built into the binary. Their URLs carry a
//! hash of the content, so browsers may cache them for good and still get
//! a new version the moment it ships.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub struct Asset {
    name: &'static str,
    ext: &'static str,
    content_type: &'static str,
    body: &'static str,
    url: LazyLock<String>,
}

impl Asset {
    pub fn url(&'static self) -> &'static str {
        self.url.as_str()
    }
}

fn hashed(name: &str, ext: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("/static/{name}.{}.{ext}", hex::encode(&digest[..6]))
}

pub static CSS: Asset = Asset {
    name: "app",
    ext: "css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../static/app.css"),
    url: LazyLock::new(|| hashed("app", "css", include_str!("../../static/app.css"))),
};

pub static JS: Asset = Asset {
    name: "app",
    ext: "js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../static/app.js"),
    url: LazyLock::new(|| hashed("app", "js", include_str!("../../static/app.js"))),
};

pub async fn serve(Path(file): Path<String>) -> Response {
    for asset in [&CSS, &JS] {
        if asset.url().strip_prefix("/static/") == Some(file.as_str()) {
            return (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(asset.content_type),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=31536000, immutable"),
                    ),
                ],
                asset.body,
            )
                .into_response();
        }
        // An older hash, or none: the current content, not cached for long.
        if file.starts_with(asset.name) && file.ends_with(asset.ext) {
            return (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(asset.content_type),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                asset.body,
            )
                .into_response();
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
