//! Fixtures are made by the tests themselves, in a temporary folder.

#![allow(dead_code)]

use std::path::PathBuf;

use kehu_io::{open, OpenOptions, Row, Table};

pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

pub fn table(path: &std::path::Path) -> Table {
    open(path, &OpenOptions::default()).unwrap()
}

/// Every row, failing the test on a row error.
pub fn rows(table: Table) -> Vec<Row> {
    table.map(Result::unwrap).collect()
}

/// Every row's cells.
pub fn cells(table: Table) -> Vec<Vec<String>> {
    rows(table).into_iter().map(|r| r.cells).collect()
}

pub fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// An ODS file whose one sheet, 客户, holds `rows` (`table:table-row`
/// elements), written as office programs write it.
pub fn ods_file(dir: &Dir, name: &str, rows: &str) -> PathBuf {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    let path = dir.path(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("META-INF/manifest.xml", deflate).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
    )
    .unwrap();
    zip.start_file("content.xml", deflate).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="客户">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    )
    .unwrap();
    zip.finish().unwrap();
    path
}
