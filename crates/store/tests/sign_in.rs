//! Sign-in limits and two-factor sign-in, with the clock in the test's
//! hands: every attempt says when it happens.

use kehu_core::{schema, UserId};
use kehu_store::sign_in::{Attempt, Limits, Outcome};
use kehu_store::testing::{patch, totp_code, TestDb};
use kehu_store::{Error, Store};
use serde_json::json;

const PASSWORD: &str = "correct-horse-1";
const T0: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;

async fn account(store: &Store, email: &str, role: &str) -> UserId {
    let fields = json!({"email": email, "name": email, "role": role});
    let user = store
        .create_user(None, patch(schema::USER, fields), Some(PASSWORD))
        .await
        .unwrap();
    UserId(user.id)
}

fn attempt<'a>(email: &'a str, password: &'a str, address: &'a str, now: i64) -> Attempt<'a> {
    Attempt {
        email,
        password,
        address,
        code: None,
        challenge: false,
        now,
    }
}

async fn try_sign_in(store: &Store, a: Attempt<'_>) -> Result<Outcome, Error> {
    store.sign_in(&a, &Limits::default()).await
}

fn signed_in(r: Result<Outcome, Error>) -> bool {
    matches!(r, Ok(Outcome::SignedIn { .. }))
}

fn throttled(r: &Result<Outcome, Error>) -> Option<i64> {
    match r {
        Err(Error::Throttled { retry_after_s }) => Some(*retry_after_s),
        _ => None,
    }
}

/// A six-digit code that is none of the ones accepted around `now`.
fn wrong_code(secret: &str, now: i64) -> String {
    let near: Vec<String> = (-2..=2)
        .map(|d| totp_code(secret, now + d * 30_000))
        .collect();
    (0..10)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

#[tokio::test]
async fn spraying_one_password_over_many_accounts_from_one_address_is_throttled() {
    let (store, _db) = TestDb::create().await;
    let limits = Limits::default();
    for i in 0..limits.per_address {
        let email = format!("user{i}@example.com");
        account(&store, &email, "sales").await;
        let r = try_sign_in(
            &store,
            attempt(&email, "Summer2026!", "203.0.113.9", T0 + i),
        )
        .await;
        assert!(matches!(r, Err(Error::BadCredentials)), "{i}: {r:?}");
    }
    let r = try_sign_in(
        &store,
        attempt("user0@example.com", PASSWORD, "203.0.113.9", T0 + 100),
    )
    .await;
    let retry = throttled(&r).expect("the address is throttled");
    assert!(retry > 0 && retry <= limits.window_ms / 1000, "{retry}");
    // Someone else, elsewhere, is not held back.
    assert!(signed_in(
        try_sign_in(
            &store,
            attempt("user0@example.com", PASSWORD, "198.51.100.4", T0 + 101)
        )
        .await
    ));
}

#[tokio::test]
async fn guessing_one_password_locks_that_address_out_of_that_account_only() {
    let (store, _db) = TestDb::create().await;
    account(&store, "boss@example.com", "admin").await;
    account(&store, "rep@example.com", "sales").await;
    let attacker = "203.0.113.66";
    for i in 0..5 {
        let r = try_sign_in(
            &store,
            attempt("boss@example.com", "guess", attacker, T0 + i),
        )
        .await;
        assert!(matches!(r, Err(Error::BadCredentials)), "{r:?}");
    }
    // The attacker's next try is refused even with the right password.
    let r = try_sign_in(
        &store,
        attempt("boss@example.com", PASSWORD, attacker, T0 + 10),
    )
    .await;
    assert!(throttled(&r).is_some(), "{r:?}");
    // The owner, at their own address, signs in meanwhile.
    let r = try_sign_in(
        &store,
        attempt("boss@example.com", PASSWORD, "198.51.100.7", T0 + 20),
    )
    .await;
    assert!(signed_in(r));
    // Another account from the attacker's address is a separate count.
    let r = try_sign_in(
        &store,
        attempt("rep@example.com", PASSWORD, attacker, T0 + 30),
    )
    .await;
    assert!(signed_in(r));
}

#[tokio::test]
async fn attempts_during_a_lock_do_not_extend_it() {
    let (store, _db) = TestDb::create().await;
    account(&store, "boss@example.com", "admin").await;
    let window = Limits::default().window_ms;
    let at = "203.0.113.66";
    for i in 0..5 {
        let _ = try_sign_in(&store, attempt("boss@example.com", "guess", at, T0 + i)).await;
    }
    // Knocking every minute of the lock, and it still opens when the first
    // failure leaves the window.
    let mut now = T0 + MINUTE;
    while now < T0 + window {
        let r = try_sign_in(&store, attempt("boss@example.com", "guess", at, now)).await;
        let retry = throttled(&r).expect("still locked");
        assert_eq!(
            retry,
            (T0 + window - now + 999) / 1000,
            "Retry-After counts down"
        );
        now += MINUTE;
    }
    let r = try_sign_in(
        &store,
        attempt("boss@example.com", PASSWORD, at, T0 + window + 1),
    )
    .await;
    assert!(signed_in(r));
}

#[tokio::test]
async fn a_right_password_forgets_the_owners_own_typos() {
    let (store, _db) = TestDb::create().await;
    account(&store, "rep@example.com", "sales").await;
    let at = "198.51.100.7";
    for round in 0..3 {
        let base = T0 + round * 100;
        for i in 0..4 {
            let _ = try_sign_in(&store, attempt("rep@example.com", "typo", at, base + i)).await;
        }
        assert!(signed_in(
            try_sign_in(&store, attempt("rep@example.com", PASSWORD, at, base + 50)).await
        ));
    }
}

#[tokio::test]
async fn two_factor_needs_a_current_code_once_and_recovery_codes_work_once() {
    let (store, _db) = TestDb::create().await;
    let id = account(&store, "boss@example.com", "admin").await;
    let enrolment = store.begin_two_factor(id).await.unwrap();
    assert!(enrolment
        .otpauth_uri
        .starts_with("otpauth://totp/kehu:boss%40example.com?"));
    assert!(enrolment
        .otpauth_uri
        .contains(&format!("secret={}", enrolment.secret)));
    let now = kehu_store::now_ms();
    let wrong = wrong_code(&enrolment.secret, now);
    assert!(matches!(
        store.confirm_two_factor(id, &wrong).await,
        Err(Error::WrongCode)
    ));
    // The current code turns it on; the previous step's is accepted for
    // clock drift but is now spent with the step.
    let codes = store
        .confirm_two_factor(id, &totp_code(&enrolment.secret, now - 30_000))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(store.two_factor_status(id).await.unwrap().enabled);

    let at = "198.51.100.7";
    let later = now + 30_000;
    let r = try_sign_in(&store, attempt("boss@example.com", PASSWORD, at, later)).await;
    assert!(
        matches!(r, Ok(Outcome::NeedsCode { challenge: None })),
        "{r:?}"
    );
    let mut with_code = attempt("boss@example.com", PASSWORD, at, later);
    let wrong = wrong_code(&enrolment.secret, later);
    let wrong = wrong.as_str();
    with_code.code = Some(wrong);
    assert!(matches!(
        try_sign_in(&store, with_code).await,
        Err(Error::WrongCode)
    ));
    let code = totp_code(&enrolment.secret, later);
    with_code.code = Some(&code);
    assert!(signed_in(try_sign_in(&store, with_code).await));
    // The same code again: refused, it is spent.
    assert!(matches!(
        try_sign_in(&store, with_code).await,
        Err(Error::WrongCode)
    ));

    let mut with_recovery = attempt("boss@example.com", PASSWORD, at, later + 1);
    let typed = codes[3].to_uppercase().replace('-', " ");
    with_recovery.code = Some(&typed);
    assert!(signed_in(try_sign_in(&store, with_recovery).await));
    with_recovery.code = Some(&codes[3]);
    assert!(matches!(
        try_sign_in(&store, with_recovery).await,
        Err(Error::WrongCode)
    ));
    assert_eq!(
        store
            .two_factor_status(id)
            .await
            .unwrap()
            .recovery_codes_left,
        9
    );

    // Wrong codes count towards the limit like wrong passwords.
    let mut guess = attempt("boss@example.com", PASSWORD, at, later + 2);
    guess.code = Some(wrong);
    let mut last = Ok(Outcome::NeedsCode { challenge: None });
    for _ in 0..6 {
        last = try_sign_in(&store, guess).await;
    }
    assert!(throttled(&last).is_some(), "{last:?}");

    // Turning it off takes a code.
    assert!(matches!(
        store.disable_two_factor(id, wrong).await,
        Err(Error::WrongCode)
    ));
    store.disable_two_factor(id, &codes[0]).await.unwrap();
    assert!(!store.two_factor_status(id).await.unwrap().enabled);
    assert!(signed_in(
        try_sign_in(
            &store,
            attempt("boss@example.com", PASSWORD, "192.0.2.1", later + 3)
        )
        .await
    ));
}

#[tokio::test]
async fn the_policy_makes_an_administrator_enrol_at_sign_in() {
    let (store, _db) = TestDb::create().await;
    let admin = kehu_store::testing::user(&store, "root@example.com", "admin").await;
    let id = account(&store, "boss@example.com", "admin").await;
    account(&store, "rep@example.com", "sales").await;
    let rep = kehu_store::testing::user(&store, "rep2@example.com", "sales").await;
    assert!(matches!(
        store
            .set_two_factor_policy(&rep, kehu_store::two_factor::Policy::Admins)
            .await,
        Err(Error::Forbidden)
    ));
    store
        .set_two_factor_policy(&admin, kehu_store::two_factor::Policy::Admins)
        .await
        .unwrap();
    let now = kehu_store::now_ms();
    let at = "198.51.100.7";
    // A sales rep is not asked.
    assert!(signed_in(
        try_sign_in(&store, attempt("rep@example.com", PASSWORD, at, now)).await
    ));
    // The administrator is sent to enrol, and signs in with the first code.
    let mut a = attempt("boss@example.com", PASSWORD, at, now);
    a.challenge = true;
    let Ok(Outcome::NeedsSetup {
        challenge: Some(challenge),
        enrolment: Some(enrolment),
    }) = try_sign_in(&store, a).await
    else {
        panic!("an administrator without two-factor must enrol");
    };
    let secret = store.pending_two_factor(id).await.unwrap().unwrap().secret;
    assert_eq!(secret, enrolment.secret);
    // The second step is bound to the address the password came from.
    assert!(matches!(
        store.challenge_user(&challenge, "192.0.2.1", now).await,
        Err(Error::NotFound)
    ));
    let r = store
        .finish_sign_in(
            &challenge,
            &totp_code(&secret, now),
            at,
            now,
            &Limits::default(),
        )
        .await
        .unwrap();
    let Outcome::SignedIn { recovery_codes, .. } = r else {
        panic!("signed in")
    };
    assert_eq!(recovery_codes.len(), 10);
    // The challenge is spent, and the policy forbids turning it off.
    assert!(store.challenge_user(&challenge, at, now).await.is_err());
    assert!(matches!(
        store.disable_two_factor(id, &recovery_codes[0]).await,
        Err(Error::Conflict("two_factor_required"))
    ));
}
