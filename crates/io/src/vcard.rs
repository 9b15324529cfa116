//! vCard 2.1, 3.0 and 4.0, as exported by phones and mail programs: one
//! row per card, under fixed headers the importer maps by name.
//!
//! The file is read as bytes, not decoded up front, because a 2.1 card
//! names the charset of each value (a GB2312 name beside a UTF-8 note is
//! real); a value without one is UTF-8 when it is valid UTF-8, else
//! GB18030. Only a UTF-16 file (it has a BOM) is decoded first.

mod lines;
mod property;

use std::io::{BufRead, BufReader};

use encoding_rs::{UTF_16BE, UTF_16LE};

use crate::encoding::{DecodeReader, TextEncoding};
use crate::table::{Opened, RawRow, RowSource};
use crate::{FileError, Format, TableInfo};
use lines::Lines;
use property::Property;

/// The columns of a table read from vCards, in this order.
pub const VCARD_HEADERS: [&str; 9] = [
    "name", "mobile", "phone", "email", "company", "title", "address", "website", "notes",
];

/// vCard lines are bounded by the unfolding itself (`lines.rs`), its columns
/// fixed, its rows counted by the table; `_limits` is taken for symmetry.
pub(crate) fn open(
    source: &crate::source::Source,
    head: &[u8],
    _limits: &crate::Limits,
) -> Result<Opened, FileError> {
    let file = source.open()?;
    let utf16 = if head.starts_with(b"\xFF\xFE") {
        Some(TextEncoding {
            encoding: UTF_16LE,
            name: "UTF-16LE",
        })
    } else if head.starts_with(b"\xFE\xFF") {
        Some(TextEncoding {
            encoding: UTF_16BE,
            name: "UTF-16BE",
        })
    } else {
        None
    };
    let input: Box<dyn BufRead + Send> = match utf16 {
        Some(encoding) => Box::new(BufReader::new(DecodeReader::new(file, encoding))),
        None => Box::new(BufReader::new(file)),
    };
    Ok(Opened {
        source: Box::new(Cards {
            lines: Lines::new(input),
            cards: 0,
        }),
        info: TableInfo {
            format: Format::Vcard,
            encoding: utf16.map(|e| e.name),
            delimiter: None,
            sheets: Vec::new(),
            sheet: None,
        },
        headers: Some(VCARD_HEADERS.iter().map(|h| h.to_string()).collect()),
    })
}

struct Cards {
    lines: Lines,
    cards: u64,
}

impl Cards {
    /// Reads up to the end of the next card. Cards nested inside a card
    /// (2.1's AGENT) are skipped.
    fn next_card(&mut self) -> Result<Option<Card>, FileError> {
        let mut depth = 0u32;
        let mut card = Card::default();
        while let Some(line) = self.lines.next_property()? {
            let Some(property) = Property::parse(&line) else {
                continue;
            };
            let value = property.raw_value().trim_ascii();
            let is_vcard = value.eq_ignore_ascii_case(b"VCARD");
            // 2.1 may embed a card as `AGENT:BEGIN:VCARD` on one line.
            let embeds = value.len() >= 11 && value[..11].eq_ignore_ascii_case(b"BEGIN:VCARD");
            match property.name.as_str() {
                "BEGIN" if is_vcard => depth += 1,
                "AGENT" if embeds => depth += 1,
                "END" if is_vcard && depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(Some(card));
                    }
                }
                _ if depth == 1 => card.add(property),
                _ => {}
            }
        }
        // A last card without END:VCARD still counts.
        Ok((depth > 0).then_some(card))
    }
}

impl RowSource for Cards {
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
        match self.next_card() {
            Ok(Some(card)) => {
                self.cards += 1;
                Some(Ok(RawRow {
                    number: self.cards,
                    cells: card.cells(),
                }))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// What a card says, gathered property by property.
#[derive(Default)]
struct Card {
    formatted_name: Option<String>,
    name_parts: Option<Vec<String>>,
    /// Each number, and whether it is marked as a mobile.
    phones: Vec<(String, bool)>,
    /// Each address, and whether it is marked preferred.
    emails: Vec<(String, bool)>,
    addresses: Vec<(Vec<String>, bool)>,
    company: Option<String>,
    title: Option<String>,
    website: Option<String>,
    notes: Option<String>,
}

fn first(slot: &mut Option<String>, value: String) {
    if slot.is_none() && !value.trim().is_empty() {
        *slot = Some(value.trim().to_owned());
    }
}

impl Card {
    fn add(&mut self, p: Property) {
        match p.name.as_str() {
            "FN" => first(&mut self.formatted_name, p.text()),
            "N" if self.name_parts.is_none() => self.name_parts = Some(p.components()),
            "TEL" => {
                let text = p.text();
                let number = strip_tel_scheme(text.trim());
                if !number.is_empty() {
                    self.phones.push((number.to_owned(), p.has_type("cell")));
                }
            }
            "EMAIL" => {
                let email = p.text().trim().to_owned();
                if !email.is_empty() {
                    self.emails.push((email, p.is_preferred()));
                }
            }
            "ADR" => self.addresses.push((p.components(), p.is_preferred())),
            "ORG" => {
                let org = p.components().into_iter().next().unwrap_or_default();
                first(&mut self.company, org);
            }
            "TITLE" => first(&mut self.title, p.text()),
            "URL" => first(&mut self.website, p.text()),
            "NOTE" => first(&mut self.notes, p.text()),
            _ => {}
        }
    }

    /// The card as cells under [`VCARD_HEADERS`].
    fn cells(self) -> Vec<String> {
        let name = self
            .formatted_name
            .or_else(|| self.name_parts.as_deref().map(name_from_parts))
            .unwrap_or_default();
        let mobile_at = self.phones.iter().position(|(_, cell)| *cell).or_else(|| {
            self.phones
                .iter()
                .position(|(n, _)| kehu_core::phone::Mobile::parse(n).is_ok())
        });
        let mobile = mobile_at.map(|i| self.phones[i].0.clone());
        let phone = self
            .phones
            .iter()
            .enumerate()
            .find(|(i, _)| Some(*i) != mobile_at)
            .map(|(_, (n, _))| n.clone());
        let email = preferred(self.emails);
        let address = preferred(self.addresses).map(|parts| address_text(&parts));
        [
            Some(name),
            mobile,
            phone,
            email,
            self.company,
            self.title,
            address,
            self.website,
            self.notes,
        ]
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
    }
}

/// The first value marked preferred, else the first.
fn preferred<T>(mut values: Vec<(T, bool)>) -> Option<T> {
    let at = values.iter().position(|(_, pref)| *pref).unwrap_or(0);
    (at < values.len()).then(|| values.swap_remove(at).0)
}

/// vCard 4.0 writes numbers as `tel:` URIs.
fn strip_tel_scheme(value: &str) -> &str {
    match value.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => value[4..].trim(),
        _ => value,
    }
}

/// Chinese, Japanese and Korean names run family name first with no
/// space; others read "given family".
fn name_from_parts(parts: &[String]) -> String {
    let part = |i: usize| parts.get(i).map_or("", |s| s.trim());
    let (family, given) = (part(0), part(1));
    if has_cjk(family) || has_cjk(given) {
        format!("{family}{given}")
    } else {
        [given, family]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c,
            '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
            | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
    })
}

/// ADR parts are post office box, extended address, street, locality,
/// region, postal code and country. A Chinese address runs from the
/// largest place to the smallest with no separators (广东省深圳市南山区…),
/// skipping a part the street already spells out, as phones often put the
/// whole address in the street; others read small to large with commas.
fn address_text(parts: &[String]) -> String {
    let part = |i: usize| parts.get(i).map_or("", |s| s.trim());
    if parts.iter().any(|p| has_cjk(p)) {
        let ordered = [part(4), part(3), part(2), part(1)];
        let mut out = String::new();
        for (i, p) in ordered.iter().enumerate() {
            if !p.is_empty() && !ordered[i + 1..].iter().any(|later| later.contains(p)) {
                out.push_str(p);
            }
        }
        out
    } else {
        (0..7)
            .map(part)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_follow_the_custom_of_their_script() {
        assert_eq!(name_from_parts(&strings(&["张", "三", "", "", ""])), "张三");
        assert_eq!(name_from_parts(&strings(&["Smith", "John"])), "John Smith");
        assert_eq!(name_from_parts(&strings(&["Smith"])), "Smith");
    }

    #[test]
    fn addresses_follow_the_custom_of_their_script() {
        let cn = strings(&["", "", "科技园路1号", "深圳市", "广东省", "518000", "中国"]);
        assert_eq!(address_text(&cn), "广东省深圳市科技园路1号");
        let whole = strings(&["", "", "广东省深圳市科技园路1号", "深圳市", "广东省"]);
        assert_eq!(address_text(&whole), "广东省深圳市科技园路1号");
        let en = strings(&["", "", "1 Main St", "Springfield", "IL", "62701", "USA"]);
        assert_eq!(address_text(&en), "1 Main St, Springfield, IL, 62701, USA");
    }

    #[test]
    fn tel_uris_lose_their_scheme_only() {
        assert_eq!(
            strip_tel_scheme("tel:+86-138-1234-5678"),
            "+86-138-1234-5678"
        );
        assert_eq!(strip_tel_scheme("TEL:10086"), "10086");
        assert_eq!(strip_tel_scheme("010-1234"), "010-1234");
    }

    #[test]
    fn the_preferred_value_wins_else_the_first() {
        assert_eq!(preferred(vec![("a", false), ("b", true)]), Some("b"));
        assert_eq!(preferred(vec![("a", false), ("b", false)]), Some("a"));
        assert_eq!(preferred::<&str>(vec![]), None);
    }
}
