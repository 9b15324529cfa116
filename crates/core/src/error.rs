//! Validation errors: which field, a stable machine code, and a message in
//! the user's language. Every parser in this crate reports a [`Code`]; the
//! caller that knows the field name turns it into a [`FieldError`].

use serde::Serialize;

use crate::country::{postal_example, Country};
use crate::Lang;

/// Why a value was refused. `as_str` is stable: clients match on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    BelowMin {
        min: String,
    },
    AboveMax {
        max: String,
    },
    PatternMismatch,
    NotAnOption,
    NotUnique,
    InvalidMobile,
    InvalidPhone,
    InvalidEmail,
    InvalidUscc,
    UsccChecksum,
    InvalidResidentId,
    ResidentIdChecksum,
    InvalidPostalCode,
    InvalidRegion,
    /// Not a country or territory kehu knows by code or name.
    InvalidCountry,
    /// A mobile number that is not one of this country's (or a valid
    /// international one).
    MobileIn(Country),
    /// A phone number that is not valid in this country's numbering plan.
    PhoneIn(Country),
    /// A postal code that does not have this country's pattern.
    PostalCodeIn(Country),
    /// Not a state, province or region of this country.
    RegionIn(Country),
    InvalidUrl,
    InvalidDate,
    /// A birth date in the future or before 1900.
    InvalidBirthDate,
    InvalidDateTime,
    InvalidMoney,
    InvalidNumber,
    InvalidBool,
    InvalidChoice,
    WrongType,
    UnknownField,
    NotFound,
    ReadOnly,
    /// A field definition's rule cannot be applied (a pattern that does not
    /// compile, min above max, a rule the field's type has no use for).
    InvalidRule,
    TooManyValues {
        max: usize,
    },
    ControlCharacter,
    /// The current password, asked for again, is not the right one.
    WrongPassword,
    /// A two-factor code (TOTP or recovery) that is wrong, late or used.
    WrongCode,
    /// A value typed twice (a new password) differs the second time.
    Mismatch,
    /// The user already has another item (a saved view) of this name.
    NameTaken,
    /// An imported row matches a record already there, or an earlier row.
    Duplicate,
    /// An imported row matches a record the importer may not see or change.
    DuplicateHidden,
    /// A name given for a user matches more than one.
    Ambiguous,
    /// A row of a file has more cells than the file has columns.
    ExtraCells,
    /// A row of a delimited file (CSV, TSV) has another number of cells
    /// than its header: an unquoted delimiter inside a value, or a lost
    /// one, would shift every later column.
    CellCount {
        cells: usize,
        header: usize,
    },
    /// A row of a file could not be read at all.
    UnreadableRow,
    /// An amount in another currency than the order's.
    CurrencyMismatch,
    /// A product taken out of the catalogue.
    Inactive,
    /// A URL that is not http or https (or has no scheme at all).
    UnsupportedScheme,
    /// A URL with a user name or password in it.
    UrlCredentials,
    /// Not a host name or IP address (an allow-list entry).
    InvalidHost,
    /// A URL whose host is a loopback, private, link-local or otherwise
    /// non-public address, which webhooks may not reach unless allowed.
    PrivateAddress,
}

impl Code {
    pub fn as_str(&self) -> &'static str {
        match self {
            Code::Required => "required",
            Code::TooShort { .. } => "too_short",
            Code::TooLong { .. } => "too_long",
            Code::BelowMin { .. } => "below_min",
            Code::AboveMax { .. } => "above_max",
            Code::PatternMismatch => "pattern_mismatch",
            Code::NotAnOption => "not_an_option",
            Code::NotUnique => "not_unique",
            Code::InvalidMobile | Code::MobileIn(_) => "invalid_mobile",
            Code::InvalidPhone | Code::PhoneIn(_) => "invalid_phone",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidUscc => "invalid_uscc",
            Code::UsccChecksum => "uscc_checksum",
            Code::InvalidResidentId => "invalid_resident_id",
            Code::ResidentIdChecksum => "resident_id_checksum",
            Code::InvalidPostalCode | Code::PostalCodeIn(_) => "invalid_postal_code",
            Code::InvalidRegion | Code::RegionIn(_) => "invalid_region",
            Code::InvalidCountry => "invalid_country",
            Code::InvalidUrl => "invalid_url",
            Code::InvalidDate => "invalid_date",
            Code::InvalidBirthDate => "invalid_birth_date",
            Code::InvalidDateTime => "invalid_datetime",
            Code::InvalidMoney => "invalid_money",
            Code::InvalidNumber => "invalid_number",
            Code::InvalidBool => "invalid_bool",
            Code::InvalidChoice => "invalid_choice",
            Code::WrongType => "wrong_type",
            Code::UnknownField => "unknown_field",
            Code::NotFound => "not_found",
            Code::ReadOnly => "read_only",
            Code::InvalidRule => "invalid_rule",
            Code::TooManyValues { .. } => "too_many_values",
            Code::ControlCharacter => "control_character",
            Code::WrongPassword => "wrong_password",
            Code::WrongCode => "wrong_code",
            Code::Mismatch => "mismatch",
            Code::NameTaken => "name_taken",
            Code::Duplicate => "duplicate",
            Code::DuplicateHidden => "duplicate_hidden",
            Code::Ambiguous => "ambiguous",
            Code::ExtraCells => "extra_cells",
            Code::CellCount { .. } => "cell_count",
            Code::UnreadableRow => "unreadable_row",
            Code::CurrencyMismatch => "currency_mismatch",
            Code::Inactive => "inactive",
            Code::UnsupportedScheme => "unsupported_scheme",
            Code::UrlCredentials => "url_credentials",
            Code::InvalidHost => "invalid_host",
            Code::PrivateAddress => "private_address",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        use Code::*;
        match (lang, self) {
            (Lang::ZhCn, Required) => "必填".into(),
            (Lang::En, Required) => "is required".into(),
            (Lang::ZhCn, TooShort { min }) => format!("至少 {min} 个字符"),
            (Lang::En, TooShort { min }) => format!("must be at least {min} characters"),
            (Lang::ZhCn, TooLong { max }) => format!("最多 {max} 个字符"),
            (Lang::En, TooLong { max }) => format!("must be at most {max} characters"),
            (Lang::ZhCn, BelowMin { min }) => format!("不能小于 {min}"),
            (Lang::En, BelowMin { min }) => format!("must be at least {min}"),
            (Lang::ZhCn, AboveMax { max }) => format!("不能大于 {max}"),
            (Lang::En, AboveMax { max }) => format!("must be at most {max}"),
            (Lang::ZhCn, PatternMismatch) => "格式不符合要求".into(),
            (Lang::En, PatternMismatch) => "does not match the required format".into(),
            (Lang::ZhCn, NotAnOption) => "不是可选的值".into(),
            (Lang::En, NotAnOption) => "is not one of the allowed options".into(),
            (Lang::ZhCn, NotUnique) => "已存在相同的值".into(),
            (Lang::En, NotUnique) => "is already used by another record".into(),
            (Lang::ZhCn, InvalidMobile) => "不是有效的手机号（11 位，以 13–19 开头）".into(),
            (Lang::En, InvalidMobile) => {
                "is not a valid mainland mobile number (11 digits starting 13–19)".into()
            }
            (Lang::ZhCn, InvalidPhone) => "不是有效的电话号码".into(),
            (Lang::En, InvalidPhone) => "is not a valid phone number".into(),
            (Lang::ZhCn, InvalidEmail) => "不是有效的邮箱地址".into(),
            (Lang::En, InvalidEmail) => "is not a valid email address".into(),
            (Lang::ZhCn, InvalidUscc) => "统一社会信用代码应为 18 位数字或大写字母".into(),
            (Lang::En, InvalidUscc) => {
                "a Unified Social Credit Code has 18 digits or capital letters".into()
            }
            (Lang::ZhCn, UsccChecksum) => "统一社会信用代码校验位不正确".into(),
            (Lang::En, UsccChecksum) => {
                "the check character of this Unified Social Credit Code is wrong".into()
            }
            (Lang::ZhCn, InvalidResidentId) => "身份证号应为 18 位（末位可为 X）".into(),
            (Lang::En, InvalidResidentId) => {
                "a resident ID number has 18 characters (the last may be X)".into()
            }
            (Lang::ZhCn, ResidentIdChecksum) => "身份证号校验位不正确".into(),
            (Lang::En, ResidentIdChecksum) => {
                "the check digit of this resident ID number is wrong".into()
            }
            (Lang::ZhCn, InvalidPostalCode) => "邮政编码应为 6 位数字".into(),
            (Lang::En, InvalidPostalCode) => "a postal code has 6 digits".into(),
            (Lang::ZhCn, InvalidRegion) => "不是有效的省级行政区".into(),
            (Lang::En, InvalidRegion) => "is not a known province or region".into(),
            (Lang::ZhCn, InvalidCountry) => "不是可识别的国家或地区".into(),
            (Lang::En, InvalidCountry) => "is not a known country or territory".into(),
            (Lang::ZhCn, MobileIn(c)) => format!("不是有效的{}手机号", c.name(lang)),
            (Lang::En, MobileIn(c)) => format!("is not a valid mobile number in {}", c.name(lang)),
            (Lang::ZhCn, PhoneIn(c)) => format!("不是有效的{}电话号码", c.name(lang)),
            (Lang::En, PhoneIn(c)) => format!("is not a valid phone number in {}", c.name(lang)),
            (Lang::ZhCn, PostalCodeIn(c)) => match postal_example(*c) {
                Some(e) => format!("不是有效的{}邮政编码（应如 {e}）", c.name(lang)),
                None => format!("不是有效的{}邮政编码", c.name(lang)),
            },
            (Lang::En, PostalCodeIn(c)) => match postal_example(*c) {
                Some(e) => format!("is not a valid postal code in {} (like {e})", c.name(lang)),
                None => format!("is not a valid postal code in {}", c.name(lang)),
            },
            (Lang::ZhCn, RegionIn(c)) => format!("不是{}的州、省或地区", c.name(lang)),
            (Lang::En, RegionIn(c)) => {
                format!("is not a state, province or region of {}", c.name(lang))
            }
            (Lang::ZhCn, InvalidUrl) => "不是有效的网址".into(),
            (Lang::En, InvalidUrl) => "is not a valid web address".into(),
            (Lang::ZhCn, InvalidDate) => "不是有效的日期（如 2024-03-01）".into(),
            (Lang::En, InvalidDate) => "is not a valid date (e.g. 2024-03-01)".into(),
            (Lang::ZhCn, InvalidBirthDate) => "出生日期应在 1900 年之后、今天之前".into(),
            (Lang::En, InvalidBirthDate) => {
                "a birth date lies between 1900 and today".into()
            }
            (Lang::ZhCn, InvalidDateTime) => {
                "不是有效的时间（如 2024-03-01T09:30:00+08:00）".into()
            }
            (Lang::En, InvalidDateTime) => {
                "is not a valid time (e.g. 2024-03-01T09:30:00+08:00)".into()
            }
            (Lang::ZhCn, InvalidMoney) => "不是有效的金额".into(),
            (Lang::En, InvalidMoney) => "is not a valid amount of money".into(),
            (Lang::ZhCn, InvalidNumber) => "不是有效的数字".into(),
            (Lang::En, InvalidNumber) => "is not a valid number".into(),
            (Lang::ZhCn, InvalidBool) => "应为是或否".into(),
            (Lang::En, InvalidBool) => "must be true or false".into(),
            (Lang::ZhCn, InvalidChoice) => "不是允许的取值".into(),
            (Lang::En, InvalidChoice) => "is not an allowed value".into(),
            (Lang::ZhCn, WrongType) => "类型不正确".into(),
            (Lang::En, WrongType) => "has the wrong type".into(),
            (Lang::ZhCn, UnknownField) => "未知字段".into(),
            (Lang::En, UnknownField) => "is not a known field".into(),
            (Lang::ZhCn, NotFound) => "引用的记录不存在".into(),
            (Lang::En, NotFound) => "refers to a record that does not exist".into(),
            (Lang::ZhCn, ReadOnly) => "不能修改此字段".into(),
            (Lang::En, ReadOnly) => "may not be set".into(),
            (Lang::ZhCn, TooManyValues { max }) => format!("最多 {max} 项"),
            (Lang::En, TooManyValues { max }) => format!("may have at most {max} values"),
            (Lang::ZhCn, ControlCharacter) => "含有不可见的控制字符".into(),
            (Lang::En, ControlCharacter) => "contains invisible control characters".into(),
            (Lang::ZhCn, WrongPassword) => "密码不正确".into(),
            (Lang::En, WrongPassword) => "is not the right password".into(),
            (Lang::ZhCn, WrongCode) => "验证码不正确或已使用".into(),
            (Lang::En, WrongCode) => "is wrong or was already used".into(),
            (Lang::ZhCn, Mismatch) => "两次输入不一致".into(),
            (Lang::En, Mismatch) => "does not match".into(),
            (Lang::ZhCn, InvalidRule) => "字段规则设置不正确".into(),
            (Lang::En, InvalidRule) => "has a rule that cannot be applied".into(),
            (Lang::ZhCn, NameTaken) => "您已有同名的项目，请换一个名称".into(),
            (Lang::En, NameTaken) => "you already have one with this name".into(),
            (Lang::ZhCn, Duplicate) => "与已有记录重复".into(),
            (Lang::En, Duplicate) => "duplicates a record already there".into(),
            (Lang::ZhCn, DuplicateHidden) => "与他人负责的记录重复".into(),
            (Lang::En, DuplicateHidden) => "duplicates a record someone else owns".into(),
            (Lang::ZhCn, Ambiguous) => "与多个用户同名，请改用邮箱".into(),
            (Lang::En, Ambiguous) => "matches several users; use the email instead".into(),
            (Lang::ZhCn, ExtraCells) => "这一行的单元格比表头多".into(),
            (Lang::En, ExtraCells) => "this row has more cells than the file has columns".into(),
            (Lang::ZhCn, CellCount { cells, header }) => format!(
                "这一行有 {cells} 个单元格，表头有 {header} 个（值中可能有未加引号的分隔符），为免错列未导入"
            ),
            (Lang::En, CellCount { cells, header }) => format!(
                "has {cells} cells, the header has {header} (a delimiter inside an unquoted value?); not imported, so that no column is shifted"
            ),
            (Lang::ZhCn, UnreadableRow) => "这一行无法读取".into(),
            (Lang::En, UnreadableRow) => "this row cannot be read".into(),
            (Lang::ZhCn, CurrencyMismatch) => "币种与订单不一致".into(),
            (Lang::En, CurrencyMismatch) => "is in another currency than the order".into(),
            (Lang::ZhCn, Inactive) => "该产品已停用，不能用于新订单".into(),
            (Lang::En, Inactive) => "is no longer offered for new orders".into(),
            (Lang::ZhCn, UnsupportedScheme) => "网址应以 http:// 或 https:// 开头".into(),
            (Lang::En, UnsupportedScheme) => "must begin with http:// or https://".into(),
            (Lang::ZhCn, UrlCredentials) => "网址中不能包含用户名或密码".into(),
            (Lang::En, UrlCredentials) => "must not contain a user name or password".into(),
            (Lang::ZhCn, InvalidHost) => {
                "应为主机名或 IP 地址（如 erp.example.cn 或 10.0.0.5），不带端口和路径".into()
            }
            (Lang::En, InvalidHost) => {
                "must be a host name or IP address (such as erp.example.cn or 10.0.0.5), without port or path".into()
            }
            (Lang::ZhCn, PrivateAddress) => {
                "指向本机、内网或保留地址，不能发送；如确需发送，请先把该主机加入允许列表".into()
            }
            (Lang::En, PrivateAddress) => {
                "points to a local, private or reserved address; add its host to the allowed hosts first if this is intended".into()
            }
        }
    }
}

/// One refused value: the field it was given for and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: Code,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: Code) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }

    pub fn localize(&self, lang: Lang) -> LocalizedFieldError {
        LocalizedFieldError {
            field: self.field.clone(),
            code: self.code.as_str(),
            message: self.code.message(lang),
        }
    }
}

/// The wire form of a [`FieldError`]: `{field, code, message}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LocalizedFieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// All the problems found in one input, so a form can show every one at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, code: Code) -> Self {
        Self(vec![FieldError::new(field, code)])
    }

    pub fn push(&mut self, field: impl Into<String>, code: Code) {
        self.0.push(FieldError::new(field, code));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of `result` under `field` and returns its value.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Code>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(code) => {
                self.push(field, code);
                None
            }
        }
    }

    /// Every problem as `field: message`, joined by `; `: for a terminal or
    /// a log line, where there is no form to put them next to.
    pub fn summary(&self, lang: Lang) -> String {
        self.0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code.message(lang)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `Ok(())` when nothing was found wrong.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_message_in_both_languages() {
        let codes = [
            Code::Required,
            Code::TooLong { max: 3 },
            Code::InvalidMobile,
            Code::UsccChecksum,
            Code::ReadOnly,
            Code::InvalidRule,
            Code::NameTaken,
            Code::Duplicate,
            Code::DuplicateHidden,
            Code::Ambiguous,
            Code::ExtraCells,
            Code::CellCount {
                cells: 5,
                header: 4,
            },
            Code::UnreadableRow,
            Code::CurrencyMismatch,
            Code::Inactive,
            Code::UnsupportedScheme,
            Code::UrlCredentials,
            Code::InvalidHost,
            Code::PrivateAddress,
        ];
        for code in codes {
            assert!(!code.message(Lang::ZhCn).is_empty());
            assert!(code.message(Lang::En).is_ascii() || code.as_str() == "invalid_mobile");
            assert_ne!(code.message(Lang::ZhCn), code.message(Lang::En));
        }
    }
}
