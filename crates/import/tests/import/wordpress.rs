//! `--from wordpress`: the fixture WXR (tests/fixtures/wordpress-export.xml, written for these
//! tests) against a real database, both backends.

use std::path::{Path, PathBuf};

use masthead_core::AccessLevel;
use masthead_import::{PagesPolicy, Platform, PlatformOptions, PlatformReport, import_platform};
use masthead_store::{Store, content::ListFilter, testing::TestDb};

use crate::ghost::{fixture, png};

/// The fixture with its second title in Latin-1 bytes (not UTF-8), as old exports have them.
fn export(db: &TestDb) -> PathBuf {
    let text = std::fs::read(fixture("wordpress-export.xml")).unwrap();
    let at = text.windows(10).position(|w| w == b"CAFE_TITLE").unwrap();
    let mut bytes = text[..at].to_vec();
    bytes.extend_from_slice(b"Caf\xe9 Marina");
    bytes.extend_from_slice(&text[at + 10..]);
    let path = db.dir.path().join("courier.WordPress.2026-03-20.xml");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `wp-content/uploads` with two of the three attachments (ticket.png is missing).
fn uploads(db: &TestDb) -> PathBuf {
    let dir = db.dir.path().join("uploads");
    png(&dir.join("2026/03/tram.png"), 3);
    png(&dir.join("2026/03/platform.png"), 4);
    dir
}

fn options(db: &TestDb, media: Option<PathBuf>, dry_run: bool) -> PlatformOptions {
    PlatformOptions {
        media_out: db.dir.path().join("media"),
        media_in: media,
        dry_run,
        pages: PagesPolicy::Skip,
    }
}

async fn run(store: &Store, file: &Path, options: PlatformOptions) -> PlatformReport {
    import_platform(store, Platform::WordPress, file, options, |_, _| {})
        .await
        .unwrap()
}

fn lines(report: &PlatformReport) -> Vec<String> {
    report.notes.iter().map(|n| n.to_string()).collect()
}

fn has(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

#[tokio::test]
async fn a_wordpress_export_becomes_articles_with_blocks_shortcodes_and_redirects() {
    let db = TestDb::new().await;
    let file = export(&db);
    let media = uploads(&db);
    let report = run(&db.store, &file, options(&db, Some(media.clone()), false)).await;
    let notes = lines(&report);
    // Posts 10, 11, 12, 14; the page and the menu item skipped; attachments are files, not items.
    assert_eq!(
        (
            report.imported,
            report.updated,
            report.unchanged,
            report.skipped,
            report.failed
        ),
        (4, 0, 0, 2, 0),
        "{notes:#?}"
    );
    // One search-index job for the run, not one per article.
    let index_jobs = masthead_store::testing::jobs_of_kind(&db.store, "index_article").await;
    assert_eq!(index_jobs.len(), 1);

    let tram = db
        .store
        .published_article("tram-line-opens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        tram.card.headline,
        "Tram line to the university opens – at last"
    );
    assert_eq!(
        tram.card.standfirst,
        "Eleven years late, the “university line” runs."
    );
    assert_eq!(tram.card.section.slug, "city");
    assert_eq!(tram.card.authors[0].name, "Ana Ribeiro");
    assert_eq!(tram.card.access, AccessLevel::Free);
    let mut tags: Vec<_> = tram.tags.iter().map(|t| t.slug.as_str()).collect();
    tags.sort();
    assert_eq!(tags, ["trams", "transport"]);
    let html = &tram.body_html;
    let in_order = [
        "<strong>eleven years</strong>",
        "<h2>Who rides it</h2>",
        "<p>Students, mostly: the university says 4,000 a day.</p>",
        "<p>Shop owners on Rua Nova <em>hope</em> for more.</p>",
        "alt=\"The first tram at the harbour stop\"",
        "<figcaption>The 6:02 leaves the harbour</figcaption>",
        "alt=\"The new platform\"",
        "<a href=\"https://video.example/watch/tram-first-run\" rel=\"noopener noreferrer\">https://video.example/watch/tram-first-run</a>",
        "<li>Every 8 minutes at peak</li>",
        "<blockquote>\n<p>It’s quicker than my bike.</p>",
        "Fares: €1.20 &amp; ½ price for students.",
    ];
    let mut from = 0;
    for part in in_order {
        let at = html[from..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} not (in order) in {html}"));
        from += at + part.len();
    }
    assert!(!html.contains("ticket"), "{html}");
    assert_eq!(
        db.store.photos_of(&tram.card.id).await.unwrap().len(),
        2,
        "two inline photos"
    );
    // The featured image is attachment 20; its body copy was a resized file, found as the original.
    assert!(tram.card.lead_photo.is_some());
    assert!(
        has(
            &notes,
            "courier.WordPress.2026-03-20.xml:25:10 (tram-line-opens): the image https://courier.example/wp-content/uploads/2026/03/ticket.png is not in the media folder"
        ),
        "{notes:#?}"
    );
    assert!(
        has(
            &notes,
            "10 (tram-line-opens): the block wp:jetpack/subscriptions was converted from its HTML"
        ),
        "{notes:#?}"
    );

    // The classic post: paragraphs, [caption], an unknown shortcode reported, a title not in UTF-8.
    let cafe = db
        .store
        .published_article("cafe-reopens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cafe.card.headline, "Caf\u{fffd} Marina reopens on the quay");
    assert_eq!(
        cafe.card.section.slug, "news",
        "Uncategorized alone goes to news"
    );
    assert_eq!(cafe.tags[0].name, "Food & drink");
    assert_eq!(cafe.card.authors[0].name, "Tomás Ferreira");
    for part in [
        "<p>The old harbour café opened its doors again on Sunday.<br>\nIts owner, Rosa, kept the tiles.</p>",
        "<figcaption>Rosa behind the counter</figcaption>",
        "<p>“Same coffee, new roof.”</p>",
        "<p>A footnote [sic] stays as it is.</p>",
    ] {
        assert!(
            cafe.body_html.contains(part),
            "{part} not in {}",
            cafe.body_html
        );
    }
    assert!(
        !cafe.body_html.contains("contact-form"),
        "{}",
        cafe.body_html
    );
    let cafe_line = |n: &str| {
        notes.iter().any(|l| {
            l.contains("courier.WordPress.2026-03-20.xml:124:")
                && l.contains("11 (cafe-reopens): ")
                && l.contains(n)
        })
    };
    assert!(
        cafe_line("its title had bytes that are not UTF-8"),
        "{notes:#?}"
    );
    assert!(
        cafe_line("the shortcode [pullquote] is not converted"),
        "{notes:#?}"
    );
    assert!(
        cafe_line("the shortcode [contact-form-7] is not converted"),
        "{notes:#?}"
    );
    assert!(
        cafe_line(
            "the featured image https://courier.example/wp-content/uploads/2026/03/ticket.png is not in the media folder"
        ),
        "{notes:#?}"
    );
    assert!(
        cafe_line("the image platform.png has no alt text"),
        "{notes:#?}"
    );

    // Password-protected: signed-in readers; the draft stays a draft.
    let minutes = db
        .store
        .published_article("council-minutes")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(minutes.card.access, AccessLevel::Registered);
    assert!(
        has(
            &notes,
            "12 (council-minutes): password-protected on WordPress"
        ),
        "{notes:#?}"
    );
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 3);

    // The old permalinks redirect; `?p=` links cannot be matched by path and are not recorded.
    assert_eq!(
        db.store
            .redirect_for("/2026/03/14/tram-line-opens/")
            .await
            .unwrap()
            .as_deref(),
        Some("/city/tram-line-opens")
    );
    assert_eq!(
        db.store
            .redirect_for("/2026/03/15/cafe-reopens")
            .await
            .unwrap()
            .as_deref(),
        Some("/news/cafe-reopens")
    );

    // Again: nothing changes.
    let again = run(&db.store, &file, options(&db, Some(media), false)).await;
    assert_eq!(
        (again.imported, again.updated, again.unchanged, again.failed),
        (0, 0, 4, 0),
        "{:#?}",
        lines(&again)
    );
}

#[tokio::test]
async fn a_truncated_export_is_refused_before_anything_is_written() {
    let db = TestDb::new().await;
    let file = export(&db);
    let bytes = std::fs::read(&file).unwrap();
    let cut_at = bytes
        .windows(13)
        .position(|w| w == b"[caption id=\"")
        .unwrap();
    let cut = db.dir.path().join("cut.xml");
    std::fs::write(&cut, &bytes[..cut_at]).unwrap();
    let err = import_platform(
        &db.store,
        Platform::WordPress,
        &cut,
        options(&db, None, false),
        |_, _| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("cut.xml:"), "{err}");
    assert!(
        err.contains("<content:encoded>")
            && err.contains("in the item that starts at line")
            && err.contains("truncated"),
        "{err}"
    );
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 0);
    assert!(
        db.store.section_by_slug("city").await.unwrap().is_none(),
        "the first post was written"
    );

    // Without --media every image is reported and the articles are still imported.
    let report = run(&db.store, &file, options(&db, None, false)).await;
    assert_eq!((report.imported, report.failed), (4, 0));
    assert!(has(
        &lines(&report),
        "the featured image https://courier.example/wp-content/uploads/2026/03/tram.png is not in the media folder"
    ));
}
