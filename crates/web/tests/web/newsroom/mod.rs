//! The newsroom's articles end to end, on both backends: each role against each action, the
//! editor and its bad input, autosave, conflicts and revisions, scheduling, previews and
//! corrections, the article list. Staff sign in through the store ([`TestApp::staff`]).
//!
//! In a real browser (`browser/`, chromium): the autosave script (typing, the "Changes kept"
//! status and the autosave row, restoring after a reload), the form working with the script
//! off, passkeys through the virtual authenticator, and axe-core on every newsroom page.
//! Still only over HTTP: the heartbeat's "Also open by" line updating, the stale warning, the
//! Preview button opening a new tab.

use crate::common::{TestApp, browser::*, spawn_app};
use masthead_core::Role;

mod browser;
mod corrections;
mod edition;
mod editor;
mod list;
mod previews;
mod roles;
mod saving;
mod scheduling;

pub const HARBOUR_PATH: &str = "/city/harbour-crane-lifts-a-record-load";

/// The editor's fields for a plain new article, with `over` replacing or adding fields.
pub fn fields<'a>(over: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("headline", "Ferry timetable changes"),
        ("kicker", ""),
        ("standfirst", "Winter sailings start on Monday."),
        ("body", "The ferry will sail every hour.\n\nMore in spring."),
        ("section", "city"),
        ("tags", "ferries, Transport"),
        ("authors", ""),
        ("byline", ""),
        ("access", "free"),
        ("slug", ""),
        ("seo_title", ""),
        ("seo_description", ""),
        ("action", "save"),
    ];
    for (k, v) in over {
        match f.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v,
            None => f.push((k, v)),
        }
    }
    f
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// The article id in a redirect to `/newsroom/articles/ID?notice=…`.
pub fn article_id(res: &reqwest::Response) -> String {
    let loc = location(res);
    loc.strip_prefix("/newsroom/articles/")
        .and_then(|s| s.split('?').next())
        .unwrap_or_else(|| panic!("not a redirect to an article: {loc}"))
        .to_owned()
}

/// Creates an article as `b` (which must be allowed to); returns its id.
pub async fn create(app: &TestApp, b: &Browser, over: &[(&str, &str)]) -> String {
    let res = b
        .submit(
            app,
            "/newsroom/articles/new",
            "/newsroom/articles",
            &fields(over),
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let id = article_id(&res);
    assert!(
        location(&res).ends_with("notice=created"),
        "{}",
        location(&res)
    );
    id
}

/// Submits the editor form of article `id` as loaded now by `b` (its CSRF token and revision),
/// with `over` changing fields. For a browser that may not open the editor (403), the
/// revision is read from the store.
pub async fn save(
    app: &TestApp,
    b: &Browser,
    id: &str,
    over: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/newsroom/articles/{id}");
    let (status, html) = b.get(app, &path).await;
    let revision = if status == 200 {
        hidden(&html, "revision")
    } else {
        app.db
            .store
            .editor_article(id)
            .await
            .unwrap()
            .unwrap()
            .revision
            .to_string()
    };
    let csrf = {
        let (_, any) = b.get(app, "/newsroom/articles/new").await;
        let c = csrf_of(&html);
        if c.is_empty() { csrf_of(&any) } else { c }
    };
    // The saved fields, then the changes.
    let saved = app
        .db
        .store
        .editor_article(id)
        .await
        .unwrap()
        .unwrap()
        .draft;
    let breaking = if saved.breaking { "on" } else { "" };
    let mut body: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("revision", &revision),
        ("headline", &saved.headline),
        ("kicker", &saved.kicker),
        ("standfirst", &saved.standfirst),
        ("body", &saved.body),
        ("section", &saved.section),
        ("tags", &saved.tags),
        ("authors", &saved.authors),
        ("byline", &saved.byline),
        ("access", &saved.access),
        ("slug", &saved.slug),
        ("seo_title", &saved.seo_title),
        ("seo_description", &saved.seo_description),
        ("action", "save"),
    ];
    if !breaking.is_empty() {
        body.push(("breaking", breaking));
    }
    for (k, v) in over {
        match body.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v,
            None => body.push((k, v)),
        }
    }
    b.client
        .post(app.url(&path))
        .form(&body)
        .send()
        .await
        .unwrap()
}

/// The id of an article by slug (any status).
pub async fn id_of(app: &TestApp, slug: &str) -> String {
    let id: String = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.db.store.reader())
        .await
        .unwrap();
    id
}

pub async fn body_of(res: reqwest::Response) -> (u16, String) {
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

pub async fn newsroom_app() -> TestApp {
    spawn_app().await
}

pub async fn staff(app: &TestApp, role: Role) -> Browser {
    app.staff(&format!("{}@tribune.example", role.as_str()), role)
        .await
}

/// Polls the search API until a result has `headline` (the index takes well under a second).
pub async fn wait_for_search(app: &TestApp, q: &str, headline: &str) {
    let start = std::time::Instant::now();
    loop {
        app.run_jobs_due_by(masthead_store::now_ms()).await;
        let v: serde_json::Value = app
            .get(&format!("/api/v1/search?q={q}"))
            .await
            .json()
            .await
            .unwrap();
        if v["results"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["headline"] == headline))
        {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "search for {q} never found {headline}: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
