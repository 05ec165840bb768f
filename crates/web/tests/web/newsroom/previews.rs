//! Preview links: signed, expiring, revocable, noindex, the article as readers will see it.

use super::*;

fn links_in(page: &str) -> Vec<String> {
    page.split("readonly value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|u| u.contains("/preview/"))
        .map(|u| {
            u.split_once("/preview/")
                .map(|(_, t)| format!("/preview/{t}"))
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn preview_links_show_a_draft_until_revoked_or_expired() {
    let app = newsroom_app().await;
    let c = staff(&app, Role::Contributor).await;
    let id = create(
        &app,
        &c,
        &[("headline", "Draft for the lawyers"), ("kicker", "Legal")],
    )
    .await;
    let res = c
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            &format!("/newsroom/articles/{id}/preview-links"),
            &[("days", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = c.get(&app, &format!("/newsroom/articles/{id}")).await;
    let links = links_in(&page);
    assert_eq!(links.len(), 1, "{page}");
    // Someone without an account.
    let res = app.get(&links[0]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-robots-tag"], "noindex, nofollow");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(html.contains("Draft for the lawyers") && html.contains("article-kicker"));
    assert!(html.contains("this article is a draft and not public"));
    // The default is 7 days.
    let link = &app.db.store.preview_links_of(&id).await.unwrap()[0];
    assert_eq!(link.expires_at - link.created_at, 7 * 86_400_000);
    // A forged or altered token is refused.
    let forged = format!("{}x", &links[0][..links[0].len() - 1]);
    assert_eq!(app.get(&forged).await.status(), 404);
    let other_id = links[0].replacen("/preview/0", "/preview/1", 1);
    assert_eq!(app.get(&other_id).await.status(), 404);
    assert_eq!(app.get("/preview/nonsense").await.status(), 404);
    // Expired.
    sqlx::query("UPDATE preview_links SET expires_at = $1")
        .bind(masthead_store::now_ms() - 1)
        .execute(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(app.get(&links[0]).await.status(), 404);
    sqlx::query("UPDATE preview_links SET expires_at = $1")
        .bind(masthead_store::now_ms() + 60_000)
        .execute(app.db.store.reader())
        .await
        .unwrap();
    assert_eq!(app.get(&links[0]).await.status(), 200);
    // Revoked.
    let res = c
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            &format!("/newsroom/articles/{id}/preview-links/{}/revoke", link.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, html) = app.text(&links[0]).await;
    assert_eq!(status, 404);
    assert!(html.contains("This preview link does not work"));
    // Days out of range get a message.
    let res = c
        .submit(
            &app,
            &format!("/newsroom/articles/{id}"),
            &format!("/newsroom/articles/{id}/preview-links"),
            &[("days", "400")],
        )
        .await;
    assert_eq!(res.status(), 400);
    app.stop().await;
}
