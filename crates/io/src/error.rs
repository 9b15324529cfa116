//! What can go wrong reading or writing a file, in words a user can act on.

use std::io;

use crate::Format;

/// One error type for the crate. Each variant has a stable [`code`] for
/// callers and tests, and a [`message`] in Chinese or English for people.
///
/// [`code`]: FileError::code
/// [`message`]: FileError::message
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read or written at all.
    #[error("the file could not be read: {0}")]
    Io(#[from] io::Error),
    /// The file is not in any format kehu reads.
    #[error("the file's format is not one kehu reads ({0})")]
    UnknownFormat(String),
    /// The file claims a format but its contents are broken.
    #[error("the {} file is damaged or not really {}: {detail}", .format.as_str(), .format.as_str())]
    Corrupt { format: Format, detail: String },
    /// The sheet asked for is not in the workbook.
    #[error("there is no sheet named \"{sheet}\"; the sheets are: {}", .available.join(", "))]
    NoSuchSheet {
        sheet: String,
        available: Vec<String>,
    },
    /// No header row: the file (or sheet) holds nothing but blank rows.
    #[error("the file is empty")]
    EmptyFile,
    /// One row could not be read; the rows after it still can.
    #[error("row {number}: {problem}")]
    BadRow { number: u64, problem: RowProblem },
    /// An XLSX sheet holds at most 1,048,576 rows.
    #[error("too many rows for one XLSX sheet (at most {max})")]
    TooManyRows { max: u32 },
    /// The XLSX writer failed for a reason other than I/O.
    #[error("the XLSX file could not be written: {0}")]
    Write(String),
}

/// Why a single row was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// A JSON Lines line that does not parse as JSON.
    #[error("not valid JSON ({0})")]
    InvalidJson(String),
    /// A JSON Lines line holding JSON other than an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// A JSON Lines key absent from the lines that fixed the columns; the
    /// row is refused rather than losing that value silently.
    #[error("the key \"{0}\" does not appear in the first 1000 lines, so it has no column")]
    UnknownKey(String),
}

impl FileError {
    /// A stable identifier, for callers to branch on and tests to assert.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Io(_) => "unreadable_file",
            FileError::UnknownFormat(_) => "unknown_format",
            FileError::Corrupt { .. } => "corrupt_file",
            FileError::NoSuchSheet { .. } => "no_such_sheet",
            FileError::EmptyFile => "empty_file",
            FileError::BadRow { .. } => "bad_row",
            FileError::TooManyRows { .. } => "too_many_rows",
            FileError::Write(_) => "write_failed",
        }
    }

    /// The message to show a user, in Simplified Chinese when `zh`.
    pub fn message(&self, zh: bool) -> String {
        if !zh {
            return self.to_string();
        }
        match self {
            FileError::Io(e) => format!("无法读取文件：{e}"),
            FileError::UnknownFormat(name) => {
                format!("不支持此文件格式（{name}），请使用 Excel、CSV、vCard 或 JSON Lines 文件")
            }
            FileError::Corrupt { format, .. } => {
                format!(
                    "文件已损坏，或并不是真正的 {} 文件",
                    format.as_str().to_uppercase()
                )
            }
            FileError::NoSuchSheet { sheet, available } => {
                format!("没有名为“{sheet}”的工作表，可选：{}", available.join("、"))
            }
            FileError::EmptyFile => "文件是空的，没有找到表头行".to_owned(),
            FileError::BadRow { number, problem } => {
                format!("第 {number} 行：{}", problem.message_zh())
            }
            FileError::TooManyRows { max } => format!("行数过多，一个 XLSX 工作表最多 {max} 行"),
            FileError::Write(_) => "无法写出 XLSX 文件".to_owned(),
        }
    }
}

impl RowProblem {
    fn message_zh(&self) -> String {
        match self {
            RowProblem::InvalidJson(_) => "不是有效的 JSON".to_owned(),
            RowProblem::NotAnObject => "不是 JSON 对象".to_owned(),
            RowProblem::UnknownKey(key) => {
                format!("字段“{key}”未出现在前 1000 行中，没有对应的列")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_speaks_both_languages_and_has_a_code() {
        let errors = [
            FileError::Io(io::Error::other("disk gone")),
            FileError::UnknownFormat("zip".into()),
            FileError::Corrupt {
                format: Format::Xlsx,
                detail: "bad zip".into(),
            },
            FileError::NoSuchSheet {
                sheet: "客户".into(),
                available: vec!["Sheet1".into(), "Sheet2".into()],
            },
            FileError::EmptyFile,
            FileError::BadRow {
                number: 7,
                problem: RowProblem::UnknownKey("vip".into()),
            },
            FileError::TooManyRows { max: 1_048_576 },
            FileError::Write("x".into()),
        ];
        for e in &errors {
            assert!(!e.code().is_empty());
            assert!(!e.message(false).is_empty());
            assert!(e.message(true).chars().any(|c| c > '\u{2E80}'), "{e:?}");
        }
        let sheet = &errors[3];
        assert!(sheet.message(false).contains("Sheet1, Sheet2"));
        assert!(sheet.message(true).contains("Sheet1、Sheet2"));
        assert_eq!(
            errors[5].message(true),
            "第 7 行：字段“vip”未出现在前 1000 行中，没有对应的列"
        );
    }
}
