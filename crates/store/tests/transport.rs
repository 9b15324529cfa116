//! PostgreSQL over TLS: `sslmode=require` in the database URL encrypts the
//! connection, and `verify-full` refuses a server whose certificate no
//! trusted authority signed. Needs the PostgreSQL server of the suite
//! (`KEHU_TEST_DATABASE`, or 127.0.0.1:5432 under `CI=true`), which must
//! have TLS on (Debian's default, with its snake-oil certificate).

fn server() -> Option<String> {
    match std::env::var("KEHU_TEST_DATABASE") {
        Ok(url) if url.starts_with("postgres") => Some(url.trim_end_matches('/').to_owned()),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            Some("postgres://postgres@127.0.0.1:5432".to_owned())
        }
        _ => None,
    }
}

#[tokio::test]
async fn a_postgres_url_with_sslmode_require_connects_encrypted() {
    let Some(server) = server() else {
        eprintln!("not run: no PostgreSQL named by KEHU_TEST_DATABASE");
        return;
    };
    let url = format!("{server}/postgres?sslmode=require");
    let store = kehu_store::Store::connect(&url)
        .await
        .expect("kehu connects to PostgreSQL over TLS");
    store.ping().await.unwrap();
    store.close().await;

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (encrypted,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(encrypted, "the connection is not encrypted");
    pool.close().await;

    // A certificate nobody trusted signed is refused under verify-full.
    let strict = format!("{server}/postgres?sslmode=verify-full");
    assert!(kehu_store::Store::connect(&strict).await.is_err());
}
