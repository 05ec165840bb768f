//! "Continue with" on the registration wall: the buttons are on the walled page (shared by
//! every walled reader, so without a token), and a first sign-in from them returns to the
//! article and counts as the wall's sign-up.

use super::{PUBLIC, log_in_at_idp, spawn, start_idp};
use crate::common::{Browser, browser::location, write};

const ARTICLE: &str = "---\nheadline: \"The members story\"\nstandfirst: \"For members.\"\nsection: city\n\
authors: [ana-ribeiro]\npublished: 2026-07-20T10:30:00Z\naccess: registered\n---\n\
Lead-in one.\n\nLead-in two.\n\nGated finding: the ledger was in a biscuit tin.\n";

#[tokio::test]
async fn the_walls_button_signs_in_and_returns_to_the_article() {
    let idp = start_idp();
    let app = spawn(&idp.issuer, None).await;
    let dir = app.db.data_dir().join("oidc-wall");
    write(&dir, "members.md", ARTICLE);
    app.import(&dir).await;
    let path = "/city/the-members-story";

    let b = Browser::new();
    let (status, html) = b.get(&app, path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Register for free to read this article"),
        "{html}"
    );
    assert!(!html.contains("Gated finding"));
    let wall = html.split("<section class=\"wall\"").nth(1).unwrap();
    assert!(wall.contains("Continue with Test ID"), "{wall}");
    assert!(wall.contains("action=\"/sign-in/oidc/test\""), "{wall}");
    assert!(
        !wall.contains("name=\"csrf\""),
        "a page shared by every walled reader"
    );
    let article_id = wall
        .split("name=\"wall\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // As the wall's email form: no token, the Origin header says where it comes from.
    let form = [("return_to", path), ("wall", article_id.as_str())];
    let res = b
        .client
        .post(app.url("/sign-in/oidc/test"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no token and no Origin: refused");
    let res = b
        .client
        .post(app.url("/sign-in/oidc/test"))
        .header("origin", format!("http://{}", app.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let auth = location(&res);
    assert!(auth.starts_with(&idp.issuer), "{auth}");
    let callback = log_in_at_idp(&app, &b, &idp, &auth, "alice").await;
    assert!(!callback.starts_with(PUBLIC));
    let res = b.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&res), "/sign-in/oidc/welcome");
    let res = b
        .submit(&app, "/sign-in/oidc/welcome", "/sign-in/oidc/welcome", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), path, "back to the article");
    let (_, html) = b.get(&app, path).await;
    assert!(html.contains("Gated finding"), "{html}");

    app.state.flush_wall_stats().await;
    let stats = app.db.store.wall_stats().await.unwrap();
    let row = stats.iter().find(|r| r.article_id == article_id).unwrap();
    assert_eq!(row.counts.registrations_started, 1);
    assert_eq!(row.counts.signups, 1);
    app.stop().await;
}
