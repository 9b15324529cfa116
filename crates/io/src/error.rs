//! What can go wrong reading or writing a file, in words a user can act on.

use std::io;

use crate::limits::Limit;
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
    /// An upload kehu keeps sealed on disk, read without its key.
    #[error("the file is an upload kehu keeps encrypted; only the kehu server that received it can read it")]
    SealedFile,
    /// The header row asked for (`--header-row`) is past the file's last
    /// row, or past the rows looked at for it.
    #[error(
        "there is no row {row} to take as the header (the header must be within the first {} rows)",
        crate::MAX_HEADER_ROW
    )]
    NoHeaderRow { row: u64 },
    /// One row could not be read; the rows after it still can.
    #[error("row {number}: {problem}")]
    BadRow { number: u64, problem: RowProblem },
    /// An XLSX sheet holds at most 1,048,576 rows.
    #[error("too many rows for one XLSX sheet (at most {max})")]
    TooManyRows { max: u32 },
    /// The file goes past one of the [`crate::Limits`] it is read within;
    /// `row` is the row (or line, or card) where it did, when known.
    #[error("{}", over_limit_en(*.limit, *.max, *.row))]
    OverLimit {
        limit: Limit,
        max: u64,
        row: Option<u64>,
    },
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
            FileError::SealedFile => "sealed_file",
            FileError::NoHeaderRow { .. } => "no_header_row",
            FileError::BadRow { .. } => "bad_row",
            FileError::TooManyRows { .. } => "too_many_rows",
            FileError::OverLimit { limit, .. } => limit.code(),
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
            FileError::SealedFile => {
                "这是 kehu 加密保存的上传文件，只有接收它的 kehu 服务器能读取".to_owned()
            }
            FileError::NoHeaderRow { row } => {
                format!(
                    "没有第 {row} 行可作表头（表头须在前 {} 行内）",
                    crate::MAX_HEADER_ROW
                )
            }
            FileError::BadRow { number, problem } => {
                format!("第 {number} 行：{}", problem.message_zh())
            }
            FileError::TooManyRows { max } => format!("行数过多，一个 XLSX 工作表最多 {max} 行"),
            FileError::OverLimit { limit, max, row } => over_limit_zh(*limit, *max, *row),
            FileError::Write(_) => "无法写出 XLSX 文件".to_owned(),
        }
    }
}

/// Where a limit was crossed, as the start of an English sentence.
fn where_en(row: Option<u64>, what: &str) -> String {
    match row {
        Some(n) => format!("{what} {n}"),
        None => format!("A {}", what.to_lowercase()),
    }
}

fn where_zh(row: Option<u64>, what: &str) -> String {
    match row {
        Some(n) => format!("第 {n} {what}"),
        None => format!("有一{what}"),
    }
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

fn mib(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

fn over_limit_en(limit: Limit, max: u64, row: Option<u64>) -> String {
    match limit {
        Limit::Rows => format!(
            "The file has more than {max} rows, the most kehu reads from one file; split it into several files"
        ),
        Limit::Columns => format!(
            "{} has more than {max} columns, the most kehu reads in a row",
            where_en(row, "Row")
        ),
        Limit::CellBytes => format!(
            "{} has a cell of more than {} KiB of text, the most kehu reads in a cell",
            where_en(row, "Row"),
            kib(max)
        ),
        Limit::LineBytes => format!(
            "{} is longer than {} MiB, the most kehu reads in a line",
            where_en(row, "Line"),
            mib(max)
        ),
        Limit::Cells => format!(
            "The sheet spans more than {max} cells (rows × columns), the most kehu reads from an ODS or XLS sheet; save it as XLSX or CSV, or split it"
        ),
        Limit::UnpackedBytes => format!(
            "The workbook unpacks to more than {} MiB, the most kehu unpacks; split it into several files",
            mib(max)
        ),
        Limit::CompressionRatio => format!(
            "A part of the workbook unpacks to more than {max} times its packed size, which only damaged or malicious files do"
        ),
        Limit::Members => format!(
            "The workbook is an archive of more than {max} parts, which no office program writes"
        ),
    }
}

fn over_limit_zh(limit: Limit, max: u64, row: Option<u64>) -> String {
    match limit {
        Limit::Rows => format!("文件超过 {max} 行，这是 kehu 一次最多读取的行数，请拆分成几个文件"),
        Limit::Columns => format!(
            "{}超过 {max} 列，这是 kehu 每行最多读取的列数",
            where_zh(row, "行")
        ),
        Limit::CellBytes => format!(
            "{}有单元格的文字超过 {} KiB，这是 kehu 每个单元格最多读取的长度",
            where_zh(row, "行"),
            kib(max)
        ),
        Limit::LineBytes => format!(
            "{}超过 {} MiB，这是 kehu 每行最多读取的长度",
            where_zh(row, "行"),
            mib(max)
        ),
        Limit::Cells => format!(
            "工作表超过 {max} 个单元格（行数 × 列数），这是 kehu 从 ODS 或 XLS 工作表最多读取的数量；请另存为 XLSX 或 CSV，或拆分文件"
        ),
        Limit::UnpackedBytes => format!(
            "工作簿解压后超过 {} MiB，这是 kehu 最多解压的大小，请拆分成几个文件",
            mib(max)
        ),
        Limit::CompressionRatio => format!(
            "工作簿中有部分解压后超过压缩大小的 {max} 倍，只有损坏或恶意的文件才会这样"
        ),
        Limit::Members => format!("工作簿压缩包中的部件超过 {max} 个，办公软件不会写出这样的文件"),
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
            FileError::OverLimit {
                limit: Limit::Columns,
                max: 1024,
                row: Some(2),
            },
            FileError::OverLimit {
                limit: Limit::CompressionRatio,
                max: 100,
                row: None,
            },
            FileError::NoHeaderRow { row: 9 },
            FileError::SealedFile,
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
        assert_eq!(errors[8].code(), "too_many_columns");
        assert_eq!(
            errors[8].message(false),
            "Row 2 has more than 1024 columns, the most kehu reads in a row"
        );
        assert_eq!(
            errors[8].message(true),
            "第 2 行超过 1024 列，这是 kehu 每行最多读取的列数"
        );
    }
}
