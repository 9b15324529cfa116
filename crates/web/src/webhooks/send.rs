//! One webhook request: signed, with timeouts, and only to addresses
//! checked as public (or allowed) at the moment of sending.
//!
//! The URL's own host is checked before the request ([`check_url`]): an IP
//! literal is connected to as it is, without DNS. A host name is resolved
//! by [`GuardedResolver`], which checks every address DNS returns and
//! hands the connector only those, so a name that resolves to a public
//! address when registered and to 127.0.0.1 when sent (DNS rebinding) is
//! refused. Redirects are not followed: a 3xx answer is logged as a failed
//! attempt, so no redirect can lead the request anywhere. Proxies from the
//! environment are ignored, since a proxy would resolve names unchecked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use kehu_core::webhook::{check_resolved, check_url, AllowedHost, EndpointUrl, Refusal};
use kehu_store::time::Time;
use kehu_store::webhooks::deliveries::{AttemptOutcome, DueDelivery};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::Client;
use sha2::Sha256;

/// How long to wait for a connection (TLS included).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// `sha256=<hex>`: HMAC-SHA256 with the endpoint's secret (its bytes, as
/// shown) over the timestamp, a dot and the body, as receivers recompute it.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Resolves host names and refuses any whose addresses are not all public,
/// unless the host is allowed.
struct GuardedResolver {
    allowed: Arc<Vec<AllowedHost>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = Arc::clone(&self.allowed);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            check_resolved(&host, addresses.iter().map(SocketAddr::ip), &allowed)?;
            // The connector gets exactly the addresses checked.
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// A client for one round of deliveries under the allow-list as it is now.
pub fn client(allowed: Vec<AllowedHost>) -> reqwest::Result<Client> {
    Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allowed: Arc::new(allowed),
        }))
        .no_proxy()
        .redirect(Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("kehu-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why an attempt got no answer that counts.
struct Failure {
    kind: &'static str,
    detail: String,
}

/// Sends one delivery at `now` (the timestamp it is signed with) and says
/// how it went.
pub async fn send(
    client: &Client,
    allowed: &[AllowedHost],
    delivery: &DueDelivery,
    now: Time,
) -> AttemptOutcome {
    let started = Instant::now();
    let result = request(client, allowed, delivery, now).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (response_status, failure) = match result {
        Ok(status) => (Some(status), None),
        Err((status, failure)) => (status, Some(failure)),
    };
    AttemptOutcome {
        response_status,
        error_kind: failure.as_ref().map(|f| f.kind),
        error: failure.map(|f| f.detail),
        duration_ms,
    }
}

/// The answer's status; on failure, the status if an answer came (a
/// redirect) and why it does not count.
async fn request(
    client: &Client,
    allowed: &[AllowedHost],
    delivery: &DueDelivery,
    now: Time,
) -> Result<u16, (Option<u16>, Failure)> {
    let url = EndpointUrl::parse(&delivery.url).map_err(|code| {
        let detail = format!("the stored URL is not usable ({})", code.as_str());
        (
            None,
            Failure {
                kind: "request",
                detail,
            },
        )
    })?;
    check_url(&url, allowed).map_err(|r| (None, refused(&r)))?;
    let timestamp = now.0.div_euclid(1000);
    let response = client
        .post(url.as_str())
        .header(CONTENT_TYPE, "application/json")
        .header("X-Kehu-Event", delivery.event.as_str())
        .header("X-Kehu-Delivery", delivery.id.to_string())
        .header("X-Kehu-Timestamp", timestamp.to_string())
        .header(
            "X-Kehu-Signature",
            signature(&delivery.secret, timestamp, delivery.payload.as_bytes()),
        )
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| (None, classify(&e)))?;
    let status = response.status();
    if status.is_redirection() {
        let to = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nowhere");
        let failure = Failure {
            kind: "redirect",
            detail: format!("redirects are not followed (to {to})"),
        };
        return Err((Some(status.as_u16()), failure));
    }
    Ok(status.as_u16())
}

fn refused(r: &Refusal) -> Failure {
    Failure {
        kind: "refused_address",
        detail: r.to_string(),
    }
}

/// Names why a request failed: a refused address (from the resolver), a
/// timeout, a connection that could not be made (refused, unreachable,
/// TLS), or anything else.
fn classify(e: &reqwest::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut chain = Vec::new();
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refusal>() {
            return refused(r);
        }
        chain.push(s.to_string());
        source = s.source();
    }
    chain.dedup();
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    };
    Failure {
        kind,
        detail: chain.join(": "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(b"whsec_test",
        // b'1767225600.{"id":1,"event":"order.paid"}', hashlib.sha256).
        assert_eq!(
            signature(
                "whsec_test",
                1_767_225_600,
                br#"{"id":1,"event":"order.paid"}"#
            ),
            "sha256=a647b2d83a626a87efb8bbf1830f479d0ec96c482e87624f981bc6e00bb86c2f"
        );
        assert_ne!(
            signature(
                "whsec_test",
                1_767_225_601,
                br#"{"id":1,"event":"order.paid"}"#
            ),
            signature(
                "whsec_test",
                1_767_225_600,
                br#"{"id":1,"event":"order.paid"}"#
            )
        );
    }
}
