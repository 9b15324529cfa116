//! A real `kehu serve` on a fresh SQLite database, chromedriver, and one
//! Chromium session, all stopped when the harness is dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::webdriver::{self, Browser, Driver};

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");

/// How long to wait for a page to show what a test expects. Generous:
/// two cores may be building something else while the tests run.
pub const WAIT: Duration = Duration::from_secs(20);

pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Every user the harness creates signs in with this password.
pub const PASSWORD: &str = "correct-horse-battery";

/// Fails the test, saying what to install, when Chromium or chromedriver
/// is missing: a browser test that was asked to run and could not is a
/// failure, never a pass.
fn require_browser() {
    assert!(
        webdriver::installed(),
        "{} or {} is missing (apt-get install chromium chromium-driver)",
        webdriver::CHROMIUM,
        webdriver::CHROMEDRIVER
    );
}

/// Server, chromedriver and a first browser whose language is `zh-CN`.
pub struct Harness {
    pub server: Server,
    pub driver: Arc<Driver>,
    pub browser: Browser,
}

impl Harness {
    /// Starts everything; fails when the browser is missing.
    pub async fn start() -> Harness {
        require_browser();
        let server = Server::start().await.expect("kehu serve did not start");
        let driver = Driver::start().await.expect("chromedriver did not start");
        let browser = Browser::open(&driver, "zh-CN")
            .await
            .expect("chromium did not start");
        Harness {
            server,
            driver,
            browser,
        }
    }

    /// Another browser with its own cookies, for a second user at once.
    pub async fn another_browser(&self, lang: &str) -> Result<Browser> {
        Browser::open(&self.driver, lang).await
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Writes docs/screenshots/NAME.png when KEHU_SCREENSHOTS=1, for the
    /// README and for a person to look at; otherwise does nothing.
    pub async fn screenshot(&self, browser: &Browser, name: &str) -> Result<()> {
        if std::env::var("KEHU_SCREENSHOTS").as_deref() != Ok("1") {
            return Ok(());
        }
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/screenshots")
            .join(format!("{name}.png"));
        browser.screenshot(&path).await
    }
}

/// Fills and submits the login form; does not wait for what follows.
pub async fn login(browser: &Browser, base: &str, email: &str, password: &str) -> Result<()> {
    browser.goto(&format!("{base}/login")).await?;
    let form = browser.wait_for("form#login-form", WAIT).await?;
    let email_input = form.find("input#email[name=email]").await?;
    email_input.clear().await?;
    email_input.send_keys(email).await?;
    let password_input = form.find("input#password[name=password]").await?;
    password_input.clear().await?;
    password_input.send_keys(password).await?;
    form.find("button[type=submit]").await?.click().await
}

/// Signs in and waits for the landing page, the customer list.
pub async fn sign_in(browser: &Browser, base: &str, email: &str) -> Result<()> {
    login(browser, base, email, PASSWORD).await?;
    browser.wait_for_path("/customers", WAIT).await
}

/// Polls `check` until it answers true; the error names `what`.
pub async fn until(what: &str, mut check: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    let started = Instant::now();
    loop {
        // A page that is being replaced answers with stale elements: that
        // is "not yet", unless it lasts.
        let last = match check().await {
            Ok(true) => return Ok(()),
            Ok(false) => None,
            Err(e) => Some(e),
        };
        if started.elapsed() > WAIT {
            match last {
                Some(e) => return Err(e.context(format!("waited {WAIT:?} for {what}"))),
                None => bail!("waited {WAIT:?} for {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `kehu serve` in a temporary folder, on a port the system picked.
pub struct Server {
    process: Child,
    base: String,
    token: String,
    http: reqwest::Client,
    db: String,
    folder: tempfile::TempDir,
}

impl Server {
    /// Adds an administrator and an API token with the command line (so no
    /// one-time password needs reading), then starts the server.
    pub async fn start() -> Result<Server> {
        let folder = tempfile::Builder::new().prefix("kehu-browser-").tempdir()?;
        let db = format!("sqlite://{}/kehu.db", folder.path().display());
        let admin = [
            "user",
            "add",
            ADMIN_EMAIL,
            "--role",
            "admin",
            "--password-stdin",
        ];
        cli(&db, &admin, PASSWORD)?;
        let token = cli(&db, &["token", "create", ADMIN_EMAIL], "")?;
        let token = token.lines().last().unwrap_or_default().trim().to_owned();

        let log = std::fs::File::create(folder.path().join("server.log"))?;
        let files = folder.path().join("files");
        let mut process = Command::new(KEHU)
            .args(["serve", "--database", &db, "--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&files)
            // Requests too, so a failed test shows what the browser asked.
            .env("KEHU_LOG", "info,tower_http=debug,sqlx=error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("cannot start kehu serve")?;
        let base = read_address(&mut process)?;
        let server = Server {
            process,
            base,
            token,
            http: reqwest::Client::new(),
            db,
            folder,
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Fills the running server's database with `customers` sample ones.
    pub fn demo(&self, customers: u32) -> Result<()> {
        let n = customers.to_string();
        cli(&self.db, &["demo", "--customers", &n, "--quiet"], "")?;
        Ok(())
    }

    async fn wait_healthy(&self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Ok(r) = self.http.get(self.url("/healthz")).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if started.elapsed() > WAIT {
                bail!("{} never answered /healthz", self.base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A REST call as the administrator; fails on any status but 2xx.
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(&self.token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn add_team(&self, name: &str) -> Result<i64> {
        let team = self
            .api(
                reqwest::Method::POST,
                "/api/v1/teams",
                json!({ "name": name }),
            )
            .await?;
        id(&team)
    }

    /// Adds a user who signs in with `PASSWORD`.
    pub async fn add_user(
        &self,
        email: &str,
        role: &str,
        name: &str,
        team_id: Option<i64>,
    ) -> Result<i64> {
        let body = json!({"email": email, "role": role, "name": name,
                          "team_id": team_id, "password": PASSWORD});
        id(&self
            .api(reqwest::Method::POST, "/api/v1/users", body)
            .await?)
    }

    pub async fn add_customer(&self, fields: Value) -> Result<i64> {
        id(&self
            .api(reqwest::Method::POST, "/api/v1/customers", fields)
            .await?)
    }

    pub async fn customer(&self, id: i64) -> Result<Value> {
        let path = format!("/api/v1/customers/{id}");
        self.api(reqwest::Method::GET, &path, Value::Null).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        if std::thread::panicking() {
            // The server's side of a failed test.
            let log = std::fs::read_to_string(self.folder.path().join("server.log"));
            let log = log.unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let _ = writeln!(std::io::stderr(), "kehu serve log:\n{}", tail.join("\n"));
        }
    }
}

/// Runs `kehu ARGS --database DB` with `stdin` as its standard input.
fn cli(db: &str, args: &[&str], stdin: &str) -> Result<String> {
    let mut child = Command::new(KEHU)
        .args(args)
        .args(["--database", db])
        .env_remove("KEHU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("no stdin")?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("kehu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads the server's first lines for the address it listens on, then keeps
/// reading in a thread: a server whose stdout closed would fail to print.
fn read_address(process: &mut Child) -> Result<String> {
    let stdout = process.stdout.take().context("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("kehu is running at ").nth(1) {
                let url = rest.split_whitespace().next().unwrap_or_default();
                let _ = tx.send(url.trim_end_matches('/').to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .context("kehu serve printed no address")
}

fn id(value: &Value) -> Result<i64> {
    value["id"]
        .as_i64()
        .with_context(|| format!("no id in {value}"))
}
