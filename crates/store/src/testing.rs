//! Fresh databases for tests: an SQLite file by default, or a new database
//! on the PostgreSQL server that `KEHU_TEST_DATABASE` names
//! (`postgres://postgres@127.0.0.1:5432`). The database is removed when the
//! [`TestDb`] is dropped, whether the test passed or not. With
//! `KEHU_TEST_DATABASE` set, an unreachable server fails the test.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Store;

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestDb {
    pub url: String,
    sqlite_file: Option<std::path::PathBuf>,
    postgres: Option<(String, String)>,
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "kehu_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    /// Creates the database, migrates it and opens a store on it.
    pub async fn create() -> (Store, TestDb) {
        TestDb::create_with(test_vault()).await
    }

    /// [`TestDb::create`] with these keys.
    pub async fn create_with(vault: crate::Vault) -> (Store, TestDb) {
        let db = TestDb::create_empty().await;
        let store = Store::connect(&db.url)
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let store = store.unlock(vault).await.expect("unlock the test database");
        (store, db)
    }
}

impl TestDb {
    /// A new database with nothing in it, not even kehu's schema: what a
    /// restore needs. For SQLite, a file name that does not exist yet.
    pub async fn create_empty() -> TestDb {
        let name = unique_name();
        match std::env::var("KEHU_TEST_DATABASE") {
            Ok(server) if server.starts_with("postgres") => {
                let server = server.trim_end_matches('/').to_owned();
                let admin = sqlx::PgPool::connect(&format!("{server}/postgres"))
                    .await
                    .expect("KEHU_TEST_DATABASE names a PostgreSQL server that must be reachable");
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&admin)
                    .await
                    .expect("create the test database");
                admin.close().await;
                TestDb {
                    url: format!("{server}/{name}"),
                    sqlite_file: None,
                    postgres: Some((server, name)),
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    sqlite_file: Some(path),
                    postgres: None,
                }
            }
        }
    }
}

/// The key of every [`TestDb::create`] database (hex), for tests that run
/// the `kehu` binary on one: give it as `KEHU_MASTER_KEY`. Tests of keys
/// themselves make their own.
pub const TEST_MASTER_KEY: &str =
    "6b656875207465737420646174616261736573206b6579206f6e6c7921212121";

pub fn test_vault() -> crate::Vault {
    let key = kehu_core::crypto::Key::parse(TEST_MASTER_KEY).expect("a valid key");
    crate::Vault::new(kehu_core::crypto::Keyring::new(vec![key]).expect("one key"))
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((server, name)) = self.postgres.take() {
            // Drop may run inside the test's runtime, which cannot block:
            // use a runtime of our own on another thread.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&format!("{server}/postgres")).await {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        let _ = sqlx::query(&sql).execute(&admin).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

impl Store {
    /// Makes an import batch look as if the process writing it had been
    /// killed a while ago: its heartbeat goes stale, so it counts as
    /// interrupted. Tests only.
    pub async fn stop_heartbeat(&self, batch_id: i64) -> crate::Result<()> {
        let stale = crate::now_ms() - 2 * crate::import::STALE_MS;
        self.db
            .execute(
                crate::db::q("UPDATE import_batches SET heartbeat_at = $1 WHERE id = $2")
                    .bind(stale)
                    .bind(batch_id),
            )
            .await?;
        Ok(())
    }
}

impl Store {
    /// How many rows `table` holds, whoever may see them. Tests only.
    pub async fn count_rows(&self, table: &str) -> crate::Result<i64> {
        assert!(table.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        let (n,): (i64,) = self
            .db
            .one(crate::db::q(format!("SELECT COUNT(*) FROM {table}")))
            .await?;
        Ok(n)
    }

    /// Some columns of the customers `ids` names, by id: to compare a
    /// restored database with its original. Tests only.
    #[allow(clippy::type_complexity)]
    pub async fn customer_sample(
        &self,
        ids: &[i64],
    ) -> crate::Result<Vec<(i64, String, Option<String>, Option<String>, i64, i64)>> {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.db
            .all(
                crate::db::q(format!(
                    "SELECT id, name, mobile, email, created_at, updated_at FROM customers \
                     WHERE id IN ({}) ORDER BY id",
                    list.join(", ")
                ))
                .once(),
            )
            .await
    }

    /// Moves every recorded backup `days` into the past. Tests only.
    pub async fn backdate_backups(&self, days: i64) -> crate::Result<()> {
        self.db
            .execute(
                crate::db::q("UPDATE backups SET started_at = started_at - $1")
                    .bind(days * 24 * 3600 * 1000),
            )
            .await?;
        Ok(())
    }

    /// How many foreign keys `table` has. Tests only.
    pub async fn foreign_key_count(&self, table: &str) -> crate::Result<i64> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => "SELECT COUNT(*) FROM pragma_foreign_key_list($1)",
            crate::Backend::Postgres => {
                "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' \
                 AND conrelid = to_regclass($1)"
            }
        };
        let (n,): (i64,) = self.db.one(crate::db::q(sql).bind(table)).await?;
        Ok(n)
    }

    /// Moves a customer's last update (and verification, if any) `days`
    /// into the past, as if nobody had touched it since. Tests only.
    pub async fn backdate_customer(&self, id: i64, days: i64) -> crate::Result<()> {
        let ms = days * 24 * 3600 * 1000;
        self.db
            .execute(
                crate::db::q(
                    "UPDATE customers SET updated_at = updated_at - $1, created_at = created_at - $1, \
                     verified_at = verified_at - $1 WHERE id = $2",
                )
                .bind(ms)
                .bind(id),
            )
            .await?;
        Ok(())
    }

    /// Records a duplicate cluster of `members` with `status` (open,
    /// merged, dismissed), as a duplicate scan would. Tests only.
    pub async fn add_duplicate_cluster(&self, members: &[i64], status: &str) -> crate::Result<i64> {
        let mut tx = self.db.begin().await?;
        let run = tx
            .insert(
                crate::db::q(
                    "INSERT INTO dedupe_runs (threshold, started_at, finished_at) VALUES (0.8, $1, $1) RETURNING id",
                )
                .bind(crate::now_ms()),
            )
            .await?;
        let cluster = tx
            .insert(
                crate::db::q(
                    "INSERT INTO duplicate_clusters (run_id, status, score, size) VALUES ($1, $2, 0.9, $3) RETURNING id",
                )
                .bind(run)
                .bind(status)
                .bind(members.len() as i64),
            )
            .await?;
        for member in members {
            tx.execute(
                crate::db::q(
                    "INSERT INTO duplicate_members (cluster_id, customer_id) VALUES ($1, $2)",
                )
                .bind(cluster)
                .bind(*member),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(cluster)
    }
}

/// Parses `fields` (a JSON object) for a new record of `specs`; panics on
/// a value the entry standards refuse.
pub fn patch(
    specs: &[kehu_core::entry::Spec],
    fields: serde_json::Value,
) -> kehu_core::entry::Patch {
    let object = fields.as_object().expect("fields are a JSON object");
    kehu_core::entry::parse_object(object, specs, &[], kehu_core::entry::Mode::Create)
        .expect("valid fields")
}

/// Adds a user with `role` (named by `email`) and returns them acting from
/// the web pages.
pub async fn user(store: &Store, email: &str, role: &str) -> crate::write::Ctx {
    let fields = serde_json::json!({"email": email, "name": email, "role": role});
    let u = store
        .create_user(None, patch(kehu_core::schema::USER, fields), None)
        .await
        .expect("user created");
    crate::write::Ctx::new(u.actor(), kehu_core::ChangeSource::Ui)
}

/// The `(field, code)` of each refused value; panics on any other error.
pub fn field_codes(err: crate::Error) -> Vec<(String, String)> {
    match err {
        crate::Error::Invalid(i) => {
            i.0.iter()
                .map(|e| (e.field.clone(), e.code.as_str().to_owned()))
                .collect()
        }
        other => panic!("not a field error: {other:?}"),
    }
}

/// The TOTP code an authenticator app shows for a base32 `secret` at
/// `now_ms`.
pub fn totp_code(secret: &str, now_ms: i64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    totp_rs::Builder::new()
        .with_secret(bytes)
        .build()
        .expect("a valid TOTP")
        .generate(u64::try_from(now_ms / 1000).expect("a time after 1970"))
        .to_string()
}

impl Store {
    /// Writes values as a kehu without encryption would have: a custom
    /// object and a webhook secret in clear. Tests only.
    pub async fn write_clear_text(
        &self,
        customer: i64,
        custom: &serde_json::Value,
        webhook: Option<(i64, &str)>,
    ) -> crate::Result<()> {
        self.db
            .execute(
                crate::db::q("UPDATE customers SET custom = $1 WHERE id = $2")
                    .bind(custom.to_string())
                    .bind(customer),
            )
            .await?;
        // As before the first start with encryption: no sweep has run.
        self.db
            .execute(crate::db::q("DELETE FROM encryption_sweeps"))
            .await?;
        if let Some((id, secret)) = webhook {
            self.db
                .execute(
                    crate::db::q("UPDATE webhook_endpoints SET secret = $1 WHERE id = $2")
                        .bind(secret)
                        .bind(id),
                )
                .await?;
        }
        Ok(())
    }
}

impl TestDb {
    /// Everything the database holds as bytes on disk or in a dump: the
    /// SQLite file and its write-ahead log, or `pg_dump` of the PostgreSQL
    /// database. For tests that look for what must not be stored.
    pub fn raw_bytes(&self) -> Vec<u8> {
        if let Some(path) = &self.sqlite_file {
            let mut bytes = Vec::new();
            for suffix in ["", "-wal"] {
                if let Ok(b) = std::fs::read(format!("{}{suffix}", path.display())) {
                    bytes.extend(b);
                }
            }
            assert!(!bytes.is_empty(), "the SQLite file can be read");
            return bytes;
        }
        let out = std::process::Command::new("pg_dump")
            .arg("--no-owner")
            .arg(&self.url)
            .output()
            .expect("pg_dump runs (it comes with PostgreSQL's client)");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
