//! Physical lines joined back into vCard properties: folded lines (a line
//! starting with a space or tab continues the one before) and 2.1's
//! quoted-printable soft line breaks (a value line ending in `=`).

use std::io::{self, BufRead, Read};

/// No property a CRM keeps is anywhere near this long; a longer one (a
/// photo, or hostile input) is cut here so memory stays bounded.
const MAX_LINE: usize = 4 * 1024 * 1024;

pub(super) struct Lines {
    input: Box<dyn BufRead + Send>,
    peeked: Option<Vec<u8>>,
}

impl Lines {
    pub fn new(input: Box<dyn BufRead + Send>) -> Self {
        Lines {
            input,
            peeked: None,
        }
    }

    /// The next line without its line ending, at most [`MAX_LINE`] bytes.
    fn physical(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(line) = self.peeked.take() {
            return Ok(Some(line));
        }
        let mut line = Vec::new();
        let n = (&mut self.input)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if n == MAX_LINE {
            self.input.skip_until(b'\n')?;
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some(line))
    }

    fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        if self.peeked.is_none() {
            self.peeked = self.physical()?;
        }
        Ok(self.peeked.as_deref())
    }

    /// The next property, unfolded.
    pub fn next_property(&mut self) -> io::Result<Option<Vec<u8>>> {
        let Some(mut line) = self.physical()? else {
            return Ok(None);
        };
        loop {
            if line.last() == Some(&b'=') && is_quoted_printable(&line) {
                line.pop();
                match self.physical()? {
                    Some(next) => append(&mut line, &next),
                    None => break,
                }
            } else if let Some(next) = self.peek()? {
                if !next.starts_with(b" ") && !next.starts_with(b"\t") {
                    break;
                }
                let next = self.peeked.take().unwrap_or_default();
                append(&mut line, &next[1..]);
            } else {
                break;
            }
        }
        Ok(Some(line))
    }
}

fn append(line: &mut Vec<u8>, more: &[u8]) {
    let room = MAX_LINE.saturating_sub(line.len());
    line.extend_from_slice(&more[..more.len().min(room)]);
}

/// Whether the parameters (before the first `:`) declare quoted-printable.
fn is_quoted_printable(line: &[u8]) -> bool {
    let params = line.split(|&b| b == b':').next().unwrap_or_default();
    params
        .windows(16)
        .any(|w| w.eq_ignore_ascii_case(b"QUOTED-PRINTABLE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(text: &str) -> Vec<String> {
        let mut lines = Lines::new(Box::new(io::Cursor::new(text.as_bytes().to_vec())));
        let mut out = Vec::new();
        while let Some(p) = lines.next_property().unwrap() {
            out.push(String::from_utf8(p).unwrap());
        }
        out
    }

    #[test]
    fn folded_lines_are_unfolded() {
        assert_eq!(
            properties("NOTE:one\r\n  two\r\n\tthree\r\nFN:x\n"),
            ["NOTE:one twothree", "FN:x"]
        );
    }

    #[test]
    fn soft_line_breaks_join_quoted_printable_values_only() {
        let text =
            "FN;ENCODING=QUOTED-PRINTABLE:=E5=BC=\r\n=A0\r\nPHOTO;ENCODING=b:AAA=\r\nEND:VCARD";
        assert_eq!(
            properties(text),
            [
                "FN;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0",
                "PHOTO;ENCODING=b:AAA=",
                "END:VCARD"
            ]
        );
    }

    #[test]
    fn an_overlong_line_is_cut_not_kept() {
        let long = format!("NOTE:{}\nFN:x\n", "a".repeat(MAX_LINE + 10));
        let got = properties(&long);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1], "FN:x");
    }
}
