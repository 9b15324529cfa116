//! How the store's errors and invalid input become an [`ApiError`],
//! with the message for a lookup refused by the administrator's limits.

use axum::http::StatusCode;
use kehu_core::{Invalid, Lang};
use kehu_store::Error as StoreError;

use super::ApiError;

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
