//! The newsroom's article list filtered by section and status: keyset pages that hold exactly
//! the matching articles, newest change first, and a plan that reads them from
//! `articles_section_status_updated` in order (no sort, no scan of the section's other rows).

use masthead_core::{AccessLevel, ArticleStatus, Slug};
use masthead_store::{
    Backend, Store,
    content::ArticleInput,
    newsroom::{ArticleListItem, ArticleQuery},
    testing::TestDb,
};
use sqlx::Row;

fn article(n: usize, section: &str, author: &str, status: ArticleStatus) -> ArticleInput {
    ArticleInput {
        slug: Slug::parse(&format!("story-{n}")).unwrap(),
        headline: format!("Story {n}"),
        standfirst: String::new(),
        body_markdown: "Body".into(),
        body_html: "<p>Body</p>".into(),
        body_text: "Body".into(),
        section_id: section.into(),
        status,
        access: AccessLevel::Free,
        breaking: false,
        published_at: (status == ArticleStatus::Published)
            .then(|| jiff::Timestamp::from_millisecond(1_700_000_000_000).unwrap()),
        revised_at: None,
        author_ids: vec![author.into()],
        tags: vec![],
        lead_photo: None,
        inline_photos: vec![],
    }
}

async fn all_pages(store: &Store, section: &str, status: ArticleStatus) -> Vec<ArticleListItem> {
    let mut out: Vec<ArticleListItem> = Vec::new();
    loop {
        let page = store
            .newsroom_articles(&ArticleQuery {
                section_id: Some(section.into()),
                status: Some(status),
                before: out.last().map(|a| (a.updated_at, a.id.clone())),
                limit: 4,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

#[tokio::test]
async fn drafts_of_one_section_page_by_keyset_from_their_own_index() {
    let db = TestDb::new().await;
    let s = &db.store;
    let city = s
        .upsert_section(&Slug::parse("city").unwrap(), "City", "", 1)
        .await
        .unwrap();
    let sport = s
        .upsert_section(&Slug::parse("sport").unwrap(), "Sport", "", 2)
        .await
        .unwrap();
    let author = s
        .upsert_author(&Slug::parse("ana-ribeiro").unwrap(), "Ana Ribeiro", "")
        .await
        .unwrap();
    let mut want = Vec::new();
    for n in 0..30 {
        let section = if n % 3 == 0 { &sport } else { &city };
        let status = if n % 2 == 0 {
            ArticleStatus::Draft
        } else {
            ArticleStatus::Published
        };
        let (id, _) = s
            .save_article(&article(n, section, &author, status))
            .await
            .unwrap();
        if section == &city && status == ArticleStatus::Draft {
            want.push(id);
        }
    }

    let got = all_pages(s, &city, ArticleStatus::Draft).await;
    let keys: Vec<(i64, &str)> = got.iter().map(|a| (a.updated_at, a.id.as_str())).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        keys, sorted,
        "newest change first, (updated_at, id) descending"
    );
    let mut ids: Vec<&str> = got.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    want.sort_unstable();
    assert_eq!(ids, want, "every draft of City once, nothing else");
    assert!(
        got.iter()
            .all(|a| a.section_slug == "city" && a.status == ArticleStatus::Draft)
    );

    // The query's shape (newsroom_articles with a section and a status) reads the new index
    // in order. PostgreSQL is told not to scan the table: with 30 rows it would.
    let sql = "SELECT a.id FROM articles a WHERE a.section_id = $1 AND a.status = $2 \
               ORDER BY a.updated_at DESC, a.id DESC LIMIT 51";
    let plan: Vec<String> = match s.backend() {
        Backend::Sqlite => sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .bind(&city)
            .bind("draft")
            .fetch_all(s.reader())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect(),
        Backend::Postgres => {
            let mut tx = s.begin().await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                .bind(&city)
                .bind("draft")
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            rows.iter()
                .map(|r| r.try_get::<String, _>(0).unwrap())
                .collect()
        }
    };
    let text = plan.join("\n");
    assert!(text.contains("articles_section_status_updated"), "{text}");
    assert!(
        !text.contains("TEMP B-TREE") && !text.contains("Sort"),
        "no sort: {text}"
    );
}
