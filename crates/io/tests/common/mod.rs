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
