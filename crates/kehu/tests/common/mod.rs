//! What the command-line tests share: running the real binary on a
//! database, in English.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");

/// Runs `kehu ARGS` in `dir` on the database `db` and waits for it.
pub fn kehu(db: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(KEHU)
        .args(args)
        .current_dir(dir)
        .env("KEHU_DATABASE_URL", db)
        .env("KEHU_LANG", "en")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}
