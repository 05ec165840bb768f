//! The library, variants and media store against the real database (SQLite, or PostgreSQL
//! with `MASTHEAD_TEST_BACKEND=postgres`).

use masthead_core::{AccessLevel, ArticleStatus, Slug};
use masthead_store::{
    Store,
    audit::Actor,
    content::ArticleInput,
    photos::{Deleted, MediaBackend, MediaStore, NewUpload, NewVariant, PhotoEdit, Uploaded},
    testing::TestDb,
};

async fn insert_test_article(store: &Store, slug: &str) -> String {
    let section = store
        .upsert_section(&Slug::parse("city").unwrap(), "City", "", 1)
        .await
        .unwrap();
    let author = store
        .upsert_author(&Slug::parse("ana").unwrap(), "Ana", "")
        .await
        .unwrap();
    let input = ArticleInput {
        slug: Slug::parse(slug).unwrap(),
        headline: "Cranes".into(),
        standfirst: String::new(),
        body_markdown: "Body".into(),
        body_html: "<p>Body</p>".into(),
        body_text: "Body".into(),
        section_id: section,
        status: ArticleStatus::Draft,
        access: AccessLevel::Free,
        breaking: false,
        published_at: None,
        revised_at: None,
        author_ids: vec![author],
        tags: vec![],
        lead_photo: None,
        inline_photos: vec![],
    };
    store.save_article(&input).await.unwrap().0
}

fn upload(hash: &str, caption: &str, credit: &str) -> NewUpload {
    NewUpload {
        file: format!("originals/{hash}.jpg"),
        content_hash: hash.to_owned(),
        width: 4000,
        height: 3000,
        format: "jpeg".into(),
        bytes: 123_456,
        embedded_caption: caption.into(),
        embedded_credit: credit.into(),
        embedded_copyright: String::new(),
    }
}

fn editor() -> Actor {
    Actor::staff("staff-1", "editor@example.com")
}

#[tokio::test]
async fn the_same_file_twice_is_one_library_photo_and_the_upload_queues_its_variants() {
    let db = TestDb::new().await;
    let first = db
        .store
        .add_library_photo(
            &upload("aa11", "Harbour at dawn", "AP Photo/Jane Doe"),
            &editor(),
        )
        .await
        .unwrap();
    let Uploaded::New(id) = first else {
        panic!("{first:?}")
    };
    let again = db
        .store
        .add_library_photo(&upload("aa11", "other", "other"), &editor())
        .await
        .unwrap();
    assert_eq!(again, Uploaded::Duplicate(id.clone()));
    let photo = db.store.library_photo(&id).await.unwrap().unwrap();
    assert_eq!(
        photo.caption, "Harbour at dawn",
        "the embedded caption prefills"
    );
    assert_eq!(photo.embedded_credit, "AP Photo/Jane Doe");
    assert_eq!(photo.alt, "", "alt text is written by a person");
    let jobs = masthead_store::testing::jobs_of_kind(&db.store, "make_photo_variants").await;
    assert_eq!(jobs.len(), 1, "one job for one stored photo");
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'photo.upload'")
            .fetch_one(db.store.reader())
            .await
            .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn the_library_is_searched_by_caption_and_credit_with_wildcards_taken_literally() {
    let db = TestDb::new().await;
    for (h, caption, credit) in [
        ("b1", "Cranes at Quay 4", "SAUL LOEB/AFP"),
        ("b2", "The mayor speaks", "AP Photo/Jane Doe"),
        ("b3", "100% turnout", "Courier staff"),
    ] {
        db.store
            .add_library_photo(&upload(h, caption, credit), &editor())
            .await
            .unwrap();
    }
    let by = |q: &'static str| {
        let store = db.store.clone();
        async move {
            let page = store.search_library(q, 10, 0).await.unwrap();
            let mut c: Vec<String> = page.photos.into_iter().map(|p| p.caption).collect();
            c.sort();
            (c, page.total)
        }
    };
    assert_eq!(by("quay").await, (vec!["Cranes at Quay 4".to_owned()], 1));
    assert_eq!(by("afp").await.1, 1, "credit");
    assert_eq!(by("jane").await.0, vec!["The mayor speaks".to_owned()]);
    assert_eq!(
        by("%").await.0,
        vec!["100% turnout".to_owned()],
        "a literal percent sign"
    );
    assert_eq!(by("").await.1, 3);
    let page = db.store.search_library("", 2, 2).await.unwrap();
    assert_eq!((page.photos.len(), page.total), (1, 3), "paging");
}

#[tokio::test]
async fn an_edit_reaches_the_articles_copy_and_a_used_photo_cannot_be_deleted() {
    let db = TestDb::new().await;
    let Uploaded::New(id) = db
        .store
        .add_library_photo(&upload("c1", "", ""), &editor())
        .await
        .unwrap()
    else {
        panic!()
    };
    let article_id = insert_test_article(&db.store, "quay-story").await;
    assert!(
        db.store
            .attach_lead_photo(&article_id, &id, &editor())
            .await
            .unwrap()
    );
    let checks = db.store.article_photo_checks(&article_id).await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(
        (checks[0].role.as_str(), checks[0].alt.as_str()),
        ("lead", "")
    );
    let edit = PhotoEdit {
        alt: "A crane lifts a container".into(),
        caption: "Quay 4".into(),
        credit: "Courier/Ana Ribeiro".into(),
        photographer: "Ana Ribeiro".into(),
        agency: "Courier".into(),
        focal_x: 300,
        focal_y: 400,
        ..Default::default()
    };
    assert!(
        db.store
            .update_library_photo(&id, &edit, &editor())
            .await
            .unwrap()
    );
    let checks = db.store.article_photo_checks(&article_id).await.unwrap();
    assert_eq!(checks[0].alt, "A crane lifts a container");
    assert_eq!(
        db.store.delete_library_photo(&id, &editor()).await.unwrap(),
        Deleted::InUse(1)
    );
    assert!(db.store.library_photo(&id).await.unwrap().is_some());
    assert!(
        !db.store
            .update_library_photo("nope", &edit, &editor())
            .await
            .unwrap()
    );
    assert!(
        !db.store
            .attach_lead_photo(&article_id, "nope", &editor())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn variants_are_recorded_once_and_missing_originals_are_found() {
    let db = TestDb::new().await;
    db.store
        .add_library_photo(&upload("d1", "", ""), &editor())
        .await
        .unwrap();
    assert_eq!(
        db.store.originals_without_variants().await.unwrap(),
        vec!["originals/d1.jpg".to_owned()]
    );
    let v = NewVariant {
        original: "originals/d1.jpg",
        aspect: "",
        crop: "",
        width: 320,
        height: 240,
        format: "webp",
        media_key: "v/ab/abc.webp",
        bytes: 999,
    };
    db.store.record_variants(&[v.clone(), v]).await.unwrap();
    let rows = db.store.variants_of(&["originals/d1.jpg"]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        db.store
            .originals_without_variants()
            .await
            .unwrap()
            .is_empty()
    );
    db.store.forget_variant("v/ab/abc.webp").await.unwrap();
    assert!(
        db.store
            .variants_of(&["originals/d1.jpg"])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn both_media_backends_store_and_return_bytes_and_refuse_odd_keys() {
    let db = TestDb::new().await;
    for backend in [MediaBackend::Files, MediaBackend::Database] {
        let dir = tempfile::tempdir().unwrap();
        let media = MediaStore::new(backend, db.store.clone(), dir.path());
        media.put("v/ab/one.webp", b"RIFF-bytes").await.unwrap();
        assert_eq!(
            media.get("v/ab/one.webp").await.unwrap().as_deref(),
            Some(&b"RIFF-bytes"[..])
        );
        assert!(media.contains("v/ab/one.webp").await.unwrap());
        assert_eq!(media.get("v/ab/none.webp").await.unwrap(), None);
        assert_eq!(media.get("../etc/passwd").await.unwrap(), None);
        assert!(media.put("/abs", b"x").await.is_err());
        media.remove("v/ab/one.webp").await.unwrap();
        assert!(
            !media.contains("v/ab/one.webp").await.unwrap(),
            "{backend:?}"
        );
    }
}
