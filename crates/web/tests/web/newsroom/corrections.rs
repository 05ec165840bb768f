//! Corrections: appended by editors to published articles, at the article's foot, in its
//! dateModified, and on /corrections.

use super::*;

#[tokio::test]
async fn a_correction_is_shown_raises_date_modified_and_is_listed() {
    let app = newsroom_app().await;
    let ed = staff(&app, Role::Editor).await;
    let id = id_of(&app, "harbour-crane-lifts-a-record-load").await;
    let (_, before) = app.text(HARBOUR_PATH).await;
    assert!(
        before.contains("\"dateModified\":\"2026-07-14T09:30:00Z\""),
        "{before}"
    );
    let editor_page = format!("/newsroom/articles/{id}");
    let action = format!("/newsroom/articles/{id}/corrections");
    // Bad input keeps the text.
    let res = ed
        .submit(
            &app,
            &editor_page,
            &action,
            &[("kind", "rumour"), ("text", "My careful wording")],
        )
        .await;
    let (status, page) = body_of(res).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("correction, a clarification or an update")
            && page.contains("My careful wording")
    );
    let res = ed
        .submit(
            &app,
            &editor_page,
            &action,
            &[
                ("kind", "correction"),
                ("text", "The load was 180 tonnes, not 18."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.text(HARBOUR_PATH).await;
    assert!(page.contains("Corrections and clarifications"));
    assert!(page.contains("The load was 180 tonnes, not 18."));
    assert!(
        !page.contains("\"dateModified\":\"2026-07-14T09:30:00Z\""),
        "raised"
    );
    assert!(page.contains("class=\"updated\""));
    let res = ed
        .submit(
            &app,
            &editor_page,
            &action,
            &[
                ("kind", "clarification"),
                ("text", "Quay 4 is the north quay."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, list) = app.text("/corrections").await;
    assert_eq!(status, 200);
    let (a, b) = (
        list.find("Quay 4 is the north quay.").unwrap(),
        list.find("The load was 180 tonnes").unwrap(),
    );
    assert!(a < b, "newest first");
    assert!(list.contains(&format!("href=\"{HARBOUR_PATH}\"")));
    assert_eq!(app.text("/corrections?page=2").await.0, 404);
    assert_eq!(app.text("/corrections?page=x").await.0, 400);
    // Drafts take no corrections.
    let draft = create(&app, &ed, &[]).await;
    let res = ed
        .submit(
            &app,
            &format!("/newsroom/articles/{draft}"),
            &format!("/newsroom/articles/{draft}/corrections"),
            &[("kind", "correction"), ("text", "x")],
        )
        .await;
    assert_eq!(res.status(), 400);
    app.stop().await;
}
