//! A small W3C WebDriver client: chromedriver as a child process, spoken to
//! as HTTP JSON. Only what the browser tests need.
//!
//! Commands do not wait for the page to change: after a click that submits
//! a form or a key that triggers a script, wait for what the next state
//! shows (`wait_for`, `wait_for_path`), never sleep.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key under which WebDriver names an element in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const POLL: Duration = Duration::from_millis(100);

/// A running chromedriver, killed when the last handle to it is dropped.
pub struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it is ready.
    pub async fn start() -> Result<Arc<Driver>> {
        let port = free_port()?;
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {CHROMEDRIVER}"))?;
        let driver = Arc::new(Driver { process, port });
        let http = reqwest::Client::new();
        let status = format!("http://127.0.0.1:{port}/status");
        let started = Instant::now();
        loop {
            if let Ok(r) = http.get(&status).send().await {
                let body: Value = r.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    return Ok(driver);
                }
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not become ready on port {port}");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A free TCP port on the loopback interface (free when asked; chromedriver
/// cannot be told to pick one and report it).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// One browser session: its own Chromium with a fresh profile, so cookies,
/// storage and language are its own.
pub struct Browser {
    http: reqwest::Client,
    driver: Arc<Driver>,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens headless Chromium whose UI and `Accept-Language` are `lang`
    /// (`zh-CN` or `en`).
    pub async fn open(driver: &Arc<Driver>, lang: &str) -> Result<Browser> {
        let profile = tempfile::Builder::new()
            .prefix("kehu-chromium-")
            .tempdir()?;
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--lang={lang}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {"intl.accept_languages": lang},
            },
        }}});
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{}/session", driver.port);
        let value = call(&http, reqwest::Method::POST, &url, Some(capabilities)).await?;
        let session = value["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no sessionId in {value}"))?
            .to_owned();
        Ok(Browser {
            http,
            driver: driver.clone(),
            session,
            _profile: profile,
        })
    }

    async fn get(&self, path: &str) -> Result<Value> {
        call(&self.http, reqwest::Method::GET, &self.url(path), None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(
            &self.http,
            reqwest::Method::POST,
            &self.url(path),
            Some(body),
        )
        .await
    }

    fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/session/{}{path}",
            self.driver.port, self.session
        )
    }

    /// Loads `url` and waits for its `load` event.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    pub async fn current_url(&self) -> Result<String> {
        Ok(string(self.get("/url").await?))
    }

    /// The path of the current URL, without query or fragment.
    pub async fn path(&self) -> Result<String> {
        let url = self.current_url().await?;
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        Ok(path.split(['?', '#']).next().unwrap_or("/").to_owned())
    }

    pub async fn title(&self) -> Result<String> {
        Ok(string(self.get("/title").await?))
    }

    pub async fn page_source(&self) -> Result<String> {
        Ok(string(self.get("/source").await?))
    }

    /// The first element matching the CSS selector, now.
    pub async fn find(&self, css: &str) -> Result<Element<'_>> {
        let value = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await
            .with_context(|| format!("finding {css}"))?;
        Element::from_json(self, &value)
    }

    /// Every element matching the CSS selector, now (perhaps none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let value = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await?;
        let list = value.as_array().cloned().unwrap_or_default();
        list.iter().map(|v| Element::from_json(self, v)).collect()
    }

    /// Polls until an element matches the CSS selector.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>> {
        let started = Instant::now();
        loop {
            match self.find(css).await {
                Ok(element) => return Ok(element),
                Err(e) if started.elapsed() > timeout => {
                    let url = self.current_url().await.unwrap_or_default();
                    return Err(e.context(format!("waited {timeout:?} for {css} on {url}")));
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Polls until the current path is `path` (after a redirect or submit).
    pub async fn wait_for_path(&self, path: &str, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let now = self.path().await?;
            if now == path {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("waited {timeout:?} for the path {path}, still on {now}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` as a function body with `arguments`; returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let data = string(self.get("/screenshot").await?);
        let png = base64::engine::general_purpose::STANDARD.decode(data)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Drags `from` onto `to` with the mouse, as a person does: press on
    /// the first, move over in steps, release on the second (pointer
    /// events, which the board listens to).
    pub async fn drag(&self, from: &Element<'_>, to: &Element<'_>) -> Result<()> {
        let mut actions = vec![
            json!({"type": "pointerMove", "duration": 0, "origin": from.to_json(), "x": 0, "y": 0}),
            json!({"type": "pointerDown", "button": 0}),
            json!({"type": "pause", "duration": 100}),
        ];
        for step in [5, 20, 60] {
            actions.push(json!({"type": "pointerMove", "duration": 50, "origin": "pointer", "x": step, "y": 0}));
        }
        actions.push(
            json!({"type": "pointerMove", "duration": 200, "origin": to.to_json(), "x": 0, "y": 0}),
        );
        actions.push(json!({"type": "pointerUp", "button": 0}));
        let body = json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": actions,
        }]});
        self.post("/actions", body).await.map(drop)
    }

    /// Resizes the window, e.g. to a phone's 390×844.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await
            .map(drop)
    }

    /// Forgets every cookie of the current site: signs out without the UI.
    pub async fn delete_cookies(&self) -> Result<()> {
        call(
            &self.http,
            reqwest::Method::DELETE,
            &self.url("/cookie"),
            None,
        )
        .await
        .map(drop)
    }
}

impl Drop for Browser {
    /// Ends the session so chromedriver closes Chromium. Drop cannot await,
    /// so this is one blocking HTTP request on a plain socket.
    fn drop(&mut self) {
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            self.session
        );
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.driver.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(request.as_bytes());
            let _ = std::io::Read::read(&mut stream, &mut [0; 512]);
        }
    }
}

/// An element of the page a browser shows.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl<'b> Element<'b> {
    fn from_json(browser: &'b Browser, value: &Value) -> Result<Element<'b>> {
        let id = value[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| anyhow!("not an element: {value}"))?;
        Ok(Element {
            browser,
            id: id.to_owned(),
        })
    }

    /// The element as a script argument for `Browser::execute`.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    async fn get(&self, what: &str) -> Result<Value> {
        self.browser
            .get(&format!("/element/{}{what}", self.id))
            .await
    }

    async fn post(&self, what: &str, body: Value) -> Result<Value> {
        self.browser
            .post(&format!("/element/{}{what}", self.id), body)
            .await
    }

    pub async fn click(&self) -> Result<()> {
        self.post("/click", json!({})).await.map(drop)
    }

    /// Types `text` as key presses, so input events fire as for a person.
    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.post("/value", json!({ "text": text })).await.map(drop)
    }

    pub async fn clear(&self) -> Result<()> {
        self.post("/clear", json!({})).await.map(drop)
    }

    /// The rendered text, as a person reads it.
    pub async fn text(&self) -> Result<String> {
        Ok(string(self.get("/text").await?))
    }

    /// An HTML attribute as written in the page, if present.
    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let value = self.get(&format!("/attribute/{name}")).await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// A DOM property, such as `value` or `checked`, as it is now.
    pub async fn property(&self, name: &str) -> Result<Value> {
        self.get(&format!("/property/{name}")).await
    }

    /// The first matching element inside this one.
    pub async fn find(&self, css: &str) -> Result<Element<'b>> {
        let value = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await
            .with_context(|| format!("finding {css} inside an element"))?;
        Element::from_json(self.browser, &value)
    }
}

/// One WebDriver command; a failure carries the driver's error and message.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = response.status();
    let mut body: Value = response
        .json()
        .await
        .with_context(|| format!("{method} {url}: not JSON"))?;
    let value = body["value"].take();
    if !status.is_success() {
        let error = value["error"].as_str().unwrap_or("unknown error");
        let message = value["message"].as_str().unwrap_or_default();
        // Chromium's messages often repeat the error and add a stack trace.
        let message = message.lines().next().unwrap_or_default();
        let message = match message.strip_prefix(error) {
            Some(rest) => rest.trim_start_matches(':').trim_start(),
            None => message,
        };
        bail!("webdriver: {error}: {message}");
    }
    Ok(value)
}

fn string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Whether both Debian packages are installed.
pub fn installed() -> bool {
    [CHROMIUM, CHROMEDRIVER]
        .iter()
        .all(|p| PathBuf::from(p).exists())
}
