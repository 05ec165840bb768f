//! axe-core (npm, installed by `.ci/test-tools` into `crates/web/tests/axe`) on every newsroom
//! page (the Daily Edition's today and on a fixture date with a story) and the reader pages (front, section, tag, author, article, the registration wall,
//! search, corrections, sign-in, registration, the account, an article's comments), in
//! chromium: the engine is injected through WebDriver's execute script (so the pages' CSP
//! does not apply to it) and runs the WCAG 2.0/2.1 A and AA rules. The test fails listing each
//! violation: page, rule, element and axe's message.

use masthead_core::Role;
use serde_json::json;

use super::localhost_app;
use crate::chromium::Chromium;

const AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/axe/node_modules/axe-core/axe.min.js"
);

const RUN: &str = "var done = arguments[0];
  axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then(function (r) {
      done(r.violations.map(function (v) {
        return { rule: v.id, help: v.help, nodes: v.nodes.map(function (n) {
          return { target: n.target.join(' '), message: n.failureSummary }; }) };
      }));
    })
    .catch(function (e) { done([{ rule: 'axe-error', help: String(e), nodes: [] }]); });";

/// The violations on the page at `url`, as lines for the failure message.
async fn audit(browser: &Chromium, axe: &str, url: &str) -> Vec<String> {
    browser.goto(url).await;
    browser
        .wait_for("document.readyState === 'complete'", "document.readyState")
        .await;
    let injected = browser.js(&format!("{axe}\nreturn typeof axe;")).await;
    assert_eq!(injected, json!("object"), "axe-core did not load on {url}");
    let found = browser.js_async(RUN).await;
    let mut out = Vec::new();
    for v in found
        .as_array()
        .unwrap_or_else(|| panic!("axe on {url}: {found}"))
    {
        for n in v["nodes"].as_array().into_iter().flatten() {
            out.push(format!(
                "{url}: {} ({}) at `{}`: {}",
                v["rule"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                n["target"].as_str().unwrap_or_default(),
                n["message"].as_str().unwrap_or_default().replace('\n', " "),
            ));
        }
        if v["nodes"].as_array().is_none_or(|n| n.is_empty()) {
            out.push(format!("{url}: {} ({})", v["rule"], v["help"]));
        }
    }
    out
}

#[tokio::test]
async fn axe_finds_no_violation_on_newsroom_and_reader_pages() {
    let axe = std::fs::read_to_string(AXE)
        .expect("axe-core: run `bash .ci/test-tools` (npm ci in crates/web/tests/axe)");
    let (app, base) = localhost_app().await;
    // Content every page has something to show for: a draft with revisions, a correction.
    let staff = crate::newsroom::staff(&app, Role::Admin).await;
    let draft = crate::newsroom::create(&app, &staff, &[]).await;
    let sections = app.db.store.taxonomy_sections().await.unwrap();
    let section = &sections[0].id;
    // A library photo with its sizes made (its page shows the preview and the crops).
    let photo = crate::photos::upload_jpeg(&app, &staff, 900, 600).await;
    app.run_due_jobs().await;

    // Reader pages, signed out: the metered article shows the wall after the free ones.
    let reader = Chromium::start().await;
    reader.call("/timeouts", json!({ "script": 60_000 })).await;
    let mut violations = Vec::new();
    for path in [
        "/",
        "/city",
        "/tag/harbour",
        "/author/ana-ribeiro",
        "/sport/athletic-win-the-derby",
        "/search?q=crane",
        "/search?q=nothing-matches-this",
        "/corrections",
        "/sign-in",
        "/register",
        "/sign-in/code",
    ] {
        violations.extend(audit(&reader, &axe, &format!("{base}{path}")).await);
    }
    // The wall: metered articles past the free ones.
    for _ in 0..6 {
        reader
            .goto(&format!("{base}/city/harbour-crane-lifts-a-record-load"))
            .await;
    }
    violations.extend(
        audit(
            &reader,
            &axe,
            &format!("{base}/city/harbour-crane-lifts-a-record-load"),
        )
        .await,
    );

    // A signed-in reader: the account page and an article with its comment form.
    let token = app
        .staff_session_token("reader-admin@example.com", Role::Admin)
        .await;
    let staff_browser = Chromium::start().await;
    staff_browser
        .call("/timeouts", json!({ "script": 60_000 }))
        .await;
    staff_browser.goto(&format!("{base}/robots.txt")).await;
    staff_browser.set_cookie("mh_session", &token).await;
    for path in [
        "/account".to_owned(),
        "/city/harbour-crane-lifts-a-record-load".to_owned(),
        "/newsroom".to_owned(),
        "/newsroom/articles".to_owned(),
        "/newsroom/articles/new".to_owned(),
        format!("/newsroom/articles/{draft}"),
        format!("/newsroom/articles/{draft}/revisions"),
        "/newsroom/comments".to_owned(),
        "/newsroom/sections".to_owned(),
        format!("/newsroom/sections/{section}"),
        "/newsroom/tags".to_owned(),
        "/newsroom/staff".to_owned(),
        "/newsroom/audit".to_owned(),
        "/newsroom/settings".to_owned(),
        "/newsroom/profile".to_owned(),
        "/newsroom/alerts".to_owned(),
        "/newsroom/edition".to_owned(),
        "/newsroom/edition?date=2026-07-15".to_owned(),
        "/newsroom/api-keys".to_owned(),
        "/newsroom/photos".to_owned(),
        "/newsroom/photos/new".to_owned(),
        format!("/newsroom/photos/{photo}"),
    ] {
        violations.extend(audit(&staff_browser, &axe, &format!("{base}{path}")).await);
    }
    // The audit can fail: a picture without a text alternative planted in a page is reported.
    staff_browser.goto(&format!("{base}/")).await;
    staff_browser
        .js("var i = document.createElement('img'); i.src = '/favicon.ico'; document.querySelector('main').appendChild(i); return 1;")
        .await;
    staff_browser
        .js(&format!("{axe}\nreturn typeof axe;"))
        .await;
    let planted = staff_browser.js_async(RUN).await;
    assert!(
        planted.to_string().contains("image-alt"),
        "axe did not report a planted <img> without alt: {planted}"
    );
    assert!(
        violations.is_empty(),
        "{} accessibility violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    app.stop().await;
}
