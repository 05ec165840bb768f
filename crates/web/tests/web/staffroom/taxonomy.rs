//! Sections and tags from the newsroom: editors and admins only; creating, renaming with
//! redirects from the old addresses, ordering the navigation; bad input keeps the form.

use crate::common::{TestApp, browser::location, spawn_app};
use masthead_core::Role;

use super::{ROLES, audit_of};

const ARTICLE: &str = "/city/harbour-crane-lifts-a-record-load";

async fn section_id(app: &TestApp, slug: &str) -> String {
    app.db
        .store
        .taxonomy_sections()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slug == slug)
        .unwrap()
        .id
}

async fn tag_id(app: &TestApp, slug: &str) -> String {
    app.db
        .store
        .taxonomy_tags()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slug == slug)
        .unwrap()
        .id
}

/// Where the front page's navigation names each section, in order.
async fn nav_order(app: &TestApp) -> Vec<String> {
    let (_, html) = app.text("/").await;
    let nav = html.split("aria-label=\"Sections\"").nth(1).unwrap();
    let nav = nav.split("</nav>").next().unwrap();
    nav.split("<a href=\"")
        .skip(2) // the split's head, and Home
        .map(|a| a.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn only_editors_and_admins_manage_sections_and_tags() {
    let app = spawn_app().await;
    let city = section_id(&app, "city").await;
    let harbour = tag_id(&app, "harbour").await;
    for (role, email) in ROLES {
        let b = app.staff(email, role).await;
        let may = role.can_manage_taxonomy();
        let want = if may { 200 } else { 403 };
        for page in [
            "/newsroom/sections".to_owned(),
            "/newsroom/tags".to_owned(),
            format!("/newsroom/sections/{city}"),
            format!("/newsroom/tags/{harbour}"),
        ] {
            let (status, _) = b.get(&app, &page).await;
            assert_eq!(status, want, "{role} {page}");
        }
        if may {
            continue;
        }
        let name = format!("By {role}");
        let posts: [(String, Vec<(&str, &str)>); 5] = [
            ("/newsroom/sections".into(), vec![("name", &name)]),
            ("/newsroom/tags".into(), vec![("name", &name)]),
            (
                format!("/newsroom/sections/{city}"),
                vec![("name", &name), ("slug", "city")],
            ),
            (
                format!("/newsroom/tags/{harbour}"),
                vec![("name", &name), ("slug", "harbour")],
            ),
            (
                format!("/newsroom/sections/{city}/move"),
                vec![("direction", "down")],
            ),
        ];
        for (action, fields) in &posts {
            let res = b.submit(&app, "/newsroom/profile", action, fields).await;
            assert_eq!(res.status(), 403, "{role} {action}");
        }
    }
    assert_eq!(app.db.store.taxonomy_sections().await.unwrap().len(), 2);
    assert_eq!(nav_order(&app).await, ["/city", "/sport"]);
    let (status, _) = app
        .reader("reader@example.com")
        .await
        .get(&app, "/newsroom/sections")
        .await;
    assert_eq!(status, 403);
    app.stop().await;
}

#[tokio::test]
async fn creating_a_section_refuses_bad_and_duplicate_slugs_with_the_input_kept() {
    let app = spawn_app().await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let create = |fields: Vec<(&'static str, &'static str)>| {
        let editor = &editor;
        let app = &app;
        async move {
            let res = editor
                .submit(app, "/newsroom/sections", "/newsroom/sections", &fields)
                .await;
            let status = res.status().as_u16();
            let loc = location(&res);
            (status, loc, res.text().await.unwrap())
        }
    };
    let (status, _, page) = create(vec![("name", "  "), ("description", "Kept text")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("Please give it a name"), "{page}");
    assert!(page.contains(">Kept text</textarea>"), "{page}");
    let (status, _, page) = create(vec![("name", "Site search"), ("slug", "search")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("reserved"), "{page}");
    assert!(page.contains("value=\"Site search\""), "{page}");
    let (status, _, page) = create(vec![("name", "Bad"), ("slug", "Not A Slug")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("not a valid slug"), "{page}");
    let (status, _, page) = create(vec![("name", "City again"), ("slug", "city")]).await;
    assert_eq!(status, 409);
    assert!(
        page.contains("Another section already has this slug"),
        "{page}"
    );
    assert!(page.contains("value=\"City again\""), "{page}");
    let long = "x".repeat(81);
    let res = editor
        .submit(
            &app,
            "/newsroom/sections",
            "/newsroom/sections",
            &[("name", &long)],
        )
        .await;
    assert_eq!(res.status(), 400);

    // A good one: its slug made from the name, last in the navigation, with its description.
    let (status, loc, _) = create(vec![
        ("name", "Arts & Culture"),
        ("description", "Stages <and> screens."),
    ])
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/newsroom/sections?notice=created")
    );
    assert_eq!(
        nav_order(&app).await,
        ["/city", "/sport", "/arts-and-culture"]
    );
    let (status, html) = app.text("/arts-and-culture").await;
    assert_eq!(status, 200);
    assert!(html.contains("Stages &lt;and&gt; screens."), "{html}");
    let id = section_id(&app, "arts-and-culture").await;
    let entries = audit_of(&app, "section", &id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "section.create");
    assert_eq!(entries[0].actor_label, "editor@tribune.example");
    // Tags too: a duplicate slug is refused.
    let res = editor
        .submit(
            &app,
            "/newsroom/tags",
            "/newsroom/tags",
            &[("name", "Harbour")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let res = editor
        .submit(
            &app,
            "/newsroom/tags",
            "/newsroom/tags",
            &[("name", "Weather")],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/tags?notice=created");
    assert_eq!(app.text("/tag/weather").await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn renaming_a_section_or_tag_redirects_the_old_addresses() {
    let app = spawn_app().await;
    let admin = app.staff("admin@tribune.example", Role::Admin).await;
    let city = section_id(&app, "city").await;
    assert_eq!(app.text(ARTICLE).await.0, 200);
    let edit = format!("/newsroom/sections/{city}");
    let (status, page) = admin.get(&app, &edit).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"city\""), "{page}");
    // A taken slug: the form again with the input.
    let res = admin
        .submit(&app, &edit, &edit, &[("name", "Town"), ("slug", "sport")])
        .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("value=\"Town\""));
    let res = admin
        .submit(
            &app,
            &edit,
            &edit,
            &[
                ("name", "Town"),
                ("slug", "town"),
                ("description", "News from the town."),
            ],
        )
        .await;
    assert_eq!(location(&res), "/newsroom/sections?notice=saved");
    let moved = "/town/harbour-crane-lifts-a-record-load";
    for (old, new) in [
        ("/city", "/town"),
        (ARTICLE, moved),
        ("/city/feed.xml", "/town/feed.xml"),
    ] {
        let res = app.get(old).await;
        assert_eq!(res.status(), 308, "{old}");
        assert_eq!(location(&res), new, "{old}");
    }
    assert_eq!(app.text(moved).await.0, 200);
    let (status, html) = app.text("/town").await;
    assert_eq!(status, 200);
    assert!(html.contains("News from the town."), "{html}");
    assert_eq!(nav_order(&app).await, ["/town", "/sport"]);
    let entries = audit_of(&app, "section", &city).await;
    assert_eq!(entries[0].action, "section.update");
    assert!(
        entries[0].summary.contains("“City” to “Town”"),
        "{:?}",
        entries[0]
    );
    assert_eq!(
        entries[0].before.as_deref(),
        Some(r#"{"description":"News from the city.","name":"City","slug":"city"}"#)
    );
    // Renamed back: the old address is live again, and nothing loops.
    let res = admin
        .submit(&app, &edit, &edit, &[("name", "City"), ("slug", "city")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.text(ARTICLE).await.0, 200);
    assert_eq!(location(&app.get(moved).await), ARTICLE);

    // A tag.
    let harbour = tag_id(&app, "harbour").await;
    let edit = format!("/newsroom/tags/{harbour}");
    let res = admin
        .submit(&app, &edit, &edit, &[("name", "Port"), ("slug", "port")])
        .await;
    assert_eq!(location(&res), "/newsroom/tags?notice=saved");
    let res = app.get("/tag/harbour").await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (308, "/tag/port".to_owned())
    );
    assert_eq!(app.text("/tag/port").await.0, 200);
    let res = admin.get(&app, "/newsroom/tags/no-such-id").await;
    assert_eq!(res.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn sections_are_ordered_in_the_navigation() {
    let app = spawn_app().await;
    let editor = app.staff("editor@tribune.example", Role::Editor).await;
    let sport = section_id(&app, "sport").await;
    let action = format!("/newsroom/sections/{sport}/move");
    let res = editor
        .submit(&app, "/newsroom/sections", &action, &[("direction", "up")])
        .await;
    assert_eq!(location(&res), "/newsroom/sections?notice=moved");
    assert_eq!(nav_order(&app).await, ["/sport", "/city"]);
    // Already first: nothing changes.
    editor
        .submit(&app, "/newsroom/sections", &action, &[("direction", "up")])
        .await;
    assert_eq!(nav_order(&app).await, ["/sport", "/city"]);
    let res = editor
        .submit(
            &app,
            "/newsroom/sections",
            &action,
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = editor
        .submit(
            &app,
            "/newsroom/sections",
            "/newsroom/sections/nope/move",
            &[("direction", "up")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let entries = audit_of(&app, "section", &sport).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0].after.as_deref(),
        Some(r#"{"order":["Sport","City"]}"#)
    );
    app.stop().await;
}
