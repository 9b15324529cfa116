//! What the command-line tests share: running the real binary on a
//! database, in English.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");

/// Runs `kehu ARGS` in `dir` on the database `db` and waits for it.
pub fn kehu(db: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(KEHU)
        .args(args)
        .current_dir(dir)
        .env("KEHU_DATABASE_URL", db)
        .env("KEHU_MASTER_KEY", kehu_store::testing::TEST_MASTER_KEY)
        .env("KEHU_LANG", "en")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The JSON object on the last line of a successful run's output.
pub fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "kehu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
