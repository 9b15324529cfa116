//! Where a file's bytes come from: a file as the user gave it, or an
//! upload kept sealed on disk (`kehu_core::crypto::file`), whose plain text
//! is opened a chunk at a time as the readers ask for it and never written
//! anywhere. Every reader opens its file through [`Source::open`], as often
//! as it needs to (a workbook is checked before it is read).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use kehu_core::crypto::file::{FileKey, SealedReader};

/// A file to read, and the key it is sealed with, if it is.
#[derive(Debug, Clone)]
pub struct Source {
    path: PathBuf,
    key: Option<FileKey>,
}

impl Source {
    pub fn new(path: &Path, key: Option<FileKey>) -> Source {
        Source {
            path: path.to_owned(),
            key,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn key(&self) -> Option<&FileKey> {
        self.key.as_ref()
    }

    /// The file's name, for telling formats apart.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// A new reader of the plain bytes, at their start.
    pub fn open(&self) -> io::Result<Input> {
        let file = File::open(&self.path)?;
        Ok(match &self.key {
            None => Input::Plain(file),
            Some(key) => Input::Sealed(Box::new(SealedReader::new(file, key)?)),
        })
    }

    /// How many plain bytes the file holds.
    pub fn plain_len(&self) -> io::Result<u64> {
        match self.open()? {
            Input::Plain(file) => Ok(file.metadata()?.len()),
            Input::Sealed(reader) => Ok(reader.len()),
        }
    }
}

/// A file's plain bytes.
pub enum Input {
    Plain(File),
    Sealed(Box<SealedReader<File>>),
}

impl Read for Input {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Plain(file) => file.read(out),
            Input::Sealed(reader) => reader.read(out),
        }
    }
}

impl Seek for Input {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            Input::Plain(file) => file.seek(to),
            Input::Sealed(reader) => reader.seek(to),
        }
    }
}
