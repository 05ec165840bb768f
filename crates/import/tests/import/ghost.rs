//! `--from ghost`: the fixture export (tests/fixtures/ghost-export.json, written for these
//! tests) against a real database, both backends.

use std::path::{Path, PathBuf};

use masthead_core::AccessLevel;
use masthead_import::{PagesPolicy, Platform, PlatformOptions, PlatformReport, import_platform};
use masthead_store::{Store, content::ListFilter, testing::TestDb};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn png(path: &Path, seed: u8) {
    let img = image::RgbImage::from_fn(48, 32, |x, y| image::Rgb([seed, x as u8, y as u8]));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    img.save(path).unwrap();
}

fn options(db: &TestDb, media: &Path, dry_run: bool) -> PlatformOptions {
    PlatformOptions {
        media_out: db.dir.path().join("media"),
        media_in: Some(media.to_owned()),
        dry_run,
        pages: PagesPolicy::Skip,
    }
}

/// Ghost's `content/images` with the two images the export has (two others are missing).
fn ghost_media(db: &TestDb) -> PathBuf {
    let media = db.dir.path().join("ghost-images");
    png(&media.join("2026/03/crane.png"), 1);
    png(&media.join("2026/03/crane-deck.png"), 2);
    media
}

async fn run(store: &Store, file: &Path, options: PlatformOptions) -> PlatformReport {
    import_platform(store, Platform::Ghost, file, options, |_, _| {})
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
async fn a_ghost_export_becomes_articles_with_photos_access_levels_and_redirects() {
    let db = TestDb::new().await;
    let media = ghost_media(&db);
    let file = fixture("ghost-export.json");
    let report = run(&db.store, &file, options(&db, &media, false)).await;
    let notes = lines(&report);
    assert_eq!(
        (
            report.imported,
            report.updated,
            report.unchanged,
            report.skipped,
            report.failed
        ),
        (5, 0, 0, 1, 0),
        "{notes:#?}"
    );

    // The Lexical post, as a reader sees it.
    let crane = db
        .store
        .published_article("harbour-crane")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        crane.card.headline,
        "Harbour's new crane lifts its first load"
    );
    assert_eq!(
        crane.card.standfirst,
        "Three weeks late, and the biggest on the coast."
    );
    assert_eq!(crane.card.section.slug, "city");
    assert_eq!(crane.card.access, AccessLevel::Free);
    let authors: Vec<_> = crane.card.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(authors, ["Inês Okafor", "Tomás Ferreira"]);
    let tags: Vec<_> = crane.tags.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(tags, ["transport"]);
    assert_eq!(
        crane.card.published_at,
        "2026-03-10T07:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    );
    let html = &crane.body_html;
    for part in [
        "<em>Tuesday</em>",
        "<strong>largest</strong>",
        "<a href=\"https://port.example/crane\" rel=\"noopener noreferrer\">according to the port authority</a>",
        "<h2>What it means for the quay</h2>",
        "<li>Two more ships a week</li>",
        "<blockquote>\n<p>We waited ten years for this.</p>",
        "<figure class=\"inline-photo\"><img src=\"/media/",
        "alt=\"The crane's cab seen from the deck\"",
        "<figcaption>From the deck, at dawn</figcaption>",
        "<p>The crane was built in Aldine’s own yard.</p>",
    ] {
        assert!(html.contains(part), "{part} not in {html}");
    }
    let lead = crane.card.lead_photo.clone().unwrap();
    assert_eq!(
        (lead.alt.as_str(), lead.caption.as_str()),
        ("The crane over Quay 4", "The crane at Quay 4")
    );
    assert!(db.dir.path().join("media").join(&lead.file).is_file());

    // Mobiledoc, members-only; its missing images are reported, not fatal.
    let market = db
        .store
        .published_article("night-market")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(market.card.access, AccessLevel::Registered);
    for part in [
        "The night market returns to <a href=\"https://market.example/\" rel=\"noopener noreferrer\">Rua Nova</a> on Friday.<br>\nSecond line.",
        "<h2>Where to go</h2>",
        "<li><strong>Bring cash</strong></li>",
        "Café &amp; bar “Nocturne” opens at 9&nbsp;pm.",
        "Stalls <strong>close</strong> at midnight.",
        "<li>Music</li>",
    ] {
        assert!(
            market.body_html.contains(part),
            "{part} not in {}",
            market.body_html
        );
    }
    assert!(market.card.lead_photo.is_none());
    assert!(
        has(
            &notes,
            "ghost-export.json:6601a1c2e4b0f1a2b3c4d502 (night-market): the image __GHOST_URL__/content/images/2026/03/missing-stall.png is not in the media folder"
        ),
        "{notes:#?}"
    );
    assert!(
        has(
            &notes,
            "(night-market): the feature image https://courier.example/content/images/size/w1200/2026/03/market-gone.png is not in the media folder"
        ),
        "{notes:#?}"
    );

    // Paid: for signed-in readers, reported; internal tags dropped, the first public tag is the section.
    let budget = db
        .store
        .published_article("budget-leak")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(budget.card.access, AccessLevel::Registered);
    assert_eq!(budget.card.section.slug, "politics");
    assert!(budget.tags.is_empty());
    assert!(
        has(&notes, "(budget-leak): visibility “paid”"),
        "{notes:#?}"
    );

    // The duplicate slug gets its own; the draft is not public, and its script and table are reported.
    let second = db
        .store
        .published_article("harbour-crane-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.card.headline, "Crane: the readers' photos");
    assert!(
        has(
            &notes,
            "6601a1c2e4b0f1a2b3c4d505 (harbour-crane): the slug “harbour-crane” is taken by another article; imported as “harbour-crane-2”"
        ),
        "{notes:#?}"
    );
    assert!(
        db.store
            .published_article("tram-depot-draft")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        has(&notes, "(tram-depot-draft): a <script> was left out"),
        "{notes:#?}"
    );
    assert!(
        db.store.published_article("about").await.unwrap().is_none(),
        "pages are skipped by default"
    );

    // Ghost's addresses lead to ours.
    assert_eq!(
        db.store
            .redirect_for("/harbour-crane/")
            .await
            .unwrap()
            .as_deref(),
        Some("/city/harbour-crane")
    );
    assert_eq!(
        db.store
            .redirect_for("/night-market")
            .await
            .unwrap()
            .as_deref(),
        Some("/city/night-market")
    );

    // The same export again changes nothing, and says so.
    let again = run(&db.store, &file, options(&db, &media, false)).await;
    assert_eq!(
        (again.imported, again.updated, again.unchanged, again.failed),
        (0, 0, 5, 0),
        "{:#?}",
        lines(&again)
    );
    assert!(
        db.store
            .published_article("harbour-crane-3")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 4);

    // An item changed in a newer export updates its article (under the slug it got).
    let newer = db.dir.path().join("newer.json");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "Readers sent us their pictures",
        "Readers sent us 200 pictures",
    );
    std::fs::write(&newer, text).unwrap();
    let third = run(&db.store, &newer, options(&db, &media, false)).await;
    assert_eq!(
        (third.imported, third.updated, third.unchanged),
        (0, 1, 4),
        "{:#?}",
        lines(&third)
    );
    let second = db
        .store
        .published_article("harbour-crane-2")
        .await
        .unwrap()
        .unwrap();
    assert!(
        second.body_html.contains("200 pictures"),
        "{}",
        second.body_html
    );
}

#[tokio::test]
async fn a_dry_run_reports_everything_and_writes_nothing() {
    let db = TestDb::new().await;
    let media = ghost_media(&db);
    let report = run(
        &db.store,
        &fixture("ghost-export.json"),
        options(&db, &media, true),
    )
    .await;
    assert_eq!(
        (report.imported, report.skipped, report.failed),
        (5, 1, 0),
        "{:#?}",
        lines(&report)
    );
    assert!(
        report
            .summary()
            .starts_with("Dry run, nothing written: 5 imported"),
        "{}",
        report.summary()
    );
    assert!(has(&lines(&report), "imported as “harbour-crane-2”"));
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 0);
    assert!(db.store.section_by_slug("city").await.unwrap().is_none());
    assert!(
        db.store
            .author_by_slug("ines-okafor")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !db.dir.path().join("media").exists(),
        "a dry run copied photos"
    );
}

#[tokio::test]
async fn pages_can_be_imported_into_a_section_and_a_broken_export_is_refused_whole() {
    let db = TestDb::new().await;
    let media = ghost_media(&db);
    let mut opts = options(&db, &media, false);
    opts.pages = "section:info".parse().unwrap();
    let report = run(&db.store, &fixture("ghost-export.json"), opts).await;
    assert_eq!((report.imported, report.skipped), (6, 0));
    let about = db.store.published_article("about").await.unwrap().unwrap();
    assert_eq!(about.card.section.slug, "info");
    assert!("section:api".parse::<PagesPolicy>().is_err());
    assert!("everything".parse::<PagesPolicy>().is_err());

    // Cut in the middle: a precise error, and nothing of it written.
    let db = TestDb::new().await;
    let text = std::fs::read_to_string(fixture("ghost-export.json")).unwrap();
    let cut = db.dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let err = import_platform(
        &db.store,
        Platform::Ghost,
        &cut,
        options(&db, &media, false),
        |_, _| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cut.json:") && err.contains("truncated"),
        "{err}"
    );
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 0);

    let not_ghost = db.dir.path().join("other.json");
    std::fs::write(&not_ghost, "{\"posts\": []}").unwrap();
    let err = import_platform(
        &db.store,
        Platform::Ghost,
        &not_ghost,
        options(&db, &media, false),
        |_, _| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("is it a Ghost export"), "{err}");
}
