//! The HTTP layer's one error type, rendered as `application/problem+json`
//! (RFC 9457). 4xx problems explain themselves in the user's language and
//! list `{field, code, message}` for each bad field; 5xx problems say only
//! that something failed, and the cause goes to the log.

use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kehu_core::{FieldError, Invalid, Lang};
use kehu_store::Error as StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Invalid),
    #[error("malformed body")]
    BadBody(&'static str),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("body too large")]
    TooLarge,
    #[error("sign in required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("rate limited")]
    RateLimited,
    /// Too many failed sign-ins from this address; try after the seconds.
    #[error("sign-in throttled")]
    Throttled { retry_after_s: i64 },
    /// The password was right; the account also needs a TOTP or recovery
    /// code (`totp`).
    #[error("two-factor code required")]
    TwoFactorRequired,
    /// The policy requires two-factor sign-in this account has not set up.
    #[error("two-factor setup required")]
    TwoFactorSetupRequired,
    #[error("wrong two-factor code")]
    WrongCode,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A refusal explained by a message of its own, in both languages (a
    /// file that cannot be read, an upload over the limit).
    #[error("{code}: {en}")]
    Explained {
        status: StatusCode,
        code: &'static str,
        zh: String,
        en: String,
    },
    /// An undo refused because records were changed after the batch.
    #[error("undo refused")]
    UndoRefused(kehu_store::import::UndoReport),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Invalid(i) => ApiError::Invalid(i),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Transition {
                status,
                event,
                paid_anything,
            } => ApiError::Explained {
                status: StatusCode::CONFLICT,
                code: "invalid_transition",
                zh: kehu_core::order::refusal(status, event, paid_anything, Lang::ZhCn),
                en: kehu_core::order::refusal(status, event, paid_anything, Lang::En),
            },
            StoreError::Forbidden => ApiError::Forbidden,
            StoreError::BadCredentials => ApiError::BadCredentials,
            StoreError::RateLimited => ApiError::RateLimited,
            StoreError::TooManyLookups(window) => lookup_limit(window),
            StoreError::MaskedGuess { masked } => ApiError::Explained {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "masked_guess",
                zh: format!("今天导入的文件中有过多形如 {masked} 的手机号（仅隐藏的数字不同），看起来是在猜测被隐藏的号码，已拒绝导入，未作任何更改。"),
                en: format!("The files you imported today hold too many mobile numbers of the form {masked}, differing only in the hidden digits; it looks like guessing a hidden number and was refused. Nothing was changed."),
            },
            StoreError::TooManyExports => ApiError::Explained {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "export_limit",
                zh: "一小时内导出或下载的次数或行数已达上限，请稍后再试；如需更多请联系管理员。".into(),
                en: "You have exported or downloaded as much as allowed in an hour; try again later, or ask an administrator if you need more.".into(),
            },
            StoreError::TooManyListed => ApiError::Explained {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "list_limit",
                zh: "一小时内翻阅的客户列表行数已达上限，请稍后再试；如需取出全部数据，请使用导出或联系管理员。".into(),
                en: "You have paged through as many customer rows as allowed in an hour; try again later, or use an export (or ask an administrator) if you need the whole list.".into(),
            },
            StoreError::Throttled { retry_after_s } => ApiError::Throttled { retry_after_s },
            StoreError::WrongCode => ApiError::WrongCode,
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

/// A whole-value lookup refused by the administrator's limits
/// ([`kehu_store::lookups`]).
fn lookup_limit(window: kehu_store::lookups::LookupWindow) -> ApiError {
    use kehu_store::lookups::LookupWindow;
    let (zh, en) = match window {
        LookupWindow::Minute => (
            "一分钟内按完整号码或邮箱查找的次数已达上限，请一分钟后再试。",
            "You have looked up as many whole numbers and email addresses as allowed in a minute; try again in a minute.",
        ),
        LookupWindow::Day => (
            "24 小时内按完整号码或邮箱查找的次数已达上限，如需更多请联系管理员。",
            "You have looked up as many whole numbers and email addresses as allowed in 24 hours; ask an administrator if you need more.",
        ),
    };
    ApiError::Explained {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "lookup_limit",
        zh: zh.into(),
        en: en.into(),
    }
}

impl From<Invalid> for ApiError {
    fn from(i: Invalid) -> ApiError {
        ApiError::Invalid(i)
    }
}

/// A problem waiting for the request's language; [`localize`] renders it.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    errors: Vec<FieldError>,
    /// A message of this problem's own, (Chinese, English).
    detail: Option<(String, String)>,
    /// More members of the body (an undo's conflicts).
    extra: serde_json::Map<String, serde_json::Value>,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<i64>,
}

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
    fn title(&self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self.code {
            "not_found" => {
                if zh {
                    "记录不存在"
                } else {
                    "Not found"
                }
            }
            "invalid" => {
                if zh {
                    "输入有误，请检查标出的字段"
                } else {
                    "Some fields are invalid"
                }
            }
            "malformed_json" => {
                if zh {
                    "请求内容不是有效的 JSON"
                } else {
                    "The request body is not valid JSON"
                }
            }
            "not_an_object" => {
                if zh {
                    "请求内容应为 JSON 对象"
                } else {
                    "The request body must be a JSON object"
                }
            }
            "unsupported_media_type" => {
                if zh {
                    "请求内容应为 application/json"
                } else {
                    "The request body must be application/json"
                }
            }
            "too_large" => {
                if zh {
                    "请求内容过大"
                } else {
                    "The request body is too large"
                }
            }
            "unauthorized" => {
                if zh {
                    "请先登录"
                } else {
                    "Sign in first"
                }
            }
            "forbidden" => {
                if zh {
                    "您的角色无权执行此操作"
                } else {
                    "Your role may not do this"
                }
            }
            "bad_credentials" => {
                if zh {
                    "邮箱或密码不正确"
                } else {
                    "Wrong email or password"
                }
            }
            "rate_limited" => {
                if zh {
                    "登录失败次数过多，请 15 分钟后再试"
                } else {
                    "Too many failed sign-ins; try again in 15 minutes"
                }
            }
            "version" => {
                if zh {
                    "记录已被他人修改，请刷新后重试"
                } else {
                    "Someone else changed this record; reload and try again"
                }
            }
            "claim_cap" => {
                if zh {
                    "持有的线索和客户已达上限"
                } else {
                    "You hold as many leads and customers as your team allows"
                }
            }
            "already_claimed" => {
                if zh {
                    "已被别人领取"
                } else {
                    "Someone else claimed it first"
                }
            }
            "lead_in_pool" => {
                if zh {
                    "公海中的线索要先领取"
                } else {
                    "Claim a pool lead before working it"
                }
            }
            "lead_status" => {
                if zh {
                    "线索当前状态不能改为这个状态"
                } else {
                    "The lead cannot move to that status from where it is"
                }
            }
            "lead_not_qualified" => {
                if zh {
                    "只有已确认的线索才能转为客户"
                } else {
                    "Only a qualified lead converts"
                }
            }
            "stage_in_use" => {
                if zh {
                    "这个阶段还有商机，请先把它们移到别的阶段"
                } else {
                    "Opportunities are still in this stage; move them to another stage first"
                }
            }
            "order_not_draft" => {
                if zh {
                    "订单已确认，明细、客户和下单日期不能再修改"
                } else {
                    "The order is confirmed: its lines, customer and date can no longer change"
                }
            }
            "webhook_inactive" => {
                if zh {
                    "该 Webhook 已停用，请先启用再重发"
                } else {
                    "This webhook is inactive; activate it before sending again"
                }
            }
            "sign_in_throttled" => {
                if zh {
                    "登录失败次数过多，请稍后再试"
                } else {
                    "Too many failed sign-ins; please try again later"
                }
            }
            "two_factor_required" => {
                if zh {
                    "请输入身份验证器应用中的动态验证码（或一个恢复码）"
                } else {
                    "Enter the code from your authenticator app (or a recovery code)"
                }
            }
            "two_factor_setup_required" => {
                if zh {
                    "管理员要求此账号使用两步验证，请先在网页登录并完成设置"
                } else {
                    "Two-factor sign-in is required for this account; sign in on the web page to set it up"
                }
            }
            "wrong_code" => {
                if zh {
                    "验证码不正确或已使用"
                } else {
                    "The code is wrong or was already used"
                }
            }
            "two_factor_enabled" => {
                if zh {
                    "两步验证已开启"
                } else {
                    "Two-factor sign-in is already on"
                }
            }
            "two_factor_not_started" | "two_factor_not_enabled" => {
                if zh {
                    "两步验证尚未设置"
                } else {
                    "Two-factor sign-in is not set up"
                }
            }
            "team_in_use" => {
                if zh {
                    "团队仍有成员或客户，不能删除"
                } else {
                    "The team still has members or customers"
                }
            }
            "bad_request" => {
                if zh {
                    "请求有误"
                } else {
                    "Bad request"
                }
            }
            "bad_query" => {
                if zh {
                    "查询参数有误"
                } else {
                    "Invalid query parameters"
                }
            }
            "method_not_allowed" => {
                if zh {
                    "不支持此请求方法"
                } else {
                    "Method not allowed"
                }
            }
            "route_not_found" => {
                if zh {
                    "没有这个地址"
                } else {
                    "No such address"
                }
            }
            "file_too_large" => {
                if zh {
                    "文件过大"
                } else {
                    "The file is too large"
                }
            }
            "unreadable_file" | "unknown_format" | "corrupt_file" | "no_such_sheet"
            | "empty_file" | "bad_row" | "too_many_rows" => {
                if zh {
                    "无法读取此文件"
                } else {
                    "The file cannot be read"
                }
            }
            "lookup_limit" => {
                if zh {
                    "查号次数过多，请稍后再试"
                } else {
                    "Too many lookups; try again later"
                }
            }
            "no_upload" => {
                if zh {
                    "没有这个上传的文件，请重新上传"
                } else {
                    "There is no such uploaded file; upload it again"
                }
            }
            "nothing_mapped" | "no_template" => {
                if zh {
                    "列的对应关系有误"
                } else {
                    "The column mapping is not usable"
                }
            }
            "undo_conflicts" => {
                if zh {
                    "导入之后有记录被修改过，未撤销"
                } else {
                    "Records were changed after the import; nothing was undone"
                }
            }
            "already_undone" => {
                if zh {
                    "这个批次已经撤销过了"
                } else {
                    "This batch has already been undone"
                }
            }
            "batch_running" => {
                if zh {
                    "这个批次正在导入，请等它完成或中断后再操作"
                } else {
                    "This batch is still being imported; wait until it has finished or stopped"
                }
            }
            "batch_finished" | "batch_moved" => {
                if zh {
                    "这个批次已经完成，或正由别的进程导入"
                } else {
                    "This batch has finished, or another process is importing it"
                }
            }
            "file_changed" | "batch_without_file" => {
                if zh {
                    "这个批次的文件已不在或已改变，无法续传"
                } else {
                    "The batch's file is gone or has changed, so it cannot be resumed"
                }
            }
            "cross_site_request" => {
                if zh {
                    "拒绝来自其他网站的请求"
                } else {
                    "Request from another site refused"
                }
            }
            // A code without a title of its own is titled by its status:
            // a refusal must never read as a server failure.
            _ if self.status.is_server_error() => {
                if zh {
                    "服务器内部错误，请稍后再试"
                } else {
                    "Internal server error; please try again later"
                }
            }
            _ if self.status == StatusCode::CONFLICT => {
                if zh {
                    "与记录的当前状态冲突，未做更改"
                } else {
                    "The request conflicts with the record's current state; nothing was changed"
                }
            }
            _ => {
                if zh {
                    "请求未被接受，未做更改"
                } else {
                    "The request was not accepted; nothing was changed"
                }
            }
        }
    }

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
