//! How big a file kehu agrees to read. Every reader checks these before it
//! allocates for what a file claims, so a hostile file (a sheet declaring a
//! million rows by sixteen thousand columns, a zip bomb, a line of a million
//! fields) is refused in milliseconds and a few MB, not read until the
//! machine runs out of memory.
//!
//! The defaults pass every real file we know of: Excel's own grid, its
//! longest cell, and workbooks of a million rows; only a file no office
//! program writes goes past them.

use std::io::{self, Read};

/// The limits a file is read within; [`Limits::default`] for everyday use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows of data per file or sheet. Excel's grid ends at 1,048,576.
    pub max_rows: u64,
    /// Columns per row, counting up to the last filled cell (formatting
    /// stretched across empty columns does not count). Real customer
    /// lists have tens; LibreOffice's classic sheet was 1,024 wide.
    pub max_columns: usize,
    /// Bytes of one cell's text in UTF-8. Excel holds at most 32,767
    /// characters in a cell, which is at most 128 KiB in any script.
    pub max_cell_bytes: usize,
    /// Bytes of one line of a JSON Lines file: a record of the widest
    /// cells allowed would be larger, but no record a CRM exports is.
    pub max_line_bytes: usize,
    /// Cells of a sheet that must be held whole (ODS and XLS, whose reader
    /// builds the sheet's rectangle in memory): about 60 bytes each.
    pub max_cells: u64,
    /// Unpacked bytes of all members of a zip-based workbook (XLSX, ODS). A
    /// full million-row sheet is about 800 MB of XML.
    pub max_unpacked_bytes: u64,
    /// How many times larger than its packed size a member may unpack to.
    /// Sheet XML packs 5–20 times; zip bombs hundreds to a thousand times.
    pub max_compression_ratio: u64,
    /// Members of a zip-based workbook; a real one has tens, a few
    /// thousand with many pictures.
    pub max_zip_members: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 1_048_576,
            max_columns: 1_024,
            max_cell_bytes: 128 * 1024,
            max_line_bytes: 1024 * 1024,
            max_cells: 10_000_000,
            max_unpacked_bytes: 2 * 1024 * 1024 * 1024,
            max_compression_ratio: 100,
            max_zip_members: 10_000,
        }
    }
}

/// Which limit a file went past, for [`crate::FileError::OverLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Rows,
    Columns,
    CellBytes,
    LineBytes,
    Cells,
    UnpackedBytes,
    CompressionRatio,
    Members,
}

impl Limit {
    /// A stable code naming the limit.
    pub fn code(self) -> &'static str {
        match self {
            Limit::Rows => "too_many_rows",
            Limit::Columns => "too_many_columns",
            Limit::CellBytes => "cell_too_long",
            Limit::LineBytes => "line_too_long",
            Limit::Cells => "too_many_cells",
            Limit::UnpackedBytes => "unpacked_too_large",
            Limit::CompressionRatio => "compression_ratio_too_high",
            Limit::Members => "too_many_zip_members",
        }
    }

    /// The value of this limit in `limits`.
    pub fn of(self, limits: &Limits) -> u64 {
        match self {
            Limit::Rows => limits.max_rows,
            Limit::Columns => limits.max_columns as u64,
            Limit::CellBytes => limits.max_cell_bytes as u64,
            Limit::LineBytes => limits.max_line_bytes as u64,
            Limit::Cells => limits.max_cells,
            Limit::UnpackedBytes => limits.max_unpacked_bytes,
            Limit::CompressionRatio => limits.max_compression_ratio,
            Limit::Members => limits.max_zip_members,
        }
    }
}

/// A limit crossed deep inside a reader that can only return
/// [`io::Error`]; [`crate::Table`] turns it back into a [`crate::FileError`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crossed {
    pub limit: Limit,
    pub max: u64,
}

impl std::fmt::Display for Crossed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} over {}", self.limit.code(), self.max)
    }
}

impl std::error::Error for Crossed {}

/// Fails a read once a run of bytes without `sep` grows past `max`: with
/// `\n`, no line reader buffers more than that for a line; with `<`, no
/// XML reader buffers more than that for one text or tag.
pub(crate) struct RunGuard<R> {
    inner: R,
    sep: u8,
    max: usize,
    run: usize,
    crossed: Crossed,
}

impl<R> RunGuard<R> {
    /// Lines of at most `max` bytes, reported as [`Limit::LineBytes`].
    pub fn lines(inner: R, max: usize) -> Self {
        RunGuard {
            inner,
            sep: b'\n',
            max,
            run: 0,
            crossed: Crossed {
                limit: Limit::LineBytes,
                max: max as u64,
            },
        }
    }

    /// XML whose texts and tags could each hold a cell of `limits`; XML
    /// escapes (`&amp;`, Excel's `_x000D_`) take up to 8 bytes a byte.
    pub fn xml(inner: R, limits: &Limits) -> Self {
        RunGuard {
            inner,
            sep: b'<',
            max: limits.max_cell_bytes.saturating_mul(8).saturating_add(4096),
            run: 0,
            crossed: Crossed {
                limit: Limit::CellBytes,
                max: limits.max_cell_bytes as u64,
            },
        }
    }
}

impl<R: Read> Read for RunGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == self.sep {
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > self.max {
                    return Err(over(self.crossed.limit, self.crossed.max));
                }
            }
        }
        Ok(n)
    }
}

/// The I/O error a [`RunGuard`] fails with.
pub(crate) fn over(limit: Limit, max: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Crossed { limit, max })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_guard_passes_short_lines_and_stops_a_long_one() {
        let mut ok = String::new();
        RunGuard::lines("ab\ncd\n".as_bytes(), 2)
            .read_to_string(&mut ok)
            .unwrap();
        assert_eq!(ok, "ab\ncd\n");
        let e = RunGuard::lines("ab\ncde\n".as_bytes(), 2)
            .read_to_string(&mut String::new())
            .unwrap_err();
        let crossed = e.get_ref().unwrap().downcast_ref::<Crossed>().unwrap();
        assert_eq!((crossed.limit, crossed.max), (Limit::LineBytes, 2));
    }
}
