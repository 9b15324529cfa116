//! A real kehu server on port 0 with a fresh database per test: SQLite by
//! default, PostgreSQL when `KEHU_TEST_DATABASE` names a server
//! (`postgres://postgres@127.0.0.1:5432`). Each PostgreSQL test creates its
//! own database and drops it afterwards.

use kehu_core::entry::{parse_object, Mode};
use kehu_core::schema;
use kehu_store::testing::TestDb;
use kehu_store::Store;
use kehu_web::AppState;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub client: Client,
    /// An administrator's API token.
    pub admin: String,
    /// Where the server keeps uploads.
    pub files: tempfile::TempDir,
    _db: TestDb,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// A server whose settings `configure` changes first.
    pub async fn spawn_with(configure: impl FnOnce(&mut AppState)) -> TestApp {
        TestApp::start(configure, None).await
    }

    /// A server speaking HTTPS with a certificate made for `localhost`,
    /// and a client that trusts it.
    pub async fn spawn_https() -> TestApp {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = made.cert.pem();
        let tls = kehu_web::tls::TlsConfig::from_pem(
            cert.as_bytes(),
            made.signing_key.serialize_pem().as_bytes(),
        )
        .unwrap();
        TestApp::start(|_| {}, Some((tls, cert))).await
    }

    async fn start(
        configure: impl FnOnce(&mut AppState),
        tls: Option<(kehu_web::tls::TlsConfig, String)>,
    ) -> TestApp {
        // Server errors go to the test's captured output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("kehu_web=error")
            .with_test_writer()
            .try_init();
        let (store, db) = TestDb::create().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let files = tempfile::tempdir().unwrap();
        let mut state = AppState::new(store.clone(), files.path());
        configure(&mut state);
        let (base, client) = match tls {
            None => {
                tokio::spawn(kehu_web::serve(listener, state, std::future::pending()));
                (format!("http://127.0.0.1:{port}"), Client::new())
            }
            Some((tls, cert)) => {
                tokio::spawn(kehu_web::serve_tls(
                    listener,
                    tls,
                    state,
                    std::future::pending(),
                ));
                let root = reqwest::Certificate::from_pem(cert.as_bytes()).unwrap();
                let client = Client::builder()
                    .add_root_certificate(root)
                    .resolve("localhost", ([127, 0, 0, 1], port).into())
                    .build()
                    .unwrap();
                (format!("https://localhost:{port}"), client)
            }
        };
        let mut app = TestApp {
            base,
            store,
            client,
            admin: String::new(),
            files,
            _db: db,
        };
        let (_, token) = app.user("admin@example.com", "admin", None).await;
        app.admin = token;
        app
    }

    /// The database's URL (with any password), as `kehu serve` knows it.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Creates a user with password `correct-horse-1` and returns their id
    /// and an API token.
    pub async fn user(&self, email: &str, role: &str, team: Option<i64>) -> (i64, String) {
        let object = json!({ "email": email, "role": role, "name": email, "team_id": team });
        let patch =
            parse_object(object.as_object().unwrap(), schema::USER, &[], Mode::Create).unwrap();
        let user = self
            .store
            .create_user(None, patch, Some(PASSWORD))
            .await
            .unwrap();
        let (_, token) = self
            .store
            .create_token(kehu_core::UserId(user.id), "test")
            .await
            .unwrap();
        (user.id, token)
    }

    pub async fn team(&self, name: &str) -> i64 {
        let r = self
            .send(
                Method::POST,
                "/api/v1/teams",
                &self.admin,
                Some(json!({ "name": name })),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        body(r).await["id"].as_i64().unwrap()
    }

    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let mut r = self.client.request(method, format!("{}{path}", self.base));
        if !token.is_empty() {
            r = r.bearer_auth(token);
        }
        r
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        json: Option<Value>,
    ) -> Response {
        let mut r = self.request(method, path, token);
        if let Some(j) = json {
            r = r.json(&j);
        }
        r.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, json: Value) -> Response {
        self.send(Method::POST, path, token, Some(json)).await
    }

    pub async fn patch(&self, path: &str, token: &str, json: Value) -> Response {
        self.send(Method::PATCH, path, token, Some(json)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Creates a customer and returns its JSON.
    pub async fn customer(&self, token: &str, fields: Value) -> Value {
        let r = self.post("/api/v1/customers", token, fields).await;
        let status = r.status();
        let b = body(r).await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        b
    }

    /// How many customers exist, seen by the administrator.
    pub async fn customer_count(&self) -> usize {
        let b = body(self.get("/api/v1/customers?limit=500", &self.admin).await).await;
        b["items"].as_array().unwrap().len()
    }
}

pub const PASSWORD: &str = "correct-horse-1";

pub async fn body(r: Response) -> Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// The `{field, code}` pairs of a problem response, sorted.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// POSTs `fields` to `path` and returns the created object; fails the test
/// unless the answer is a success.
pub async fn created(app: &TestApp, path: &str, token: &str, fields: Value) -> Value {
    let r = app.post(path, token, fields).await;
    let status = r.status();
    let b = body(r).await;
    assert!(status.is_success(), "{path}: {status} {b}");
    b
}

/// An object's `id`, as it goes into a path.
pub fn id(v: &Value) -> String {
    v["id"].as_i64().unwrap().to_string()
}

/// Uploads a CSV file as `token` and returns the answer (with `file_id`).
pub async fn upload_csv(app: &TestApp, token: &str, csv: &str) -> Value {
    let r = app
        .request(Method::POST, "/api/v1/imports/files?name=名单.csv", token)
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await
}

/// Imports an uploaded file as `token` and waits for the batch to finish;
/// returns the batch id.
pub async fn import_and_wait(app: &TestApp, token: &str, file_id: &Value) -> i64 {
    let batch = created(app, "/api/v1/imports", token, json!({"file_id": file_id})).await;
    let batch = batch["batch_id"].as_i64().unwrap();
    for _ in 0..500 {
        let b = body(app.get(&format!("/api/v1/imports/{batch}"), token).await).await;
        if b["running"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    batch
}

/// The id to put into a route `template` (`/api/v1/…` or a page's `/…`):
/// the one `ids` keeps for the longest prefix of the route's path.
pub fn id_for<'a>(ids: &'a [(&str, String)], template: &str) -> Option<&'a str> {
    let rest = template
        .strip_prefix("/api/v1/")
        .or_else(|| template.strip_prefix('/'))
        .unwrap_or(template);
    ids.iter()
        .filter(|(prefix, _)| rest.starts_with(&format!("{prefix}/")))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, id)| id.as_str())
}
