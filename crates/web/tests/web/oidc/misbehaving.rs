//! Providers that misbehave, each against a crafted provider on loopback (`fake.rs`): every
//! one ends on a clear page (4xx) that offers the email sign-in, never a 5xx, and nobody is
//! signed in. The crafted provider also behaves once, in each test, so a refusal is the
//! misbehaviour's and not the crafted provider's.

use super::{
    PUBLIC,
    fake::{FakeIdp, Mode},
    provider_as,
};
use crate::common::{Browser, TestApp, browser::csrf_of, browser::location, spawn_app_with};

async fn spawn_fake(idp: &FakeIdp, also: Option<(&str, &str)>) -> TestApp {
    let mut providers = vec![provider_as("fake", "Fake ID", &idp.issuer, None)];
    if let Some((id, name)) = also {
        providers.push(provider_as(id, name, &idp.issuer, None));
    }
    spawn_app_with(move |c| c.oidc = providers).await
}

/// Presses "Continue with" for `id`; the app's answer.
async fn press(app: &TestApp, b: &Browser, id: &str) -> reqwest::Response {
    let (_, html) = b.get(app, "/sign-in").await;
    b.client
        .post(app.url(&format!("/sign-in/oidc/{id}")))
        .form(&[("csrf", csrf_of(&html).as_str()), ("return_to", "/")])
        .send()
        .await
        .unwrap()
}

/// From the provider's authorization URL to the callback URL it sends the browser to (on
/// the test app's port).
async fn approve(app: &TestApp, b: &Browser, auth: &str) -> String {
    let res = b.client.get(auth).send().await.unwrap();
    assert_eq!(res.status(), 303, "{auth}");
    let back = location(&res);
    app.url(back.strip_prefix(PUBLIC).expect("the app's redirect URI"))
}

/// The whole sign-in with provider `id`: the callback's answer.
async fn sign_in(app: &TestApp, b: &Browser, id: &str) -> reqwest::Response {
    let res = press(app, b, id).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let callback = approve(app, b, &location(&res)).await;
    b.client.get(&callback).send().await.unwrap()
}

/// A refusal as a reader should see it.
async fn assert_refused(res: reqwest::Response, what: &str) -> String {
    let status = res.status().as_u16();
    let html = res.text().await.unwrap();
    assert!((400..500).contains(&status), "{what}: {status} {html}");
    assert!(
        html.contains("href=\"/sign-in\""),
        "{what}: offers email: {html}"
    );
    html
}

async fn assert_works(app: &TestApp, idp: &FakeIdp) {
    idp.set(Mode::Good);
    let b = Browser::new();
    let res = sign_in(app, &b, "fake").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), "/sign-in/oidc/welcome");
}

#[tokio::test]
async fn id_tokens_that_fail_a_check_are_refused_with_a_page_offering_email() {
    let idp = FakeIdp::start().await;
    let app = spawn_fake(&idp, None).await;
    // Behaving first: it also makes the nonce that ReplayedNonce sends again.
    assert_works(&app, &idp).await;
    for mode in [
        Mode::WrongIssuer,
        Mode::WrongAudience,
        Mode::Expired,
        Mode::AlgNone,
        Mode::Hs256,
        Mode::ReplayedNonce,
        Mode::HugeClaim,
        Mode::UnknownKey,
        Mode::RedirectToken,
    ] {
        idp.set(mode);
        let b = Browser::new();
        let res = sign_in(&app, &b, "fake").await;
        let html = assert_refused(res, &format!("{mode:?}")).await;
        assert!(
            html.contains("We could not sign you in"),
            "{mode:?}: {html}"
        );
        assert_eq!(b.signed_in_as(&app).await, None, "{mode:?}");
    }
    assert_eq!(
        idp.redirects_followed(),
        0,
        "the token endpoint's redirect was not followed"
    );
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oidc_pending")
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(pending, 1, "only the good sign-in got to the welcome page");
    assert_works(&app, &idp).await;
    app.stop().await;
}

#[tokio::test]
async fn broken_discovery_and_keys_get_a_page_saying_so_and_offering_email() {
    let idp = FakeIdp::start().await;
    let app = spawn_fake(&idp, None).await;
    // Nothing is cached while discovery fails, so each mode is met afresh.
    for mode in [
        Mode::MalformedDiscovery,
        Mode::EmptyJwks,
        Mode::RedirectDiscovery,
    ] {
        idp.set(mode);
        let b = Browser::new();
        let html = assert_refused(press(&app, &b, "fake").await, &format!("{mode:?}")).await;
        assert!(
            html.contains("We could not reach Fake ID"),
            "{mode:?}: {html}"
        );
    }
    assert_eq!(
        idp.redirects_followed(),
        0,
        "discovery's redirect was not followed"
    );
    assert_works(&app, &idp).await;
    app.stop().await;
}

#[tokio::test]
async fn a_code_and_state_from_another_provider_are_refused() {
    let idp = FakeIdp::start().await;
    let app = spawn_fake(&idp, Some(("second", "Second ID"))).await;
    let b = Browser::new();
    let res = press(&app, &b, "second").await;
    let callback = approve(&app, &b, &location(&res)).await;
    // The browser is sent back to the other provider's callback with this one's code.
    let crossed = callback.replace("/sign-in/oidc/second/", "/sign-in/oidc/fake/");
    assert_ne!(crossed, callback);
    let html = assert_refused(b.client.get(&crossed).send().await.unwrap(), "crossed").await;
    assert!(html.contains("was not started in this browser"), "{html}");
    // The state was spent by the attempt: the right callback no longer works either.
    assert_refused(b.client.get(&callback).send().await.unwrap(), "spent").await;
    assert_eq!(b.signed_in_as(&app).await, None);
    app.stop().await;
}

#[tokio::test]
async fn expired_flows_and_first_sign_ins_are_pruned() {
    let idp = FakeIdp::start().await;
    let app = spawn_fake(&idp, None).await;
    assert_works(&app, &idp).await; // one pending first sign-in, live
    let b = Browser::new();
    press(&app, &b, "fake").await; // one flow, live
    let store = &app.db.store;
    let now = masthead_store::now_ms();
    assert_eq!(
        store.prune_oidc(now).await.unwrap(),
        0,
        "nothing expired yet"
    );
    // A quarter of an hour and a minute later both have expired.
    assert_eq!(
        store
            .prune_oidc(now + masthead_store::identities::PENDING_VALID_MS + 60_000)
            .await
            .unwrap(),
        2
    );
    for sql in [
        "SELECT COUNT(*) FROM oidc_flows",
        "SELECT COUNT(*) FROM oidc_pending",
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(n, 0, "{sql}");
    }
    app.stop().await;
}
