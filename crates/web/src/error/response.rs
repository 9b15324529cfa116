//! Rendering a problem as an `application/problem+json` response, what
//! each [`ApiError`] becomes, and the middleware that renders problems in
//! the request's language.

use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kehu_core::Lang;
use serde::Serialize;

use super::{ApiError, Problem};

#[derive(Serialize)]
struct ProblemBody {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<kehu_core::LocalizedFieldError>,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str) -> Problem {
        Problem {
            status,
            code,
            errors: Vec::new(),
            detail: None,
            extra: serde_json::Map::new(),
            retry_after: None,
        }
    }

    fn render(&self, lang: Lang) -> Response {
        let body = ProblemBody {
            kind: format!("https://kehu.dev/problems/{}", self.code.replace('_', "-")),
            title: self.title(lang).to_owned(),
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail.as_ref().map(|(zh, en)| match lang {
                Lang::ZhCn => zh.clone(),
                Lang::En => en.clone(),
            }),
            errors: self.errors.iter().map(|e| e.localize(lang)).collect(),
            extra: self.extra.clone(),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        // Rendered in Chinese until `localize` sees the request's language.
        let mut response = self.render(Lang::default());
        response.extensions_mut().insert(self);
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        use StatusCode as S;
        let (status, code, errors) = match self {
            ApiError::NotFound => (S::NOT_FOUND, "not_found", vec![]),
            ApiError::Invalid(i) => (S::UNPROCESSABLE_ENTITY, "invalid", i.0),
            ApiError::BadBody(code) => (S::BAD_REQUEST, code, vec![]),
            ApiError::UnsupportedMediaType => {
                (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", vec![])
            }
            ApiError::TooLarge => (S::PAYLOAD_TOO_LARGE, "too_large", vec![]),
            ApiError::Unauthorized => (S::UNAUTHORIZED, "unauthorized", vec![]),
            ApiError::Forbidden => (S::FORBIDDEN, "forbidden", vec![]),
            ApiError::BadCredentials => (S::UNAUTHORIZED, "bad_credentials", vec![]),
            ApiError::RateLimited => (S::TOO_MANY_REQUESTS, "rate_limited", vec![]),
            ApiError::Throttled { retry_after_s } => {
                let mut problem = Problem::new(S::TOO_MANY_REQUESTS, "sign_in_throttled");
                problem.detail = Some((
                    format!("请在 {} 后再试。", wait_zh(retry_after_s)),
                    format!("Try again in {}.", wait_en(retry_after_s)),
                ));
                problem.retry_after = Some(retry_after_s);
                return problem.into_response();
            }
            ApiError::TwoFactorRequired => (S::UNAUTHORIZED, "two_factor_required", vec![]),
            ApiError::TwoFactorSetupRequired => (S::FORBIDDEN, "two_factor_setup_required", vec![]),
            ApiError::WrongCode => (S::UNAUTHORIZED, "wrong_code", vec![]),
            ApiError::Conflict(what) => (S::CONFLICT, what, vec![]),
            ApiError::Explained {
                status,
                code,
                zh,
                en,
            } => {
                let mut problem = Problem::new(status, code);
                problem.detail = Some((zh, en));
                return problem.into_response();
            }
            ApiError::UndoRefused(report) => return undo_refused(report).into_response(),
            ApiError::Internal(e) => {
                tracing::error!(error = %error_chain(e.as_ref()), "request failed");
                (S::INTERNAL_SERVER_ERROR, "internal", vec![])
            }
        };
        Problem {
            errors,
            ..Problem::new(status, code)
        }
        .into_response()
    }
}

/// A wait, rounded up to whole minutes beyond one minute.
pub fn wait_zh(seconds: i64) -> String {
    if seconds <= 60 {
        format!("{seconds} 秒")
    } else {
        format!("{} 分钟", (seconds + 59) / 60)
    }
}

pub fn wait_en(seconds: i64) -> String {
    match seconds {
        1 => "1 second".to_owned(),
        2..=60 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

/// A refused undo: how many records were changed after the batch, the
/// first of them, and what to do about it.
fn undo_refused(report: kehu_store::import::UndoReport) -> Problem {
    let n = report.conflict_count;
    let mut problem = Problem::new(StatusCode::CONFLICT, "undo_conflicts");
    problem.detail = Some((
        format!("批次 {} 之后有 {n} 条记录被修改过，撤销会覆盖这些修改。确认要覆盖请选择“仍然撤销”（force）。", report.batch_id),
        format!("{n} records were changed after batch {}, and undoing would overwrite that work. Undo anyway (force) to overwrite it.", report.batch_id),
    ));
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&report) {
        problem.extra = map;
    }
    problem
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The language a request asks for: the `lang` of a signed-in user wins
/// (set later by the auth extractor's caller), then `Accept-Language`.
pub fn request_lang<B>(req: &Request<B>) -> Lang {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// Renders problems in the request's language, and turns axum's own plain
/// text rejections (unknown route, wrong method) into problems too.
pub async fn localize(req: Request<axum::body::Body>, next: Next) -> Response {
    let lang = request_lang(&req);
    let response = next.run(req).await;
    if let Some(problem) = response.extensions().get::<Problem>() {
        return problem.render(lang);
    }
    let content_type = response.headers().get(header::CONTENT_TYPE);
    // Problems are already rendered, and pages explain themselves.
    let is_problem = content_type.is_some_and(|v| {
        v.as_bytes().starts_with(b"application/problem+json")
            || v.as_bytes().starts_with(b"text/html")
    });
    let status = response.status();
    if is_problem || !status.is_client_error() {
        return response;
    }
    // axum's own rejections (unknown route, wrong method, a path id that
    // is not a number) come as plain text: make them problems too.
    let code = match status {
        StatusCode::NOT_FOUND => "route_not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    };
    Problem::new(status, code).render(lang)
}
