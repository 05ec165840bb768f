//! The registration wall end to end: an anonymous browser reads its free articles, meets the
//! wall, registers from it (emails read off a real SMTP server) and returns to the article.
//! Both database backends.

use crate::common::browser::{Browser, code_in, email_to, link_in, location, spawn_with_smtp_and};
use crate::common::{TestApp, write};

/// Metered articles written for these tests: the lead-in sentences are free, the sentence
/// starting "Gated" must never reach a walled reader.
fn article(slug: &str, access: &str, minute: u32) -> String {
    format!(
        "---\nheadline: \"The {slug} story\"\nstandfirst: \"What happened at {slug}.\"\nsection: city\n\
         authors: [ana-ribeiro]\npublished: 2026-07-20T10:{minute:02}:00Z\naccess: {access}\n---\n\
         Lead-in one about {slug}.\n\nLead-in two about {slug}.\n\n\
         Gated finding about {slug}: the council kept the ledger in a biscuit tin.\n\n\
         Gated ending about {slug}.\n"
    )
}

async fn newspaper(app: &TestApp) {
    let dir = app.db.data_dir().join("wall-articles");
    for (i, slug) in ["alpha", "bravo", "charlie", "delta"].iter().enumerate() {
        write(
            &dir,
            &format!("{slug}.md"),
            &article(slug, "metered", i as u32),
        );
    }
    write(&dir, "members.md", &article("members", "registered", 30));
    write(&dir, "open.md", &article("open", "free", 31));
    app.import(&dir).await;
}

fn path(slug: &str) -> String {
    format!("/city/the-{slug}-story")
}

async fn spawn() -> (TestApp, masthead_mail::testing::SmtpServer) {
    let (app, smtp) = spawn_with_smtp_and(|c| {
        c.meter.free = 2;
    })
    .await;
    newspaper(&app).await;
    (app, smtp)
}

fn is_walled(html: &str) -> bool {
    html.contains("Register for free and continue reading")
        || html.contains("Register for free to read this article")
}

async fn read(browser: &Browser, app: &TestApp, slug: &str) -> reqwest::Response {
    browser
        .client
        .get(app.url(&path(slug)))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_wall_follows_the_free_articles_and_never_sends_the_gated_text() {
    let (app, _smtp) = spawn().await;
    let reader = Browser::new();

    let res = read(&reader, &app, "alpha").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    assert!(res.headers().get("set-cookie").is_some());
    let html = res.text().await.unwrap();
    assert!(
        html.contains("You have 1 free article left this month"),
        "{html}"
    );
    assert!(html.contains("Gated finding about alpha"));
    assert!(html.contains("class=\"article-gated\""));
    assert!(!is_walled(&html));

    // Free articles neither count nor wall, and stay cacheable by shared caches.
    let res = read(&reader, &app, "open").await;
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    assert!(res.headers().get("set-cookie").is_none());
    let html = res.text().await.unwrap();
    assert!(html.contains("Gated finding about open") && !html.contains("free article"));

    let html = read(&reader, &app, "bravo").await.text().await.unwrap();
    assert!(html.contains("This is your last free article this month"));
    assert!(html.contains("Gated finding about bravo"));

    // The third metered article: the wall, and none of the gated paragraphs.
    let res = read(&reader, &app, "charlie").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    let html = res.text().await.unwrap();
    assert!(is_walled(&html), "{html}");
    assert!(
        html.contains("Lead-in one about charlie") && html.contains("Lead-in two about charlie")
    );
    assert!(!html.contains("Gated"), "gated text leaked: {html}");
    assert!(!html.contains("biscuit"), "gated text leaked: {html}");
    assert!(
        html.contains("What happened at charlie."),
        "the standfirst stays"
    );
    assert!(html.contains("action=\"/register\"") && html.contains("name=\"wall\""));
    assert!(html.contains("/sign-in?return_to=/city/the-charlie-story"));
    // Compressed forms are the same page.
    for encoding in ["gzip", "br"] {
        let res = reader
            .client
            .get(app.url(&path("delta")))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], encoding);
        let body = res.bytes().await.unwrap();
        let text = decompress(encoding, &body);
        assert!(is_walled(&text) && !text.contains("Gated"), "{encoding}");
    }

    // Re-reading an article already counted is free.
    let html = read(&reader, &app, "alpha").await.text().await.unwrap();
    assert!(html.contains("Gated finding about alpha") && !is_walled(&html));

    // Structured data: a gated NewsArticle whose gated part is named.
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["isAccessibleForFree"], false);
    assert_eq!(ld["hasPart"]["cssSelector"], ".article-gated");
    assert_eq!(ld["hasPart"]["isAccessibleForFree"], false);
    assert_eq!(ld["headline"], "The alpha story");
    let free = read(&reader, &app, "open").await.text().await.unwrap();
    assert_eq!(json_ld(&free)["isAccessibleForFree"], true);
    assert!(json_ld(&free).get("hasPart").is_none());

    // A new browser (cleared cookies) starts afresh.
    let html = read(&Browser::new(), &app, "charlie")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Gated finding about charlie"));

    // The newsroom's counts: the walled views, per article.
    app.state.flush_wall_stats().await;
    let stats = app.db.store.wall_stats().await.unwrap();
    let impressions: i64 = stats.iter().map(|r| r.counts.impressions).sum();
    assert_eq!(impressions, 3, "{stats:?}");
    app.stop().await;
}

#[tokio::test]
async fn registered_only_articles_wall_every_anonymous_reader_but_no_signed_in_one() {
    let (app, _smtp) = spawn().await;
    let reader = Browser::new();
    let html = read(&reader, &app, "members").await.text().await.unwrap();
    assert!(
        html.contains("Register for free to read this article"),
        "{html}"
    );
    assert!(!html.contains("Gated"));

    // A made-up session cookie is not a session.
    let forged = reqwest::Client::new()
        .get(app.url(&path("members")))
        .header(
            "cookie",
            format!("mh_session={}", masthead_core::secret::random_token()),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(is_walled(&forged) && !forged.contains("Gated"));

    app.sign_in(&reader, "member@example.com").await;
    for slug in ["members", "alpha", "bravo", "charlie", "delta"] {
        let res = read(&reader, &app, slug).await;
        assert_eq!(res.headers()["cache-control"], "private, no-cache");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "signed-in readers are not metered"
        );
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("Gated finding about {slug}")),
            "{slug}"
        );
        assert!(!is_walled(&html) && !html.contains("free article"));
    }
    app.stop().await;
}

#[tokio::test]
async fn registering_from_the_wall_returns_to_the_article_and_is_counted() {
    let (app, smtp) = spawn().await;
    let reader = Browser::new();
    for slug in ["alpha", "bravo"] {
        read(&reader, &app, slug).await;
    }
    let html = read(&reader, &app, "charlie").await.text().await.unwrap();
    assert!(is_walled(&html));
    let article_id = html
        .split("name=\"wall\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // The wall's form sits in a page shared by every walled reader: it carries no CSRF token,
    // and the browser's Origin header proves where it comes from.
    let form = [
        ("email", "newcomer@example.com"),
        ("daily_edition", "on"),
        ("return_to", "/city/the-charlie-story"),
        ("wall", article_id.as_str()),
    ];
    let res = reader
        .client
        .post(app.url("/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no token and no Origin: refused");
    let res = reader
        .client
        .post(app.url("/register"))
        .header("origin", "https://elsewhere.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "another site's Origin: refused");
    let res = reader
        .client
        .post(app.url("/register"))
        .header("origin", format!("http://{}", app.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/sign-in/check-email");

    let msg = email_to(&smtp, "newcomer@example.com", 1).await;
    let link = link_in(&msg.text);
    let res = reader.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/city/the-charlie-story");
    let html = read(&reader, &app, "charlie").await.text().await.unwrap();
    assert!(html.contains("Gated finding about charlie") && !is_walled(&html));

    app.state.flush_wall_stats().await;
    let stats = app.db.store.wall_stats().await.unwrap();
    let row = stats.iter().find(|r| r.article_id == article_id).unwrap();
    assert_eq!(row.counts.impressions, 1);
    assert_eq!(row.counts.registrations_started, 1);
    assert_eq!(row.counts.signups, 1);
    let (_, metrics) = app.text("/metrics").await;
    // The metrics recorder is one per test process, and other tests (the OpenID wall button)
    // also sign up from the wall: this one's sign-up is counted exactly in the stats above.
    let signups: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("masthead_wall_signups_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(signups >= 1, "{metrics}");
    assert!(metrics.contains("masthead_wall_registrations_started_total"));
    app.stop().await;
}

#[tokio::test]
async fn signing_in_with_the_code_from_the_wall_returns_to_the_article() {
    let (app, smtp) = spawn().await;
    let laptop = Browser::new();
    crate::common::browser::register(&app, &smtp, &laptop, "known@example.com").await;

    // Another device, walled, signs in with the emailed code.
    let phone = Browser::new();
    let html = read(&phone, &app, "members").await.text().await.unwrap();
    assert!(is_walled(&html));
    let res = phone
        .submit(
            &app,
            "/sign-in?return_to=/city/the-members-story",
            "/sign-in",
            &[
                ("email", "known@example.com"),
                ("return_to", "/city/the-members-story"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let msg = email_to(&smtp, "known@example.com", 2).await;
    let code = code_in(&msg.text);
    let res = phone
        .submit(
            &app,
            "/sign-in/code",
            "/sign-in/code",
            &[("email", "known@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/city/the-members-story");
    let html = read(&phone, &app, "members").await.text().await.unwrap();
    assert!(html.contains("Gated finding about members"));
    app.stop().await;
}

#[tokio::test]
async fn bad_meter_cookies_are_a_fresh_meter_never_an_error() {
    let (app, _smtp) = spawn().await;
    let plain = reqwest::Client::new();
    // A spent meter, as the server wrote it.
    let reader = Browser::new();
    for slug in ["alpha", "bravo"] {
        read(&reader, &app, slug).await;
    }
    let spent = reader
        .client
        .get(app.url(&path("charlie")))
        .send()
        .await
        .unwrap();
    assert!(is_walled(&spent.text().await.unwrap()));
    let cookie = {
        let res = Browser::new()
            .client
            .get(app.url(&path("alpha")))
            .send()
            .await
            .unwrap();
        let c = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        c.split(';').next().unwrap().to_owned()
    };
    let value = cookie.trim_start_matches("mh_meter=");
    let mut tampered = value.to_owned().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    let huge = "x".repeat(3000);
    for bad in [
        tampered.as_str(),
        "garbage",
        "v1.0..",
        "v1.ffffffffffffffff.00000001.AAAA",
        huge.as_str(),
        "%00%ff",
    ] {
        let res = plain
            .get(app.url(&path("delta")))
            .header("cookie", format!("mh_meter={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{bad}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("You have 1 free article left this month"),
            "a bad cookie reads as a fresh meter: {bad}"
        );
    }
    // The genuine cookie is honoured: alpha was counted, so re-reading it is free.
    let html = plain
        .get(app.url(&path("alpha")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("You have 1 free article left this month"));
    app.stop().await;
}

#[tokio::test]
async fn staff_links_work_only_in_the_browser_that_asked() {
    let (app, smtp) = spawn().await;
    let email = masthead_core::EmailAddress::parse("desk@tribune.example").unwrap();
    app.db
        .store
        .add_staff(&email, masthead_core::Role::Editor)
        .await
        .unwrap();
    let desk = Browser::new();
    crate::common::browser::register(&app, &smtp, &desk, "desk@tribune.example").await;
    assert_eq!(
        desk.signed_in_as(&app).await.as_deref(),
        Some("desk@tribune.example")
    );

    // Asked for on the desk computer, opened on another machine: refused, not spent.
    let res = desk
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", "desk@tribune.example")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let link = link_in(&email_to(&smtp, "desk@tribune.example", 2).await.text);
    let elsewhere = Browser::new();
    let res = elsewhere.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("only works in the browser where you asked for it")
    );
    assert_eq!(elsewhere.signed_in_as(&app).await, None);

    // The right browser still can, and gets a short staff session.
    let res = desk.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    let session = session_cookie(&res);
    assert!(session.contains("Max-Age=43200"), "{session}");

    // A reader's link works on any device, with a month-long session.
    let reader = Browser::new();
    reader
        .submit(
            &app,
            "/register",
            "/register",
            &[("email", "reader@example.com")],
        )
        .await;
    let link = link_in(&email_to(&smtp, "reader@example.com", 1).await.text);
    let other = Browser::new();
    let res = other.post_link(&app, &link, &link).await;
    assert_eq!(res.status(), 303);
    let session = session_cookie(&res);
    assert!(session.contains("Max-Age=2592000"), "{session}");
    app.stop().await;
}

/// The `Set-Cookie` value that starts a session.
fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mh_session="))
        .expect("a session cookie")
}

/// The page's `NewsArticle` (the JSON-LD is a list: the article, then its breadcrumbs).
fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&html[start..end]).expect("valid JSON-LD");
    items
        .into_iter()
        .find(|i| i["@type"] == "NewsArticle")
        .expect("a NewsArticle")
}

fn decompress(encoding: &str, body: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    match encoding {
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_string(&mut out)
                .unwrap();
        }
        _ => {
            brotli::Decompressor::new(body, 4096)
                .read_to_string(&mut out)
                .unwrap();
        }
    }
    out
}

#[tokio::test]
async fn head_requests_do_not_spend_free_articles() {
    let (app, _smtp) = spawn().await;
    let reader = Browser::new();
    // Link checkers and previews send HEAD: as many as they like, on every metered article.
    for slug in ["alpha", "bravo", "charlie", "delta"] {
        for _ in 0..3 {
            let res = reader
                .client
                .head(app.url(&path(slug)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{slug}");
            assert!(res.headers().get("set-cookie").is_none(), "{slug}");
        }
    }
    // The reader still has both free articles.
    let html = read(&reader, &app, "alpha").await.text().await.unwrap();
    assert!(
        html.contains("You have 1 free article left this month"),
        "{html}"
    );
    let html = read(&reader, &app, "bravo").await.text().await.unwrap();
    assert!(html.contains("This is your last free article this month"));
    assert!(html.contains("Gated finding about bravo"));
    app.stop().await;
}
