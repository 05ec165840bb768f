//! Search through HTTP on the real app and a real database: the results page, the JSON API,
//! bad input, filters, typos, the wall, "read more", index updates through the job queue, and
//! rebuilding the index while the server answers.

use std::time::{Duration, Instant};

use crate::common::{TestApp, spawn_app, spawn_app_with, write};

const SITE: &str = r#"
[[sections]]
slug = "city"
name = "City"

[[sections]]
slug = "sport"
name = "Sport"

[[sections]]
slug = "culture"
name = "Culture"

[[authors]]
slug = "rui-costa"
name = "Rui Costa"
"#;

fn article(
    headline: &str,
    section: &str,
    author: &str,
    published: &str,
    access: &str,
    tags: &str,
    body: &str,
) -> String {
    format!(
        "---\nheadline: \"{headline}\"\nstandfirst: \"About {headline}.\"\nsection: {section}\ntags: [{tags}]\nauthors: [{author}]\npublished: {published}\naccess: {access}\n---\n{body}\n"
    )
}

/// A dozen short articles written for these tests, imported through the real importer (so each
/// is indexed by the `index_article` job, not by a rebuild).
async fn import_corpus(app: &TestApp) {
    let dir = app.db.data_dir().join("corpus");
    write(&dir, "site.toml", SITE);
    let articles = [
        (
            "tram.md",
            article(
                "Tram line to reach the eastern docks",
                "city",
                "ana-ribeiro",
                "2026-03-02T10:00:00Z",
                "free",
                "Transport",
                "Councillors voted to extend the number 9 tram to the eastern docks.\n\nConstruction starts next spring.",
            ),
        ),
        (
            "night.md",
            article(
                "Night trams return on weekends",
                "city",
                "Tom Vale",
                "2026-03-06T10:00:00Z",
                "free",
                "Transport",
                "After a pause, night trams are back.\n\nThe operator hired twelve drivers.",
            ),
        ),
        (
            "marathon.md",
            article(
                "Marathon course record falls in the rain",
                "sport",
                "rui-costa",
                "2026-03-10T10:00:00Z",
                "free",
                "Athletics",
                "Heavy rain did not slow the leaders.\n\nVolunteers handed out ponchos at the finish.",
            ),
        ),
        (
            "mayor.md",
            article(
                "The mayor on housing and the harbour",
                "city",
                "Tom Vale",
                "2026-03-11T10:00:00Z",
                "metered",
                "Council",
                "The mayor wants ten thousand new homes.\n\nShe defended the dredging of the harbour.\n\nPlans for a stadium were, she said, only a rumour.",
            ),
        ),
        (
            "jazz.md",
            article(
                "Jazz festival fills the harbour warehouses",
                "culture",
                "rui-costa",
                "2026-03-08T10:00:00Z",
                "free",
                "Music, Harbour",
                "The festival moved into two empty harbour warehouses.\n\nThe acoustics surprised the musicians.",
            ),
        ),
        (
            "library.md",
            article(
                "Central library reopens after renovation",
                "culture",
                "ana-ribeiro",
                "2026-03-12T10:00:00Z",
                "free",
                "Books",
                "The central library reopened after two years of renovation.\n\nOpening hours now run until ten.",
            ),
        ),
        (
            "budget.md",
            article(
                "Budget puts more money into schools",
                "city",
                "ana-ribeiro",
                "2026-03-05T10:00:00Z",
                "registered",
                "Council",
                "The budget raises spending on schools.\n\nMost of it repairs roofs.\n\nThe opposition called the sums secretive.",
            ),
        ),
        (
            "cafe.md",
            article(
                "Café culture returns to the old town",
                "culture",
                "Tom Vale",
                "2026-03-07T10:00:00Z",
                "free",
                "Food",
                "Terraces are full again on the square.\n\nA pastry shop opened its third café.",
            ),
        ),
    ];
    for (name, text) in &articles {
        write(&dir, &format!("articles/{name}"), text);
    }
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    wait_for(app, "/api/v1/search?q=library", |v| {
        found(v, "Central library reopens after renovation")
    })
    .await;
    // The worker indexes articles concurrently: the library may come before the others.
    index_jobs_done(app).await;
}

/// Runs the `index_article` jobs (and any other job due now) to the end, with those the app's
/// worker holds.
async fn index_jobs_done(app: &TestApp) {
    app.run_jobs_due_by(masthead_store::now_ms()).await;
}

/// Whether a result of the API answer `v` has this headline (a total alone could count the
/// hits of a spelling correction).
fn found(v: &serde_json::Value, headline: &str) -> bool {
    v["results"]
        .as_array()
        .is_some_and(|rs| rs.iter().any(|r| r["headline"] == headline))
}

/// Polls the API until `done` holds, failing after 5 seconds (the index should take well
/// under one).
async fn wait_for(
    app: &TestApp,
    path: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let res = app.get(path).await;
        let body: serde_json::Value = res.json().await.unwrap();
        if done(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{path} never satisfied: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn json(app: &TestApp, path: &str) -> (u16, serde_json::Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn urls(v: &serde_json::Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_results_page_ranks_highlights_and_counts() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, html) = app.text("/search?q=trams").await;
    assert_eq!(status, 200);
    // Both tram articles, the one with "trams" in its headline first.
    let night = html
        .find("Night <mark>trams</mark> return on weekends")
        .expect(&html);
    let line = html
        .find("<mark>Tram</mark> line to reach the eastern docks")
        .expect(&html);
    assert!(night < line, "{html}");
    assert!(html.contains("2 articles found."), "{html}");
    assert!(html.contains("value=\"trams\""), "the query is shown back");
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    // The second request is the cached page, with validators.
    let res = app.get("/search?q=trams").await;
    let etag = res.headers()["etag"].clone();
    let res = app
        .client
        .get(app.url("/search?q=trams"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    app.stop().await;
}

#[tokio::test]
async fn markup_in_a_query_is_harmless() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, html) = app
        .text("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%20library")
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; library")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; library"),
        "{html}"
    );
    // No article has all those words: those with some, said so.
    assert!(
        html.contains("Central <mark>library</mark> reopens"),
        "{html}"
    );
    assert!(
        html.contains("No article contains all of these words"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_helpful_page_never_a_500() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    // Nothing typed yet: the form and a hint.
    let (status, html) = app.text("/search?q=").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Search every article we have published"),
        "{html}"
    );
    let (status, _) = app.text("/search").await;
    assert_eq!(status, 200);
    let long = "a".repeat(1100);
    for (path, says) in [
        (format!("/search?q={long}"), "too long"),
        ("/search?q=%00%01%FF%FE".to_owned(), "not text"),
        ("/search?q=%3F%21%2A".to_owned(), "no words"),
        ("/search?q=tram&page=abc".to_owned(), "not a page number"),
        ("/search?q=tram&page=0".to_owned(), "not a page number"),
        ("/search?q=tram&from=2026-13-45".to_owned(), "is not a date"),
        (
            "/search?q=tram&from=2026-03-10&to=2026-03-01".to_owned(),
            "after the",
        ),
        (
            "/search?q=tram&sort=sideways".to_owned(),
            "relevance or newest",
        ),
    ] {
        let (status, html) = app.text(&path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(says), "{path}: {html}");
        assert!(html.contains("role=\"alert\""), "{path}");
    }
    // Broken syntax is read as words: unbalanced quotes, stray operators, field syntax.
    for q in [
        "%22eastern%20docks",
        "tram%20AND%20OR%20((",
        "title%3Atram%20-%2B",
        "%22%22%22",
    ] {
        let res = app.get(&format!("/search?q={q}")).await;
        assert!(
            matches!(res.status().as_u16(), 200 | 400),
            "{q}: {}",
            res.status()
        );
    }
    let (_, html) = app.text("/search?q=%22eastern%20docks").await;
    assert!(
        html.contains("<mark>eastern</mark> <mark>docks</mark>"),
        "{html}"
    );
    // A page past the last shows the last.
    let (status, html) = app.text("/search?q=tram&page=99").await;
    assert_eq!(status, 200);
    assert!(html.contains("<mark>Tram</mark> line to reach"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn an_empty_result_says_what_to_try() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, html) = app.text("/search?q=zeppelin&section=sport").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("No articles match “zeppelin” with these filters."),
        "{html}"
    );
    assert!(html.contains("Search all sections"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn filters_narrow_by_section_author_and_date() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (_, all) = json(&app, "/api/v1/search?q=harbour").await;
    assert!(all["total"].as_u64().unwrap() >= 3, "{all}");
    let (_, v) = json(&app, "/api/v1/search?q=harbour&section=culture").await;
    assert_eq!(urls(&v), vec!["jazz-festival-fills-the-harbour-warehouses"]);
    // Tom Vale wrote the mayor's interview and co-wrote the fixture's crane story.
    let (_, v) = json(&app, "/api/v1/search?q=harbour&author=tom-vale").await;
    let mut got = urls(&v);
    got.sort();
    assert_eq!(
        got,
        vec![
            "harbour-crane-lifts-a-record-load",
            "the-mayor-on-housing-and-the-harbour"
        ]
    );
    // Dates are days in the publication's time zone; "to" includes its day.
    let (_, v) = json(
        &app,
        "/api/v1/search?q=harbour&from=2026-03-08&to=2026-03-08",
    )
    .await;
    assert_eq!(urls(&v), vec!["jazz-festival-fills-the-harbour-warehouses"]);
    let (_, v) = json(
        &app,
        "/api/v1/search?q=harbour&from=2026-03-09&to=2026-03-31",
    )
    .await;
    assert_eq!(urls(&v), vec!["the-mayor-on-housing-and-the-harbour"]);
    // Newest first.
    let (_, v) = json(&app, "/api/v1/search?q=harbour&sort=newest").await;
    let dates: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["published"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    app.stop().await;
}

#[tokio::test]
async fn typos_are_corrected_and_said_so() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, html) = app.text("/search?q=marathin").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Showing results for <strong>marathon</strong>"),
        "{html}"
    );
    assert!(
        html.contains("<mark>Marathon</mark> course record"),
        "{html}"
    );
    let (_, v) = json(&app, "/api/v1/search?q=libary").await;
    assert_eq!(v["corrected"], "library");
    assert_eq!(v["total"], 1);
    app.stop().await;
}

#[tokio::test]
async fn gated_articles_are_found_but_quoted_only_from_their_lead_in() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    // "rumour" is only in the third paragraph of a metered article.
    let (_, v) = json(&app, "/api/v1/search?q=rumour").await;
    assert_eq!(urls(&v), vec!["the-mayor-on-housing-and-the-harbour"]);
    let snippet = v["results"][0]["snippet_html"].as_str().unwrap();
    assert!(
        !snippet.contains("rumour") && !snippet.contains("stadium"),
        "{snippet}"
    );
    assert!(snippet.contains("ten thousand new homes"), "{snippet}");
    let (_, html) = app.text("/search?q=rumour").await;
    assert!(!html.contains("stadium"), "{html}");
    // A registered-only article is found by its lead-in, and quoted only from it. (Found by
    // the words under its wall only by signed-in readers: the test below.)
    let (_, v) = json(&app, "/api/v1/search?q=roofs").await;
    assert_eq!(v["total"], 1);
    assert!(
        !v["results"][0]["snippet_html"]
            .as_str()
            .unwrap()
            .contains("secretive")
    );
    app.stop().await;
}

#[tokio::test]
async fn words_under_the_wall_answer_nothing_to_readers_it_walls() {
    use crate::common::browser::{Browser, register, spawn_with_smtp};
    let (app, smtp) = spawn_with_smtp().await;
    import_corpus(&app).await;
    // "secretive" is only in the gated third paragraph of a registered-only article: for a
    // signed-out reader, not found, not counted, and neither corrected to nor from.
    for (q, _) in [("secretive", ()), ("secretiv", ())] {
        let (_, v) = json(&app, &format!("/api/v1/search?q={q}")).await;
        assert_eq!(v["total"], 0, "{q}: {v}");
        assert_ne!(v["corrected"], "secretive", "{q}: {v}");
        let (_, html) = app.text(&format!("/search?q={q}")).await;
        assert!(!html.contains("Budget puts more money"), "{q}");
        assert!(!html.contains("<strong>secretive</strong>"), "{q}");
    }
    // A stale or made-up session cookie is not signed in.
    let res = app
        .client
        .get(app.url("/api/v1/search?q=secretive"))
        .header("cookie", "mh_session=not-a-session")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["total"], 0, "{v}");
    // A signed-in reader searches everything, and is corrected to the word.
    let reader = Browser::new();
    register(&app, &smtp, &reader, "reader@example.com").await;
    let res = reader
        .client
        .get(app.url("/api/v1/search?q=secretive"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(urls(&v), vec!["budget-puts-more-money-into-schools"], "{v}");
    let (_, html) = reader.get(&app, "/search?q=secretiv").await;
    assert!(
        html.contains("Showing results for <strong>secretive</strong>"),
        "{html}"
    );
    assert!(html.contains("Budget puts more money"));
    // Metered articles stay searchable by everyone: any signed-out reader may open one.
    let (_, v) = json(&app, "/api/v1/search?q=rumour").await;
    assert_eq!(urls(&v), vec!["the-mayor-on-housing-and-the-harbour"]);
    app.stop().await;
}

#[tokio::test]
async fn the_api_answers_json_and_json_errors() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, v) = json(&app, "/api/v1/search?q=ponchos").await;
    assert_eq!(status, 200);
    assert_eq!(v["query"], "ponchos");
    assert_eq!(v["total"], 1);
    assert_eq!(v["page"], 1);
    let r = &v["results"][0];
    assert_eq!(r["headline"], "Marathon course record falls in the rain");
    assert_eq!(
        r["url"],
        format!("http://127.0.0.1:8080/sport/marathon-course-record-falls-in-the-rain")
    );
    assert_eq!(r["section"]["slug"], "sport");
    assert_eq!(r["authors"][0]["name"], "Rui Costa");
    assert_eq!(r["published"], "2026-03-10T10:00:00Z");
    assert!(
        r["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<mark>ponchos</mark>")
    );
    for (path, says) in [
        ("/api/v1/search", "required"),
        ("/api/v1/search?q=%20", "required"),
        ("/api/v1/search?q=tram&page=x", "not a page number"),
        ("/api/v1/search?q=%00", "not text"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 400, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: serde_json::Value = res.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{path}: {v}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn publishing_editing_and_unpublishing_update_the_index_through_the_job() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let dir = app.db.data_dir().join("later");
    write(&dir, "site.toml", SITE);
    let ferry = |headline: &str, status: &str| {
        format!(
            "---\nheadline: \"{headline}\"\nsection: city\nauthors: [ana-ribeiro]\npublished: 2026-03-20T08:00:00Z\nstatus: {status}\nslug: ferry\n---\nThe ferry timetable changes on Monday.\n"
        )
    };
    write(
        &dir,
        "articles/ferry.md",
        &ferry("Ferry timetable changes", "published"),
    );
    let before = app.state.search.generation();
    let started = Instant::now();
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    let v = wait_for(&app, "/api/v1/search?q=ferry", |v| {
        found(v, "Ferry timetable changes")
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // The searcher is reloaded just before the generation is counted (so a results page is
    // never cached under a generation older than what it shows): the count may trail by a hair.
    let deadline = Instant::now() + Duration::from_secs(1);
    while app.state.search.generation() <= before {
        assert!(
            Instant::now() < deadline,
            "the index generation did not move"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(v["results"][0]["headline"], "Ferry timetable changes");
    // The cached results page is not served stale after the change.
    let (_, html) = app.text("/search?q=timetable").await;
    assert!(
        html.contains("Ferry <mark>timetable</mark> changes"),
        "{html}"
    );
    // Editing replaces the entry.
    write(
        &dir,
        "articles/ferry.md",
        &ferry("Ferry timetable delayed a week", "published"),
    );
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    wait_for(&app, "/api/v1/search?q=delayed", |v| {
        found(v, "Ferry timetable delayed a week")
    })
    .await;
    let (_, v) = json(&app, "/api/v1/search?q=ferry").await;
    assert_eq!(v["total"], 1, "one entry per article: {v}");
    let (_, html) = app.text("/search?q=timetable").await;
    assert!(
        html.contains("Ferry <mark>timetable</mark> delayed a week"),
        "{html}"
    );
    // Unpublishing takes it out.
    write(
        &dir,
        "articles/ferry.md",
        &ferry("Ferry timetable delayed a week", "draft"),
    );
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    wait_for(&app, "/api/v1/search?q=ferry", |v| {
        !found(v, "Ferry timetable delayed a week")
    })
    .await;
    // No index job is left behind.
    index_jobs_done(&app).await;
    app.stop().await;
}

/// Once the index holds every article, the once-a-second catch-up applies nothing: the index
/// generation (part of every cached results page's key) stays put. It used to re-index every
/// article stamped in the five seconds before the newest change, every second, forever on a
/// quiet site: after a bulk import, thousands of articles a second and a core kept busy.
#[tokio::test]
async fn a_quiet_site_leaves_its_index_alone() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    // The newest change is a moment old: well inside the catch-up's overlap. Let the watcher
    // settle it (two ticks), then watch it tick three more times.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let before = app.state.search.generation();
    let (_, first) = app.text("/search?q=tram").await;
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    assert_eq!(
        app.state.search.generation(),
        before,
        "a catch-up with nothing new changed the index"
    );
    let (_, again) = app.text("/search?q=tram").await;
    assert_eq!(first, again);
    // A new change is still picked up at once.
    let dir = app.db.data_dir().join("later");
    write(&dir, "site.toml", SITE);
    write(
        &dir,
        "articles/ferry.md",
        "---\nheadline: \"Ferry timetable changes\"\nsection: city\nauthors: [ana-ribeiro]\npublished: 2026-03-20T08:00:00Z\nslug: ferry\n---\nThe ferry timetable changes on Monday.\n",
    );
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    wait_for(&app, "/api/v1/search?q=ferry", |v| {
        found(v, "Ferry timetable changes")
    })
    .await;
    assert!(app.state.search.generation() > before);
    index_jobs_done(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_article_leaves_the_index() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (id, _) = app
        .db
        .store
        .published_article_access("cafe-culture-returns-to-the-old-town")
        .await
        .unwrap()
        .unwrap();
    // The newsroom's delete (a later issue) will enqueue this job in its transaction; no store
    // function deletes an article yet, so the test deletes the row.
    let mut tx = app.db.store.begin().await.unwrap();
    sqlx::query("DELETE FROM articles WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    masthead_store::search_feed::enqueue_index(&mut tx, &id, masthead_store::now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.state.jobs_wake.notify_one();
    wait_for(&app, "/api/v1/search?q=pastry", |v| {
        !found(v, "Café culture returns to the old town")
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn reindexing_while_serving_keeps_answering_and_is_adopted() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let before = app.state.search.build_info();
    let store = app.db.store.clone();
    let data_dir = app.db.data_dir();
    let rebuild = tokio::spawn(async move {
        masthead_web::search::rebuild(&store, &data_dir, &Default::default(), |_, _| {}).await
    });
    // Queries keep being answered during the rebuild and the swap.
    let start = Instant::now();
    let mut answered = 0;
    while !rebuild.is_finished() || start.elapsed() < Duration::from_millis(1500) {
        let (status, v) = json(&app, "/api/v1/search?q=library").await;
        assert_eq!(status, 200);
        assert_eq!(v["total"], 1, "{v}");
        answered += 1;
        if start.elapsed() > Duration::from_secs(2) && app.state.search.build_info() != before {
            break;
        }
    }
    assert!(answered > 3);
    let (info, size) = rebuild.await.unwrap().unwrap();
    assert!(size > 0);
    assert_eq!(info.documents, 10);
    let start = Instant::now();
    while app.state.search.build_info() == before {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the server never adopted the rebuilt index"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.state.search.build_info(), info);
    let (_, v) = json(&app, "/api/v1/search?q=library").await;
    assert_eq!(v["total"], 1);
    // The adopted index still takes updates.
    let dir = app.db.data_dir().join("after");
    write(&dir, "site.toml", SITE);
    write(
        &dir,
        "articles/a.md",
        &article(
            "Observatory opens on the library roof",
            "culture",
            "ana-ribeiro",
            "2026-03-21T10:00:00Z",
            "free",
            "Books",
            "Telescopes for everyone.",
        ),
    );
    app.import(&dir).await;
    app.state.jobs_wake.notify_one();
    wait_for(&app, "/api/v1/search?q=observatory", |v| {
        found(v, "Observatory opens on the library roof")
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_missing_or_damaged_index_is_rebuilt_at_start() {
    use masthead_web::search::open_at_start;
    // No server here: the index is opened as `serve` opens it at start.
    let db = masthead_store::testing::TestDb::new().await;
    let src = db.data_dir().join("fixture");
    crate::common::fixture(&src);
    let options = masthead_import::ImportOptions::new(db.data_dir().join("media"));
    masthead_import::Importer::new(&db.store, options)
        .run(&masthead_import::plan(&[src]).unwrap(), |_, _| {})
        .await
        .unwrap();
    let data_dir = db.data_dir();
    let search = Default::default();
    // As `serve` opens it: a small archive is rebuilt before serving.
    let rebuilt_before_serving = || async {
        let index = open_at_start(&db.store, &data_dir, &search, 10_000)
            .await
            .unwrap();
        assert!(
            !index.rebuilding(),
            "a small archive is rebuilt before serving"
        );
        index
    };
    // Missing: built from the database.
    let index = rebuilt_before_serving().await;
    assert_eq!(index.num_docs(), 2);
    drop(index);
    // Damaged: rebuilt.
    let link = data_dir.join("search-index");
    let target = data_dir.join(std::fs::read_link(&link).unwrap());
    std::fs::write(target.join("meta.json"), b"{ not json").unwrap();
    let index = rebuilt_before_serving().await;
    assert_eq!(index.num_docs(), 2);
    assert_ne!(data_dir.join(std::fs::read_link(&link).unwrap()), target);
    drop(index);
    // A dangling link: rebuilt.
    let target = data_dir.join(std::fs::read_link(&link).unwrap());
    std::fs::remove_dir_all(&target).unwrap();
    let index = rebuilt_before_serving().await;
    assert_eq!(index.num_docs(), 2);
    drop(index);
    // Over the limit: an empty index at once, and the caller is told to rebuild.
    let target = data_dir.join(std::fs::read_link(&link).unwrap());
    std::fs::remove_dir_all(&target).unwrap();
    let index = open_at_start(&db.store, &data_dir, &search, 1)
        .await
        .unwrap();
    assert!(index.rebuilding(), "two articles are over a limit of one");
    // (Catching up may already have added these seconds-old articles to the empty build.)
    assert_eq!(index.build_info().documents, 0);
    let (info, _) = masthead_web::search::rebuild(&db.store, &data_dir, &search, |_, _| {})
        .await
        .unwrap();
    assert_eq!(info.documents, 2);
    assert!(index.follow_swap().unwrap().is_some());
    assert_eq!(index.num_docs(), 2);
}

#[tokio::test]
async fn a_large_archive_is_served_at_once_and_its_index_rebuilt_in_the_background() {
    // Any archive is "large" here: the fixture's articles are in the database, the index is not.
    let app = spawn_app_with(|c| c.search_rebuild_before_serving_max = 0).await;
    let rebuilding = || app.state.search.rebuilding();
    // The server answered from the start; the rebuilt index is adopted and the flag cleared.
    let start = Instant::now();
    while rebuilding() || app.state.search.num_docs() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the background rebuild was not adopted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.state.search.build_info().documents, 2);
    let (status, v) = json(&app, "/api/v1/search?q=crane").await;
    assert_eq!(status, 200);
    assert!(found(&v, "Harbour crane <lifts> a record load"), "{v}");
    assert_eq!(v["rebuilding"], false);
    let (_, html) = app.text("/search?q=crane").await;
    assert!(!html.contains("Search is being rebuilt"));
    // While a rebuild runs, readers are told their results are incomplete.
    app.state.search.set_rebuilding(true);
    let (_, v) = json(&app, "/api/v1/search?q=crane").await;
    assert_eq!(v["rebuilding"], true);
    let (_, html) = app.text("/search?q=harbour").await;
    assert!(html.contains("Search is being rebuilt"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn article_pages_end_with_related_articles() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (status, html) = app
        .text("/culture/jazz-festival-fills-the-harbour-warehouses")
        .await;
    assert_eq!(status, 200);
    let aside = &html[html.find("<aside class=\"read-more\"").expect(&html)..];
    let aside = &aside[..aside.find("</aside>").unwrap()];
    assert!(aside.contains("Read more"));
    // Harbour articles relate to a harbour article; it never lists itself.
    assert!(aside.contains("harbour"), "{aside}");
    assert!(
        !aside.contains("/culture/jazz-festival-fills-the-harbour-warehouses"),
        "{aside}"
    );
    let items = aside.matches("<li>").count();
    assert!((1..=4).contains(&items), "{aside}");
    app.stop().await;
}

#[tokio::test]
async fn the_results_page_and_api_answer_read_as_expected() {
    let app = spawn_app().await;
    import_corpus(&app).await;
    let (_, html) = app.text("/search?q=harbour&section=culture").await;
    let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap() + 7];
    insta::assert_snapshot!("search_results_main", main);
    let (_, v) = json(&app, "/api/v1/search?q=night%20trams").await;
    insta::assert_snapshot!("search_api", serde_json::to_string_pretty(&v).unwrap());
    app.stop().await;
}

#[tokio::test]
async fn searches_that_reach_the_index_are_limited_per_client() {
    let app = spawn_app_with(|c| c.search_per_minute = 3).await;
    // Three different searches (page and API share the bucket)…
    for path in [
        "/api/v1/search?q=crane",
        "/search?q=harbour",
        "/api/v1/search?q=derby",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    // …then a fourth is refused, with when to come back.
    let res = app.get("/api/v1/search?q=goal").await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let v: serde_json::Value = res.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Too many searches")
    );
    let (status, html) = app.text("/search?q=goal").await;
    assert_eq!(status, 429);
    assert!(html.contains("Too many searches"), "{html}");
    // What is cached costs nothing: the same answers are still served.
    let res = app.get("/api/v1/search?q=crane").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(app.get("/search?q=harbour").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_deep_page_is_the_last_page_at_no_extra_cost() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/search?q=crane&page=100000",
        "/api/v1/search?q=crane&page=1000",
    ] {
        let (status, v) = json(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(v["page"], 1, "{path}");
        assert!(found(&v, "Harbour crane <lifts> a record load"), "{v}");
    }
    let (status, _) = app.text("/search?q=crane&page=100000").await;
    assert_eq!(status, 200);
    app.stop().await;
}
