//! The store's conformance test: the same assertions on SQLite and PostgreSQL
//! (`MASTHEAD_TEST_BACKEND=postgres`).

use std::time::Duration;

use masthead_core::{AccessLevel, ArticleStatus, PhotoMeta, Slug};
use masthead_store::{
    Store,
    content::PublishArticle,
    content::{ArticleInput, ListFilter, PhotoInput, Saved},
    jobs::{Job, Ran, Worker},
    now_ms,
    search_feed::IndexArticle,
    testing::{TestDb, assert_jobs_settled},
};

async fn seed(store: &Store) -> (String, String) {
    let section = store
        .upsert_section(&Slug::parse("city").unwrap(), "City", "Port Aldine news", 1)
        .await
        .unwrap();
    let author = store
        .upsert_author(
            &Slug::parse("ines-okafor").unwrap(),
            "Inés Okafor",
            "City reporter",
        )
        .await
        .unwrap();
    (section, author)
}

fn article(slug: &str, section: &str, author: &str, published_min_ago: i64) -> ArticleInput {
    ArticleInput {
        slug: Slug::parse(slug).unwrap(),
        headline: format!("Headline {slug}"),
        standfirst: "Standfirst".into(),
        body_markdown: "Body".into(),
        body_html: "<p>Body</p>".into(),
        body_text: "Body".into(),
        section_id: section.into(),
        status: ArticleStatus::Published,
        access: AccessLevel::Metered,
        breaking: false,
        published_at: Some(
            jiff::Timestamp::from_millisecond(now_ms() - published_min_ago * 60_000).unwrap(),
        ),
        revised_at: None,
        author_ids: vec![author.into()],
        tags: vec![(Slug::parse("transport").unwrap(), "Transport".into())],
        lead_photo: Some(PhotoInput {
            file: "ab/lead.png".into(),
            width: 1200,
            height: 800,
            meta: PhotoMeta::new("A tram", "The tram", "Courier").unwrap(),
        }),
        inline_photos: vec![],
    }
}

#[tokio::test]
async fn migrations_are_idempotent_on_an_existing_database() {
    let db = TestDb::new().await;
    db.store.migrate().await.unwrap();
    let again = Store::open(&db.url).await.unwrap();
    assert_eq!(again.content_epoch().await.unwrap(), 0);
    again.close().await;
}

#[tokio::test]
async fn articles_save_update_by_slug_and_list() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (section, author) = seed(s).await;
    let epoch = s.content_epoch().await.unwrap();

    let (id, saved) = s
        .save_article(&article("older", &section, &author, 60))
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    s.save_article(&article("newer", &section, &author, 5))
        .await
        .unwrap();
    assert!(
        s.content_epoch().await.unwrap() > epoch,
        "a save must move the content epoch"
    );

    let mut changed = article("older", &section, &author, 60);
    changed.headline = "Changed".into();
    changed
        .tags
        .push((Slug::parse("council").unwrap(), "Council".into()));
    let (id2, saved) = s.save_article(&changed).await.unwrap();
    assert_eq!((id2.as_str(), saved), (id.as_str(), Saved::Updated));

    let full = s.published_article("older").await.unwrap().unwrap();
    assert_eq!(full.card.headline, "Changed");
    assert_eq!(full.card.authors[0].name, "Inés Okafor");
    assert_eq!(
        full.tags
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>(),
        ["council", "transport"]
    );
    assert_eq!(full.card.lead_photo.as_ref().unwrap().alt, "A tram");
    assert_eq!(full.card.section.slug, "city");

    let all = s.list_articles(ListFilter::All, 10, 0).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(),
        ["newer", "older"]
    );
    assert_eq!(s.count_articles(ListFilter::All).await.unwrap(), 2);
    assert_eq!(
        s.count_articles(ListFilter::Section(&section))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.count_articles(ListFilter::Author(&author)).await.unwrap(),
        2
    );
    let council = s.tag_by_slug("council").await.unwrap().unwrap();
    let tagged = s
        .list_articles(ListFilter::Tag(&council.id), 10, 0)
        .await
        .unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(
        s.list_articles(ListFilter::All, 1, 1).await.unwrap()[0].slug,
        "older"
    );
    assert!(s.published_article("missing").await.unwrap().is_none());
}

#[tokio::test]
async fn drafts_are_not_public() {
    let db = TestDb::new().await;
    let (section, author) = seed(&db.store).await;
    let mut draft = article("draft", &section, &author, 1);
    draft.status = ArticleStatus::Draft;
    db.store.save_article(&draft).await.unwrap();
    assert!(db.store.published_article("draft").await.unwrap().is_none());
    assert_eq!(db.store.count_articles(ListFilter::All).await.unwrap(), 0);
}

#[tokio::test]
async fn a_scheduled_article_is_published_by_the_queue_once() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (section, author) = seed(s).await;
    let mut scheduled = article("later", &section, &author, 0);
    scheduled.status = ArticleStatus::Scheduled;
    scheduled.published_at = Some(jiff::Timestamp::from_millisecond(now_ms() + 300).unwrap());
    let (id, _) = s.save_article(&scheduled).await.unwrap();
    // Saving again does not enqueue a second job (same idempotency key).
    s.save_article(&scheduled).await.unwrap();

    let store = s.clone();
    let indexed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = indexed.clone();
    let pinged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Option<String>>::new()));
    let heard = pinged.clone();
    let worker = Worker::new(s.clone())
        .handle(
            <masthead_store::websub::PingWebSub as Job>::KIND,
            move |job| {
                heard
                    .lock()
                    .unwrap()
                    .push(job.payload["section"].as_str().map(str::to_owned));
                async { Ok(()) }
            },
        )
        .handle(<IndexArticle as Job>::KIND, move |job| {
            seen.lock().unwrap().push(
                job.payload["article_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
            async { Ok(()) }
        })
        .handle(<PublishArticle as Job>::KIND, move |job| {
            let store = store.clone();
            async move {
                let id = job.payload["article_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                store
                    .publish_scheduled(&id, now_ms())
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        });
    // A save queues no search-index job (these are imports: the run queues one, below); the
    // publication is not due yet.
    while matches!(worker.run_once().await.unwrap(), Ran::Done(_)) {}
    assert!(indexed.lock().unwrap().is_empty());
    s.queue_index_catch_up(&id).await.unwrap();
    while matches!(worker.run_once().await.unwrap(), Ran::Done(_)) {}
    assert_eq!(
        indexed.lock().unwrap().as_slice(),
        std::slice::from_ref(&id)
    );
    indexed.lock().unwrap().clear();
    assert!(s.published_article("later").await.unwrap().is_none());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(worker.run_once().await.unwrap(), Ran::Done(_)));
    // Publishing queued the index job that puts the article into search, and the WebSub
    // ping for the site's and the section's feeds (a no-op when no hub is configured).
    assert!(
        pinged.lock().unwrap().is_empty(),
        "a scheduled save is no news"
    );
    assert!(matches!(worker.run_once().await.unwrap(), Ran::Done(_)));
    assert!(matches!(worker.run_once().await.unwrap(), Ran::Done(_)));
    assert_eq!(*indexed.lock().unwrap(), vec![id.clone()]);
    assert_eq!(*pinged.lock().unwrap(), vec![Some("city".to_owned())]);
    assert_eq!(
        worker.run_once().await.unwrap(),
        Ran::Nothing,
        "exactly one job"
    );
    assert!(s.published_article("later").await.unwrap().is_some());
    // Running the effect again changes nothing.
    assert!(!s.publish_scheduled(&id, now_ms()).await.unwrap());
    assert_jobs_settled(s, 0, 0).await;
}

#[tokio::test]
async fn settings_keep_the_first_value() {
    let db = TestDb::new().await;
    assert_eq!(
        db.store.setting_or_insert("cookie_key", "a").await.unwrap(),
        "a"
    );
    assert_eq!(
        db.store.setting_or_insert("cookie_key", "b").await.unwrap(),
        "a"
    );
    assert_eq!(
        db.store.setting("cookie_key").await.unwrap().as_deref(),
        Some("a")
    );
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers_are_clear_errors() {
    let err = Store::connect("mysql://x").await.unwrap_err().to_string();
    assert!(err.contains("not valid"), "{err}");
    let err = Store::connect("postgres://nobody:pw@127.0.0.1:1/none")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:1") && !err.contains("pw@"), "{err}");
    let err = Store::connect("sqlite:///nonexistent-dir/sub/x.db")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent-dir/sub/x.db"), "{err}");
}

#[tokio::test]
async fn concurrent_sign_in_requests_are_all_recorded_and_limits_stay_exact() {
    use masthead_core::EmailAddress;
    use masthead_store::{
        rate_limit::{RateKey, RateLimit},
        sign_in::{NewSignInRequest, Purpose},
    };
    let db = TestDb::new().await;
    let request = |email: &str| NewSignInRequest {
        purpose: Purpose::Register,
        email: EmailAddress::parse(email).unwrap(),
        reader_id: None,
        new_email: None,
        terms_version: Some("t".into()),
        daily_edition: true,
        return_to: "/".into(),
        valid_for_ms: 60_000,
        wall_article_id: None,
        bind_hash: None,
    };
    let limit = |email: &str| {
        RateLimit::per_hour(RateKey::EmailsTo(EmailAddress::parse(email).unwrap()), 5)
    };
    // 40 readers at once, plus 12 requests for one address limited to 5: on SQLite these share
    // transactions (group commit); on PostgreSQL they run side by side.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = db.store.clone();
        tasks.spawn(async move {
            let req = request(&format!("reader{i}@example.com"));
            store
                .create_sign_in_request(&req, &[limit(&format!("reader{i}@example.com"))])
                .await
        });
    }
    for _ in 0..12 {
        let store = db.store.clone();
        tasks.spawn(async move {
            let req = request("busy@example.com");
            store
                .create_sign_in_request(&req, &[limit("busy@example.com")])
                .await
        });
    }
    let mut created = 0;
    let mut refused = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap().unwrap() {
            Some(_) => created += 1,
            None => refused += 1,
        }
    }
    assert_eq!((created, refused), (45, 7));
    let counts = db.store.job_counts().await.unwrap();
    let queued = counts.iter().find(|c| c.status == "queued").unwrap().count;
    assert_eq!(queued, 45, "one email job per recorded request");
}

/// Limits slide: a burst that filled one window still counts at the start of the next, and its
/// weight fades as that window goes on. Real time, with 4-second windows so the test is short.
#[tokio::test]
async fn a_full_window_still_counts_at_the_start_of_the_next_and_then_fades() {
    use masthead_store::rate_limit::{RateKey, RateLimit};
    let db = TestDb::new().await;
    let limit = RateLimit {
        key: RateKey::CommentPosts("slide".into()),
        window_ms: 4_000,
        max: 3,
    };
    // Waits until `at` ms into a window (the next one when `next`).
    let wait_until = |at: i64, next: bool| async move {
        let now = masthead_store::now_ms();
        let start = now - now.rem_euclid(4_000) + if next { 4_000 } else { 0 };
        let target = start + at;
        if target > now {
            tokio::time::sleep(std::time::Duration::from_millis((target - now) as u64)).await;
        }
    };
    // Early in a window, so the burst lands in one.
    wait_until(100, true).await;
    for _ in 0..3 {
        assert!(db.store.take_rate_limit(&limit).await.unwrap());
    }
    assert!(!db.store.take_rate_limit(&limit).await.unwrap());
    assert!(db.store.rate_limit_reached(&limit).await.unwrap());
    // Just into the next window the burst still fills it (a fixed window would allow three).
    wait_until(200, true).await;
    assert!(db.store.rate_limit_reached(&limit).await.unwrap());
    assert!(!db.store.take_rate_limit(&limit).await.unwrap());
    // Two thirds in, the burst weighs round(3 × 1/3) = 1: two more fit, not a third.
    wait_until(2_650, false).await;
    assert!(!db.store.rate_limit_reached(&limit).await.unwrap());
    assert!(db.store.take_rate_limit(&limit).await.unwrap());
    assert!(db.store.take_rate_limit(&limit).await.unwrap());
    assert!(!db.store.take_rate_limit(&limit).await.unwrap());
}

/// Readers straight into the table (signing in is the account tests' subject), with the display
/// names the comments use (`Store::open_session_for_tests` writes none).
async fn readers(store: &Store, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = masthead_core::new_id();
        sqlx::query(
            "INSERT INTO readers (id, email, email_key, display_name, daily_edition, terms_version, \
             terms_accepted_at, created_at) VALUES ($1, $2, $2, $3, 0, 't', 0, 0)",
        )
        .bind(&id)
        .bind(format!("reader{i}@example.com"))
        .bind(format!("Reader {i}"))
        .execute(store.reader())
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn concurrent_comments_are_all_written_once_and_refusals_write_nothing() {
    use masthead_core::comment::CommentBody;
    use masthead_store::comments::{NewComment, Refusal, Status};
    let db = TestDb::new().await;
    let s = &db.store;
    let (section, author) = seed(s).await;
    let (a, _) = s
        .save_article(&article("first", &section, &author, 60))
        .await
        .unwrap();
    let (b, _) = s
        .save_article(&article("second", &section, &author, 60))
        .await
        .unwrap();
    let r = readers(s, 10).await;
    let comment =
        |article: &str, reader: &str, parent: Option<&str>, text: &str, per_minute| NewComment {
            article_id: article.to_owned(),
            parent_id: parent.map(str::to_owned),
            reader_id: reader.to_owned(),
            author_name: "Reader".into(),
            author_role: None,
            body: CommentBody::parse(text).unwrap(),
            status: Status::Published,
            hold_reason: None,
            per_minute,
            save_display_name: false,
        };
    let (first, _) = s
        .post_comment(&comment(&a, &r[0], None, "The first word", 100))
        .await
        .unwrap()
        .unwrap();

    // On SQLite these share transactions (group commit); on PostgreSQL they run side by side.
    let mut posts = Vec::new();
    for i in 0..40 {
        let article = if i % 2 == 0 { &a } else { &b };
        posts.push((
            "ok",
            comment(article, &r[1 + i % 5], None, &format!("Comment {i}"), 100),
        ));
    }
    for i in 0..5 {
        let text = format!("Reply {i}");
        posts.push(("reply", comment(&a, &r[1 + i], Some(&first), &text, 100)));
    }
    for i in 0..3 {
        posts.push((
            "missing",
            comment(
                &a,
                &r[6],
                Some("no-such-comment"),
                &format!("Lost {i}"),
                100,
            ),
        ));
    }
    // A reply must be on the article of the comment it answers.
    posts.push((
        "missing",
        comment(&b, &r[6], Some(&first), "Wrong thread", 100),
    ));
    for _ in 0..4 {
        posts.push(("same", comment(&b, &r[7], None, "Said it four times", 100)));
    }
    for i in 0..6 {
        posts.push(("fast", comment(&a, &r[8], None, &format!("Quick {i}"), 3)));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (kind, c) in posts {
        let store = s.clone();
        tasks.spawn(async move { (kind, c.article_id.clone(), store.post_comment(&c).await) });
    }
    let mut tally = std::collections::BTreeMap::new();
    let mut newest = std::collections::HashMap::new();
    let mut ids = std::collections::HashSet::new();
    while let Some(res) = tasks.join_next().await {
        let (kind, article, posted) = res.unwrap();
        let outcome = match posted.unwrap() {
            Ok((id, version)) => {
                assert!(ids.insert(id), "ids are unique");
                let v = newest.entry(article).or_insert(0);
                *v = version.max(*v);
                "posted"
            }
            Err(Refusal::NotFound) => "not found",
            Err(Refusal::Duplicate) => "duplicate",
            Err(Refusal::TooFast) => "too fast",
            Err(other) => panic!("unexpected refusal {other:?}"),
        };
        *tally.entry((kind, outcome)).or_insert(0) += 1;
    }
    let expected = [
        (("fast", "posted"), 3),
        (("fast", "too fast"), 3),
        (("missing", "not found"), 4),
        (("ok", "posted"), 40),
        (("reply", "posted"), 5),
        (("same", "duplicate"), 3),
        (("same", "posted"), 1),
    ];
    assert_eq!(tally, expected.into_iter().collect());

    // Row counts against the kept counts: no store function counts rows, which is the point.
    let count = |sql: &'static str, id: String| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(id)
            .fetch_one(s.reader())
            .await
            .unwrap()
    };
    let comments_on = "SELECT COUNT(*) FROM comments WHERE article_id = $1";
    let kept = "SELECT comment_count FROM articles WHERE id = $1";
    // a: the first comment, 20 posts, 5 replies, 3 quick ones; b: 20 posts and one of four.
    assert_eq!(count(comments_on, a.clone()).await, 29);
    assert_eq!(count(comments_on, b.clone()).await, 21);
    assert_eq!(count(kept, a.clone()).await, 29);
    assert_eq!(count(kept, b.clone()).await, 21);
    let replies = "SELECT reply_count FROM comments WHERE id = $1";
    assert_eq!(count(replies, first.clone()).await, 5);
    // Every reply by someone else is noticed for the first comment's writer, in one email job.
    let notices = "SELECT COUNT(*) FROM comment_notices WHERE recipient_id = $1";
    assert_eq!(count(notices, r[0].clone()).await, 5);
    let jobs = "SELECT COUNT(*) FROM jobs WHERE kind = 'send_comment_reply_email' AND payload LIKE '%' || $1 || '%'";
    assert_eq!(count(jobs, r[0].clone()).await, 1);
    // Refused posts count against nobody's rate: only the posts that were written do.
    let attempts = "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM rate_limits WHERE key = 'comment:' || $1";
    assert_eq!(count(attempts, r[8].clone()).await, 3);
    assert_eq!(count(attempts, r[6].clone()).await, 0);
    assert_eq!(count(attempts, r[7].clone()).await, 1);
    // Each thread carries the newest version a post on it answered, and the epoch is there.
    let version = "SELECT version FROM comment_threads WHERE article_id = $1";
    assert_eq!(count(version, a.clone()).await, newest[&a]);
    assert_eq!(count(version, b.clone()).await, newest[&b]);
    assert_eq!(
        s.comments_epoch().await.unwrap(),
        newest[&a].max(newest[&b])
    );
}

#[tokio::test]
async fn sqlite_checkpoints_the_log_in_the_background() {
    if masthead_store::testing::test_backend() != masthead_store::Backend::Sqlite {
        return;
    }
    let db = TestDb::new().await;
    let file = db.dir.path().join("test.db");
    let size = || std::fs::metadata(&file).unwrap().len();
    let before = size();
    // About 2 MB into the log: far below the writer's own automatic checkpoint (10,000 pages).
    let (section, author) = seed(&db.store).await;
    for i in 0..40 {
        let mut a = article(&format!("long-{i}"), &section, &author, 5);
        a.body_text = "words ".repeat(8_000);
        db.store.save_article(&a).await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while size() < before + 1_000_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file did not grow: the log was not checkpointed ({} -> {} bytes)",
            before,
            size()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_article_scan_pages_through_published_articles_and_maps_only_its_own_connection() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (section, author) = seed(s).await;
    for slug in ["one", "two", "three"] {
        s.save_article(&article(slug, &section, &author, 5))
            .await
            .unwrap();
    }
    let mut draft = article("draft", &section, &author, 5);
    draft.status = ArticleStatus::Draft;
    s.save_article(&draft).await.unwrap();
    let mut scan = s.article_scan().await.unwrap();
    let first = scan.published_index_rows(None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let rest = scan
        .published_index_rows(Some(&first[1].id), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1, "the draft is not in a rebuild");
    assert!(first[0].id < first[1].id && first[1].id < rest[0].id);
    assert_eq!(rest[0].authors[0].name, "Inés Okafor");
    assert_eq!(rest[0].tags[0].slug, "transport");
    drop(scan);
    if masthead_store::testing::test_backend() == masthead_store::Backend::Sqlite {
        // The scan's memory map left with its connection: every pooled one reads unmapped.
        let mut conns = Vec::new();
        for _ in 0..8 {
            conns.push(s.reader().acquire().await.unwrap());
        }
        for c in &mut conns {
            let size: i64 = sqlx::query_scalar("PRAGMA mmap_size")
                .fetch_one(&mut **c)
                .await
                .unwrap();
            assert_eq!(size, 0);
        }
    }
}

#[tokio::test]
async fn a_burst_of_wrong_codes_gets_no_more_tries_than_a_request_allows() {
    use masthead_core::{EmailAddress, secret};
    use masthead_store::sign_in::{
        CODE_ATTEMPTS, CodeOutcome, NewSession, NewSignInRequest, Purpose, SessionLengths,
    };
    let db = TestDb::new().await;
    let email = EmailAddress::parse("burst@example.com").unwrap();
    let req = NewSignInRequest {
        purpose: Purpose::Register,
        email: email.clone(),
        reader_id: None,
        new_email: None,
        terms_version: Some("t".into()),
        daily_edition: false,
        return_to: "/".into(),
        valid_for_ms: 600_000,
        wall_article_id: None,
        bind_hash: None,
    };
    let id = db
        .store
        .create_sign_in_request(&req, &[])
        .await
        .unwrap()
        .unwrap();
    let code = "12345678";
    let issued = db
        .store
        .issue_sign_in_secrets(&id, &secret::sha256_hex("token"), &secret::sha256_hex(code))
        .await
        .unwrap();
    assert!(issued);
    let session = || NewSession {
        id_hash: secret::sha256_hex(&secret::random_token()),
        lengths: SessionLengths {
            reader_ms: 60_000,
            staff_ms: 60_000,
        },
    };
    // Twenty wrong guesses at once: on PostgreSQL they run side by side.
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (store, email, s) = (db.store.clone(), email.clone(), session());
        guesses.spawn(async move {
            let wrong = secret::sha256_hex(&format!("{:08}", 50_000_000 + i));
            store
                .sign_in_with_code(&email, &wrong, None, &s)
                .await
                .unwrap()
        });
    }
    let mut wrong = 0;
    while let Some(outcome) = guesses.join_next().await {
        match outcome.unwrap() {
            CodeOutcome::Wrong => wrong += 1,
            CodeOutcome::NoneLive => {}
            CodeOutcome::Accepted(_) => panic!("a wrong code was accepted"),
        }
    }
    assert_eq!(
        wrong, CODE_ATTEMPTS,
        "each try is counted before it is compared"
    );
    // The right code now finds no tries left.
    let outcome = db
        .store
        .sign_in_with_code(&email, &secret::sha256_hex(code), None, &session())
        .await
        .unwrap();
    assert!(matches!(outcome, CodeOutcome::NoneLive), "{outcome:?}");
    assert_jobs_settled(&db.store, 0, 1).await;
}
