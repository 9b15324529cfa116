//! One vCard property (`group.NAME;PARAM=VALUE:value`) and the decoding of
//! its value: quoted-printable or base64, then the charset, then vCard's
//! backslash escapes.

use std::borrow::Cow;

use base64::Engine;
use encoding_rs::{Encoding, GB18030};

pub(super) struct Property {
    /// Upper case, without its group.
    pub name: String,
    /// TYPE values in lower case, including 2.1's bare ones (`TEL;CELL`).
    types: Vec<String>,
    encoding: Option<String>,
    charset: Option<String>,
    pref: bool,
    value: Vec<u8>,
}

impl Property {
    /// `None` for a line with no `:`, which is not a property.
    pub fn parse(line: &[u8]) -> Option<Property> {
        let colon = find_outside_quotes(line, b':')?;
        let head = String::from_utf8_lossy(&line[..colon]);
        let mut params = split_outside_quotes(&head, ';');
        let name = params.next().unwrap_or_default();
        let name = name
            .rsplit('.')
            .next()
            .unwrap_or(name)
            .trim()
            .to_ascii_uppercase();
        let mut property = Property {
            name,
            types: Vec::new(),
            encoding: None,
            charset: None,
            pref: false,
            value: line[colon + 1..].to_vec(),
        };
        for param in params {
            property.add_param(param);
        }
        Some(property)
    }

    fn add_param(&mut self, param: &str) {
        let (key, value) = match param.split_once('=') {
            Some((key, value)) => (key.trim().to_ascii_uppercase(), value.trim()),
            None => (String::new(), param.trim()),
        };
        let value = value.trim_matches('"');
        match key.as_str() {
            "ENCODING" => self.encoding = Some(value.to_ascii_uppercase()),
            "CHARSET" => self.charset = Some(value.to_owned()),
            "PREF" => self.pref = true,
            "TYPE" | "" => {
                for t in value.split(',') {
                    let t = t.trim().to_ascii_lowercase();
                    match t.as_str() {
                        "quoted-printable" | "base64" | "b" | "8bit" if key.is_empty() => {
                            self.encoding = Some(t.to_ascii_uppercase());
                        }
                        "pref" => self.pref = true,
                        "" => {}
                        _ => self.types.push(t),
                    }
                }
            }
            _ => {}
        }
    }

    pub fn raw_value(&self) -> &[u8] {
        &self.value
    }

    pub fn has_type(&self, wanted: &str) -> bool {
        self.types.iter().any(|t| t == wanted)
    }

    pub fn is_preferred(&self) -> bool {
        self.pref
    }

    /// The value as text, escapes undone.
    pub fn text(&self) -> String {
        unescape(&self.decoded())
    }

    /// A structured value (N, ADR, ORG) split at its unescaped `;`.
    pub fn components(&self) -> Vec<String> {
        split_components(&self.decoded())
            .into_iter()
            .map(unescape)
            .collect()
    }

    /// The value's bytes decoded, then read in its charset: the one named,
    /// else UTF-8 when valid, else GB18030.
    fn decoded(&self) -> String {
        let bytes: Cow<[u8]> = match self.encoding.as_deref() {
            Some("QUOTED-PRINTABLE") => Cow::Owned(quoted_printable(&self.value)),
            Some("B" | "BASE64") => {
                base64(&self.value).map_or(Cow::Borrowed(&self.value), Cow::Owned)
            }
            _ => Cow::Borrowed(&self.value),
        };
        let named = self
            .charset
            .as_deref()
            .and_then(|label| Encoding::for_label(label.as_bytes()));
        match (named, std::str::from_utf8(&bytes)) {
            (Some(encoding), _) => encoding.decode_without_bom_handling(&bytes).0.into_owned(),
            (None, Ok(text)) => text.to_owned(),
            (None, Err(_)) => GB18030.decode_without_bom_handling(&bytes).0.into_owned(),
        }
    }
}

fn find_outside_quotes(line: &[u8], wanted: u8) -> Option<usize> {
    let mut quoted = false;
    line.iter().position(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == wanted && !quoted
    })
}

fn split_outside_quotes(text: &str, wanted: char) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    text.split(move |c| {
        if c == '"' {
            quoted = !quoted;
        }
        c == wanted && !quoted
    })
}

/// `=E5=BC=A0` to bytes; an `=` not followed by two hex digits is kept.
fn quoted_printable(value: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let pair = value
            .get(i + 1..i + 3)
            .and_then(|p| Some(hex(p[0])? * 16 + hex(p[1])?));
        match (value[i], pair) {
            (b'=', Some(byte)) => {
                out.push(byte as u8);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn base64(value: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// Splits at `;` unless escaped; escapes are left for [`unescape`].
fn split_components(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ';' => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `\n` to a newline, `\,` `\;` `\\` to the character; any other
/// backslash stays, as 2.1 files use it unescaped.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ (',' | ';' | '\\')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Property {
        Property::parse(line.as_bytes()).unwrap()
    }

    #[test]
    fn groups_and_parameters_are_understood() {
        let p = parse("item1.TEL;TYPE=\"cell,voice\";PREF=1;VALUE=uri:tel:+86-138");
        assert_eq!(p.name, "TEL");
        assert!(p.has_type("cell") && p.has_type("voice") && p.is_preferred());
        assert_eq!(p.text(), "tel:+86-138");
        let bare = parse("TEL;CELL;PREF:138");
        assert!(bare.has_type("cell") && bare.is_preferred());
    }

    #[test]
    fn quoted_printable_in_a_named_charset_is_decoded() {
        let (gb, _, _) = GB18030.encode("李四");
        let qp: String = gb.iter().map(|b| format!("={b:02X}")).collect();
        let p = parse(&format!("FN;CHARSET=GB2312;ENCODING=QUOTED-PRINTABLE:{qp}"));
        assert_eq!(p.text(), "李四");
        let bare = parse("N;QUOTED-PRINTABLE;CHARSET=UTF-8:=E5=BC=A0;=E4=B8=89;;;");
        assert_eq!(bare.components(), ["张", "三", "", "", ""]);
    }

    #[test]
    fn base64_text_and_undeclared_gbk_are_decoded() {
        let p = parse("NOTE;ENCODING=b:5aSH5rOo");
        assert_eq!(p.text(), "备注");
        let (gb, _, _) = GB18030.encode("王五");
        let line = [b"FN:".as_slice(), &gb].concat();
        assert_eq!(Property::parse(&line).unwrap().text(), "王五");
    }

    #[test]
    fn escapes_are_undone_after_splitting() {
        let p = parse(r"ADR:;;1\, Main St\;B;Town;;;;");
        assert_eq!(p.components()[2], "1, Main St;B");
        assert_eq!(parse(r"NOTE:a\nb\,c\\d\x").text(), "a\nb,c\\d\\x");
    }

    #[test]
    fn broken_quoted_printable_is_kept_as_written() {
        assert_eq!(quoted_printable(b"a=4"), b"a=4");
        assert_eq!(quoted_printable(b"=ZZ=41"), b"=ZZA");
    }

    #[test]
    fn a_line_without_a_colon_is_not_a_property() {
        assert!(Property::parse(b"garbage").is_none());
    }
}
