//! Helpers shared by the import tests: uploading a file, asking in a
//! language, previewing, importing and waiting for a batch, a multipart
//! body as a browser sends it, and a batch's counts.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{body, TestApp};

impl TestApp {
    /// Uploads `bytes` as the whole body; returns the status and answer.
    pub(crate) async fn upload(
        &self,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
        lang: &str,
    ) -> (StatusCode, Value) {
        let r = self
            .request(
                Method::POST,
                &format!("/api/v1/imports/files?name={name}"),
                token,
            )
            .header("Accept-Language", lang)
            .body(bytes)
            .send()
            .await
            .unwrap();
        (r.status(), body(r).await)
    }

    /// A request asking for answers in `lang`.
    pub(crate) async fn send_in(
        &self,
        lang: &str,
        method: Method,
        path: &str,
        token: &str,
        json: Option<Value>,
    ) -> reqwest::Response {
        let mut r = self
            .request(method, path, token)
            .header("Accept-Language", lang);
        if let Some(j) = json {
            r = r.json(&j);
        }
        r.send().await.unwrap()
    }

    /// Polls a batch until it stops running.
    pub(crate) async fn finished(&self, token: &str, id: i64) -> Value {
        let started = Instant::now();
        loop {
            let b = body(self.get(&format!("/api/v1/imports/{id}"), token).await).await;
            if b["running"] == false {
                return b;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "batch {id} still running: {b}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What an import would do, in `lang`: counts and the rows' problems.
    pub(crate) async fn preview(&self, lang: &str, token: &str, request: Value) -> Value {
        let r = self
            .send_in(
                lang,
                Method::POST,
                "/api/v1/imports/preview",
                token,
                Some(request),
            )
            .await;
        body(r).await
    }

    /// Starts an import and waits for it; returns the finished batch.
    pub(crate) async fn import(&self, token: &str, request: Value) -> Value {
        let r = self.post("/api/v1/imports", token, request).await;
        let status = r.status();
        let b = body(r).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{b}");
        self.finished(token, b["batch_id"].as_i64().unwrap()).await
    }
}

pub(crate) fn counts(batch: &Value) -> [i64; 5] {
    let c = &batch["counts"];
    ["created", "updated", "unchanged", "skipped", "rejected"].map(|k| c[k].as_i64().unwrap())
}

/// A multipart body of text fields and one file part, as a browser sends
/// it.
pub(crate) fn multipart(fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kehu-test-boundary-7d3f";
    let mut out = Vec::new();
    for (k, v) in fields {
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(bytes);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}
