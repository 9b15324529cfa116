//! Text encodings of the files customers bring: UTF-8 with or without a BOM,
//! UTF-16 with a BOM (Excel's "Unicode text"), and GB18030 for everything
//! else, since a CSV that is not UTF-8 in China almost always came out of
//! Excel or WPS in GBK, which GB18030 contains.
//!
//! Text is decoded as a stream, so a gigabyte file passes through a few
//! kilobytes of buffer.

use std::io::{self, Read, Write};

use crate::Source;
use encoding_rs::{CoderResult, Decoder, Encoder, EncoderResult, Encoding};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE, UTF_8};

/// An encoding as found in a file, with the name shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TextEncoding {
    pub encoding: &'static Encoding,
    pub name: &'static str,
}

/// Finds a file's encoding from its byte order mark, or, without one, from
/// whether the whole file is valid UTF-8. The whole file is checked rather
/// than its first kilobytes because exports often start with ASCII headers
/// and only later hold GBK names.
pub(crate) fn sniff_file(source: &Source, head: &[u8]) -> io::Result<TextEncoding> {
    if let Some(found) = from_bom(head) {
        return Ok(found);
    }
    let utf8 = is_utf8(source.open()?)?;
    Ok(if utf8 { UTF8 } else { GB })
}

const UTF8: TextEncoding = TextEncoding {
    encoding: UTF_8,
    name: "UTF-8",
};
const GB: TextEncoding = TextEncoding {
    encoding: GB18030,
    name: "GB18030",
};

fn from_bom(head: &[u8]) -> Option<TextEncoding> {
    let (encoding, name) = if head.starts_with(b"\xEF\xBB\xBF") {
        (UTF_8, "UTF-8 (BOM)")
    } else if head.starts_with(b"\xFF\xFE") {
        (UTF_16LE, "UTF-16LE")
    } else if head.starts_with(b"\xFE\xFF") {
        (UTF_16BE, "UTF-16BE")
    } else {
        return None;
    };
    Some(TextEncoding { encoding, name })
}

/// Reads `input` to its end in small chunks, carrying a character split
/// across two chunks over to the next.
fn is_utf8(mut input: impl Read) -> io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut carried = 0;
    loop {
        let n = read_some(&mut input, &mut buf[carried..])?;
        let end = carried + n;
        if n == 0 {
            return Ok(carried == 0);
        }
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_some() => return Ok(false),
            Err(e) => {
                let tail = e.valid_up_to();
                buf.copy_within(tail..end, 0);
                carried = end - tail;
            }
        }
    }
}

/// `Read::read` that retries when interrupted.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Decodes the start of a file for sniffing; a character cut off at the
/// end of the sample just becomes a replacement character.
pub(crate) fn decode_sample(encoding: TextEncoding, head: &[u8]) -> String {
    let bom = match encoding.name {
        "UTF-8 (BOM)" => 3,
        "UTF-16LE" | "UTF-16BE" => 2,
        _ => 0,
    };
    let body = head.get(bom..).unwrap_or_default();
    encoding
        .encoding
        .decode_without_bom_handling(body)
        .0
        .into_owned()
}

/// A `Read` giving the UTF-8 text of a byte stream in another encoding.
/// Malformed bytes become U+FFFD rather than an error: one bad byte in a
/// customer file should cost one character, not the import.
pub(crate) struct DecodeReader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    input_done: bool,
    finished: bool,
}

impl<R: Read> DecodeReader<R> {
    pub fn new(inner: R, encoding: TextEncoding) -> Self {
        DecodeReader {
            inner,
            decoder: encoding.encoding.new_decoder_with_bom_removal(),
            input: vec![0; 16 * 1024],
            input_start: 0,
            input_end: 0,
            output: vec![0; 64 * 1024],
            output_start: 0,
            output_end: 0,
            input_done: false,
            finished: false,
        }
    }

    /// Decodes until some output is ready or the stream is over.
    fn fill_output(&mut self) -> io::Result<()> {
        while self.output_start == self.output_end && !self.finished {
            if self.input_start == self.input_end && !self.input_done {
                let n = read_some(&mut self.inner, &mut self.input)?;
                self.input_start = 0;
                self.input_end = n;
                self.input_done = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                self.input_done,
            );
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            if self.input_done && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.fill_output()?;
        let ready = &self.output[self.output_start..self.output_end];
        let n = ready.len().min(buf.len());
        buf[..n].copy_from_slice(&ready[..n]);
        self.output_start += n;
        Ok(n)
    }
}

/// A `Write` taking UTF-8 and writing GB18030. Writes may split a character
/// between calls; the split bytes wait for the rest. A character GB18030
/// has no code for is written as `?`.
pub(crate) struct EncodeWriter<W> {
    inner: W,
    encoder: Encoder,
    pending: Vec<u8>,
    output: Vec<u8>,
}

impl<W: Write> EncodeWriter<W> {
    pub fn gb18030(inner: W) -> Self {
        EncodeWriter {
            inner,
            encoder: GB18030.new_encoder(),
            pending: Vec::new(),
            output: vec![0; 16 * 1024],
        }
    }

    fn encode(&mut self, text: &str) -> io::Result<()> {
        let mut rest = text;
        loop {
            let (result, read, written) =
                self.encoder
                    .encode_from_utf8_without_replacement(rest, &mut self.output, false);
            self.inner.write_all(&self.output[..written])?;
            rest = &rest[read..];
            match result {
                EncoderResult::InputEmpty => return Ok(()),
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(_) => self.inner.write_all(b"?")?,
            }
        }
    }

    /// Fails if the text written ended inside a character.
    pub fn into_inner(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            return Err(invalid_utf8());
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

fn invalid_utf8() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "text to encode is not UTF-8")
}

impl<W: Write> Write for EncodeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let pending = std::mem::take(&mut self.pending);
        let valid = match std::str::from_utf8(&pending) {
            Ok(text) => text,
            Err(e) if e.error_len().is_some() => return Err(invalid_utf8()),
            Err(e) => {
                std::str::from_utf8(&pending[..e.valid_up_to()]).map_err(|_| invalid_utf8())?
            }
        };
        let used = valid.len();
        self.encode(valid)?;
        self.pending = pending[used..].to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], encoding: TextEncoding) -> String {
        let mut out = String::new();
        DecodeReader::new(bytes, encoding)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn a_bom_names_the_encoding() {
        assert_eq!(from_bom(b"\xEF\xBB\xBFa").unwrap().name, "UTF-8 (BOM)");
        assert_eq!(from_bom(b"\xFF\xFEa\0").unwrap().name, "UTF-16LE");
        assert_eq!(from_bom(b"\xFE\xFF\0a").unwrap().name, "UTF-16BE");
        assert!(from_bom(b"abc").is_none());
    }

    #[test]
    fn utf8_split_across_chunks_is_still_utf8() {
        let text = "张".repeat(40_000);
        assert!(is_utf8(text.as_bytes()).unwrap());
        let (gb, _, _) = GB18030.encode(&text);
        assert!(!is_utf8(&gb[..]).unwrap());
        // A file that ends in the middle of a character is not UTF-8.
        assert!(!is_utf8(&text.as_bytes()[..5]).unwrap());
    }

    #[test]
    fn decoding_streams_gb18030_and_drops_the_bom() {
        let text = "姓名,手机\n张三,13812345678\n".repeat(5_000);
        let (gb, _, _) = GB18030.encode(&text);
        assert_eq!(decode_all(&gb, GB), text);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let bom = from_bom(&with_bom).unwrap();
        assert_eq!(decode_all(&with_bom, bom), text);
    }

    #[test]
    fn encoding_survives_characters_split_between_writes() {
        let text = "王五 ✓ 𠀀 end";
        let mut writer = EncodeWriter::gb18030(Vec::new());
        for byte in text.as_bytes() {
            writer.write_all(std::slice::from_ref(byte)).unwrap();
        }
        let out = writer.into_inner().unwrap();
        assert_eq!(GB18030.decode_without_bom_handling(&out).0, text);
    }
}
