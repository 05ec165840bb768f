//! The editor in chromium: autosave with the script on (typing, the status line, the stored
//! autosave, restoring it after a reload, the saved version untouched), and the same form with
//! script off (saving and publishing with plain form posts, no autosave, no live preview); the
//! live preview following typing in a sandboxed frame where no typed script runs.

use masthead_core::{EmailAddress, Role};

use super::{article_id_in, localhost_app};
use crate::chromium::Chromium;

const EDITOR: &str = "ed@example.com";

async fn staff_id(app: &crate::common::TestApp) -> String {
    let email = EmailAddress::parse(EDITOR).unwrap();
    app.db
        .store
        .staff_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Fills the new-article form (headline, body, section) and saves it; returns the article id.
async fn new_article(browser: &Chromium, base: &str, headline: &str, body: &str) -> String {
    browser.goto(&format!("{base}/newsroom/articles/new")).await;
    browser
        .wait_for(
            "document.getElementById('f-headline')",
            "document.body.innerText",
        )
        .await;
    browser.type_into("#f-headline", headline).await;
    browser.type_into("#f-body", body).await;
    browser.click("#f-section option[value='city']").await;
    browser.click("button[name='action'][value='save']").await;
    browser
        .wait_for(
            "/\\/newsroom\\/articles\\/[0-9a-f-]{36}/.test(location.pathname)",
            "location.href + ' ' + document.body.innerText",
        )
        .await;
    article_id_in(&browser.current_url().await)
}

#[tokio::test]
async fn autosave_keeps_typing_and_a_reload_restores_it() {
    let (app, base) = localhost_app().await;
    let browser = Chromium::start().await;
    browser
        .sign_in_as_staff(&app, &base, EDITOR, Role::Editor)
        .await;
    let id = new_article(
        &browser,
        &base,
        "Ferry timetable changes",
        "The ferry sails hourly.",
    )
    .await;
    browser.wait_for_text("Created.").await;

    // Typing, then a pause: the script keeps the text in the author's autosave.
    browser
        .type_into("#f-body", "\n\nWinter sailings start on Monday.")
        .await;
    browser
        .wait_for(
            "document.getElementById('autosave-status').textContent.indexOf('Changes kept') >= 0",
            "document.getElementById('autosave-status').textContent",
        )
        .await;
    let me = staff_id(&app).await;
    let kept = app
        .db
        .store
        .my_autosave(&id, &me)
        .await
        .unwrap()
        .expect("an autosave");
    assert!(
        kept.draft.body.contains("Winter sailings"),
        "{:?}",
        kept.draft.body
    );

    // The saved version is untouched: a reload shows it, and offers the kept changes.
    browser
        .goto(&format!("{base}/newsroom/articles/{id}"))
        .await;
    browser.wait_for_text("You have unsaved changes").await;
    let body = browser
        .js("return document.getElementById('f-body').value;")
        .await;
    assert!(
        !body.as_str().unwrap().contains("Winter sailings"),
        "{body}"
    );
    browser.click("a[href$='?autosaved=1']").await;
    browser
        .wait_for(
            "document.getElementById('f-body').value.indexOf('Winter sailings') >= 0",
            "document.getElementById('f-body').value",
        )
        .await;
    // Saving the restored text makes it the article's.
    browser.click("button[name='action'][value='save']").await;
    browser.wait_for_text("Saved.").await;
    let saved = app.db.store.my_autosave(&id, &me).await.unwrap();
    assert!(saved.is_none_or(|a| a.draft.body.contains("Winter sailings")));
    // The saved version now holds the restored text.
    browser
        .goto(&format!("{base}/newsroom/articles/{id}"))
        .await;
    browser
        .wait_for(
            "document.getElementById('f-body') && document.getElementById('f-body').value.indexOf('Winter sailings') >= 0",
            "document.body.innerText",
        )
        .await;
    app.stop().await;
}

#[tokio::test]
async fn the_editor_saves_and_publishes_with_script_off() {
    let (app, base) = localhost_app().await;
    let browser = Chromium::start_with(&["--blink-settings=scriptEnabled=false"]).await;
    browser
        .sign_in_as_staff(&app, &base, EDITOR, Role::Editor)
        .await;
    let id = new_article(
        &browser,
        &base,
        "Night buses return",
        "Night buses run again from Friday.",
    )
    .await;
    browser.wait_for_text("Created.").await;

    // Typing and waiting longer than the script's delay keeps nothing: the script is off.
    browser.type_into("#f-body", " Every half hour.").await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let status = browser
        .js("return document.getElementById('autosave-status').textContent;")
        .await;
    assert_eq!(status, serde_json::json!(""), "the page's script ran");
    let me = staff_id(&app).await;
    assert!(app.db.store.my_autosave(&id, &me).await.unwrap().is_none());
    // No live preview without the script (the Preview button opens it in a tab instead).
    assert_eq!(
        browser
            .js("return document.getElementById('live-preview-panel').hidden;")
            .await,
        true
    );

    // Publishing is a plain form post.
    browser
        .click("button[name='action'][value='publish']")
        .await;
    browser
        .wait_for_text("Published: the article is on the site.")
        .await;
    let (status, page) = app.text("/city/night-buses-return").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Every half hour."),
        "the typed text was published"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_live_preview_follows_typing_in_a_frame_where_no_script_runs() {
    let (app, base) = localhost_app().await;
    let browser = Chromium::start().await;
    browser
        .sign_in_as_staff(&app, &base, EDITOR, Role::Editor)
        .await;
    new_article(
        &browser,
        &base,
        "Harbour lights",
        "The lights come on at six.",
    )
    .await;
    browser.wait_for_text("Created.").await;
    // Shown with the script, and sandboxed without allow-scripts.
    browser
        .wait_for(
            "!document.getElementById('live-preview-panel').hidden && document.getElementById('live-preview').srcdoc.indexOf('Harbour lights') >= 0",
            "document.getElementById('live-preview').srcdoc.slice(0, 400)",
        )
        .await;
    assert_eq!(
        browser
            .js("return document.getElementById('live-preview').getAttribute('sandbox');")
            .await,
        ""
    );
    // Typing updates it, nothing saved.
    browser.type_into("#f-headline", " tonight").await;
    browser
        .wait_for(
            "document.getElementById('live-preview').srcdoc.indexOf('Harbour lights tonight') >= 0",
            "document.getElementById('live-preview').srcdoc.slice(0, 400)",
        )
        .await;
    // What a contributor could type to run script in the editor's page does not run.
    browser
        .type_into(
            "#f-body",
            "\n\n<img src=x onerror=\"parent.document.title='pwned'\"><script>parent.document.title='pwned'</script> Marker paragraph.",
        )
        .await;
    browser
        .wait_for(
            "document.getElementById('live-preview').srcdoc.indexOf('Marker paragraph.') >= 0",
            "document.getElementById('live-preview').srcdoc",
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let title = browser.js("return document.title;").await;
    assert_ne!(title, "pwned");
    let srcdoc = browser
        .js("return document.getElementById('live-preview').srcdoc;")
        .await;
    let srcdoc = srcdoc.as_str().unwrap();
    assert!(
        !srcdoc.contains("<img src=x") && !srcdoc.contains("<script>parent"),
        "{srcdoc}"
    );
    assert!(
        !srcdoc.contains("free articles left"),
        "a preview shows no meter"
    );
    let id = super::article_id_in(&browser.current_url().await);
    let saved = app.db.store.editor_article(&id).await.unwrap().unwrap();
    assert_eq!(
        saved.draft.headline, "Harbour lights",
        "the preview saves nothing"
    );
    app.stop().await;
}
