//! Telling a file's format from its first bytes and its name.

use std::path::Path;

use encoding_rs::{UTF_16BE, UTF_16LE};

use crate::Format;

const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// The format of a file, from its first bytes when they tell, else from its
/// name's extension, else CSV. `None` only for a ZIP archive that is
/// neither a workbook nor an ODS spreadsheet.
///
/// Contents win over the name because files are often misnamed; the
/// common case is an "export.xls" that is really tab-separated text,
/// which is read as CSV (with the tab sniffed).
pub fn detect_format(file_name: &str, first_bytes: &[u8]) -> Option<Format> {
    let by_name = Path::new(file_name)
        .extension()
        .and_then(|e| Format::from_name(&e.to_string_lossy()));
    if first_bytes.starts_with(OLE_MAGIC) {
        return Some(Format::Xls);
    }
    if first_bytes.starts_with(ZIP_MAGIC) {
        return zip_format(by_name, first_bytes);
    }
    if let Some(format) = text_format(first_bytes) {
        return Some(format);
    }
    match by_name {
        Some(Format::Xlsx | Format::Xls | Format::Ods) if looks_like_text(first_bytes) => {
            Some(Format::Csv)
        }
        Some(format) => Some(format),
        None => Some(Format::Csv),
    }
}

/// XLSX and ODS are both ZIP archives. An ODS stores its MIME type
/// uncompressed as the first entry, so it shows in the first bytes.
fn zip_format(by_name: Option<Format>, first_bytes: &[u8]) -> Option<Format> {
    let has = |needle: &[u8]| first_bytes.windows(needle.len()).any(|w| w == needle);
    if by_name == Some(Format::Ods) || has(ODS_MIMETYPE) {
        Some(Format::Ods)
    } else if matches!(by_name, Some(Format::Xlsx | Format::Xls))
        || has(b"[Content_Types].xml")
        || has(b"xl/")
    {
        Some(Format::Xlsx)
    } else {
        None
    }
}

/// vCard and JSON Lines announce themselves in their first characters.
fn text_format(first_bytes: &[u8]) -> Option<Format> {
    let start = start_as_text(first_bytes);
    let start = start.trim_start();
    if start
        .get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        Some(Format::Vcard)
    } else if start.starts_with('{') {
        Some(Format::Jsonl)
    } else {
        None
    }
}

/// The first characters of a text file in UTF-8 or UTF-16 (with its BOM);
/// GB18030 agrees with ASCII, which is all that is looked for.
fn start_as_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(256)];
    if let Some(rest) = head.strip_prefix(b"\xFF\xFE") {
        UTF_16LE.decode_without_bom_handling(rest).0.into_owned()
    } else if let Some(rest) = head.strip_prefix(b"\xFE\xFF") {
        UTF_16BE.decode_without_bom_handling(rest).0.into_owned()
    } else {
        let rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        String::from_utf8_lossy(rest).into_owned()
    }
}

/// Text has no NUL bytes, unless it is UTF-16.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || !bytes.contains(&0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_win_over_the_name() {
        assert_eq!(detect_format("a.csv", OLE_MAGIC), Some(Format::Xls));
        assert_eq!(
            detect_format("a.xls", b"PK\x03\x04...xl/workbook.xml"),
            Some(Format::Xlsx)
        );
        let ods = [ZIP_MAGIC, b"....mimetype", ODS_MIMETYPE].concat();
        assert_eq!(detect_format("upload.bin", &ods), Some(Format::Ods));
        assert_eq!(
            detect_format("contacts.txt", b"\r\nbegin:vcard\r\n"),
            Some(Format::Vcard)
        );
        assert_eq!(
            detect_format("dump.txt", b"\xEF\xBB\xBF {\"a\":1}"),
            Some(Format::Jsonl)
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("BEGIN:VCARD".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(detect_format("x", &utf16), Some(Format::Vcard));
    }

    #[test]
    fn the_name_decides_for_plain_text() {
        assert_eq!(detect_format("a.tsv", b"a\tb"), Some(Format::Tsv));
        assert_eq!(detect_format("A.CSV", b"a,b"), Some(Format::Csv));
        assert_eq!(detect_format("notes", b"a,b"), Some(Format::Csv));
        assert_eq!(detect_format("empty.xlsx", b""), Some(Format::Xlsx));
    }

    #[test]
    fn a_text_file_named_like_a_spreadsheet_is_read_as_text() {
        assert_eq!(
            detect_format("export.xls", "姓名\t手机\n".as_bytes()),
            Some(Format::Csv)
        );
    }

    #[test]
    fn an_unknown_zip_is_not_guessed() {
        assert_eq!(detect_format("photos.zip", b"PK\x03\x04img/1.jpg"), None);
    }
}
