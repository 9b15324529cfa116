//! What a failed or refused sign-in leaves in the log. Alone in its test
//! binary, because it installs the process's log subscriber.

use kehu_core::schema;
use kehu_store::sign_in::{Attempt, Limits};
use kehu_store::testing::{patch, TestDb};
use serde_json::json;

const T0: i64 = 1_800_000_000_000;

/// Collects what is logged, for the test to read.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn failed_and_throttled_sign_ins_are_logged_without_the_password() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The only test in this file, so the only one in its process: nobody
    // else's lines, and no log line was reached before the subscriber.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let (store, _db) = TestDb::create().await;
    let fields = json!({"email": "boss@example.com", "role": "admin"});
    store
        .create_user(None, patch(schema::USER, fields), Some("correct-horse-1"))
        .await
        .unwrap();
    for i in 0..6 {
        let attempt = Attempt {
            email: "boss@example.com",
            password: "hunter2-secret",
            address: "203.0.113.66",
            code: None,
            challenge: false,
            now: T0 + i,
        };
        let _ = store.sign_in(&attempt, &Limits::default()).await;
    }
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("sign-in failed"))
        .collect();
    assert_eq!(failed.len(), 5, "{text}");
    assert!(failed
        .iter()
        .all(|l| l.contains("boss@example.com") && l.contains("203.0.113.66")));
    let throttled: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("too many failures"))
        .collect();
    assert_eq!(throttled.len(), 1, "{text}");
    assert!(throttled[0].contains("retry_after_s"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
