//! Import and demo loading against a real database (both backends).

use std::path::Path;

use masthead_import::{ImportOptions, Importer, load_demo, plan};
use masthead_store::{content::ListFilter, testing::TestDb};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn png(dir: &Path, name: &str, seed: u8) {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([seed, x as u8, y as u8]));
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    img.save(path).unwrap();
}

const GOOD: &str = "---
headline: \"Ferry timetable changes from Monday\"
standfirst: \"Fewer sailings at night.\"
section: city
tags: [transport, Ferries]
authors: [Ana Ribeiro]
published: 2026-11-20T08:00:00Z
access: free
lead_photo: { file: photos/ferry.png, alt: \"A ferry at the quay\", caption: \"The morning ferry\", credit: \"Courier\" }
photos:
  - { name: deck, file: photos/deck.png, alt: \"Passengers on deck\", caption: \"On deck\", credit: \"Courier\" }
---
The timetable changes.

![](deck)

More text.
";

#[tokio::test]
async fn imports_are_idempotent_and_malformed_files_are_reported_with_their_line() {
    let db = TestDb::new().await;
    let src = db.dir.path().join("src");
    png(&src, "photos/ferry.png", 1);
    png(&src, "photos/deck.png", 2);
    write(&src, "good.md", GOOD);
    write(
        &src,
        "bad-yaml.md",
        "---\nheadline: \"x\"\nsection: city\nauthors: [a]\nbreaking: perhaps\n---\nBody\n",
    );
    write(
        &src,
        "no-photo.md",
        "---\nheadline: \"Missing\"\nsection: city\nauthors: [a]\nlead_photo: { file: nope.png, alt: x }\n---\nBody\n",
    );
    write(
        &src,
        "bad-inline.md",
        "---\nheadline: \"Inline\"\nsection: city\nauthors: [a]\n---\nText\n\n![](ghost)\n",
    );
    write(
        &src,
        "nested/second.md",
        "---\nheadline: \"Second story\"\nsection: world\nauthors: [ana-ribeiro]\n---\nBody\n",
    );
    write(&src, "notes.txt", "not an article");

    let options = ImportOptions::new(db.dir.path().join("media"));
    let p = plan(std::slice::from_ref(&src)).unwrap();
    assert_eq!(p.files.len(), 5);
    let report = Importer::new(&db.store, options.clone())
        .run(&p, |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.updated),
        (2, 0),
        "{:?}",
        report.failures
    );
    assert_eq!(report.failures.len(), 3);
    let msg = |name: &str| {
        report
            .failures
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap()
            .to_string()
    };
    assert!(
        msg("bad-yaml.md").contains("bad-yaml.md:5:"),
        "{}",
        msg("bad-yaml.md")
    );
    assert!(
        msg("no-photo.md").contains("nope.png"),
        "{}",
        msg("no-photo.md")
    );
    assert!(
        msg("bad-inline.md").contains("ghost"),
        "{}",
        msg("bad-inline.md")
    );
    assert!(
        msg("bad-inline.md").contains("bad-inline.md:6:"),
        "{}",
        msg("bad-inline.md")
    );

    let article = db
        .store
        .published_article("ferry-timetable-changes-from-monday")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(article.card.authors[0].name, "Ana Ribeiro");
    assert_eq!(article.card.access, masthead_core::AccessLevel::Free);
    assert!(
        article
            .body_html
            .contains("<figcaption>On deck <span class=\"credit\">Courier</span>"),
        "{}",
        article.body_html
    );
    let lead = article.card.lead_photo.unwrap();
    assert_eq!((lead.width, lead.height), (40, 30));
    assert!(db.dir.path().join("media").join(&lead.file).is_file());
    // "Ana Ribeiro" by name and "ana-ribeiro" by slug are one author.
    let author = db
        .store
        .author_by_slug("ana-ribeiro")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        db.store
            .count_articles(ListFilter::Author(&author.id))
            .await
            .unwrap(),
        2
    );
    assert!(db.store.tag_by_slug("ferries").await.unwrap().is_some());

    // Again, with one file changed: updates, never duplicates.
    write(
        &src,
        "good.md",
        &GOOD.replace("Fewer sailings at night.", "Fewer sailings after 10pm."),
    );
    let report = Importer::new(&db.store, options)
        .run(&p, |_, _| {})
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 2));
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 2);
    let article = db
        .store
        .published_article("ferry-timetable-changes-from-monday")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(article.card.standfirst, "Fewer sailings after 10pm.");
}

#[tokio::test]
async fn future_articles_are_scheduled_not_published() {
    let db = TestDb::new().await;
    let src = db.dir.path().join("src");
    write(
        &src,
        "later.md",
        "---\nheadline: \"Tomorrow\"\nsection: city\nauthors: [a]\npublished: 2099-01-01T00:00:00Z\n---\nBody\n",
    );
    let report = Importer::new(&db.store, ImportOptions::new(db.dir.path().join("media")))
        .run(&plan(&[src]).unwrap(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert!(
        db.store
            .published_article("tomorrow")
            .await
            .unwrap()
            .is_none()
    );
    // The publication waits for its time; the search index hears of the article now.
    let mut kinds: Vec<String> = masthead_store::testing::jobs(&db.store)
        .await
        .into_iter()
        .filter(|j| j.status == "queued")
        .map(|j| j.kind)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["index_article", "publish_article"]);
}

#[tokio::test]
async fn a_broken_site_toml_stops_the_import_with_its_line() {
    let db = TestDb::new().await;
    let src = db.dir.path().join("src");
    write(
        &src,
        "site.toml",
        "name = \"x\"\ntime_zone = \"Mars/Olympus\"\n",
    );
    let err = plan(std::slice::from_ref(&src)).unwrap_err().to_string();
    assert!(err.contains("Mars/Olympus"), "{err}");
    write(
        &src,
        "site.toml",
        "name = \"x\"\n[[sections]]\nslug = \"search\"\nname = \"S\"\n",
    );
    let err = plan(&[src]).unwrap_err().to_string();
    assert!(err.contains("reserved"), "{err}");
}

#[tokio::test]
async fn the_demo_loads_once_into_an_empty_database() {
    let db = TestDb::new().await;
    let report = load_demo(&db.store, db.dir.path())
        .await
        .unwrap()
        .expect("loaded");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.created >= 30, "{}", report.created);
    assert_eq!(
        db.store.count_articles(ListFilter::All).await.unwrap() as usize,
        report.created
    );
    // One search-index job for the run, not one per article (its catch-up reads them all).
    let index_jobs = masthead_store::testing::jobs_of_kind(&db.store, "index_article").await;
    assert_eq!(index_jobs.len(), 1);
    assert_eq!(db.store.sections().await.unwrap().len(), 6);
    assert_eq!(
        db.store
            .setting(masthead_import::SETTING_NAME)
            .await
            .unwrap()
            .as_deref(),
        Some("The Meridian Courier")
    );
    // The newest story is from the last day, not from when the demo was written.
    let newest = db
        .store
        .list_articles(ListFilter::All, 1, 0)
        .await
        .unwrap()
        .remove(0);
    let age = masthead_store::now_ms() - newest.published_at;
    assert!(
        (0..2 * 86_400_000).contains(&age),
        "newest article is {age} ms old"
    );
    let photo = newest.lead_photo.unwrap();
    assert!(db.dir.path().join("media").join(&photo.file).is_file());
    let admin = masthead_core::EmailAddress::parse(masthead_import::DEMO_ADMIN_EMAIL).unwrap();
    assert_eq!(
        db.store.staff_role(&admin).await.unwrap(),
        Some(masthead_core::Role::Admin)
    );
    assert!(
        load_demo(&db.store, db.dir.path()).await.unwrap().is_none(),
        "not loaded twice"
    );
    assert!(std::fs::read_dir(db.dir.path()).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".demo-staging")
    }));
}
