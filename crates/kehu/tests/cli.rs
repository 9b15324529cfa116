//! The command line as a user runs it: the real binary in an empty folder.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");

/// An empty folder, removed afterwards.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!("kehu-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn db(&self) -> String {
        format!("sqlite://{}/kehu.db", self.0.display())
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kehu(folder: &Folder, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(KEHU)
        .args(args)
        .current_dir(&folder.0)
        .env_remove("KEHU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn serve_in_an_empty_folder_creates_the_database_and_says_how_to_sign_in() {
    let folder = Folder::new("serve");
    let mut child = Command::new(KEHU)
        .arg("serve")
        .current_dir(&folder.0)
        .env_remove("KEHU_DATABASE_URL")
        .env("KEHU_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        let done = line.contains("password:");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = seen.join("\n");
    assert!(
        text.contains("kehu is running at http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("email:    admin@kehu.local"), "{text}");
    let password = seen
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap();
    assert!(password.trim().len() >= 12, "{text}");
    assert!(folder.0.join("kehu.db").exists());
}

#[test]
fn users_and_tokens_are_created_from_the_command_line() {
    let folder = Folder::new("users");
    let db = folder.db();
    let out = kehu(&folder, &["migrate", "--database", &db], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = kehu(
        &folder,
        &[
            "user",
            "add",
            "Rep@Example.com",
            "--role",
            "sales",
            "--name",
            "张三",
            "--password-stdin",
            "--database",
            &db,
        ],
        "a-long-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rep@example.com"));

    let out = kehu(
        &folder,
        &["token", "create", "rep@example.com", "--database", &db],
        "",
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().last().unwrap();
    assert!(
        token.starts_with("kehu_") && !token.contains(' '),
        "{stdout}"
    );

    // Bad input is explained and changes nothing.
    for (args, needle) in [
        (
            vec![
                "user",
                "add",
                "x@example.com",
                "--role",
                "boss",
                "--password-stdin",
            ],
            "role",
        ),
        (
            vec![
                "user",
                "add",
                "not-an-email",
                "--role",
                "sales",
                "--password-stdin",
            ],
            "email",
        ),
        (
            vec![
                "user",
                "add",
                "rep@example.com",
                "--role",
                "sales",
                "--password-stdin",
            ],
            "email",
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--database", &db]);
        let out = kehu(&folder, &args, "another-long-password");
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{args:?}"
        );
    }
    let out = kehu(
        &folder,
        &[
            "user",
            "add",
            "y@example.com",
            "--role",
            "sales",
            "--password-stdin",
            "--database",
            &db,
        ],
        "short",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    let out = kehu(
        &folder,
        &["token", "create", "nobody@example.com", "--database", &db],
        "",
    );
    assert!(!out.status.success());
}

#[test]
fn demo_fills_the_database_with_customers() {
    let folder = Folder::new("demo");
    let db = folder.db();
    let out = kehu(
        &folder,
        &["demo", "--customers", "300", "--quiet", "--database", &db],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created 300 demo customers"));
}

/// `kehu ARGS` in `folder` with its keys in `key_file` (none from the
/// environment).
fn kehu_keyed(folder: &Folder, key_file: &std::path::Path, args: &[&str]) -> Output {
    Command::new(KEHU)
        .args(args)
        .arg("--key-file")
        .arg(key_file)
        .current_dir(&folder.0)
        .env_remove("KEHU_DATABASE_URL")
        .env_remove("KEHU_MASTER_KEY")
        .env_remove("KEHU_KEY_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_key_file_is_made_private_on_first_start_and_a_missing_or_wrong_one_is_refused() {
    let folder = Folder::new("keys");
    let key_file = folder.0.join("config").join("master.key");
    let first = kehu_keyed(&folder, &key_file, &["migrate"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("Back it up"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the key file is readable by its owner alone"
        );
    }
    let key = std::fs::read_to_string(&key_file).unwrap();

    // Started without its key file, kehu does not make a new key.
    let elsewhere = folder.0.join("other").join("master.key");
    let refused = kehu_keyed(&folder, &elsewhere, &["migrate"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("does not exist") && message.contains("Nothing was changed"),
        "{message}"
    );
    assert!(!elsewhere.exists());

    // With another key, it refuses too, naming the key it needs.
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::write(
        &elsewhere,
        "6b656875206120646966666572656e74206b65792c2074686520777260e67212\n",
    )
    .unwrap();
    let refused = kehu_keyed(&folder, &elsewhere, &["migrate"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("sealed with key"), "{message}");
    assert!(
        !message.contains(key.trim()),
        "a key never reaches the terminal"
    );

    // Rotation adds a key to the file; status lists both.
    let rotated = kehu_keyed(&folder, &key_file, &["keys", "rotate"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let status = kehu_keyed(&folder, &key_file, &["keys", "status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(text.matches("current").count(), 1, "{text}");
    assert_eq!(
        std::fs::read_to_string(&key_file)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count(),
        2
    );
}
