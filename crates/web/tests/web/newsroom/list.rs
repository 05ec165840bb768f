//! The article list (search, filters, keyset paging) and the dashboard.

use super::*;

#[tokio::test]
async fn the_article_list_filters_and_pages() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    for n in 0..55 {
        let headline = format!("Tide table {n:02}");
        create(
            &app,
            &ed,
            &[
                ("headline", headline.as_str()),
                ("section", if n % 2 == 0 { "city" } else { "sport" }),
            ],
        )
        .await;
    }
    let (status, page) = ed.get(&app, "/newsroom/articles?q=tide").await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("Tide table").count(), 50, "first page");
    assert!(page.contains("Tide table 54") && !page.contains("Tide table 04"));
    let next = page
        .split("href=\"/newsroom/articles?")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .filter(|s| s.contains("before="))
        .expect("a next page");
    let (_, page2) = ed
        .get(
            &app,
            &format!("/newsroom/articles?{}", next.replace("&amp;", "&")),
        )
        .await;
    assert_eq!(page2.matches("Tide table").count(), 5, "{page2}");
    assert!(page2.contains("Tide table 00"));
    let (_, sport) = ed
        .get(&app, "/newsroom/articles?q=tide&section=sport")
        .await;
    assert_eq!(sport.matches("Tide table").count(), 27);
    let (_, published) = ed.get(&app, "/newsroom/articles?status=published").await;
    assert!(published.contains("Harbour crane") && !published.contains("Tide table"));
    let (_, by_ana) = ed.get(&app, "/newsroom/articles?author=ana-ribeiro").await;
    assert!(by_ana.contains("Athletic win the derby") && !by_ana.contains("Tide table"));
    // LIKE wildcards are searched as text.
    let (_, none) = ed.get(&app, "/newsroom/articles?q=%25").await;
    assert!(none.contains("No articles match"));
    assert_eq!(ed.get(&app, "/newsroom/articles?status=lost").await.0, 400);
    assert_eq!(
        ed.get(&app, "/newsroom/articles?section=weather").await.0,
        400
    );
    assert_eq!(
        ed.get(&app, "/newsroom/articles?before=garbage").await.0,
        400
    );
    // The dashboard: my drafts, newest first.
    let (_, dash) = ed.get(&app, "/newsroom").await;
    assert!(dash.contains("My drafts") && dash.contains("Tide table 54"));
    assert!(dash.contains("Nothing is scheduled."));
    app.stop().await;
}

#[tokio::test]
async fn the_newsroom_navigation_shows_what_the_role_may_use() {
    let app = newsroom_app().await;
    let (_, page) = staff(&app, Role::Contributor)
        .await
        .get(&app, "/newsroom")
        .await;
    assert!(page.contains("href=\"/newsroom/articles/new\""));
    assert!(!page.contains("href=\"/newsroom/comments\""));
    let (_, page) = staff(&app, Role::Editor).await.get(&app, "/newsroom").await;
    assert!(page.contains("href=\"/newsroom/comments\""));
    let (status, _) = staff(&app, Role::Moderator)
        .await
        .get(&app, "/newsroom")
        .await;
    assert_eq!(status, 403);
    // Signed out: sign in first, then back.
    let res = app.get("/newsroom/articles").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/sign-in?return_to=/newsroom"));
    app.stop().await;
}
