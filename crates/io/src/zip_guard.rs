//! XLSX and ODS files are zip archives, and a zip can claim anything: a
//! million members, a sheet of gigabytes packed into a few hundred
//! kilobytes. Before a workbook reader opens one, its directory is read
//! here and every member's size and packing checked against the limits.
//!
//! Declared sizes can lie, but the zip crate stops reading a member at its
//! declared size (and fails its checksum), so bounding what is declared
//! bounds what is unpacked.

use std::io::{BufReader, Read, Seek, SeekFrom};

use zip::ZipArchive;

use crate::limits::{Limit, RunGuard};
use crate::source::{Input, Source};
use crate::{FileError, Format, Limits};

/// Members under this size may pack as tightly as they like: an empty
/// styles part packs a hundred times, and a small member costs nothing.
const RATIO_FROM_BYTES: u64 = 1024 * 1024;

/// The most that a workbook reader holds whole (shared strings, styles,
/// workbook and relationship parts), as a share of `max_unpacked_bytes`:
/// held parts cost several times their XML in memory, sheets are streamed.
const HELD_SHARE: u64 = 8;

/// The smallest a shared string can be in XML (`<si/>`), to tell whether
/// the count a shared strings part announces can be true.
const MIN_SHARED_STRING_BYTES: u64 = 5;

fn over(limits: &Limits, limit: Limit) -> FileError {
    FileError::OverLimit {
        limit,
        max: limit.of(limits),
        row: None,
    }
}

fn corrupt(format: Format, detail: impl ToString) -> FileError {
    FileError::Corrupt {
        format,
        detail: detail.to_string(),
    }
}

/// Checks a workbook's zip directory against `limits`; the file is not
/// unpacked, except the first bytes of its shared strings.
pub(crate) fn check(source: &Source, format: Format, limits: &Limits) -> Result<(), FileError> {
    let mut file = source.open()?;
    // The directory itself is read into memory by the zip crate, so how
    // many members it lists is checked before it is read.
    if let Some(members) = declared_members(&mut file)? {
        if members > limits.max_zip_members {
            return Err(over(limits, Limit::Members));
        }
    }
    let mut zip = ZipArchive::new(BufReader::new(file)).map_err(|e| corrupt(format, e))?;
    if zip.len() as u64 > limits.max_zip_members {
        return Err(over(limits, Limit::Members));
    }
    let held_max = limits.max_unpacked_bytes / HELD_SHARE;
    let mut total = 0u64;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let member = zip.by_index_raw(i).map_err(|e| corrupt(format, e))?;
        let (size, packed) = (member.size(), member.compressed_size());
        total = total.saturating_add(size);
        if total > limits.max_unpacked_bytes {
            return Err(over(limits, Limit::UnpackedBytes));
        }
        if size > RATIO_FROM_BYTES && size > packed.saturating_mul(limits.max_compression_ratio) {
            return Err(over(limits, Limit::CompressionRatio));
        }
        let name = member
            .name()
            .map_err(|e| corrupt(format, e))?
            .to_ascii_lowercase();
        if is_held(&name, format) && size > held_max {
            return Err(FileError::OverLimit {
                limit: Limit::UnpackedBytes,
                max: held_max,
                row: None,
            });
        }
        if name.ends_with("sharedstrings.xml") {
            shared_strings = Some((i, size));
        }
    }
    if let Some((index, size)) = shared_strings {
        let mut head = Vec::with_capacity(4096);
        let member = zip.by_index(index).map_err(|e| corrupt(format, e))?;
        member.take(4096).read_to_end(&mut head)?;
        // calamine reserves room for the announced count up front; a count
        // the part cannot hold would have it reserve terabytes.
        if let Some(count) = attribute_number(&head, b"uniqueCount=\"") {
            if count > size / MIN_SHARED_STRING_BYTES + 1 {
                return Err(corrupt(
                    format,
                    format!("the shared strings claim {count} entries in {size} bytes"),
                ));
            }
        }
    }
    Ok(())
}

/// Reads every worksheet of an XLSX through a [`RunGuard`], so that no
/// cell the sheet reader meets afterwards can be longer than the limits
/// allow: it buffers each text whole before it can be measured. Costs one
/// extra unpacking of the sheets, about a second for a million rows.
pub(crate) fn check_sheet_runs(source: &Source, limits: &Limits) -> Result<(), FileError> {
    let mut zip =
        ZipArchive::new(BufReader::new(source.open()?)).map_err(|e| corrupt(Format::Xlsx, e))?;
    for i in 0..zip.len() {
        let member = zip.by_index(i).map_err(|e| corrupt(Format::Xlsx, e))?;
        let name = member.name().map_err(|e| corrupt(Format::Xlsx, e))?;
        if !is_held(&name.to_ascii_lowercase(), Format::Xlsx) {
            std::io::copy(&mut RunGuard::xml(member, limits), &mut std::io::sink())?;
        }
    }
    Ok(())
}

/// Parts a reader keeps whole in memory, as opposed to the sheets it
/// streams (XLSX) or the content the ODS check walks first.
fn is_held(name: &str, format: Format) -> bool {
    match format {
        Format::Ods => name != "content.xml",
        _ => {
            !name.contains("worksheets/")
                || name.ends_with("sharedstrings.xml")
                || name.ends_with("styles.xml")
                || name.ends_with("workbook.xml")
        }
    }
}

/// The number in `name="123"` within `xml`, if it is there; `u64::MAX`
/// for one too large to hold.
fn attribute_number(xml: &[u8], name: &[u8]) -> Option<u64> {
    let at = xml.windows(name.len()).position(|w| w == name)? + name.len();
    let mut digits = xml[at..].iter().take_while(|b| b.is_ascii_digit());
    let number = digits.try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    Some(number.unwrap_or(u64::MAX))
}

/// How many members the end of the zip directory announces (zip64 too);
/// `None` when there is no readable end record, which the zip crate then
/// reports as damage.
fn declared_members(file: &mut Input) -> Result<Option<u64>, FileError> {
    const END: &[u8] = b"PK\x05\x06";
    const END64_LOCATOR: &[u8] = b"PK\x06\x07";
    let len = file.seek(SeekFrom::End(0))?;
    // The end record is 22 bytes plus a comment of up to 65,535.
    let tail_len = len.min(22 + 65_535 + 20);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.by_ref().take(tail_len).read_to_end(&mut tail)?;
    let Some(end) = tail.windows(4).rposition(|w| w == END) else {
        return Ok(None);
    };
    let u16_at = |at: usize| {
        tail.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let Some(members) = u16_at(end + 10) else {
        return Ok(None);
    };
    if members != u16::MAX {
        return Ok(Some(u64::from(members)));
    }
    // Zip64: the locator just before the end record points at a record
    // holding the full count.
    let Some(locator) = end
        .checked_sub(20)
        .filter(|&l| &tail[l..l + 4] == END64_LOCATOR)
    else {
        return Ok(None);
    };
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&tail[locator + 8..locator + 16]);
    let mut record = [0u8; 56];
    file.seek(SeekFrom::Start(u64::from_le_bytes(offset)))?;
    if file.read_exact(&mut record).is_err() {
        return Ok(None);
    }
    let mut count = [0u8; 8];
    count.copy_from_slice(&record[32..40]);
    Ok(Some(u64::from_le_bytes(count)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_number_is_read_or_taken_as_huge() {
        let xml = br#"<sst count="3" uniqueCount="2">"#;
        assert_eq!(attribute_number(xml, b"uniqueCount=\""), Some(2));
        let huge = br#"<sst uniqueCount="99999999999999999999999">"#;
        assert_eq!(attribute_number(huge, b"uniqueCount=\""), Some(u64::MAX));
        assert_eq!(attribute_number(b"<sst>", b"uniqueCount=\""), None);
    }

    #[test]
    fn sheets_stream_and_the_rest_is_held() {
        assert!(!is_held("xl/worksheets/sheet1.xml", Format::Xlsx));
        assert!(is_held("xl/worksheets/sharedstrings.xml", Format::Xlsx));
        assert!(is_held("xl/sharedstrings.xml", Format::Xlsx));
        assert!(!is_held("content.xml", Format::Ods));
        assert!(is_held("styles.xml", Format::Ods));
    }
}
