//! CSV exports that open correctly in Excel and WPS on Chinese Windows:
//! UTF-8 with a BOM (without it Excel guesses GBK and shows mojibake), or
//! GB18030 for older programs that cannot read UTF-8 at all.

use std::io::{self, Write};

use crate::encoding::EncodeWriter;
use crate::neutralise;

/// The encoding of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8Bom,
    Gb18030,
}

/// Writes rows as CSV: comma-separated, quoted where needed, CRLF line
/// ends, every cell passed through [`neutralise`].
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<Sink<W>>,
}

/// Where the csv writer's bytes go: straight out after a BOM, or through
/// the GB18030 encoder.
enum Sink<W: Write> {
    Utf8 { out: W, bom_pending: bool },
    Gb18030(EncodeWriter<W>),
}

impl<W: Write> Sink<W> {
    /// The BOM goes out ahead of the first bytes, or alone in an export
    /// with no rows.
    fn write_bom(&mut self) -> io::Result<()> {
        if let Sink::Utf8 { out, bom_pending } = self {
            if std::mem::take(bom_pending) {
                out.write_all(b"\xEF\xBB\xBF")?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_bom()?;
        match self {
            Sink::Utf8 { out, .. } => out.write(buf),
            Sink::Gb18030(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Utf8 { out, .. } => out.flush(),
            Sink::Gb18030(out) => out.flush(),
        }
    }
}

impl<W: Write> CsvWriter<W> {
    /// Starts an export. Nothing is written until the first row (or
    /// `finish`), so creating a writer cannot fail.
    pub fn new(out: W, encoding: CsvEncoding) -> CsvWriter<W> {
        let sink = match encoding {
            CsvEncoding::Utf8Bom => Sink::Utf8 {
                out,
                bom_pending: true,
            },
            CsvEncoding::Gb18030 => Sink::Gb18030(EncodeWriter::gb18030(out)),
        };
        let csv = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(sink);
        CsvWriter { csv }
    }

    pub fn write_row(&mut self, cells: &[&str]) -> io::Result<()> {
        for cell in cells {
            self.csv
                .write_field(neutralise(cell).as_bytes())
                .map_err(csv_error)?;
        }
        self.csv.write_record(None::<&[u8]>).map_err(csv_error)
    }

    /// Flushes everything and hands back the output.
    pub fn finish(self) -> io::Result<W> {
        let mut sink = self
            .csv
            .into_inner()
            .map_err(|e| io::Error::new(e.error().kind(), e.error().to_string()))?;
        sink.write_bom()?;
        match sink {
            Sink::Utf8 { mut out, .. } => {
                out.flush()?;
                Ok(out)
            }
            Sink::Gb18030(out) => out.into_inner(),
        }
    }
}

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
