//! Files sealed at rest: an uploaded customer list is personal data and
//! lies on disk for days, so it is kept encrypted under a key of its own
//! (which the store seals under the vault's key) and read back through
//! [`SealedReader`], which decrypts only the piece being read.
//!
//! The layout follows the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway, Vizár: "Online authenticated-encryption and its nonce-reuse
//! misuse-resistance", 2015): the plain text is cut into chunks of
//! [`CHUNK`] bytes, each sealed with AES-256-GCM under a nonce made of a
//! random per-file prefix, the chunk's number and a flag set only on the
//! last chunk. A chunk cannot be moved, dropped, or made the last one
//! without failing to open, and any chunk opens on its own, so a reader can
//! seek (spreadsheets are zip files, read from their end).
//!
//! ```text
//! header:  "kehu-sf1" (8) ‖ nonce prefix (7) ‖ 0 (1)
//! chunks:  AES-256-GCM(chunk i) ‖ tag (16), CHUNK bytes each but the
//!          last, which holds 0..=CHUNK bytes; the header is every
//!          chunk's associated data
//! ```

use std::io::{self, Read, Seek, SeekFrom, Write};

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

/// What every sealed file starts with.
pub const MAGIC: &[u8; 8] = b"kehu-sf1";
/// Plain bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const HEADER: usize = 16;
/// Random bytes of a file's nonces; the other five count chunks and mark
/// the last one.
pub const PREFIX_LEN: usize = 7;

/// A file's own key: 32 random bytes, never stored in clear.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey([u8; 32]);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(…)")
    }
}

impl FileKey {
    pub fn from_bytes(bytes: [u8; 32]) -> FileKey {
        FileKey(bytes)
    }

    /// The key as 64 hex digits, to be sealed for storage.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<FileKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(FileKey(bytes))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new((&self.0).into())
    }
}

/// Whether `head` (a file's first bytes) is a sealed file's.
pub fn is_sealed_file(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

fn nonce(prefix: &[u8; PREFIX_LEN], index: u64, last: bool) -> io::Result<[u8; 12]> {
    let index = u32::try_from(index).map_err(|_| invalid("a sealed file has too many chunks"))?;
    let mut nonce = [0u8; 12];
    nonce[..PREFIX_LEN].copy_from_slice(prefix);
    nonce[PREFIX_LEN..11].copy_from_slice(&index.to_be_bytes());
    nonce[11] = u8::from(last);
    Ok(nonce)
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

fn header(prefix: &[u8; PREFIX_LEN]) -> [u8; HEADER] {
    let mut header = [0u8; HEADER];
    header[..8].copy_from_slice(MAGIC);
    header[8..8 + PREFIX_LEN].copy_from_slice(prefix);
    header
}

/// Seals what is written to it into `inner`. [`SealingWriter::finish`]
/// writes the last chunk; a writer dropped without it leaves a file that
/// does not open (as it should: it is not the whole file).
pub struct SealingWriter<W: Write> {
    inner: W,
    cipher: Aes256Gcm,
    header: [u8; HEADER],
    prefix: [u8; PREFIX_LEN],
    buffer: Vec<u8>,
    index: u64,
}

impl<W: Write> SealingWriter<W> {
    /// `prefix` must be random and never used again with `key` (a new key
    /// per file makes that certain).
    pub fn new(mut inner: W, key: &FileKey, prefix: [u8; PREFIX_LEN]) -> io::Result<Self> {
        let header = header(&prefix);
        inner.write_all(&header)?;
        Ok(SealingWriter {
            inner,
            cipher: key.cipher(),
            header,
            prefix,
            buffer: Vec::with_capacity(CHUNK + TAG),
            index: 0,
        })
    }

    fn seal_buffer(&mut self, last: bool) -> io::Result<()> {
        let nonce = nonce(&self.prefix, self.index, last)?;
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), &self.header, &mut self.buffer)
            .map_err(|_| invalid("a chunk could not be sealed"))?;
        self.inner.write_all(&self.buffer)?;
        self.inner.write_all(&tag)?;
        self.buffer.clear();
        self.index += 1;
        Ok(())
    }

    /// Seals the last chunk and returns the inner writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal_buffer(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealingWriter<W> {
    fn write(&mut self, mut bytes: &[u8]) -> io::Result<usize> {
        let written = bytes.len();
        while !bytes.is_empty() {
            // A full chunk is sealed only once more follows it: the last
            // chunk, sealed by `finish`, is never empty unless the file is.
            if self.buffer.len() == CHUNK {
                self.seal_buffer(false)?;
            }
            let take = (CHUNK - self.buffer.len()).min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads a sealed file's plain text, opening one chunk at a time.
pub struct SealedReader<R: Read + Seek> {
    inner: R,
    cipher: Aes256Gcm,
    header: [u8; HEADER],
    prefix: [u8; PREFIX_LEN],
    /// Chunks in the file, the last included.
    chunks: u64,
    /// Plain bytes in the file.
    len: u64,
    pos: u64,
    /// The chunk opened last, and its number.
    open: Option<(u64, Vec<u8>)>,
}

impl<R: Read + Seek> SealedReader<R> {
    /// Reads the header and works out the plain length from the file's;
    /// a file that is not sealed, or is cut short, is refused.
    pub fn new(mut inner: R, key: &FileKey) -> io::Result<Self> {
        let size = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        let mut header = [0u8; HEADER];
        inner
            .read_exact(&mut header)
            .map_err(|_| invalid("not a sealed file"))?;
        if !is_sealed_file(&header) {
            return Err(invalid("not a sealed file"));
        }
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&header[8..8 + PREFIX_LEN]);
        let body = size - HEADER as u64;
        let sealed_chunk = (CHUNK + TAG) as u64;
        let chunks = body.div_ceil(sealed_chunk);
        let last = body
            .checked_sub(chunks.saturating_sub(1) * sealed_chunk)
            .filter(|last| *last >= TAG as u64)
            .ok_or_else(|| invalid("a sealed file is cut short"))?;
        let len = (chunks - 1) * CHUNK as u64 + (last - TAG as u64);
        Ok(SealedReader {
            inner,
            cipher: key.cipher(),
            header,
            prefix,
            chunks,
            len,
            pos: 0,
            open: None,
        })
    }

    /// Plain bytes in the file.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn open_chunk(&mut self, index: u64) -> io::Result<()> {
        if self.open.as_ref().is_some_and(|(i, _)| *i == index) {
            return Ok(());
        }
        let last = index + 1 == self.chunks;
        let plain = if last {
            (self.len - index * CHUNK as u64) as usize
        } else {
            CHUNK
        };
        let (_, mut buffer) = self.open.take().unwrap_or_default();
        buffer.resize(plain + TAG, 0);
        self.inner.seek(SeekFrom::Start(
            HEADER as u64 + index * (CHUNK + TAG) as u64,
        ))?;
        self.inner.read_exact(&mut buffer)?;
        let tag = Tag::clone_from_slice(&buffer[plain..]);
        buffer.truncate(plain);
        let nonce = nonce(&self.prefix, index, last)?;
        self.cipher
            .decrypt_in_place_detached(Nonce::from_slice(&nonce), &self.header, &mut buffer, &tag)
            .map_err(|_| invalid("a sealed file was changed, or the key is not its own"))?;
        self.open = Some((index, buffer));
        Ok(())
    }
}

impl<R: Read + Seek> Read for SealedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let index = self.pos / CHUNK as u64;
        self.open_chunk(index)?;
        let chunk = &self.open.as_ref().expect("opened above").1;
        let at = (self.pos - index * CHUNK as u64) as usize;
        let n = (chunk.len() - at).min(out.len());
        out[..n].copy_from_slice(&chunk[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for SealedReader<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "a seek before the start")
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn key(n: u8) -> FileKey {
        FileKey::from_bytes([n; 32])
    }

    fn seal(plain: &[u8], key: &FileKey) -> Vec<u8> {
        let mut writer = SealingWriter::new(Vec::new(), key, [7; PREFIX_LEN]).unwrap();
        // In uneven pieces, as an upload arrives.
        for piece in plain.chunks(10_007) {
            writer.write_all(piece).unwrap();
        }
        writer.finish().unwrap()
    }

    fn read_all(sealed: Vec<u8>, key: &FileKey) -> io::Result<Vec<u8>> {
        let mut reader = SealedReader::new(Cursor::new(sealed), key)?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out)?;
        Ok(out)
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn files_of_every_length_come_back_as_written() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let plain = text(len);
            let sealed = seal(&plain, &key(1));
            assert!(is_sealed_file(&sealed));
            assert_eq!(read_all(sealed, &key(1)).unwrap(), plain, "length {len}");
        }
    }

    #[test]
    fn the_plain_text_is_nowhere_in_the_sealed_file() {
        let plain = "姓名,身份证号\n张三,110101199003071234\n".repeat(100);
        let sealed = seal(plain.as_bytes(), &key(1));
        let needle = b"110101199003071234";
        assert!(!sealed.windows(needle.len()).any(|w| w == needle));
    }

    #[test]
    fn a_reader_seeks_anywhere() {
        let plain = text(2 * CHUNK + 100);
        let mut reader = SealedReader::new(Cursor::new(seal(&plain, &key(1))), &key(1)).unwrap();
        assert_eq!(reader.len(), plain.len() as u64);
        for at in [CHUNK as u64 * 2 + 50, 5, CHUNK as u64 - 2, 0] {
            reader.seek(SeekFrom::Start(at)).unwrap();
            let mut four = [0u8; 4];
            reader.read_exact(&mut four).unwrap();
            assert_eq!(four, plain[at as usize..at as usize + 4]);
        }
        assert_eq!(
            reader.seek(SeekFrom::End(-1)).unwrap(),
            plain.len() as u64 - 1
        );
        assert!(reader
            .seek(SeekFrom::Current(-(plain.len() as i64)))
            .is_err());
    }

    #[test]
    fn a_changed_cut_or_foreign_file_does_not_open() {
        let plain = text(2 * CHUNK + 10);
        let sealed = seal(&plain, &key(1));
        // Another key.
        assert!(read_all(sealed.clone(), &key(2)).is_err());
        // One byte changed.
        let mut changed = sealed.clone();
        changed[HEADER + 100] ^= 1;
        assert!(read_all(changed, &key(1)).is_err());
        // The last chunk dropped: the one before is not marked last.
        let cut = sealed[..HEADER + 2 * (CHUNK + TAG)].to_vec();
        assert!(read_all(cut, &key(1)).is_err());
        // Cut inside a tag.
        assert!(read_all(sealed[..HEADER + 5].to_vec(), &key(1)).is_err());
        // Not sealed at all.
        assert!(read_all(b"name,mobile\n".to_vec(), &key(1)).is_err());
    }

    #[test]
    fn keys_travel_as_hex() {
        let k = key(9);
        assert_eq!(FileKey::from_hex(&k.to_hex()), Some(k));
        assert_eq!(FileKey::from_hex("zz"), None);
        assert_eq!(format!("{:?}", key(9)), "FileKey(…)");
    }
}
