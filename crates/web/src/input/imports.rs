//! What an import is asked for, read from a JSON body, a form or a query.

use kehu_core::Code;

/// A header row as asked for: a whole number from 1 to
/// [`kehu_io::MAX_HEADER_ROW`] (`None`: not a whole number).
pub(crate) fn parse_header_row(n: Option<u64>) -> std::result::Result<u64, Code> {
    match n {
        None => Err(Code::InvalidNumber),
        Some(0) => Err(Code::BelowMin { min: "1".into() }),
        Some(n) if n > kehu_io::MAX_HEADER_ROW => Err(Code::AboveMax {
            max: kehu_io::MAX_HEADER_ROW.to_string(),
        }),
        Some(n) => Ok(n),
    }
}
